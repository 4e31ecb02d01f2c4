"""The Payments pop-up: card details, a confirmation, then the receipt.

The card number and CVV never enter state (Reflex persists state): the inputs are uncontrolled,
their values travel only in the submitted form, and the live checks keep just the brand and
whether the number is valid. With Stripe the number never reaches the portal at all: Stripe's
hosted element takes it, and the browser hands back only a PaymentMethod id. The amount is
worked out on the server from the invoices' balances.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets

import reflex as rx

from portal import config
from portal.core import tenant
from portal.core.money import format_money
from portal.core.principal import ViewOnly
from portal.db import unit_of_work
from portal.models import Page
from portal.services.billing import cards, charges, invoices
from portal.services.billing.cards import CardInput
from portal.services.billing.gateways import get_gateway
from portal.state import arguments
from portal.state.billing.invoices import InvoicesState
from portal.state.billing.statement import StatementState
from portal.state.session import SessionState

log = logging.getLogger(__name__)
BRAND_NAMES = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express", "discover": "Discover"}


def card_from(form: object) -> CardInput:
    fields = arguments.form(form)
    month, _, year = arguments.text(fields.get("expiry"), 10).partition("/")
    return CardInput(
        name=arguments.text(fields.get("name"), 200),
        number=arguments.text(fields.get("number"), 40),
        exp_month=month.strip()[:2],
        exp_year=year.strip()[:4],
        cvv=arguments.text(fields.get("cvv"), 4),
    )


def _pay(scope, invoice_ids: list[int], card: CardInput, attempt_key: str) -> charges.PaymentOutcome:
    with unit_of_work() as session:
        today = tenant.today(session)
        return charges.pay_invoices(session, scope, invoice_ids, card, attempt_key, get_gateway(), today)


def _pay_hosted(
    scope, invoice_ids: list[int], payment_method_id: str, attempt_key: str
) -> charges.PaymentOutcome:
    with unit_of_work() as session:
        today = tenant.today(session)
        return charges.pay_invoices_hosted(
            session, scope, invoice_ids, payment_method_id, attempt_key, get_gateway(), today
        )


TRY_AGAIN = (
    "Something went wrong while taking the payment and nothing was recorded. Press Continue to "
    "try again: the same attempt is sent, so you cannot be charged twice."
)


async def _attempt(pay, *args) -> charges.PaymentOutcome | None:
    """The payment's outcome, or None when it failed unexpectedly (the transaction rolled back).

    A pop-up left spinning tells the customer nothing, and a new attempt key could charge twice;
    the same key replays whatever the processor already did.
    """
    try:
        return await asyncio.to_thread(pay, *args)
    except ViewOnly as refused:  # a staff member viewing the portal as the customer: nothing is charged
        return charges.PaymentOutcome(False, message=str(refused))
    except Exception:
        log.exception("payment attempt failed")
        return None


class PaymentState(SessionState):
    open: bool = False
    step: str = "details"  # details, confirm, done
    lines: list[dict[str, str]] = []
    amount: str = ""
    brand: str = ""
    number_ok: bool = False
    errors: dict[str, str] = {}
    message: str = ""
    receipt: str = ""
    busy: bool = False
    # Stripe's hosted element instead of our card inputs; its publishable key and script are public.
    hosted: bool = False
    stripe_key: str = ""
    stripe_js: str = ""
    _invoice_ids: list[int] = []
    _attempt_key: str = ""
    _currency: str = "AUD"

    @rx.event
    def start(self, invoice_ids: list[str]):
        """Open the pop-up for the chosen invoices: only unpaid ones this login may see are kept."""
        scope = self._scope(Page.INVOICES)
        if scope is None:
            return None
        with unit_of_work() as session:
            rows = invoices.payable(session, scope, arguments.items(invoice_ids, 500))
            currency = invoices.summary(session, scope, tenant.today(session)).currency
        if not rows:
            return rx.toast.error("Choose at least one unpaid invoice to pay.")
        self._invoice_ids, self._currency = [r.id for r in rows], currency
        self.lines = [
            {"number": str(r.number), "balance": format_money(r.total_cents - r.paid_cents, currency)}
            for r in rows
        ]
        self.amount = format_money(sum(r.total_cents - r.paid_cents for r in rows), currency)
        self._attempt_key = secrets.token_urlsafe(24)
        settings = config.settings()
        self.hosted = settings.payment_gateway == "stripe"
        self.stripe_key = settings.stripe_publishable_key if self.hosted else ""
        self.stripe_js = settings.stripe_js_url if self.hosted else ""
        self.step, self.errors, self.message, self.receipt = "details", {}, "", ""
        self.brand, self.number_ok, self.busy, self.open = "", False, False, True
        return None

    @rx.event
    def check_number(self, value: str):
        digits = cards.digits_of(str(value)[:40])
        self.brand = BRAND_NAMES.get(cards.brand(digits), "") if digits else ""
        problem = cards.number_problem(digits)
        self.number_ok = not problem
        # An error already beside the field follows the typing; a first one waits for Pay.
        if "number" in self.errors:
            self.errors = {k: v for k, v in self.errors.items() if k != "number"} | (
                {"number": problem} if problem else {}
            )

    @rx.event
    def back(self):
        self.step = "details"

    @rx.event
    def set_open(self, is_open: bool):
        if not is_open and not self.busy:
            self.open = False

    @rx.event
    async def submit(self, form: dict):
        """Pay first checks the card and asks to confirm; Continue charges it, once."""
        scope = self._scope(Page.INVOICES)
        if scope is None or self.busy or not self._invoice_ids:
            return
        if self.hosted:
            async for update in self._submit_hosted(form):
                yield update
            return
        card = card_from(form)
        with unit_of_work() as session:
            today = tenant.today(session)
        problems = cards.check(card, today)
        if problems:
            self.errors, self.step = problems, "details"
            return
        if self.step == "details":
            self.errors, self.message, self.step = {}, "", "confirm"
            return
        if self.step != "confirm":
            return
        self.busy = True
        yield
        outcome = await _attempt(_pay, scope, self._invoice_ids, card, self._attempt_key)
        for update in self._finish(outcome):
            yield update

    async def _submit_hosted(self, form: dict):
        """Stripe's element holds the card: Continue asks the browser for its PaymentMethod id."""
        name = arguments.text(arguments.form(form).get("name"), 200).strip()
        if not name:
            self.errors, self.step = {"name": cards.NAME_REQUIRED}, "details"
            return
        if self.step == "details":
            self.errors, self.message, self.step = {}, "", "confirm"
            return
        if self.step != "confirm":
            return
        self.busy = True
        yield
        yield rx.call_script(
            f"window.portalStripe.paymentMethod({json.dumps(name)})", callback=PaymentState.hosted_card
        )

    @rx.event
    async def hosted_card(self, answer: dict):
        """The browser's answer from Stripe.js: a PaymentMethod id to charge, or why the card was refused."""
        scope = self._scope(Page.INVOICES)
        if scope is None or not self.hosted or not self.busy or not self._invoice_ids:
            return
        answer = answer if isinstance(answer, dict) else {}
        payment_method_id = str(answer.get("id") or "")[:255]
        if not payment_method_id:
            self.busy, self.step = False, "details"
            self.message = str(answer.get("error") or "The card was not accepted.")[:300]
            return
        outcome = await _attempt(_pay_hosted, scope, self._invoice_ids, payment_method_id, self._attempt_key)
        for update in self._finish(outcome):
            yield update

    def _finish(self, outcome: charges.PaymentOutcome | None):
        self.busy = False
        if outcome is None:  # nothing was recorded: the same attempt key may safely try again
            self.message, self.step = TRY_AGAIN, "confirm"
            return
        if outcome.ok:
            self.step, self.receipt = "done", outcome.receipt_number
            self.amount = format_money(outcome.amount_cents, self._currency)
            on_statement = self.router.url.path.rstrip("/").endswith("/statement")
            yield StatementState.refresh if on_statement else InvoicesState.refresh
            return
        # A declined key always answers the same, so another try needs a new one.
        self._attempt_key = secrets.token_urlsafe(24)
        self.errors = {k: v for k, v in outcome.field_errors.items() if k != "form"}
        self.message, self.step = outcome.message or "The payment did not go through.", "details"
