"""What the office reads about money: every customer's invoices and payments, one invoice, and the
choices its forms offer (customers, their sites, a customer's unpaid invoices, a job to invoice).

The lists are ``ListSpec``s whose ``page`` is a duty, so the one list machinery pages, counts and
sorts them in SQL and refuses anyone without the duty. Read-only: the commands are in
:mod:`invoicing` and :mod:`letters`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Integer, and_, case, func, type_coerce, union_all
from sqlmodel import Session, col, select

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
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import (
    Customer,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    Job,
    JobItem,
    JobStage,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    PaymentStatus,
    Site,
    Staff,
)
from portal.services.billing.invoices import (
    OVERDUE,
    PART_PAID,
    UNPAID,
    invoice_lines,
    invoice_status,
    status_sql,
)
from portal.services.billing.invoicing import KIND_LABELS, OFFLINE_METHODS, completed_job
from portal.services.customers import picker as customer_picker
from portal.services.customers.picker import Choice
from portal.services.work import jobs
from portal.services.work.details import ItemLine, rate_text

VOID = "Void"
METHOD_LABELS = {PaymentMethod.CARD: "Card", **OFFLINE_METHODS}
PICK_LIMIT = 20
SITE_LIMIT = 500
UNPAID_LIMIT = 200


def office_status(status: str, total: int, paid: int, due_on: date, today: date) -> str:
    """The customer's label (``invoices.invoice_status``), except that the office also sees a void invoice."""
    if status == InvoiceStatus.VOID:
        return VOID
    return invoice_status(status, total, paid, due_on, today)


def _status_sql(today: date) -> Any:
    """The same label as :func:`office_status`, in SQL."""
    return case((Invoice.status == InvoiceStatus.VOID, VOID), else_=status_sql(today))


# Every customer's invoices.


@dataclass(frozen=True)
class OfficeInvoiceRow:
    id: int
    number: int
    customer_name: str
    site_name: str
    job_number: int | None
    order_number: str
    issued_on: date
    due_on: date
    total_cents: int
    paid_cents: int
    balance_cents: int
    status: str


def numbered_search(text: str, row_id: Any, customer_id: Any, number: Any, named: Any) -> Any:
    """Rows whose number starts with the typed digits, or whose customer's name or ``named``
    column contains the text: the search of the office's invoice and recurring invoice lists."""
    pattern = f"%{escape_like(text)}%"
    customers = select(Customer.id).where(Customer.name.ilike(pattern, escape="\\"))
    found = [
        select(row_id).where(customer_id.in_(customers)),
        select(row_id).where(named.ilike(pattern, escape="\\")),
    ]
    if is_number(text):
        found.append(select(row_id).where(number_starts_with(number, text)))
    return row_id.in_(union_all(*found))


def _invoice_search(context: Context, text: str) -> Any:
    """Number by its first digits, customer name or order number by what they contain."""
    return numbered_search(text, Invoice.id, Invoice.customer_id, Invoice.number, Invoice.order_number)


def _invoice_row(values: dict[str, Any], context: Context) -> OfficeInvoiceRow:
    stored, total, paid = values.pop("status"), values["total_cents"], values["paid_cents"]
    return OfficeInvoiceRow(
        **values,
        balance_cents=0 if stored == InvoiceStatus.VOID else total - paid,
        status=office_status(stored, total, paid, values["due_on"], context.today),
    )


INVOICES: ListSpec[OfficeInvoiceRow] = ListSpec(
    name="office_invoices",
    page=Duty.INVOICE_JOBS,
    model=Invoice,
    columns=(
        Column("id", Invoice.id),
        Column("number", Invoice.number),
        Column("customer_name", Customer.name),
        Column("site_name", Site.name),
        Column("job_number", Job.number),
        Column("order_number", Invoice.order_number),
        Column("issued_on", Invoice.issued_on),
        Column("due_on", Invoice.due_on),
        Column("total_cents", Invoice.total_cents),
        Column("paid_cents", Invoice.paid_cents),
        Column("status", Invoice.status),
    ),
    joins=(
        Join(Customer, Customer.id == Invoice.customer_id),
        Join(Site, Site.id == Invoice.site_id),
        Join(Job, Job.id == Invoice.job_id, outer=True),
    ),
    tabs={
        "unpaid": Invoice.status == InvoiceStatus.UNPAID,
        "overdue": PerRequest(
            lambda context: and_(Invoice.status == InvoiceStatus.UNPAID, Invoice.due_on < context.today)
        ),
        "paid": Invoice.status == InvoiceStatus.PAID,
        "void": Invoice.status == InvoiceStatus.VOID,
        "all": Invoice.id.is_not(None),
    },
    search_by=_invoice_search,
    sorts={
        "number": Invoice.number,
        "customer": Customer.name,
        "job": type_coerce(Job.number, Integer),
        "date": Invoice.issued_on,
        "due": Invoice.due_on,
        "total": Invoice.total_cents,
        "balance": Invoice.total_cents - Invoice.paid_cents,
        "status": PerRequest(lambda context: _status_sql(context.today)),
    },
    default_sort="date",
    row=_invoice_row,
    cells=(
        Cell("Invoice No.", lambda i: i.number),
        Cell("Customer", lambda i: i.customer_name),
        Cell("Site", lambda i: i.site_name),
        Cell("Job No.", lambda i: i.job_number),
        Cell("Order No.", lambda i: i.order_number),
        Cell("Date", lambda i: i.issued_on),
        Cell("Due", lambda i: i.due_on),
        Cell("Total", lambda i: exports.cents(i.total_cents)),
        Cell("Balance", lambda i: exports.cents(i.balance_cents)),
        Cell("Status", lambda i: i.status),
    ),
)
INVOICE_TABS = tuple(INVOICES.tabs)


def list_invoices(
    session: Session, staff: StaffMember, tab: str, request: PageRequest, today: date
) -> Page[OfficeInvoiceRow]:
    return INVOICES.rows(session, staff, tab, request, today)


# Payments, online and offline.


@dataclass(frozen=True)
class PaymentRow:
    id: int
    receipt_number: str
    customer_name: str
    method: str
    reference: str
    card_brand: str
    card_last4: str
    amount_cents: int
    paid_at: Any
    invoice_count: int
    first_invoice: int | None
    recorded_by: str


def _payment_search(context: Context, text: str) -> Any:
    pattern = f"%{escape_like(text)}%"
    customers = select(Customer.id).where(Customer.name.ilike(pattern, escape="\\"))
    found = [
        select(Payment.id).where(Payment.customer_id.in_(customers)),
        select(Payment.id).where(Payment.receipt_number.ilike(pattern, escape="\\")),
        select(Payment.id).where(Payment.reference.ilike(pattern, escape="\\")),
    ]
    if is_number(text):
        invoices = select(Invoice.id).where(number_starts_with(Invoice.number, text))
        found.append(select(PaymentAllocation.payment_id).where(PaymentAllocation.invoice_id.in_(invoices)))
    return Payment.id.in_(union_all(*found))


def _payment_row(values: dict[str, Any], context: Context) -> PaymentRow:
    return PaymentRow(
        **{
            **values,
            "receipt_number": values["receipt_number"] or "",
            "recorded_by": values["recorded_by"] or "",
        }
    )


_PAID_AT = func.coalesce(Payment.completed_at, Payment.created_at)
_SUCCEEDED = Payment.status == PaymentStatus.SUCCEEDED

PAYMENTS: ListSpec[PaymentRow] = ListSpec(
    name="office_payments",
    page=Duty.TAKE_PAYMENTS,
    model=Payment,
    columns=(
        Column("id", Payment.id),
        Column("receipt_number", Payment.receipt_number),
        Column("customer_name", Customer.name),
        Column("method", Payment.method),
        Column("reference", Payment.reference),
        Column("card_brand", Payment.card_brand),
        Column("card_last4", Payment.card_last4),
        Column("amount_cents", Payment.amount_cents),
        Column("paid_at", _PAID_AT),
        Column(
            "invoice_count",
            PerRequest(
                lambda context: (
                    select(func.count(PaymentAllocation.id))
                    .where(PaymentAllocation.payment_id == Payment.id)
                    .correlate(Payment)
                    .scalar_subquery()
                )
            ),
        ),
        Column(
            "first_invoice",
            PerRequest(
                lambda context: (
                    select(func.min(Invoice.number))
                    .join(PaymentAllocation, PaymentAllocation.invoice_id == Invoice.id)
                    .where(PaymentAllocation.payment_id == Payment.id)
                    .correlate(Payment)
                    .scalar_subquery()
                )
            ),
        ),
        Column("recorded_by", Staff.name),
    ),
    joins=(
        Join(Customer, Customer.id == Payment.customer_id),
        Join(Staff, Staff.id == Payment.recorded_by_staff_id, outer=True),
    ),
    tabs={
        "all": _SUCCEEDED,
        "online": and_(_SUCCEEDED, Payment.method == PaymentMethod.CARD),
        "offline": and_(_SUCCEEDED, Payment.method != PaymentMethod.CARD),
    },
    search_by=_payment_search,
    sorts={
        "date": _PAID_AT,
        "receipt": Payment.receipt_number,
        "customer": Customer.name,
        "amount": Payment.amount_cents,
    },
    default_sort="date",
    row=_payment_row,
    cells=(
        Cell("Receipt", lambda p: p.receipt_number),
        Cell("Customer", lambda p: p.customer_name),
        Cell("Method", lambda p: method_text(p.method, p.card_brand, p.card_last4)),
        Cell("Reference", lambda p: p.reference),
        Cell("Amount", lambda p: exports.cents(p.amount_cents)),
    ),
)
PAYMENT_TABS = tuple(PAYMENTS.tabs)


def method_text(method: str, brand: str = "", last4: str = "") -> str:
    if method == PaymentMethod.CARD:
        return f"{(brand or 'card').title()} •••• {last4}" if last4 else "Card"
    return (
        METHOD_LABELS.get(PaymentMethod(method), str(method)) if method in set(PaymentMethod) else str(method)
    )


def list_payments(
    session: Session, staff: StaffMember, tab: str, request: PageRequest, today: date
) -> Page[PaymentRow]:
    return PAYMENTS.rows(session, staff, tab, request, today)


# One invoice, as the office sees it.


@dataclass(frozen=True)
class OfficeLine:
    kind: str
    description: str
    quantity: int
    unit_price_cents: int
    total_cents: int


@dataclass(frozen=True)
class OfficePayment:
    receipt_number: str
    paid_on: date
    amount_cents: int
    method: str
    reference: str


@dataclass
class OfficeInvoice:
    id: int
    number: int
    status: str
    customer_id: int
    customer_name: str
    site_name: str
    job_id: int | None
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
    tax_label: str
    currency: str
    void_reason: str
    voided_on: date | None
    lines: list[OfficeLine] = field(default_factory=list)
    payments: list[OfficePayment] = field(default_factory=list)

    @property
    def voidable(self) -> bool:
        return self.status != VOID and not self.payments and self.paid_cents == 0

    @property
    def payable(self) -> bool:
        return self.status in (UNPAID, OVERDUE, PART_PAID) and self.balance_cents > 0

    @property
    def overdue(self) -> bool:
        return self.status == OVERDUE


def _lines(session: Session, invoice: Invoice) -> list[OfficeLine]:
    """The invoice's own lines with their kind; an invoice raised before lines were kept shows the
    lines the customer sees."""
    kept = session.exec(
        select(InvoiceItem)
        .where(InvoiceItem.invoice_id == invoice.id)
        .order_by(InvoiceItem.sort_order, InvoiceItem.id)
    ).all()
    if kept:
        return [
            OfficeLine(
                KIND_LABELS.get(i.kind, ""), i.description, i.quantity, i.unit_price_cents, i.total_cents
            )
            for i in kept
        ]
    shown: list[ItemLine] = invoice_lines(session, invoice)
    return [OfficeLine("", i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in shown]


def invoice_for_office(session: Session, staff: StaffMember, invoice_id: Any) -> OfficeInvoice | None:
    """One invoice with its lines and every payment on it; None for an id that is no invoice."""
    require_duty(staff, Duty.INVOICE_JOBS)
    invoice = visibility.get(session, staff, Invoice, invoice_id)
    if invoice is None or invoice.id is None:
        return None
    settings = tenant.contractor(session)
    zone = clock.zone(settings.timezone)
    today = tenant.today(session)
    customer = session.get(Customer, invoice.customer_id)
    site = session.get(Site, invoice.site_id)
    job = session.get(Job, invoice.job_id) if invoice.job_id is not None else None
    paid = session.exec(
        select(
            Payment.receipt_number,
            Payment.completed_at,
            Payment.created_at,
            PaymentAllocation.amount_cents,
            Payment.method,
            Payment.reference,
            Payment.card_brand,
            Payment.card_last4,
        )
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.invoice_id == invoice.id, Payment.status == PaymentStatus.SUCCEEDED)
        .order_by(Payment.completed_at, Payment.id)
    ).all()
    void = invoice.status == InvoiceStatus.VOID
    return OfficeInvoice(
        id=invoice.id,
        number=invoice.number,
        status=office_status(invoice.status, invoice.total_cents, invoice.paid_cents, invoice.due_on, today),
        customer_id=invoice.customer_id,
        customer_name=customer.name if customer else "",
        site_name=site.name if site else "",
        job_id=job.id if job else None,
        job_number=job.number if job else None,
        order_number=invoice.order_number,
        description=invoice.description,
        issued_on=invoice.issued_on,
        due_on=invoice.due_on,
        paid_on=invoice.paid_on,
        subtotal_cents=invoice.subtotal_cents,
        tax_cents=invoice.tax_cents,
        total_cents=invoice.total_cents,
        paid_cents=invoice.paid_cents,
        balance_cents=0 if void else invoice.balance_cents,
        tax_label=f"{settings.tax_name} {rate_text(settings.tax_rate_bp)}".strip(),
        currency=settings.currency,
        void_reason=invoice.void_reason,
        voided_on=local_day(invoice.voided_at, zone) if invoice.voided_at else None,
        lines=_lines(session, invoice),
        payments=[
            OfficePayment(
                receipt or "",
                local_day(done or made, zone),
                amount,
                method_text(method, brand, last4),
                reference,
            )
            for receipt, done, made, amount, method, reference, brand, last4 in paid
        ],
    )


# What the forms offer.


def find_customers(session: Session, staff: StaffMember, text: Any) -> list[Choice]:
    """Customers whose name contains ``text``, for the free invoice's customer picker."""
    return customer_picker.find_customers(session, staff, Duty.INVOICE_JOBS, text)


def customer_sites(session: Session, staff: StaffMember, customer_id: Any) -> list[Choice]:
    require_duty(staff, Duty.INVOICE_JOBS)
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None:
        return []
    rows = session.exec(
        select(Site.id, Site.name)
        .where(Site.customer_id == customer.id)
        .order_by(Site.name, Site.id)
        .limit(SITE_LIMIT)
    ).all()
    return [Choice(sid, name) for sid, name in rows]


@dataclass(frozen=True)
class Owed:
    id: int
    number: int
    due_on: date
    balance_cents: int


def unpaid_invoices(session: Session, staff: StaffMember, customer_id: Any) -> list[Owed]:
    """The customer's invoices a payment can go on, oldest due first."""
    require_duty(staff, Duty.TAKE_PAYMENTS)
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None:
        return []
    rows = session.exec(
        select(Invoice.id, Invoice.number, Invoice.due_on, Invoice.total_cents, Invoice.paid_cents)
        .where(
            Invoice.customer_id == customer.id,
            Invoice.status == InvoiceStatus.UNPAID,
            Invoice.total_cents > Invoice.paid_cents,
        )
        .order_by(Invoice.due_on, Invoice.number)
        .limit(UNPAID_LIMIT)
    ).all()
    return [Owed(iid, number, due, total - paid) for iid, number, due, total, paid in rows]


@dataclass
class JobToInvoice:
    id: int
    number: int
    customer_name: str
    site_name: str
    description: str
    order_number: str
    subtotal_cents: int
    tax_cents: int
    total_cents: int
    currency: str
    lines: list[OfficeLine] = field(default_factory=list)


def job_to_invoice(session: Session, staff: StaffMember, job_id: Any) -> JobToInvoice:
    """What invoicing a completed job will bill, to confirm before raising it; refuses as
    :func:`invoicing.completed_job` does."""
    job = completed_job(session, staff, job_id)
    settings = tenant.contractor(session)
    items = session.exec(
        select(JobItem).where(JobItem.job_id == job.id).order_by(JobItem.sort_order, JobItem.id)
    ).all()
    subtotal, tax, total = jobs.billable_totals(session, job)
    customer = session.get(Customer, job.customer_id)
    site = session.get(Site, job.site_id)
    assert job.id is not None, "a job read from the database"
    return JobToInvoice(
        id=job.id,
        number=job.number,
        customer_name=customer.name if customer else "",
        site_name=site.name if site else "",
        description=job.description,
        order_number=job.order_number,
        subtotal_cents=subtotal,
        tax_cents=tax,
        total_cents=total,
        currency=settings.currency,
        lines=[
            OfficeLine(
                KIND_LABELS.get(i.kind, ""), i.description, i.quantity, i.unit_price_cents, i.total_cents
            )
            for i in items
        ],
    )


def completed_jobs(session: Session, staff: StaffMember) -> list[Choice]:
    """Jobs waiting for their invoice, newest first, for the new invoice screen's shortcut."""
    require_duty(staff, Duty.INVOICE_JOBS)
    rows = session.exec(
        select(Job.id, Job.number, Customer.name)
        .join(Customer, Customer.id == Job.customer_id)
        .where(Job.stage == JobStage.COMPLETE)
        .order_by(col(Job.completed_on).desc(), Job.id.desc())
        .limit(PICK_LIMIT)
    ).all()
    return [Choice(jid, f"Job {number} · {name}") for jid, number, name in rows]
