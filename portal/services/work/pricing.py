"""Pricing a quote and sending it: the one rule for the office's screen and the demo.

Pricing is a draft: the lines, totals and valid-until date are stored and ``priced_at`` is set, but
the quote stays Outstanding, so the customer still reads "Awaiting pricing" and no cost. Sending
moves it to Actioned (the customer sees it with its Cost and may decide) and mails the quote
contacts. Once the customer has accepted or declined, the price is what they agreed to (or
refused) and neither pricing nor sending changes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, select

from portal.core import clock, dates, events, tenant, visibility
from portal.core.money import format_money
from portal.core.principal import MAX_ID, Duty, StaffMember, require_duty
from portal.core.text import one_line
from portal.models import Contact, OptionalItem, Quote, QuoteDecision, QuoteItem, QuoteStage, Site
from portal.services.identity.contacts import recipients
from portal.services.messaging import mail

KINDS = ("labour", "material", "other")
KIND_LABELS = {"labour": "Labour", "material": "Material", "other": "Other"}
MAX_LINES = 100
MAX_QUANTITY = 100_000
MAX_UNIT_CENTS = 100_000_000  # one million in the contractor's currency, per unit
DESCRIPTION_MAX = 500
MAX_VALID_DAYS = 366

NOT_AVAILABLE = "That quote is not available."
DECIDED = "The customer has already accepted or declined this quote, so its price cannot change."
NO_LINES = "Add at least one line."
NOT_PRICED = "Price the quote and save it before sending it."
TOO_MANY = f"A quote has at most {MAX_LINES} lines."
GONE = "That price-list item is no longer available."


class PricingError(ValueError):
    """The quote cannot be priced or sent as asked; ``field_errors`` says where (``form``: the whole
    quote, ``line-<n>``: the n-th line, ``valid_until``)."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(field_errors.values()))
        self.field_errors = field_errors


@dataclass(frozen=True)
class LineInput:
    """One line as the editor sends it; any field may be any value."""

    kind: Any = "other"
    description: Any = ""
    quantity: Any = 1
    unit_price_cents: Any = 0
    optional_item_id: Any = None  # a price-list line: its kind (and, left blank, its name) come from there


@dataclass(frozen=True)
class Line:
    kind: str  # labour, material or other
    description: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    optional_item_id: int | None = None


@dataclass(frozen=True)
class Totals:
    subtotal_cents: int
    tax_cents: int
    total_cents: int


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip() if isinstance(value, str) else ""
    return int(text) if text.lstrip("-").isdigit() and len(text) <= 12 else None


def _price_list_item(session: Session, value: Any) -> OptionalItem | None:
    """An active price-list item by an id from the browser; ``offered`` only limits what customers add."""
    item_id = _whole(value)
    if item_id is None or not 0 < item_id <= MAX_ID:
        return None
    return session.exec(
        select(OptionalItem).where(OptionalItem.id == item_id, OptionalItem.is_active)
    ).first()


def _line(session: Session, raw: LineInput) -> Line | str:
    """The checked line, or why it cannot be used."""
    item: OptionalItem | None = None
    if raw.optional_item_id not in (None, "", 0, "0"):
        item = _price_list_item(session, raw.optional_item_id)
        if item is None:
            return GONE
    kind = str(item.kind) if item is not None else raw.kind
    if kind not in KINDS:
        return "Choose labour, material or other."
    description = one_line(raw.description) or (item.name if item is not None else "")
    if not description:
        return "Enter a description."
    if len(description) > DESCRIPTION_MAX:
        return f"Use at most {DESCRIPTION_MAX} characters for the description."
    quantity = _whole(raw.quantity)
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
        return f"The quantity must be a whole number from 1 to {MAX_QUANTITY:,}."
    unit = _whole(raw.unit_price_cents)
    if unit is None or not 0 <= unit <= MAX_UNIT_CENTS:
        return "The unit price must be an amount of at least zero."
    return Line(kind, description, quantity, unit, quantity * unit, item.id if item is not None else None)


def check_lines(session: Session, lines: Sequence[LineInput]) -> list[Line]:
    """Every line checked, or :class:`PricingError` naming each bad one; nothing is read past the cap."""
    if len(lines) > MAX_LINES:
        raise PricingError({"form": TOO_MANY})
    if not lines:
        raise PricingError({"form": NO_LINES})
    checked: list[Line] = []
    errors: dict[str, str] = {}
    for n, raw in enumerate(lines):
        found = _line(session, raw) if isinstance(raw, LineInput) else "Not a line."
        if isinstance(found, str):
            errors[f"line-{n}"] = found
        else:
            checked.append(found)
    if errors:
        raise PricingError(errors)
    return checked


def totals(lines: Sequence[Line], rate_bp: int) -> Totals:
    """Tax on the whole subtotal, rounded once (``tenant.tax_on``), as every document of the portal does."""
    return Totals(*tenant.totals_at((line.total_cents for line in lines), rate_bp))


def default_valid_until(session: Session, today: date) -> date:
    return today + timedelta(days=tenant.contractor(session).quote_validity_days)


def read_valid_until(session: Session, raw: Any, today: date) -> date:
    """The valid-until date from the editor (blank: the contractor's default), from today up to a year."""
    if raw in (None, ""):
        return default_valid_until(session, today)
    found = raw if isinstance(raw, date) else dates.read_day(raw)
    if isinstance(found, str):
        raise PricingError({"valid_until": found})
    if not today <= found <= today + timedelta(days=MAX_VALID_DAYS):
        raise PricingError({"valid_until": "Choose a date from today to a year from now."})
    return found


def _open(session: Session, staff: StaffMember, quote_id: Any) -> Quote:
    quote = visibility.get(session, staff, Quote, quote_id)
    if quote is None:
        raise PricingError({"form": NOT_AVAILABLE})
    if quote.decision != QuoteDecision.NONE:
        raise PricingError({"form": DECIDED})
    return quote


def _facts(quote: Quote) -> dict[str, Any]:
    return {
        "stage": str(quote.stage),
        "subtotal_cents": quote.subtotal_cents,
        "tax_cents": quote.tax_cents,
        "total_cents": quote.total_cents,
        "valid_until": quote.valid_until.isoformat() if quote.valid_until else None,
    }


def price_quote(
    session: Session,
    staff: StaffMember,
    quote_id: Any,
    lines: Sequence[LineInput],
    valid_until: Any,
    today: date,
    now: datetime | None = None,
) -> Quote:
    """Save the quote's price as a draft: its lines replace any before, tax on the subtotal.

    An Outstanding quote stays out of the customer's sight as priced until :func:`send_quote`. A
    quote already sent and not decided goes back to Outstanding: the customer may accept only a
    price the office sent, so a new price waits for its own Send (and the customer's screen, live,
    stops offering the old one).
    """
    require_duty(staff, Duty.ACTION_QUOTES)
    quote = _open(session, staff, quote_id)
    checked = check_lines(session, lines)
    until = read_valid_until(session, valid_until, today)
    assert quote.id is not None, "loaded from the database"
    before = _facts(quote)
    session.exec(delete(QuoteItem).where(QuoteItem.quote_id == quote.id))
    for order, line in enumerate(checked):
        session.add(
            QuoteItem(
                quote_id=quote.id,
                optional_item_id=line.optional_item_id,
                kind="" if line.kind == "other" else line.kind,
                description=line.description,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                total_cents=line.total_cents,
                sort_order=order,
            )
        )
    money = totals(checked, tenant.contractor(session).tax_rate_bp)
    quote.subtotal_cents, quote.tax_cents, quote.total_cents = (
        money.subtotal_cents,
        money.tax_cents,
        money.total_cents,
    )
    quote.valid_until = until
    quote.priced_at = now or clock.now()
    quote.stage, quote.actioned_on = QuoteStage.OUTSTANDING, None
    session.add(quote)
    session.flush()
    detail = {"before": before, "after": {**_facts(quote), "lines": len(checked)}}
    events.audit(session, staff, "quote.priced", quote, detail=detail, customer_id=quote.customer_id)
    return quote


def quote_contacts(session: Session, quote: Quote) -> list[Contact]:
    """Who hears that the quote is ready: the customer's quote contacts, else the quote's own contact."""
    return recipients(
        session,
        quote.customer_id,
        "is_quote_contact",
        site_id=quote.site_id,
        fallback_contact_id=quote.contact_id,
    )


def send_quote(session: Session, staff: StaffMember, quote_id: Any, today: date) -> Quote:
    """Send the priced quote: Actioned today, so the customer sees its Cost and may decide, and the
    quote contacts are mailed a link."""
    require_duty(staff, Duty.ACTION_QUOTES)
    quote = _open(session, staff, quote_id)
    has_lines = session.exec(select(QuoteItem.id).where(QuoteItem.quote_id == quote.id).limit(1)).first()
    if quote.priced_at is None or has_lines is None:
        raise PricingError({"form": NOT_PRICED})
    if quote.valid_until is not None and quote.valid_until < today:
        raise PricingError({"valid_until": "The valid-until date has passed: change it and save first."})
    before = _facts(quote)
    quote.stage = QuoteStage.ACTIONED
    quote.actioned_on = today
    session.add(quote)
    session.flush()
    site = session.get(Site, quote.site_id)
    contacts = quote_contacts(session, quote)
    mail.queue_quote_ready(
        session,
        contacts,
        quote.number,
        site.name if site is not None else "your site",
        format_money(quote.total_cents, tenant.currency(session)),
    )
    detail = {"before": before, "after": _facts(quote), "mailed": [c.email for c in contacts]}
    events.audit(session, staff, "quote.sent", quote, detail=detail, customer_id=quote.customer_id)
    return quote
