"""Payment gateways behind one interface, so the payment flow never knows which processor it talks to.

The sandbox is the default for demos and self-hosters: it answers the well-known test card numbers
like a processor's test mode and refuses every other number, so a real card typed into a demo is
never mistaken for a payment. It is deterministic rather than stateful: the reference is derived
from the idempotency key, so a retry on another worker or after a restart gives the same answer a
real processor would give for a replayed idempotency key.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from portal import config
from portal.services.billing import cards
from portal.services.billing.cards import CardInput

SANDBOX = "sandbox"
SAVED_PREFIX = "tok_sandbox_"
# Saved from 4000 0000 0000 0341: the card saves, but charging it later is declined.
SAVED_DECLINES_PREFIX = "tok_sandbox_decline_"

DECLINED = "Your card was declined."
NOT_TEST_CARD = "Use a test card number in the sandbox."
UNKNOWN_SAVED_CARD = "The saved card is not known to the payment gateway. Please enter your card again."

SUCCEEDS = "4242424242424242"
SAVES_THEN_DECLINES = "4000000000000341"
# Test number → (decline code, message the customer reads).
SANDBOX_DECLINES: dict[str, tuple[str, str]] = {
    "4000000000000002": ("card_declined", DECLINED),
    "4000000000009995": ("insufficient_funds", "Your card has insufficient funds."),
    "4000000000000069": ("expired_card", "Your card has expired."),
    "4000000000000127": ("incorrect_cvc", "Your card's security code is incorrect."),
}


@dataclass(frozen=True)
class ChargeResult:
    ok: bool
    reference: str
    decline_code: str = ""
    message: str = ""


@dataclass(frozen=True)
class SavedCardToken:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


class GatewayError(Exception):
    """The gateway refused to save a card; ``message`` is meant for the customer."""

    def __init__(self, message: str, decline_code: str = ""):
        super().__init__(message)
        self.message = message
        self.decline_code = decline_code


class Gateway(Protocol):
    name: str

    def charge(
        self, amount_cents: int, currency: str, card: CardInput, idempotency_key: str, description: str
    ) -> ChargeResult: ...

    def charge_saved(
        self, amount_cents: int, currency: str, token: str, idempotency_key: str, description: str
    ) -> ChargeResult: ...

    def save_card(self, card: CardInput) -> SavedCardToken: ...


@runtime_checkable
class HostedGateway(Gateway, Protocol):
    """A processor whose own hosted form takes the card (Stripe): the portal holds only the card's id."""

    def charge_payment_method(
        self,
        amount_cents: int,
        currency: str,
        payment_method_id: str,
        idempotency_key: str,
        description: str,
        metadata: Mapping[str, str] | None = None,
    ) -> ChargeResult: ...

    def save_payment_method(self, customer_ref: str, payment_method_id: str) -> SavedCardToken: ...

    def customer_ref(self, token: str) -> str: ...

    def card_of(self, payment_method_id: str) -> SavedCardToken: ...


def _reference(idempotency_key: str) -> str:
    return "ch_sandbox_" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


class SandboxGateway:
    name = SANDBOX

    def charge(
        self, amount_cents: int, currency: str, card: CardInput, idempotency_key: str, description: str
    ) -> ChargeResult:
        _check_amount(amount_cents, idempotency_key)
        number = card.digits
        ref = _reference(idempotency_key)
        if number == SUCCEEDS:
            return ChargeResult(True, ref)
        if number in SANDBOX_DECLINES:
            code, message = SANDBOX_DECLINES[number]
            return ChargeResult(False, ref, code, message)
        return ChargeResult(False, "", "test_mode_live_card", NOT_TEST_CARD)

    def charge_saved(
        self, amount_cents: int, currency: str, token: str, idempotency_key: str, description: str
    ) -> ChargeResult:
        _check_amount(amount_cents, idempotency_key)
        ref = _reference(idempotency_key)
        if token.startswith(SAVED_DECLINES_PREFIX):
            return ChargeResult(False, ref, "card_declined", DECLINED)
        if token.startswith(SAVED_PREFIX):
            return ChargeResult(True, ref)
        return ChargeResult(False, "", "resource_missing", UNKNOWN_SAVED_CARD)

    def save_card(self, card: CardInput) -> SavedCardToken:
        number = card.digits
        if number == SUCCEEDS:
            token = SAVED_PREFIX + secrets.token_hex(12)
        elif number == SAVES_THEN_DECLINES:
            token = SAVED_DECLINES_PREFIX + secrets.token_hex(12)
        elif number in SANDBOX_DECLINES:
            code, message = SANDBOX_DECLINES[number]
            raise GatewayError(message, code)
        else:
            raise GatewayError(NOT_TEST_CARD, "test_mode_live_card")
        exp = cards.expiry(card.exp_month, card.exp_year)
        if exp is None:
            raise GatewayError(cards.EXPIRY_INVALID, "invalid_expiry")
        return SavedCardToken(token, cards.brand(number), cards.last4(number), exp[0], exp[1])


def _check_amount(amount_cents: int, idempotency_key: str) -> None:
    # A programming error, not a decline: money is whole positive cents and every charge has a key.
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValueError("amount_cents must be a positive whole number of cents")
    if not idempotency_key:
        raise ValueError("an idempotency key is required")


GATEWAYS: dict[str, Callable[[], Gateway]] = {SANDBOX: SandboxGateway}


def get_gateway(name: str | None = None) -> Gateway:
    """The configured gateway (``payment_gateway`` in the settings), the sandbox when none is set."""
    chosen = name or config.settings().payment_gateway or SANDBOX
    if chosen == "stripe":
        from portal.services.billing.stripe_gateway import StripeGateway

        return StripeGateway.from_settings(config.settings())
    try:
        return GATEWAYS[chosen]()
    except KeyError:
        raise ValueError(f"unknown payment gateway: {chosen!r}") from None
