"""Manage Payments: the automatic payments, the one saved card they use, and cancelling autopay."""

from __future__ import annotations

import json

import reflex as rx

from portal import config
from portal.core import tenant
from portal.core.principal import own_customer
from portal.db import unit_of_work
from portal.models import Page
from portal.services.billing import autopay, cards, invoices, saved_cards
from portal.services.billing.gateways import get_gateway
from portal.state import arguments
from portal.state.billing.payment import card_from
from portal.state.display import DASH, day, money
from portal.state.session import SessionState


class ManagePaymentsState(SessionState):
    rows: list[dict[str, str]] = []
    card: str = ""
    card_expiry: str = ""
    card_open: bool = False
    card_errors: dict[str, str] = {}
    busy: bool = False
    # Stripe's hosted element instead of our card inputs; its publishable key and script are public.
    hosted: bool = False
    stripe_key: str = ""
    stripe_js: str = ""
    cancelling: str = ""  # the recurring invoice number waiting for confirmation
    loaded: bool = False
    _cancel_id: int = 0
    _card_name: str = ""

    def _reload(self) -> None:
        scope = self._scope(Page.INVOICES)
        if scope is None:
            return
        with unit_of_work() as session:
            found = autopay.automatic_payments(session, scope)
            saved = saved_cards.current_card(session, own_customer(scope))
            currency = invoices.summary(session, scope, tenant.today(session)).currency
        self.rows = [
            {
                "id": str(r.id),
                "number": str(r.number),
                "name": r.name,
                "site": r.site_name,
                "total": money(r.total_cents, currency),
                "frequency": r.frequency,
                "last": day(r.last_paid_on),
                "next": day(r.next_due_on),
            }
            for r in found
        ]
        self.card = f"{saved.brand.title()} •••• {saved.last4}" if saved else ""
        self.card_expiry = f"{saved.exp_month:02d}/{saved.exp_year % 100:02d}" if saved else DASH
        self.loaded = True

    @rx.event
    def load(self):
        self.card_open, self.cancelling, self._cancel_id = False, "", 0
        self._reload()

    @rx.event
    def open_card(self):
        settings = config.settings()
        self.hosted = settings.payment_gateway == "stripe"
        self.stripe_key = settings.stripe_publishable_key if self.hosted else ""
        self.stripe_js = settings.stripe_js_url if self.hosted else ""
        self.card_open, self.card_errors, self.busy = True, {}, False

    @rx.event
    def set_card_open(self, is_open: bool):
        if not self.busy:
            self.card_open = bool(is_open)

    @rx.event
    def save_card(self, form: dict):
        """Change Card Details: the new card replaces the old for every automatic payment."""
        scope = self._scope(Page.INVOICES)
        if scope is None or self.busy:
            return None
        if self.hosted:
            return self._ask_stripe(arguments.text(arguments.form(form).get("name"), 200))
        self.busy = True
        try:
            with unit_of_work() as session:
                saved_cards.change_card(session, scope, card_from(form), get_gateway(), tenant.today(session))
        except saved_cards.CardError as exc:
            self.card_errors = dict(exc.field_errors)
            return None
        finally:
            self.busy = False
        return self._saved()

    def _ask_stripe(self, name: str):
        """Stripe's element holds the card: the browser turns it into a PaymentMethod id first."""
        self._card_name = " ".join(name.split())[:200]
        if not self._card_name:
            self.card_errors = {"name": cards.NAME_REQUIRED}
            return None
        self.busy, self.card_errors = True, {}
        return rx.call_script(
            f"window.portalStripe.paymentMethod({json.dumps(self._card_name)})",
            callback=ManagePaymentsState.hosted_card,
        )

    @rx.event
    def hosted_card(self, answer: dict):
        scope = self._scope(Page.INVOICES)
        if scope is None or not self.hosted or not self.busy:
            return None
        answer = answer if isinstance(answer, dict) else {}
        try:
            if not answer.get("id"):
                raise saved_cards.CardError(
                    {"form": str(answer.get("error") or "The card was not accepted.")[:300]}
                )
            with unit_of_work() as session:
                saved_cards.change_card_hosted(
                    session, scope, self._card_name, str(answer["id"])[:255], get_gateway()
                )
        except saved_cards.CardError as exc:
            self.card_errors = dict(exc.field_errors)
            return None
        finally:
            self.busy = False
        return self._saved()

    def _saved(self):
        self.card_open, self.card_errors = False, {}
        self._reload()
        return rx.toast.success("Card saved. Automatic payments will use it from now on.")

    @rx.event
    def ask_cancel(self, recurring_id: str):
        match = next((r for r in self.rows if r["id"] == str(recurring_id)), None)
        self.cancelling = match["number"] if match else ""
        self._cancel_id = int(match["id"]) if match else 0

    @rx.event
    def keep(self):
        self.cancelling, self._cancel_id = "", 0

    @rx.event
    def confirm_cancel(self):
        scope = self._scope(Page.INVOICES)
        if scope is None or not self._cancel_id:
            return None
        with unit_of_work() as session:
            done = autopay.cancel_autopay(session, scope, self._cancel_id)
        number, self.cancelling, self._cancel_id = self.cancelling, "", 0
        self._reload()
        if done is None:
            return rx.toast.error("That automatic payment is not available.")
        return rx.toast.success(f"Automatic payment for recurring invoice #{number} cancelled.")
