"""The Stripe adapter behind the Gateway interface, for contractors who take real card payments.

Card numbers never reach this server when Stripe is used: the browser hands the card to Stripe's own
hosted element and we receive only a PaymentMethod id. The card-number methods of the Gateway
protocol therefore refuse to run instead of quietly sending a number through our server, which
would put the portal in scope for card-data rules it is not built to meet.

Each instance has its own ``StripeClient``, so the secret key and API address are never module-level
state shared with other code (and a test can point one instance at a local stand-in for the API).
The portal's attempt key is sent as Stripe's Idempotency-Key, so a retry, whether by the library
after a network error or by the portal after a crash, is answered with the first charge rather than
a second one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import stripe
from stripe.params import PaymentIntentCreateParams

from portal.services.billing.cards import CardInput
from portal.services.billing.gateways import ChargeResult, GatewayError, SavedCardToken

STRIPE = "stripe"
# Saved-card tokens hold both ids Stripe needs for an off-session charge; Stripe ids never contain ":".
ID_SEPARATOR = ":"

HOSTED_FORM_ONLY = "Card details must be collected by Stripe's own form; pass a payment method id"
NEEDS_ACTION = "Your bank needs you to confirm this payment."
DECLINED = "Your card was declined."
NOT_COMPLETED = "The payment could not be completed. Please try again."
UNAVAILABLE = "The payment service is not available at the moment. Please try again shortly."
UNKNOWN_SAVED_CARD = "The saved card is not known to the payment gateway. Please enter your card again."

# Stripe's code (or decline code) → the message the customer reads, worded like the sandbox's.
CARD_MESSAGES = {
    "card_declined": DECLINED,
    "generic_decline": DECLINED,
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "incorrect_number": "That card number is not valid.",
    "processing_error": NOT_COMPLETED,
}


class StripeGateway:
    name = STRIPE

    def __init__(self, secret_key: str, api_base: str | None = None, max_network_retries: int = 2):
        if not secret_key:
            raise ValueError("a Stripe secret key is required for the stripe gateway")
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base} if api_base else {},
            max_network_retries=max_network_retries,
        )

    @classmethod
    def from_settings(cls, settings: Any) -> StripeGateway:
        return cls(settings.stripe_secret_key, settings.stripe_api_base or None)

    # The Gateway protocol's card-number methods: refused, see the module docstring.

    def charge(
        self, amount_cents: int, currency: str, card: CardInput, idempotency_key: str, description: str
    ) -> ChargeResult:
        raise GatewayError(HOSTED_FORM_ONLY, "hosted_form_required")

    def save_card(self, card: CardInput) -> SavedCardToken:
        raise GatewayError(HOSTED_FORM_ONLY, "hosted_form_required")

    # What the portal calls with Stripe.

    def charge_payment_method(
        self,
        amount_cents: int,
        currency: str,
        payment_method_id: str,
        idempotency_key: str,
        description: str,
        metadata: Mapping[str, str] | None = None,
    ) -> ChargeResult:
        """Charge a card the customer just entered in Stripe's element; ``metadata`` lets a webhook find the
        payment."""
        _check(amount_cents, idempotency_key)
        if not payment_method_id:
            raise ValueError("a payment method id is required")
        params: PaymentIntentCreateParams = {
            "amount": amount_cents,
            "currency": currency.lower(),
            "payment_method": payment_method_id,
            # Cards only. The API version this library pins (endive) refuses the older
            # payment_method_types with a 400 (payment_method_types_no_longer_supported).
            "allowed_payment_method_types": ["card"],
            "confirm": True,
            "description": description[:1000],
            "metadata": {"attempt_key": idempotency_key, **dict(metadata or {})},
        }
        return self._create_intent(params, idempotency_key)

    def charge_saved(
        self, amount_cents: int, currency: str, token: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        """Charge the saved card while the customer is away (automatic payments)."""
        _check(amount_cents, idempotency_key)
        customer_ref, _, payment_method_id = token.partition(ID_SEPARATOR)
        if not customer_ref or not payment_method_id:
            return ChargeResult(False, "", "resource_missing", UNKNOWN_SAVED_CARD)
        params: PaymentIntentCreateParams = {
            "amount": amount_cents,
            "currency": currency.lower(),
            "customer": customer_ref,
            "payment_method": payment_method_id,
            "allowed_payment_method_types": ["card"],
            "confirm": True,
            "off_session": True,
            "description": description[:1000],
            "metadata": {"attempt_key": idempotency_key},
        }
        return self._create_intent(params, idempotency_key)

    def save_payment_method(self, customer_ref: str, payment_method_id: str) -> SavedCardToken:
        """Attach a card from Stripe's element to the customer (created when ``customer_ref`` is empty)."""
        if not payment_method_id:
            raise ValueError("a payment method id is required")
        try:
            if not customer_ref:
                customer_ref = self.client.v1.customers.create({}).id
            pm = self.client.v1.payment_methods.attach(
                payment_method_id, {"customer": customer_ref}
            ).to_dict()
        except stripe.CardError as exc:
            code = _code(exc)
            raise GatewayError(CARD_MESSAGES.get(code, DECLINED), code) from None
        except stripe.StripeError as exc:
            raise GatewayError(UNAVAILABLE, exc.code or "stripe_error") from None
        card = pm.get("card") or {}
        return SavedCardToken(
            token=f"{customer_ref}{ID_SEPARATOR}{pm['id']}",
            brand=str(card.get("brand") or ""),
            last4=str(card.get("last4") or ""),
            exp_month=int(card.get("exp_month") or 0),
            exp_year=int(card.get("exp_year") or 0),
        )

    @staticmethod
    def customer_ref(token: str) -> str:
        """The Stripe customer a saved-card token belongs to, so a new card joins the same customer."""
        return token.partition(ID_SEPARATOR)[0]

    def card_of(self, payment_method_id: str) -> SavedCardToken:
        """Brand, last 4 and expiry of a card entered in Stripe's element, as Stripe has them."""
        try:
            pm = self.client.v1.payment_methods.retrieve(payment_method_id).to_dict()
        except stripe.InvalidRequestError:
            raise GatewayError(NOT_COMPLETED, "resource_missing") from None
        except stripe.StripeError as exc:
            raise GatewayError(UNAVAILABLE, exc.code or "stripe_error") from None
        card = pm.get("card") or {}
        if pm.get("type") != "card" or not card:
            raise GatewayError(NOT_COMPLETED, "not_a_card")
        return SavedCardToken(
            token=str(pm["id"]),
            brand=str(card.get("brand") or ""),
            last4=str(card.get("last4") or ""),
            exp_month=int(card.get("exp_month") or 0),
            exp_year=int(card.get("exp_year") or 0),
        )

    def _create_intent(self, params: PaymentIntentCreateParams, idempotency_key: str) -> ChargeResult:
        try:
            intent = self.client.v1.payment_intents.create(
                params, {"idempotency_key": idempotency_key}
            ).to_dict()
        except stripe.CardError as exc:
            code = _code(exc)
            failed = _error_dict(exc).get("payment_intent") or {}
            ref = str(failed.get("id") or "")
            return ChargeResult(False, ref, code, CARD_MESSAGES.get(code, DECLINED))
        except stripe.StripeError as exc:
            # Not the customer's card: a bad key, a bad request or Stripe unreachable. After a timeout the
            # charge may still have happened; the webhook finds the payment by the attempt key in metadata.
            return ChargeResult(False, "", exc.code or type(exc).__name__, UNAVAILABLE)
        return _result(intent)


def _error_dict(exc: stripe.StripeError) -> dict[str, Any]:
    """The error body Stripe sent, as plain dicts (the library's objects are not dicts)."""
    return exc.error.to_dict() if exc.error is not None else {}


def _result(intent: dict[str, Any]) -> ChargeResult:
    status = intent.get("status")
    if status == "succeeded":
        return ChargeResult(True, intent["id"])
    if status in ("requires_action", "requires_confirmation"):
        return ChargeResult(False, intent["id"], "requires_action", NEEDS_ACTION)
    if status == "processing":
        return ChargeResult(False, intent["id"], "processing", "Your payment is processing.")
    error = intent.get("last_payment_error") or {}
    code = str(error.get("decline_code") or error.get("code") or "payment_failed")
    return ChargeResult(False, intent["id"], code, CARD_MESSAGES.get(code, NOT_COMPLETED))


def _code(exc: stripe.StripeError) -> str:
    """The most specific reason: a card_declined error says why in its decline code."""
    decline: str | None = _error_dict(exc).get("decline_code")
    if decline and decline in CARD_MESSAGES and decline != "generic_decline":
        return decline
    return exc.code or decline or "card_declined"


def _check(amount_cents: int, idempotency_key: str) -> None:
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValueError("amount_cents must be a positive whole number of cents")
    if not idempotency_key:
        raise ValueError("an idempotency key is required")
