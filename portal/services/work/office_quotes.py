"""The office's Quotes: every customer's quotes by where they stand, one quote with what the customer
asked for, a new quote from scratch, and turning an accepted quote into a job.

Pricing and sending are ``pricing.py``'s; this module reads for the screen and creates. The
customer and site pickers search in SQL and return a few rows, so no screen holds a whole table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, true
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.core import events, tenant, visibility
from portal.core.lists import (
    Cell,
    Column,
    Context,
    Join,
    ListSpec,
    Page,
    PageRequest,
    escape_like,
    search_filter,
    shorten,
)
from portal.core.principal import Duty, StaffMember, require_duty
from portal.core.text import multi_line, one_line
from portal.models import (
    AttachmentOwner,
    Customer,
    Job,
    OptionalItem,
    Quote,
    QuoteAsset,
    QuoteDecision,
    QuoteItem,
    QuoteStage,
    Site,
)
from portal.services.work import jobs
from portal.services.work.details import (
    AssetLine,
    AttachmentLine,
    asset_lines,
    attachment_lines,
    person_name,
    rate_text,
)
from portal.services.work.pricing import PricingError

DUTY = Duty.ACTION_QUOTES
TABS = ("to_price", "sent", "accepted", "declined", "all")
TAB_LABELS = {
    "to_price": "To price",
    "sent": "Sent",
    "accepted": "Accepted",
    "declined": "Declined",
    "all": "All",
}
FIRST_QUOTE_NUMBER = 10001
PICKER_ROWS = 20
PRICE_LIST_ROWS = 500
DESCRIPTION_MAX = 20000
ORDER_MAX = 60

TO_PRICE = "To price"
DRAFT = "Priced, not sent"
SENT = "Sent"
ACCEPTED = "Accepted"
DECLINED = "Declined"


def office_status(stage: str, decision: str, priced: bool) -> str:
    if decision == QuoteDecision.ACCEPTED:
        return ACCEPTED
    if decision == QuoteDecision.DECLINED:
        return DECLINED
    if stage == QuoteStage.ACTIONED:
        return SENT
    return DRAFT if priced else TO_PRICE


@dataclass(frozen=True)
class OfficeQuoteRow:
    id: int
    number: int
    customer_name: str
    site_name: str
    description: str
    order_number: str
    requested_on: date
    status: str
    total_cents: int | None
    valid_until: date | None


def _row(values: dict[str, Any], _context: Context) -> OfficeQuoteRow:
    priced = values.pop("priced_at") is not None
    stage, decision, total = values.pop("stage"), values.pop("decision"), values.pop("total")
    return OfficeQuoteRow(
        **values,
        status=office_status(stage, decision, priced),
        total_cents=total if priced or stage == QuoteStage.ACTIONED else None,
    )


OFFICE_QUOTES: ListSpec[OfficeQuoteRow] = ListSpec(
    name="office-quotes",
    page=DUTY,
    model=Quote,
    columns=(
        Column("id", Quote.id),
        Column("number", Quote.number),
        Column("customer_name", Customer.name),
        Column("site_name", Site.name),
        Column("description", Quote.description, shown=lambda text: shorten(text, 120)),
        Column("order_number", Quote.order_number),
        Column("requested_on", Quote.requested_on),
        Column("valid_until", Quote.valid_until),
        Column("priced_at", Quote.priced_at),
        Column("stage", Quote.stage),
        Column("decision", Quote.decision),
        Column("total", Quote.total_cents),
    ),
    joins=(Join(Site, Site.id == Quote.site_id), Join(Customer, Customer.id == Quote.customer_id)),
    tabs={
        "to_price": Quote.stage == QuoteStage.OUTSTANDING,
        "sent": and_(Quote.stage == QuoteStage.ACTIONED, Quote.decision == QuoteDecision.NONE),
        "accepted": Quote.decision == QuoteDecision.ACCEPTED,
        "declined": Quote.decision == QuoteDecision.DECLINED,
        "all": true(),
    },
    search=(Quote.number, Customer.name, Site.name, Quote.order_number),
    sorts={
        "date": Quote.requested_on,
        "number": Quote.number,
        "customer": Customer.name,
        "site": Site.name,
        "total": Quote.total_cents,
    },
    default_sort="date",
    row=_row,
    cells=(
        Cell("Quote No.", lambda r: r.number),
        Cell("Customer", lambda r: r.customer_name),
        Cell("Site", lambda r: r.site_name),
        Cell("Status", lambda r: r.status),
    ),
)


def list_quotes(
    session: Session, staff: StaffMember, tab: str, request: PageRequest, today: date
) -> Page[OfficeQuoteRow]:
    require_duty(staff, DUTY)
    return OFFICE_QUOTES.rows(session, staff, tab, request, today)


# One quote.


@dataclass(frozen=True)
class OfficeLine:
    kind: str  # labour, material or other
    description: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    optional_item_id: int | None


@dataclass
class OfficeQuote:
    id: int
    number: int
    status: str
    stage: str
    decision: str
    customer_name: str
    site_name: str
    site_address: str
    contact_name: str
    requested_by_name: str
    order_number: str
    description: str
    requested_on: date
    preferred_date: date | None
    priced_at: datetime | None
    actioned_on: date | None
    valid_until: date | None
    subtotal_cents: int
    tax_cents: int
    total_cents: int
    tax_label: str
    tax_rate_bp: int
    currency: str
    signer_name: str
    decline_reason: str
    job_id: int | None
    lines: list[OfficeLine] = field(default_factory=list)
    assets: list[AssetLine] = field(default_factory=list)
    attachments: list[AttachmentLine] = field(default_factory=list)

    @property
    def can_price(self) -> bool:
        return self.decision == QuoteDecision.NONE

    @property
    def can_send(self) -> bool:
        return self.can_price and self.priced_at is not None and bool(self.lines)

    @property
    def can_convert(self) -> bool:
        return self.decision == QuoteDecision.ACCEPTED and self.job_id is None


def quote_for_office(session: Session, staff: StaffMember, quote_id: Any) -> OfficeQuote | None:
    """Everything the pricing screen shows, or None for an id that is no quote."""
    require_duty(staff, DUTY)
    quote = visibility.get(session, staff, Quote, quote_id)
    if quote is None or quote.id is None:
        return None
    site = session.get(Site, quote.site_id)
    customer = session.get(Customer, quote.customer_id)
    settings = tenant.contractor(session)
    items = session.exec(
        select(QuoteItem).where(QuoteItem.quote_id == quote.id).order_by(QuoteItem.sort_order, QuoteItem.id)
    ).all()
    job_id = session.exec(select(Job.id).where(Job.quote_id == quote.id)).first()
    return OfficeQuote(
        id=quote.id,
        number=quote.number,
        status=office_status(quote.stage, quote.decision, quote.priced_at is not None),
        stage=str(quote.stage),
        decision=str(quote.decision),
        customer_name=customer.name if customer else "",
        site_name=site.name if site else "",
        site_address=site.address if site else "",
        contact_name=person_name(session, quote.contact_id, quote.customer_id),
        requested_by_name=person_name(session, quote.requested_by_contact_id, quote.customer_id),
        order_number=quote.order_number,
        description=quote.description,
        requested_on=quote.requested_on,
        preferred_date=quote.preferred_date,
        priced_at=quote.priced_at,
        actioned_on=quote.actioned_on,
        valid_until=quote.valid_until,
        subtotal_cents=quote.subtotal_cents,
        tax_cents=quote.tax_cents,
        total_cents=quote.total_cents,
        tax_label=f"{settings.tax_name} {rate_text(settings.tax_rate_bp)}".strip(),
        tax_rate_bp=settings.tax_rate_bp,
        currency=settings.currency or "AUD",
        signer_name=quote.signer_name,
        decline_reason=quote.decline_reason,
        job_id=job_id,
        lines=[
            OfficeLine(
                i.kind or "other",
                i.description,
                i.quantity,
                i.unit_price_cents,
                i.total_cents,
                i.optional_item_id,
            )
            for i in items
        ],
        assets=asset_lines(session, QuoteAsset, QuoteAsset.quote_id, quote.id, quote.customer_id),
        attachments=attachment_lines(
            session, AttachmentOwner.QUOTE, quote.id, quote.customer_id, with_hidden=True
        ),
    )


@dataclass(frozen=True)
class PriceListItem:
    id: int
    name: str
    kind: str
    unit_price_cents: int
    offered: bool


def price_list(session: Session, staff: StaffMember) -> list[PriceListItem]:
    """Every active item of the contractor's price list; ``offered`` only says customers may add it."""
    require_duty(staff, DUTY)
    rows = session.exec(
        select(OptionalItem)
        .where(OptionalItem.is_active)
        .order_by(OptionalItem.name, OptionalItem.id)
        .limit(PRICE_LIST_ROWS)
    ).all()
    return [
        PriceListItem(r.id, r.name, str(r.kind), r.unit_price_cents, r.offered)
        for r in rows
        if r.id is not None
    ]


# A quote from scratch.


@dataclass(frozen=True)
class Choice:
    id: int
    name: str
    detail: str = ""


def find_customers(session: Session, staff: StaffMember, text: Any) -> list[Choice]:
    """Active customers whose name contains the text, first few by name."""
    require_duty(staff, DUTY)
    stmt = select(Customer.id, Customer.name).where(Customer.is_active)
    found = search_filter(one_line(text)[:100], Customer.name)
    if found is not None:
        stmt = stmt.where(found)
    rows = session.exec(stmt.order_by(Customer.name, Customer.id).limit(PICKER_ROWS)).all()
    return [Choice(cid, name) for cid, name in rows]


def find_sites(session: Session, staff: StaffMember, customer_id: Any, text: Any) -> list[Choice]:
    """The customer's active sites whose name or street contains the text, first few by name."""
    require_duty(staff, DUTY)
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None:
        return []
    stmt = select(Site).where(Site.customer_id == customer.id, Site.is_active)
    words = one_line(text)[:100]
    if words:
        pattern = f"%{escape_like(words)}%"
        stmt = stmt.where(Site.name.ilike(pattern, escape="\\") | Site.street.ilike(pattern, escape="\\"))
    rows = session.exec(stmt.order_by(Site.name, Site.id).limit(PICKER_ROWS)).all()
    return [Choice(s.id, s.name, s.address) for s in rows if s.id is not None]


def create_quote(
    session: Session,
    staff: StaffMember,
    customer_id: Any,
    site_id: Any,
    description: Any,
    order_number: Any,
    today: date,
) -> Quote:
    """A quote the office starts itself, Outstanding until it is priced and sent."""
    require_duty(staff, DUTY)
    errors: dict[str, str] = {}
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None or not customer.is_active:
        errors["customer"] = "Choose a customer."
    site = visibility.get(session, staff, Site, site_id)
    if site is None or not site.is_active or customer is None or site.customer_id != customer.id:
        errors["site"] = "Choose one of the customer's sites."
    text = multi_line(description)
    if not text:
        errors["description"] = "Describe the work to quote."
    elif len(text) > DESCRIPTION_MAX:
        errors["description"] = f"Use at most {DESCRIPTION_MAX:,} characters."
    order = one_line(order_number)
    if len(order) > ORDER_MAX:
        errors["order_number"] = f"Use at most {ORDER_MAX} characters."
    if errors:
        raise PricingError(errors)
    assert customer is not None and site is not None and customer.id is not None and site.id is not None
    for attempt in range(3):
        try:
            with session.begin_nested():
                quote = Quote(
                    number=tenant.next_number(session, Quote.number, FIRST_QUOTE_NUMBER),
                    customer_id=customer.id,
                    site_id=site.id,
                    order_number=order,
                    description=text,
                    stage=QuoteStage.OUTSTANDING,
                    requested_on=today,
                )
                session.add(quote)
                session.flush()
            break
        except IntegrityError:
            if attempt == 2:
                raise
    after = {"number": quote.number, "site_id": site.id, "order_number": order}
    events.audit(
        session, staff, "quote.created", quote, detail={"before": {}, "after": after}, customer_id=customer.id
    )
    return quote


def convert_to_job(session: Session, staff: StaffMember, quote_id: Any, today: date) -> Job:
    """The job for an accepted quote, its lines and assets carried over (``jobs.create_job_from_quote``)."""
    require_duty(staff, DUTY)
    quote = visibility.get(session, staff, Quote, quote_id)
    if quote is None or quote.id is None:
        raise PricingError({"form": "That quote is not available."})
    if quote.decision != QuoteDecision.ACCEPTED:
        raise PricingError({"form": "Only an accepted quote becomes a job."})
    if session.exec(select(Job.id).where(Job.quote_id == quote.id)).first() is not None:
        raise PricingError({"form": "This quote already has a job."})
    job = jobs.create_job_from_quote(session, staff, quote.id, today)
    events.audit(
        session,
        staff,
        "quote.converted",
        quote,
        detail={"before": {"job_id": None}, "after": {"job_id": job.id, "job_number": job.number}},
        customer_id=quote.customer_id,
    )
    return job
