"""Quotes as the customer sees them: the two lists, one quote's details, accepting and declining.

Everything a customer reaches goes through the scope; the office prices and sends a quote in
:mod:`pricing`. A decision is final: it is written with a
conditional UPDATE, so a double click or a second browser tab cannot accept a quote twice, or
accept one that was just declined.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, or_, update
from sqlmodel import Session

from portal.core import clock, events, exports, tenant, visibility
from portal.core.lists import Cell, Column, Context, ListSpec, Page, PageRequest, PerRequest
from portal.core.money import format_money
from portal.core.principal import Scope
from portal.models import (
    AttachmentOwner,
    Customer,
    Quote,
    QuoteAsset,
    QuoteDecision,
    QuoteItem,
    QuoteStage,
    Site,
)
from portal.models import Page as PageKey
from portal.services.messaging import mail
from portal.services.work.details import WorkDetail, person_name, work_detail, work_list

PAGE = PageKey.QUOTES
QUOTE_TABS = ("outstanding", "actioned")

AWAITING = "Awaiting pricing"
READY = "Ready to accept"
EXPIRED = "Expired"
ACCEPTED = "Accepted"
DECLINED = "Declined"

SIGNER_MAX = 200
ORDER_MAX = 60
REASON_MAX = 2000
ALREADY_DECIDED = "This quote has already been accepted or declined."
NOT_AVAILABLE = "That quote is not available."


class QuoteError(Exception):
    """A decision that cannot be recorded; ``field_errors`` says which field and why (``form``: not a
    field)."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(field_errors.values()))
        self.field_errors = field_errors


@dataclass(frozen=True)
class QuoteRow:
    id: int
    number: int
    site_name: str
    description: str
    order_number: str
    requested_on: date
    status: str
    cost_cents: int | None
    valid_until: date | None


@dataclass(kw_only=True)
class QuoteDetail(WorkDetail):
    status: str
    actioned_on: date | None
    valid_until: date | None
    decision: str
    decided_at: datetime | None
    signer_name: str
    accepted_order_number: str
    decline_reason: str
    can_decide: bool


# Lists.


def quote_status(stage: str, decision: str, valid_until: date | None, today: date) -> str:
    if stage == QuoteStage.OUTSTANDING:
        return AWAITING
    if decision == QuoteDecision.ACCEPTED:
        return ACCEPTED
    if decision == QuoteDecision.DECLINED:
        return DECLINED
    if valid_until is not None and valid_until < today:
        return EXPIRED
    return READY


def _status_sql(today: date) -> Any:
    """The same label as :func:`quote_status`, in SQL, so the Status column sorts as it reads."""
    return case(
        (Quote.stage == QuoteStage.OUTSTANDING, AWAITING),
        (Quote.decision == QuoteDecision.ACCEPTED, ACCEPTED),
        (Quote.decision == QuoteDecision.DECLINED, DECLINED),
        (Quote.valid_until < today, EXPIRED),
        else_=READY,
    )


def _quote_row(values: dict[str, Any], context: Context) -> QuoteRow:
    """A row of the list as the customer reads it: its status worked out for today, no cost until priced."""
    stage, decision, total = values.pop("stage"), values.pop("decision"), values.pop("total")
    return QuoteRow(
        **values,
        status=quote_status(stage, decision, values["valid_until"], context.today),
        cost_cents=None if stage == QuoteStage.OUTSTANDING else total,
    )


# The full description is selected even for a screen: cutting it in SQL (substr) cost PostgreSQL
# more than carrying it, as the cut runs on every row before the sort.
_SHARED = work_list(Quote, "Quote No.")
QUOTES: ListSpec[QuoteRow] = ListSpec(
    name="quotes",
    page=PAGE,
    model=Quote,
    columns=(
        *_SHARED["columns"],
        Column("valid_until", Quote.valid_until),
        Column("stage", Quote.stage),
        Column("decision", Quote.decision),
        Column("total", Quote.total_cents),
    ),
    joins=_SHARED["joins"],
    tabs={tab: Quote.stage == QuoteStage(tab) for tab in QUOTE_TABS},
    search=_SHARED["search"],
    sorts={
        **_SHARED["sorts"],
        "status": PerRequest(lambda context: _status_sql(context.today)),
        # An Outstanding quote's total is the office's unsent draft: it must not order the rows either.
        "cost": case((Quote.stage == QuoteStage.OUTSTANDING, 0), else_=Quote.total_cents),
    },
    default_sort="date",
    row=_quote_row,
    cells=(
        *_SHARED["cells"],
        Cell("Status", lambda q: q.status),
        Cell("Cost", lambda q: exports.cents(q.cost_cents)),
    ),
)
QUOTE_SORTS = tuple(QUOTES.sorts)
CSV_HEADER = QUOTES.csv_header


def list_quotes(
    session: Session, scope: Scope, tab: str, request: PageRequest, today: date
) -> Page[QuoteRow]:
    return QUOTES.rows(session, scope, tab, request, today)


def quote_csv(
    session: Session, scope: Scope, tab: str, search: str, sort: str, descending: bool, today: date
) -> Iterator[str]:
    return QUOTES.csv(
        session, scope, tab, PageRequest(search=search, sort=sort, descending=descending), today
    )


# One quote.


def _can_decide(quote: Quote, today: date) -> bool:
    return (
        quote.stage == QuoteStage.ACTIONED
        and quote.decision == QuoteDecision.NONE
        and (quote.valid_until is None or quote.valid_until >= today)
    )


def quote_detail(session: Session, scope: Scope, quote_id: Any, today: date) -> QuoteDetail | None:
    """Everything needed to decide on a quote, or None when the id is not the contact's to see."""
    scope.require(PAGE)
    quote = visibility.get(session, scope, Quote, quote_id)
    if quote is None:
        return None
    shared = work_detail(
        session,
        quote,
        items=(QuoteItem, QuoteItem.quote_id),
        assets=(QuoteAsset, QuoteAsset.quote_id),
        owner=AttachmentOwner.QUOTE,
    )
    if quote.stage == QuoteStage.OUTSTANDING and quote.priced_at is not None:
        # The office's draft price is not the customer's to see until it is sent.
        shared.update(items=[], subtotal_cents=0, tax_cents=0, total_cents=0)
    return QuoteDetail(
        **shared,
        status=quote_status(quote.stage, quote.decision, quote.valid_until, today),
        actioned_on=quote.actioned_on,
        valid_until=quote.valid_until,
        decision=QuoteDecision(quote.decision).value,
        decided_at=quote.decided_at,
        signer_name=quote.signer_name,
        accepted_order_number=quote.accepted_order_number,
        decline_reason=quote.decline_reason,
        can_decide=_can_decide(quote, today),
    )


# Accepting and declining.


def _one_line(value: Any) -> str:
    return " ".join(str(value or "").split())


def _decidable(session: Session, scope: Scope, quote_id: Any, today: date) -> Quote:
    scope.require(PAGE)
    quote = visibility.get(session, scope, Quote, quote_id)
    if quote is None:
        raise QuoteError({"form": NOT_AVAILABLE})
    if quote.stage != QuoteStage.ACTIONED:
        raise QuoteError(
            {"form": "This quote has not been priced yet, so there is nothing to accept or decline."}
        )
    if quote.decision != QuoteDecision.NONE:
        raise QuoteError({"form": ALREADY_DECIDED})
    if quote.valid_until is not None and quote.valid_until < today:
        raise QuoteError(
            {
                "form": f"This quote expired on {quote.valid_until:%d %b %Y}. "
                "Please ask us for an updated quote."
            }
        )
    return quote


def _record(session: Session, scope: Scope, quote: Quote, today: date, values: dict[str, Any]) -> None:
    """Write the decision only if nobody decided first; of two racing requests exactly one wins."""
    session.flush()
    result = session.exec(
        update(Quote)
        .where(
            Quote.id == quote.id,
            visibility.visible(scope, Quote),
            Quote.stage == QuoteStage.ACTIONED,
            Quote.decision == QuoteDecision.NONE,
            or_(Quote.valid_until.is_(None), Quote.valid_until >= today),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.refresh(quote)
        raise QuoteError({"form": ALREADY_DECIDED})
    session.refresh(quote)


def _announce(session: Session, scope: Scope, quote: Quote, kind: str, payload: dict[str, Any]) -> None:
    assert quote.decided_at is not None, "announced once the decision is recorded"
    payload = {
        "quote_id": quote.id,
        "quote_number": quote.number,
        "contact_id": scope.contact_id,
        "total_cents": quote.total_cents,
        "decided_at": quote.decided_at.isoformat(),
        **payload,
    }
    events.integration(session, kind, quote.customer_id, payload)
    events.audit(session, scope, kind, quote, detail=payload)


def _notify(session: Session, scope: Scope, quote: Quote, verb: str, lines: list[str], kind: str) -> None:
    settings = tenant.contractor(session)
    if not settings.email.strip():
        return
    customer = session.get(Customer, quote.customer_id)
    site = session.get(Site, quote.site_id)
    who = person_name(session, scope.contact_id, quote.customer_id) or "A portal user"
    customer_name = customer.name if customer else ""
    body = "\n".join(
        [
            f"{who} of {customer_name} {verb} quote #{quote.number} in the customer portal.",
            "",
            f"Customer: {customer_name}",
            f"Site: {site.name if site else ''}" + (f" ({site.address})" if site and site.address else ""),
            f"Quote total: {format_money(quote.total_cents, settings.currency)}",
            *lines,
            f"When: {quote.decided_at:%d %b %Y %H:%M} UTC",
            "",
            "Description:",
            quote.description,
        ]
    )
    mail.queue(session, settings.email, f"Quote #{quote.number} {verb} by {customer_name}", body, kind)


def accept_quote(
    session: Session,
    scope: Scope,
    quote_id: Any,
    signer_name: str,
    order_number: str,
    today: date,
    now: datetime | None = None,
) -> Quote:
    quote = _decidable(session, scope, quote_id, today)
    signer, order = _one_line(signer_name), _one_line(order_number)
    errors = {}
    if not signer:
        errors["signer"] = "Enter the name of the person accepting the quote."
    elif len(signer) > SIGNER_MAX:
        errors["signer"] = f"Use at most {SIGNER_MAX} characters."
    if len(order) > ORDER_MAX:
        errors["order_number"] = f"Use at most {ORDER_MAX} characters."
    if errors:
        raise QuoteError(errors)
    now = now or clock.now()
    _record(
        session,
        scope,
        quote,
        today,
        {
            "decision": QuoteDecision.ACCEPTED,
            "decided_at": now,
            "decided_by_contact_id": scope.contact_id,
            "signer_name": signer,
            "accepted_order_number": order,
        },
    )
    _announce(session, scope, quote, "quote.accepted", {"signer_name": signer, "order_number": order})
    _notify(
        session,
        scope,
        quote,
        "accepted",
        [f"Signed by: {signer}", f"Order number: {order or '(none given)'}"],
        "quote_accepted",
    )
    return quote


def decline_quote(
    session: Session, scope: Scope, quote_id: Any, reason: str, today: date, now: datetime | None = None
) -> Quote:
    quote = _decidable(session, scope, quote_id, today)
    reason = str(reason or "").strip()
    if not reason:
        raise QuoteError({"reason": "Tell us why you are declining, so we can do better."})
    if len(reason) > REASON_MAX:
        raise QuoteError({"reason": f"Use at most {REASON_MAX} characters."})
    now = now or clock.now()
    _record(
        session,
        scope,
        quote,
        today,
        {
            "decision": QuoteDecision.DECLINED,
            "decided_at": now,
            "decided_by_contact_id": scope.contact_id,
            "decline_reason": reason,
        },
    )
    _announce(session, scope, quote, "quote.declined", {"reason": reason})
    _notify(session, scope, quote, "declined", ["Reason:", reason], "quote_declined")
    return quote
