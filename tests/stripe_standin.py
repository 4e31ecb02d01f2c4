"""A loopback stand-in for Stripe: its API (for the portal's server) and Stripe.js (for the browser).

Stripe cannot be reached from the test machines, so the tests check our side of the contract
against answers shaped like Stripe's documented ones. The fake Stripe.js plays the hosted card
element: it draws its own card input inside the element's box and, like the real one, sends the
number to "Stripe" (this stand-in) and hands the page only a PaymentMethod id, so a browser test
can show that the number never travels to the portal.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

# The test PaymentMethods Stripe documents, and the card numbers the fake element turns into them.
CARDS = {
    "pm_card_visa": ("visa", "4242"),
    "pm_card_chargeDeclined": ("visa", "0002"),
    "pm_card_chargeDeclinedInsufficientFunds": ("visa", "9995"),
    "pm_card_chargeDeclinedIncorrectCvc": ("visa", "0127"),
    "pm_card_threeDSecure2Required": ("visa", "3220"),
    "pm_flaky": ("visa", "4242"),
}
NUMBERS = {
    "4242424242424242": "pm_card_visa",
    "4000000000000002": "pm_card_chargeDeclined",
    "4000000000009995": "pm_card_chargeDeclinedInsufficientFunds",
    "4000000000000127": "pm_card_chargeDeclinedIncorrectCvc",
    "4000000000003220": "pm_card_threeDSecure2Required",
}

STRIPE_JS = """
window.Stripe = function (publishableKey) {
  const api = document.currentScript ? new URL(document.currentScript.src).origin : '%(origin)s';
  let input = null;
  return {
    elements() {
      return {
        create(kind) {
          return {
            mount(box) {
              box.innerHTML = '';
              input = document.createElement('input');
              input.id = 'standin-card-number';
              input.setAttribute('aria-label', 'Card number (Stripe test element)');
              box.appendChild(input);
            },
            on() {},
            destroy() { input = null; },
          };
        },
      };
    },
    async createPaymentMethod({type, card, billing_details}) {
      const body = new URLSearchParams({type, 'card[number]': input ? input.value.replace(/\\s+/g, '') : '',
                                        'billing_details[name]': (billing_details || {}).name || '',
                                        key: publishableKey});
      const answer = await fetch('%(origin)s/v1/payment_methods', {method: 'POST', body});
      const data = await answer.json();
      return answer.ok ? {paymentMethod: data} : {error: data.error};
    },
  };
};
"""


def _intent(form: dict, status: str) -> dict:
    return {
        "id": "pi_" + form["payment_method"][0],
        "object": "payment_intent",
        "status": status,
        "amount": int(form["amount"][0]),
        "currency": form["currency"][0],
    }


def _card(pm_id: str) -> dict:
    brand, last4 = CARDS[pm_id]
    return {
        "id": pm_id,
        "object": "payment_method",
        "type": "card",
        "card": {"brand": brand, "last4": last4, "exp_month": 12, "exp_year": 2031},
    }


class StandIn(BaseHTTPRequestHandler):
    requests: list[dict] = []
    flaky_seen: set[str] = set()

    def log_message(self, *args):
        pass

    def _send(
        self,
        status: int,
        body: dict | str,
        headers: dict | None = None,
        content_type: str = "application/json",
    ):
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_test")
        self.send_header("Access-Control-Allow-Origin", "*")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_OPTIONS(self):
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST")
        self.send_header("Access-Control-Allow-Headers", "Content-Type")
        self.end_headers()

    def do_GET(self):
        self.requests.append({"method": "GET", "path": self.path, "headers": dict(self.headers), "form": {}})
        if self.path.startswith("/stripe.js"):
            origin = f"http://{self.headers['Host']}"
            return self._send(200, STRIPE_JS % {"origin": origin}, content_type="application/javascript")
        if self.path.startswith("/v1/payment_methods/"):
            pm_id = self.path.split("/")[3].split("?")[0]
            if pm_id in CARDS:
                return self._send(200, _card(pm_id))
            return self._send(
                404,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "resource_missing",
                        "message": f"No such PaymentMethod: '{pm_id}'",
                    }
                },
            )
        return self._send(404, {"error": {"type": "invalid_request_error", "message": "no such route"}})

    def do_POST(self):
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        form = parse_qs(raw)
        self.requests.append(
            {"method": "POST", "path": self.path, "headers": dict(self.headers), "form": form}
        )
        if self.path == "/v1/payment_methods":  # from the fake Stripe.js in the browser
            pm_id = NUMBERS.get(form.get("card[number]", [""])[0])
            if pm_id is None:
                return self._send(
                    402,
                    {
                        "error": {
                            "type": "card_error",
                            "code": "incorrect_number",
                            "message": "Your card number is incorrect.",
                        }
                    },
                )
            return self._send(200, _card(pm_id))
        if self.path == "/v1/payment_intents":
            return self._payment_intent(form)
        if self.path == "/v1/customers":
            return self._send(200, {"id": f"cus_standin{len(self.requests)}", "object": "customer"})
        if self.path.startswith("/v1/payment_methods/") and self.path.endswith("/attach"):
            pm_id = self.path.split("/")[3]
            return self._send(
                200,
                {
                    **_card(pm_id if pm_id in CARDS else "pm_card_visa"),
                    "id": pm_id,
                    "customer": form["customer"][0],
                },
            )
        return self._send(404, {"error": {"type": "invalid_request_error", "message": "no such route"}})

    def _payment_intent(self, form: dict):
        if "payment_method_types[0]" in form:  # as Stripe answers on the API version stripe 16 pins
            return self._send(
                400,
                {
                    "error": {
                        "type": "invalid_request_error",
                        "code": "payment_method_types_no_longer_supported",
                        "message": "Use allowed_payment_method_types instead.",
                    }
                },
            )
        pm = form["payment_method"][0]
        if pm == "pm_card_visa":
            return self._send(200, _intent(form, "succeeded"))
        if pm == "pm_card_threeDSecure2Required":
            return self._send(200, _intent(form, "requires_action"))
        if pm == "pm_flaky" and self.headers["Idempotency-Key"] not in self.flaky_seen:
            self.flaky_seen.add(self.headers["Idempotency-Key"])
            return self._send(
                503, {"error": {"type": "api_error", "message": "try again"}}, {"Stripe-Should-Retry": "true"}
            )
        if pm == "pm_flaky":
            return self._send(200, _intent(form, "succeeded"))
        if pm == "pm_card_chargeDeclinedIncorrectCvc":
            return self._send(
                402,
                {
                    "error": {
                        "type": "card_error",
                        "code": "incorrect_cvc",
                        "message": "Your card's security code is incorrect.",
                    }
                },
            )
        decline = {
            "pm_card_chargeDeclined": "generic_decline",
            "pm_card_chargeDeclinedInsufficientFunds": "insufficient_funds",
        }.get(pm, "generic_decline")
        return self._send(
            402,
            {
                "error": {
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": decline,
                    "message": "Your card was declined.",
                    "payment_intent": _intent(form, "requires_payment_method"),
                }
            },
        )


@contextmanager
def stripe_standin() -> Iterator[tuple[str, list[dict]]]:
    """The stand-in's base URL and the requests it received, for as long as the block runs."""
    StandIn.requests = []
    StandIn.flaky_seen = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", StandIn.requests
    finally:
        server.shutdown()
        server.server_close()
