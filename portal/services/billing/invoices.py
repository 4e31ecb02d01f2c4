"""Invoices as the customer sees them: the three tabs, the balance summary, one invoice, CSV.

A void invoice was cancelled by the contractor and is owed by nobody, so it is left out of every
list, figure and download here. The status a customer reads is worked out from the stored status,
the amount paid and the due date on the day of the request, both in Python (for a row) and in SQL
(so the Status column sorts the way it reads).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, case, func, type_coerce, union_all
from sqlmodel import Session, select

from portal.core import clock, exports, tenant, visibility
from portal.core.clock import local_day
from portal.core.lists import (
    Cell,
    Column,
    Context,
    Join,
    ListSpec,
    Page,
    PageRequest,
    PerRequest,
    escape_like,
    is_number,
    number_starts_with,
)
from portal.core.principal import MAX_ID, Scope
from portal.core.visibility import scoped
from portal.models import (
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    Job,
    JobItem,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    Site,
)
from portal.models import Page as PageKey
from portal.services.work.details import ItemLine, rate_text

PAGE = PageKey.INVOICES
PAYABLE_CHUNK = 500

PAID, UNPAID, OVERDUE, PART_PAID = "Paid", "Unpaid", "Overdue", "Part paid"


@dataclass(frozen=True)
class InvoiceRow:
    id: int
    number: int
    job_number: int | None
    site_name: str
    issued_on: date
    due_on: date
    total_cents: int
    paid_cents: int
    balance_cents: int
    status: str


@dataclass(frozen=True)
class Summary:
    balance_cents: int
    overdue_cents: int
    unpaid_count: int
    overdue_count: int
    currency: str


@dataclass(frozen=True)
class PaymentLine:
    receipt_number: str
    paid_on: date
    amount_cents: int
    card_brand: str
    card_last4: str


@dataclass
class InvoiceDetail:
    id: int
    number: int
    status: str
    site_name: str
    site_address: str
    job_number: int | None
    order_number: str
    description: str
    issued_on: date
    due_on: date
    paid_on: date | None
    subtotal_cents: int
    tax_cents: int
    total_cents: int
    paid_cents: int
    balance_cents: int
    tax_name: str
    tax_rate_text: str
    currency: str
    payments: list[PaymentLine] = field(default_factory=list)
    items: list[ItemLine] = field(default_factory=list)

    @property
    def tax_label(self) -> str:
        return f"{self.tax_name} {self.tax_rate_text}".strip()

    @property
    def payable(self) -> bool:
        return self.balance_cents > 0


# Status.


def invoice_status(status: str, total_cents: int, paid_cents: int, due_on: date, today: date) -> str:
    if status == InvoiceStatus.PAID:
        return PAID
    if due_on < today:
        return OVERDUE
    if 0 < paid_cents < total_cents:
        return PART_PAID
    return UNPAID


def status_sql(today: date) -> Any:
    """The same label as :func:`invoice_status`, in SQL."""
    return case(
        (Invoice.status == InvoiceStatus.PAID, PAID),
        (Invoice.due_on < today, OVERDUE),
        (and_(Invoice.paid_cents > 0, Invoice.paid_cents < Invoice.total_cents), PART_PAID),
        else_=UNPAID,
    )


# Lists.


def _balance() -> Any:
    return Invoice.total_cents - Invoice.paid_cents


def _search(context: Context, text: str) -> Any:
    """Invoices whose number or job number starts with the digits typed, or whose site name contains the text.

    Written as a union of lookups the indexes answer (number ranges, the few matching sites and
    jobs) rather than a pattern over every joined row, so a customer with 100,000 invoices
    searches in milliseconds.
    """
    sites = scoped(
        select(Site.id).where(Site.name.ilike(f"%{escape_like(text)}%", escape="\\")), context.scope, Site
    )
    found = [select(Invoice.id).where(Invoice.site_id.in_(sites))]
    if is_number(text):
        # Job numbers are unique across customers and the outer query keeps to the customer's invoices;
        # filtering the jobs by customer here would make the planner walk all of the customer's jobs.
        jobs = select(Job.id).where(number_starts_with(Job.number, text))
        found += [
            select(Invoice.id).where(number_starts_with(Invoice.number, text)),
            select(Invoice.id).where(Invoice.job_id.in_(jobs)),
        ]
    return Invoice.id.in_(union_all(*found))


def _invoice_row(values: dict[str, Any], context: Context) -> InvoiceRow:
    stored, total, paid = values.pop("status"), values["total_cents"], values["paid_cents"]
    return InvoiceRow(
        **values,
        balance_cents=total - paid,
        status=invoice_status(stored, total, paid, values["due_on"], context.today),
    )


# The job is an outer join because contract and recurring invoices have none; it must also be the
# customer's, so a mislinked row can never show another customer's job number.
INVOICES: ListSpec[InvoiceRow] = ListSpec(
    name="invoices",
    page=PAGE,
    model=Invoice,
    columns=(
        Column("id", Invoice.id),
        Column("number", Invoice.number),
        Column("job_number", Job.number),
        Column("site_name", Site.name),
        Column("issued_on", Invoice.issued_on),
        Column("due_on", Invoice.due_on),
        Column("total_cents", Invoice.total_cents),
        Column("paid_cents", Invoice.paid_cents),
        Column("status", Invoice.status),
    ),
    joins=(
        Join(Site, Site.id == Invoice.site_id),
        Join(Job, and_(Job.id == Invoice.job_id, Job.customer_id == Invoice.customer_id), outer=True),
    ),
    tabs={
        "all": Invoice.status != InvoiceStatus.VOID,
        "unpaid": Invoice.status == InvoiceStatus.UNPAID,
        "paid": Invoice.status == InvoiceStatus.PAID,
    },
    search_by=_search,
    sorts={
        "number": Invoice.number,
        # Through the outer join the NOT NULL job number can be empty: coerced, the listing sees
        # an expression of unknown nullability and keeps invoices without a job last.
        "job": type_coerce(Job.number, Integer),
        "site": Site.name,
        "date": Invoice.issued_on,
        "due": Invoice.due_on,
        "total": Invoice.total_cents,
        "paid": Invoice.paid_cents,
        "balance": _balance(),
        "status": PerRequest(lambda context: status_sql(context.today)),
    },
    default_sort="date",
    row=_invoice_row,
    cells=(
        Cell("Invoice No.", lambda i: i.number),
        Cell("Job No.", lambda i: i.job_number),
        Cell("Site", lambda i: i.site_name),
        Cell("Date", lambda i: i.issued_on),
        Cell("Due", lambda i: i.due_on),
        Cell("Total", lambda i: exports.cents(i.total_cents)),
        Cell("Paid", lambda i: exports.cents(i.paid_cents)),
        Cell("Balance", lambda i: exports.cents(i.balance_cents)),
        Cell("Status", lambda i: i.status),
    ),
)
INVOICE_TABS = tuple(INVOICES.tabs)
INVOICE_SORTS = tuple(INVOICES.sorts)
CSV_HEADER = INVOICES.csv_header


def list_invoices(
    session: Session, scope: Scope, tab: str, request: PageRequest, today: date
) -> Page[InvoiceRow]:
    return INVOICES.rows(session, scope, tab, request, today)


def invoice_csv(
    session: Session, scope: Scope, tab: str, search: str, sort: str, descending: bool, today: date
) -> Iterator[str]:
    return INVOICES.csv(
        session, scope, tab, PageRequest(search=search, sort=sort, descending=descending), today
    )


def summary(session: Session, scope: Scope, today: date) -> Summary:
    """The Page Summary: what is owed on the invoices this contact may see, and how much is late."""
    scope.require(PAGE)
    late = Invoice.due_on < today
    stmt = scoped(
        select(
            func.coalesce(func.sum(_balance()), 0),
            func.coalesce(func.sum(case((late, _balance()), else_=0)), 0),
            func.count(Invoice.id),
            func.coalesce(func.sum(case((late, 1), else_=0)), 0),
        ).where(Invoice.status == InvoiceStatus.UNPAID),
        scope,
        Invoice,
    )
    balance, overdue, count, overdue_count = session.exec(stmt).one()
    return Summary(int(balance), int(overdue), int(count), int(overdue_count), tenant.currency(session))


# One invoice.


def _payments(session: Session, invoice: Invoice, zone: ZoneInfo) -> list[PaymentLine]:
    rows = session.exec(
        select(
            Payment.receipt_number,
            Payment.completed_at,
            Payment.created_at,
            PaymentAllocation.amount_cents,
            Payment.card_brand,
            Payment.card_last4,
        )
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(
            PaymentAllocation.invoice_id == invoice.id,
            Payment.customer_id == invoice.customer_id,
            Payment.status == PaymentStatus.SUCCEEDED,
        )
        .order_by(Payment.completed_at, Payment.id)
    ).all()
    return [
        PaymentLine(receipt or "", local_day(done or made, zone), amount, brand, last4)
        for receipt, done, made, amount, brand, last4 in rows
    ]


def invoice_lines(session: Session, invoice: Invoice) -> list[ItemLine]:
    """The lines the invoice was raised with (a free invoice's, or a job's copied when invoiced);
    an older job invoice shows its job's lines; otherwise the invoice is its own single line."""
    kept = session.exec(
        select(InvoiceItem)
        .where(InvoiceItem.invoice_id == invoice.id)
        .order_by(InvoiceItem.sort_order, InvoiceItem.id)
    ).all()
    if kept:
        return [ItemLine(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in kept]
    if invoice.job_id is not None:
        items = session.exec(
            select(JobItem)
            .join(Job, Job.id == JobItem.job_id)
            .where(JobItem.job_id == invoice.job_id, Job.customer_id == invoice.customer_id)
            .order_by(JobItem.sort_order, JobItem.id)
        ).all()
        if items:
            return [ItemLine(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in items]
    text = invoice.description or f"Invoice {invoice.number}"
    return [ItemLine(text, 1, invoice.subtotal_cents, invoice.subtotal_cents)]


def invoice_detail(session: Session, scope: Scope, invoice_id: Any, today: date) -> InvoiceDetail | None:
    """One invoice with its lines and the payments applied, or None when it is not the contact's to see."""
    scope.require(PAGE)
    invoice = visibility.get(session, scope, Invoice, invoice_id)
    if invoice is None or invoice.id is None or invoice.status == InvoiceStatus.VOID:
        return None
    site = session.get(Site, invoice.site_id)
    settings = tenant.contractor(session)
    job_number = None
    if invoice.job_id is not None:
        job_number = session.exec(
            select(Job.number).where(Job.id == invoice.job_id, Job.customer_id == invoice.customer_id)
        ).first()
    return InvoiceDetail(
        id=invoice.id,
        number=invoice.number,
        status=invoice_status(invoice.status, invoice.total_cents, invoice.paid_cents, invoice.due_on, today),
        site_name=site.name if site else "",
        site_address=site.address if site else "",
        job_number=job_number,
        order_number=invoice.order_number,
        description=invoice.description,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        paid_on=invoice.paid_on,
        subtotal_cents=invoice.subtotal_cents,
        tax_cents=invoice.tax_cents,
        total_cents=invoice.total_cents,
        paid_cents=invoice.paid_cents,
        balance_cents=invoice.balance_cents,
        tax_name=settings.tax_name,
        tax_rate_text=rate_text(settings.tax_rate_bp),
        currency=settings.currency,
        payments=_payments(session, invoice, clock.zone(settings.timezone)),
        items=invoice_lines(session, invoice),
    )


# Paying.


def _clean_ids(invoice_ids: Iterable[Any]) -> list[int]:
    """The ids that can be real, once each, in the order given; anything else from the browser is dropped."""
    seen: dict[int, None] = {}
    for raw in invoice_ids or ():
        if isinstance(raw, bool):
            continue
        try:
            value = int(raw)
        except (TypeError, ValueError, OverflowError):
            continue
        if 0 < value <= MAX_ID:
            seen.setdefault(value, None)
    return list(seen)


def payable(session: Session, scope: Scope, invoice_ids: Iterable[Any]) -> list[Invoice]:
    """The invoices among ``invoice_ids`` this contact may pay now, oldest due first.

    Another customer's id, a site the contact is not assigned to, a paid or void invoice, or a
    nonsense value simply drops out: the pop-up then shows, and the charge covers, only what is
    really owed. The ids are queried in chunks because Select All on a statement can send
    thousands.
    """
    scope.require(PAGE)
    ids = _clean_ids(invoice_ids)
    found: list[Invoice] = []
    for start in range(0, len(ids), PAYABLE_CHUNK):
        chunk = ids[start : start + PAYABLE_CHUNK]
        stmt = select(Invoice).where(
            Invoice.id.in_(chunk),
            Invoice.status == InvoiceStatus.UNPAID,
            Invoice.total_cents > Invoice.paid_cents,
        )
        found.extend(session.exec(scoped(stmt, scope, Invoice)).all())
    found.sort(key=lambda inv: (inv.due_on, inv.number))
    return found
