"""The office's invoice commands: invoice a completed job, write a free invoice, void one, record an
offline payment.

Why it is shaped this way:

* A job's invoice is raised by ``jobs.invoice_job`` (the one rule for a job's totals, due date and
  stage); here its lines are copied into ``invoice_item``, so the invoice keeps what was billed
  even if the job's lines change later.
* Everything from the browser (ids, amounts, dates) is checked here before anything is written, and
  a refusal carries ``field_errors`` keyed by the field it is about (``form`` when it is no field).
* An offline payment settles invoices through ``charges.allocate`` and gets its receipt number from
  ``charges.assign_receipt``, so a bank transfer pays, archives and is numbered exactly as a card does.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from portal.core import clock, dates, events, tenant, visibility
from portal.core.lists import shorten
from portal.core.money import format_money, parse_cents
from portal.core.principal import Duty, StaffMember, require_duty
from portal.core.text import multi_line, one_line
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
)
from portal.services.billing import charges, letters
from portal.services.messaging import mail
from portal.services.work import jobs

KINDS = {"labour": "labour", "material": "material", "other": ""}  # as chosen -> as stored
KIND_LABELS = {"labour": "Labour", "material": "Material", "": "Other"}
OFFLINE_METHODS = {
    PaymentMethod.BANK_TRANSFER: "Bank transfer",
    PaymentMethod.CASH: "Cash",
    PaymentMethod.CHEQUE: "Cheque",
}
MAX_LINES = 50
MAX_QUANTITY = 100_000
MAX_ALLOCATIONS = 200
DESCRIPTION_MAX = 500
ORDER_MAX = 60
REASON_MAX = 500
REFERENCE_MAX = 100
OFFICE_GATEWAY = "office"

NOT_AVAILABLE = "That {what} is not available."
NOT_COMPLETE = "Job {number} is {stage}: only a completed job can be invoiced."
NO_LINES = "Add at least one line."
NOTHING_TO_CHARGE = "The invoice comes to nothing: give a line a price."
ALREADY_VOID = "Invoice {number} is already void."
HAS_PAYMENTS = "Invoice {number} has payments allocated to it and cannot be voided."
REASON_NEEDED = "Say why the invoice is voided."
NOT_SUMMED = "The allocations come to {allocated}, not the payment's {amount}."
OVER_BALANCE = "More than invoice {number}'s balance of {balance}."
NOT_OWED = "Invoice {number} is not owed by this customer."
IN_FUTURE = "A payment cannot be dated after today."


class InvoicingError(Exception):
    """A command refused; ``field_errors`` says which field and why (``form``: not a field)."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(field_errors.values()))
        self.field_errors = field_errors


def _refuse(**field_errors: str) -> InvoicingError:
    return InvoicingError(field_errors)


@dataclass(frozen=True)
class LineInput:
    """One line of a free invoice as typed: every field is text from the browser."""

    kind: str
    description: str
    quantity: str
    unit_price: str


def add_lines(session: Session, lines: Iterable[Any], item: Callable[..., Any]) -> None:
    """Store ``lines`` (anything with kind, description, quantity, unit and total price) in their
    order through ``item`` (the row class with its owner's id already bound), then flush: how an
    invoice takes a job's lines or typed ones, and how a recurring invoice keeps its own."""
    for n, line in enumerate(lines):
        session.add(
            item(
                kind=line.kind,
                description=line.description,
                quantity=line.quantity,
                unit_price_cents=line.unit_price_cents,
                total_cents=line.total_cents,
                sort_order=n,
            )
        )
    session.flush()


@dataclass(frozen=True)
class Priced:
    kind: str
    description: str
    quantity: int
    unit_price_cents: int

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


def lines_totals(session: Session, priced: Sequence[Priced]) -> tuple[int, int, int]:
    """Subtotal, tax and total of lines from :func:`read_lines`: what the review shows is what is issued."""
    return tenant.totals(session, (p.total_cents for p in priced))


# Raising invoices.


def _snapshot(invoice: Invoice) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "status": str(invoice.status),
        "total_cents": invoice.total_cents,
        "paid_cents": invoice.paid_cents,
        "due_on": invoice.due_on.isoformat(),
        "void_reason": invoice.void_reason,
    }


def completed_job(session: Session, staff: StaffMember, job_id: Any) -> Job:
    """The job to invoice, or the reason it cannot be (not found, not complete)."""
    require_duty(staff, Duty.INVOICE_JOBS)
    job = visibility.get(session, staff, Job, job_id)
    if job is None:
        raise _refuse(form=NOT_AVAILABLE.format(what="job"))
    if job.stage != JobStage.COMPLETE:
        raise _refuse(form=NOT_COMPLETE.format(number=job.number, stage=jobs.STATUS_TEXT[job.stage]))
    return job


def invoice_job(session: Session, staff: StaffMember, job_id: Any) -> Invoice:
    """Invoice a completed job from its lines, issued today, and tell its invoice contacts."""
    job = completed_job(session, staff, job_id)
    assert job.id is not None, "a job read from the database"
    invoice = jobs.invoice_job(session, staff, job.id, tenant.today(session))
    session.flush()
    assert invoice.id is not None, "flushed above"
    lines = session.exec(
        select(JobItem).where(JobItem.job_id == job.id).order_by(JobItem.sort_order, JobItem.id)
    ).all()
    add_lines(session, lines, partial(InvoiceItem, invoice_id=invoice.id))
    events.audit(
        session,
        staff,
        "invoice.issued",
        invoice,
        detail={"before": {"job": job.number, "stage": str(JobStage.COMPLETE)}, "after": _snapshot(invoice)},
        customer_id=invoice.customer_id,
    )
    _announce(session, invoice)
    return invoice


def read_lines(raw: Sequence[LineInput]) -> list[Priced]:
    """The typed lines, priced, or every line's errors at once (``line-<n>-<field>``)."""
    if not raw:
        raise _refuse(lines=NO_LINES)
    if len(raw) > MAX_LINES:
        raise _refuse(lines=f"An invoice has at most {MAX_LINES} lines.")
    errors: dict[str, str] = {}
    priced = []
    for n, line in enumerate(raw):
        kind = KINDS.get(line.kind if isinstance(line.kind, str) else "")
        if kind is None:
            errors[f"line-{n}-kind"] = "Choose labour, material or other."
        text = one_line(line.description)
        if not text:
            errors[f"line-{n}-description"] = "Describe the line."
        elif len(text) > DESCRIPTION_MAX:
            errors[f"line-{n}-description"] = f"At most {DESCRIPTION_MAX} characters."
        quantity = _whole(line.quantity)
        if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
            errors[f"line-{n}-quantity"] = f"A whole number from 1 to {MAX_QUANTITY:,}."
        price = parse_cents(line.unit_price)
        if price is None:
            errors[f"line-{n}-unit_price"] = "An amount such as 120.50."
        if kind is not None and quantity is not None and price is not None and text:
            priced.append(Priced(kind, text[:DESCRIPTION_MAX], quantity, price))
    if errors:
        raise InvoicingError(errors)
    if sum(p.total_cents for p in priced) <= 0:
        raise _refuse(lines=NOTHING_TO_CHARGE)
    return priced


def _whole(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = raw.strip() if isinstance(raw, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def free_invoice(
    session: Session,
    staff: StaffMember,
    customer_id: Any,
    site_id: Any,
    lines: Sequence[LineInput],
    order_number: str = "",
    description: str = "",
) -> Invoice:
    """An invoice the office writes itself, for any customer and one of its sites."""
    require_duty(staff, Duty.INVOICE_JOBS)
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None:
        raise _refuse(customer=NOT_AVAILABLE.format(what="customer"))
    site = visibility.get(session, staff, Site, site_id)
    if site is None or site.id is None or site.customer_id != customer.id:
        raise _refuse(site="Choose one of the customer's sites.")
    order = one_line(order_number)
    if len(order) > ORDER_MAX:
        raise _refuse(order_number=f"At most {ORDER_MAX} characters.")
    text = multi_line(description)
    if len(text) > 2000:
        raise _refuse(description="At most 2000 characters.")
    priced = read_lines(lines)
    settings = tenant.contractor(session)
    today = tenant.today(session)
    subtotal, tax, total = lines_totals(session, priced)
    invoice = Invoice(
        number=tenant.next_number(session, Invoice.number, jobs.FIRST_INVOICE_NUMBER),
        customer_id=customer.id,
        site_id=site.id,
        order_number=order,
        description=text or shorten(priced[0].description, 2000),
        issued_on=today,
        due_on=today + timedelta(days=settings.payment_terms_days),
        subtotal_cents=subtotal,
        tax_cents=tax,
        total_cents=total,
    )
    session.add(invoice)
    session.flush()
    assert invoice.id is not None, "flushed above"
    add_lines(session, priced, partial(InvoiceItem, invoice_id=invoice.id))
    events.audit(
        session,
        staff,
        "invoice.issued",
        invoice,
        detail={"before": {}, "after": {**_snapshot(invoice), "lines": len(priced)}},
        customer_id=invoice.customer_id,
    )
    _announce(session, invoice)
    return invoice


def _announce(session: Session, invoice: Invoice) -> None:
    """ "Invoice issued" to the customer's invoice contacts (none for an invoice of nothing)."""
    if invoice.status != InvoiceStatus.UNPAID:
        return
    site = session.get(Site, invoice.site_id)
    total = format_money(invoice.total_cents, tenant.currency(session))
    due = f"{invoice.due_on:%d/%m/%Y}"
    for contact in letters.contacts_for(
        session, invoice.customer_id, letters.INVOICE, site_id=invoice.site_id
    ):
        mail.queue_invoice_issued(session, contact, invoice.number, site.name if site else "", total, due)


# Voiding.


def void_invoice(session: Session, staff: StaffMember, invoice_id: Any, reason: Any) -> Invoice:
    """Cancel an invoice nobody has paid anything on; its job can then be invoiced again."""
    require_duty(staff, Duty.INVOICE_JOBS)
    invoice = visibility.get(session, staff, Invoice, invoice_id)
    if invoice is None:
        raise _refuse(form=NOT_AVAILABLE.format(what="invoice"))
    why = multi_line(reason) if isinstance(reason, str) else ""
    if not why:
        raise _refuse(reason=REASON_NEEDED)
    if len(why) > REASON_MAX:
        raise _refuse(reason=f"At most {REASON_MAX} characters.")
    if invoice.status == InvoiceStatus.VOID:
        raise _refuse(form=ALREADY_VOID.format(number=invoice.number))
    allocated = session.scalar(
        select(func.count(PaymentAllocation.id)).where(PaymentAllocation.invoice_id == invoice.id)
    )
    if allocated or invoice.paid_cents:
        raise _refuse(form=HAS_PAYMENTS.format(number=invoice.number))
    before = _snapshot(invoice)
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = clock.now()
    invoice.void_reason = why
    session.add(invoice)
    _reopen_job(session, invoice)
    session.flush()
    events.audit(
        session,
        staff,
        "invoice.voided",
        invoice,
        detail={"before": before, "after": _snapshot(invoice)},
        customer_id=invoice.customer_id,
    )
    return invoice


def _reopen_job(session: Session, invoice: Invoice) -> None:
    """A job whose only invoice is voided is Complete again, waiting to be invoiced."""
    if invoice.job_id is None:
        return
    job = session.get(Job, invoice.job_id)
    others = session.scalar(
        select(func.count(Invoice.id)).where(
            Invoice.job_id == invoice.job_id, Invoice.id != invoice.id, Invoice.status != InvoiceStatus.VOID
        )
    )
    if job is not None and job.stage == JobStage.INVOICED and not others:
        job.stage = JobStage.COMPLETE
        job.status_text = jobs.STATUS_TEXT[JobStage.COMPLETE]
        session.add(job)


# Offline payments.


OFFICE_KEY = re.compile(r"office-[A-Za-z0-9_-]{32}")


def new_attempt_key() -> str:
    """The key one review of the payment form draws (see :class:`PaymentInput`)."""
    return f"office-{secrets.token_urlsafe(24)}"


@dataclass(frozen=True)
class PaymentInput:
    """An offline payment as typed: ``allocations`` maps invoice ids to amounts, all from the browser.

    ``attempt_key`` names this one recording (the screen draws a new one each time the form is
    reviewed), so a double click or a replayed event records the payment once."""

    customer_id: Any
    method: Any
    reference: Any
    paid_on: Any
    amount: Any
    allocations: Mapping[Any, Any]
    attempt_key: str = ""


def record_payment(session: Session, staff: StaffMember, typed: PaymentInput) -> Payment:
    """A bank transfer, cash or cheque, put on one or more of the customer's unpaid invoices.

    The allocations must add up to the amount and none may be more than its invoice's balance. The
    same ``attempt_key`` a second time returns the payment it recorded, and records nothing more.
    """
    require_duty(staff, Duty.TAKE_PAYMENTS)
    customer = visibility.get(session, staff, Customer, typed.customer_id)
    if customer is None or customer.id is None:
        raise _refuse(form=NOT_AVAILABLE.format(what="customer"))
    key = typed.attempt_key if isinstance(typed.attempt_key, str) else ""
    if not OFFICE_KEY.fullmatch(key):
        raise _refuse(form="Review the payment again before recording it.")
    earlier = session.exec(select(Payment).where(Payment.attempt_key == key)).first()
    if earlier is not None:
        if earlier.customer_id != customer.id:
            raise _refuse(form=NOT_AVAILABLE.format(what="customer"))
        return earlier
    errors: dict[str, str] = {}
    offline = {m.value for m in OFFLINE_METHODS}
    method = typed.method if isinstance(typed.method, str) and typed.method in offline else None
    if method is None:
        errors["method"] = "Choose bank transfer, cash or cheque."
    reference = one_line(typed.reference)
    if len(reference) > REFERENCE_MAX:
        errors["reference"] = f"At most {REFERENCE_MAX} characters."
    today = tenant.today(session)
    paid_on = dates.read_day(typed.paid_on)
    if isinstance(paid_on, str):
        errors["paid_on"] = paid_on
    elif paid_on > today:
        errors["paid_on"] = IN_FUTURE
    amount = parse_cents(typed.amount) if isinstance(typed.amount, str) else None
    if amount is None or amount <= 0:
        errors["amount"] = "An amount such as 120.50."
    wanted = _allocations(session, staff, customer.id, typed.allocations, errors)
    if errors:
        raise InvoicingError(errors)
    assert amount is not None and method is not None and not isinstance(paid_on, str), "checked above"
    locked = charges.lock(session, [inv.id for inv, _ in wanted if inv.id is not None])
    for inv, cents in wanted:
        now_inv = locked.get(inv.id or 0)
        if now_inv is None or now_inv.status != InvoiceStatus.UNPAID or cents > now_inv.balance_cents:
            balance = format_money(now_inv.balance_cents if now_inv else 0, tenant.currency(session))
            errors[f"allocation-{inv.id}"] = OVER_BALANCE.format(number=inv.number, balance=balance)
    allocated = sum(cents for _, cents in wanted)
    if allocated != amount:
        cur = tenant.currency(session)
        errors["allocations"] = NOT_SUMMED.format(
            allocated=format_money(allocated, cur), amount=format_money(amount, cur)
        )
    if errors:
        raise InvoicingError(errors)
    payment = Payment(
        customer_id=customer.id,
        attempt_key=key,
        amount_cents=amount,
        currency=tenant.currency(session),
        status=PaymentStatus.SUCCEEDED,
        gateway=OFFICE_GATEWAY,
        method=PaymentMethod(method),
        reference=reference,
        recorded_by_staff_id=staff.staff_id,
        created_at=clock.now(),
        completed_at=_moment(session, paid_on, today),
    )
    session.add(payment)
    session.flush()
    lines = charges.allocate(
        session, payment, [(locked[inv.id or 0], cents) for inv, cents in wanted], paid_on
    )
    charges.assign_receipt(session, payment, today)
    events.audit(
        session,
        staff,
        "payment.recorded",
        payment,
        detail={
            "before": {
                "invoices": [
                    {"number": inv.number, "balance_cents": inv.balance_cents + c} for inv, c in wanted
                ]
            },
            "after": {
                "receipt_number": payment.receipt_number,
                "method": method,
                "reference": reference,
                "paid_on": paid_on.isoformat(),
                "amount_cents": amount,
                "invoices": [{"number": n, "amount_cents": a} for n, a in lines],
            },
        },
        customer_id=customer.id,
    )
    return payment


def _allocations(
    session: Session, staff: StaffMember, customer_id: int, raw: Mapping[Any, Any], errors: dict[str, str]
) -> list[tuple[Invoice, int]]:
    """The invoices named and the cents put on each; an empty or zero amount leaves an invoice out."""
    if not isinstance(raw, Mapping) or len(raw) > MAX_ALLOCATIONS:
        errors["allocations"] = "Put the payment on the customer's unpaid invoices."
        return []
    found: list[tuple[Invoice, int]] = []
    for key, value in raw.items():
        text = value.strip() if isinstance(value, str) else ""
        if text in ("", "0", "0.00"):
            continue
        inv = visibility.get(session, staff, Invoice, key)
        if inv is None or inv.id is None:
            errors["allocations"] = NOT_AVAILABLE.format(what="invoice")
            continue
        field = f"allocation-{inv.id}"
        if inv.customer_id != customer_id or inv.status != InvoiceStatus.UNPAID:
            errors[field] = NOT_OWED.format(number=inv.number)
            continue
        cents = parse_cents(text)
        if cents is None:
            errors[field] = "An amount such as 120.50."
        elif cents > inv.balance_cents:
            balance = format_money(inv.balance_cents, tenant.currency(session))
            errors[field] = OVER_BALANCE.format(number=inv.number, balance=balance)
        elif cents > 0 and all(other.id != inv.id for other, _ in found):
            found.append((inv, cents))
    if not found and "allocations" not in errors and not any(k.startswith("allocation-") for k in errors):
        errors["allocations"] = "Put the payment on at least one invoice."
    return found


def _moment(session: Session, paid_on: date, today: date) -> datetime:
    """When the money came: now for today, else midday of that day in the office's zone, so the
    statement dates the payment on the day typed."""
    if paid_on == today:
        return clock.now()
    zone = clock.zone(tenant.contractor(session).timezone)
    return datetime.combine(paid_on, time(12), tzinfo=zone)
