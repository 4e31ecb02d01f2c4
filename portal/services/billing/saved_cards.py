"""The one saved card a customer's automatic payments use: changing it keeps the old one, marked replaced.

What is checked about a typed card (and a hosted form's card id) lives in :mod:`cards`; only the
gateway's token, the brand, last 4 and expiry are kept here.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from portal.core import clock, events
from portal.core.principal import Scope, customer_of
from portal.core.visibility import scoped
from portal.models import SavedCard
from portal.services.billing import cards
from portal.services.billing.cards import (
    HOSTED_CARD_MISSING,
    HOSTED_NOT_AVAILABLE,
    PAYMENT_METHOD_ID,
    CardInput,
)
from portal.services.billing.gateways import Gateway, GatewayError, HostedGateway, SavedCardToken
from portal.services.billing.invoices import PAGE


class CardError(Exception):
    """A card that cannot be saved; ``field_errors`` as in :func:`cards.check` (``form``: not a field)."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(field_errors.values()))
        self.field_errors = field_errors


def current_card(session: Session, customer_id: int) -> SavedCard | None:
    return session.exec(
        select(SavedCard)
        .where(SavedCard.customer_id == customer_id, SavedCard.replaced_at.is_(None))
        .order_by(SavedCard.id.desc())
    ).first()


def change_card(session: Session, scope: Scope, card: CardInput, gateway: Gateway, today: date) -> SavedCard:
    """Save a new card for automatic payments; the old one is kept, marked replaced, for the history."""
    scope.require(PAGE)
    customer_of(scope)  # a read-only view is refused before the card reaches the gateway
    errors = cards.check(card, today)
    if errors:
        raise CardError(errors)
    try:
        saved = gateway.save_card(card)
    except GatewayError as exc:
        raise CardError({"form": exc.message}) from None
    return _keep_card(session, scope, gateway, saved, card.name)


def change_card_hosted(
    session: Session, scope: Scope, name: str, payment_method_id: str, gateway: Gateway
) -> SavedCard:
    """Save a card the customer gave the processor's hosted form: it is attached to the customer's
    account at the processor (the one the current card belongs to, else a new one)."""
    scope.require(PAGE)
    name = " ".join(str(name or "").split())
    if not name or len(name) > cards.NAME_MAX:
        raise CardError({"name": cards.NAME_REQUIRED})
    if not isinstance(payment_method_id, str) or not PAYMENT_METHOD_ID.fullmatch(payment_method_id):
        raise CardError({"form": HOSTED_CARD_MISSING})
    if not isinstance(gateway, HostedGateway):
        raise CardError({"form": HOSTED_NOT_AVAILABLE})
    current = current_card(session, customer_of(scope))
    customer_ref = ""
    if current is not None and current.gateway == gateway.name:
        customer_ref = gateway.customer_ref(current.gateway_token)
    try:
        saved = gateway.save_payment_method(customer_ref, payment_method_id)
    except GatewayError as exc:
        raise CardError({"form": exc.message}) from None
    return _keep_card(session, scope, gateway, saved, name)


def _keep_card(
    session: Session, scope: Scope, gateway: Gateway, saved: SavedCardToken, name: str
) -> SavedCard:
    now = clock.now()
    for old in session.exec(
        scoped(select(SavedCard), scope, SavedCard).where(SavedCard.replaced_at.is_(None))
    ).all():
        old.replaced_at = now
        session.add(old)
    row = SavedCard(
        customer_id=customer_of(scope),
        gateway=gateway.name,
        gateway_token=saved.token,
        brand=saved.brand,
        last4=saved.last4,
        exp_month=saved.exp_month,
        exp_year=saved.exp_year,
        name_on_card=" ".join(str(name).split())[:200],
    )
    session.add(row)
    session.flush()
    events.audit(session, scope, "card.changed", row, detail={"brand": row.brand, "last4": row.last4})
    return row
