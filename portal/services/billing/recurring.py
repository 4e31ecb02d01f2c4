"""The office's recurring invoices: the list, one recurring invoice with its lines, writing and editing
it, pausing, resuming and ending it, its run history, and running one that is due now.

Why it is shaped this way:

* The run's rules (what is due, what an invoice carries, when the card is charged and why it was
  not) live in :mod:`autopay` only; "Run now" calls the same run for one row.
* Lines are read by ``invoicing.read_lines`` (the free invoice's rules and messages) and their
  totals by ``tenant.totals``, so a recurring invoice's total is what its invoices will bill.
* Everything from the browser is checked here before anything is written; a refusal carries
  ``field_errors`` keyed by the field (``form`` when it is no field), and every change is one audit
  event with ``before`` and ``after`` (which also makes the customer's screens live).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from sqlalchemy import and_, case, not_, union_all
from sqlmodel import Session, delete, select

from portal.core import clock, dates, events, exports, tenant, visibility
from portal.core.lists import (
    Cell,
    Column,
    Context,
    Join,
    ListSpec,
    Page,
    PageRequest,
    escape_like,
    is_number,
    number_starts_with,
)
from portal.core.months import add_months
from portal.core.principal import Duty, StaffMember, require_duty
from portal.core.text import multi_line, one_line
from portal.models import (
    AutopayRun,
    Customer,
    Frequency,
    Invoice,
    Payment,
    PaymentStatus,
    RecurringInvoice,
    RecurringInvoiceItem,
    SavedCard,
    Site,
)
from portal.services.billing import autopay, invoicing
from portal.services.billing.gateways import Gateway
from portal.services.billing.invoicing import KIND_LABELS, InvoicingError, LineInput
from portal.services.billing.office_invoices import numbered_search, office_status
from portal.services.billing.saved_cards import current_card
from portal.services.customers import picker as customer_picker
from portal.services.customers.picker import Choice

ACTIVE, PAUSED, ENDED = "Active", "Paused", "Ended"
NAME_MAX = 200
DESCRIPTION_MAX = 2000
SITE_LIMIT = 500
FIRST_NUMBER = 1
FREQUENCIES = autopay.FREQUENCY_LABELS

NOT_AVAILABLE = "That {what} is not available."
NO_CARD = "The customer has no saved card, so automatic payment cannot be turned on."
IS_ENDED = "Recurring invoice {number} has ended."
NOT_DUE = "Recurring invoice {number} is not due: its next date is {day}."


def _refuse(**field_errors: str) -> InvoicingError:
    return InvoicingError(field_errors)


# Status: one rule, in Python for one row and in SQL for the list.


def status_of(ri: RecurringInvoice) -> str:
    """Ended (ended by the office, or past its end date), paused, or active."""
    if (
        ri.ended_at is not None
        or not ri.is_active
        or (ri.ends_on is not None and ri.next_due_on > ri.ends_on)
    ):
        return ENDED
    return PAUSED if ri.paused_at is not None else ACTIVE


_ENDED_SQL = (
    RecurringInvoice.ended_at.is_not(None)
    | RecurringInvoice.is_active.is_(False)
    | and_(RecurringInvoice.ends_on.is_not(None), RecurringInvoice.next_due_on > RecurringInvoice.ends_on)
)
_STATUS_SQL = case((_ENDED_SQL, ENDED), (RecurringInvoice.paused_at.is_not(None), PAUSED), else_=ACTIVE)


# The list.


@dataclass(frozen=True)
class RecurringRow:
    id: int
    number: int
    customer_name: str
    site_name: str
    name: str
    frequency: str
    next_due_on: date
    total_cents: int
    autopay: bool
    status: str


def _search(context: Context, text: str) -> Any:
    """Number by its first digits, name or customer by what they contain."""
    return numbered_search(
        text,
        RecurringInvoice.id,
        RecurringInvoice.customer_id,
        RecurringInvoice.number,
        RecurringInvoice.name,
    )


def _row(values: dict[str, Any], context: Context) -> RecurringRow:
    freq = values["frequency"]
    return RecurringRow(**{**values, "frequency": FREQUENCIES.get(Frequency(freq), str(freq))})


RECURRING: ListSpec[RecurringRow] = ListSpec(
    name="office_recurring",
    page=Duty.BILL_RECURRING,
    model=RecurringInvoice,
    columns=(
        Column("id", RecurringInvoice.id),
        Column("number", RecurringInvoice.number),
        Column("customer_name", Customer.name),
        Column("site_name", Site.name),
        Column("name", RecurringInvoice.name),
        Column("frequency", RecurringInvoice.frequency),
        Column("next_due_on", RecurringInvoice.next_due_on),
        Column("total_cents", RecurringInvoice.total_cents),
        Column("autopay", RecurringInvoice.autopay),
        Column("status", _STATUS_SQL),
    ),
    joins=(
        Join(Customer, Customer.id == RecurringInvoice.customer_id),
        Join(Site, Site.id == RecurringInvoice.site_id),
    ),
    tabs={
        "active": and_(not_(_ENDED_SQL), RecurringInvoice.paused_at.is_(None)),
        "paused": and_(not_(_ENDED_SQL), RecurringInvoice.paused_at.is_not(None)),
        "ended": _ENDED_SQL,
        "all": RecurringInvoice.id.is_not(None),
    },
    search_by=_search,
    sorts={
        "number": RecurringInvoice.number,
        "customer": Customer.name,
        "name": RecurringInvoice.name,
        "next": RecurringInvoice.next_due_on,
        "total": RecurringInvoice.total_cents,
    },
    default_sort="next",
    row=_row,
    cells=(
        Cell("No.", lambda r: r.number),
        Cell("Customer", lambda r: r.customer_name),
        Cell("Site", lambda r: r.site_name),
        Cell("Name", lambda r: r.name),
        Cell("Frequency", lambda r: r.frequency),
        Cell("Next date", lambda r: r.next_due_on),
        Cell("Total", lambda r: exports.cents(r.total_cents)),
        Cell("Automatic payment", lambda r: "On" if r.autopay else "Off"),
        Cell("Status", lambda r: r.status),
    ),
)
RECURRING_TABS = tuple(RECURRING.tabs)


def _narrowed(spec: ListSpec[Any], condition: Any) -> ListSpec[Any]:
    """The same list with every tab narrowed by ``condition`` (one customer, one recurring invoice),
    so the page, its count and its tabs all agree."""
    return dataclasses.replace(spec, tabs={k: and_(v, condition) for k, v in spec.tabs.items()})


def list_recurring(
    session: Session,
    staff: StaffMember,
    tab: str,
    request: PageRequest,
    today: date,
    customer_id: int = 0,
) -> Page[RecurringRow]:
    spec = RECURRING if not customer_id else _narrowed(RECURRING, RecurringInvoice.customer_id == customer_id)
    return spec.rows(session, staff, tab, request, today)


# The run history.


@dataclass(frozen=True)
class RunRow:
    id: int
    run_at: Any
    due_on: date
    recurring_id: int
    recurring_number: int
    recurring_name: str
    customer_name: str
    invoice_id: int | None
    invoice_number: int | None
    invoice_total_cents: int | None
    invoice_status: str
    result: str
    reason: str
    card: str


def result_text(status: str, paid_by_card: bool) -> str:
    """What the run did about the money, in the office's words."""
    if status == PaymentStatus.SUCCEEDED:
        return "Paid by card" if paid_by_card else "Nothing to pay"
    if status == PaymentStatus.FAILED:
        return "Not paid"
    return "Invoiced"


def _run_search(context: Context, text: str) -> Any:
    pattern = f"%{escape_like(text)}%"
    customers = select(Customer.id).where(Customer.name.ilike(pattern, escape="\\"))
    recurring = select(RecurringInvoice.id).where(
        RecurringInvoice.customer_id.in_(customers) | RecurringInvoice.name.ilike(pattern, escape="\\")
    )
    found = [select(AutopayRun.id).where(AutopayRun.recurring_invoice_id.in_(recurring))]
    if is_number(text):
        invoices = select(Invoice.id).where(number_starts_with(Invoice.number, text))
        found.append(select(AutopayRun.id).where(AutopayRun.invoice_id.in_(invoices)))
    return AutopayRun.id.in_(union_all(*found))


def _run_row(values: dict[str, Any], context: Context) -> RunRow:
    total, paid, inv_status, inv_due = (
        values.pop("invoice_total_cents"),
        values.pop("invoice_paid_cents"),
        values.pop("invoice_stored_status"),
        values.pop("invoice_due_on"),
    )
    brand, last4 = values.pop("card_brand"), values.pop("card_last4")
    status = values.pop("status")
    shown = office_status(inv_status, total, paid, inv_due, context.today) if inv_status else ""
    return RunRow(
        **values,
        invoice_total_cents=total,
        invoice_status=shown,
        result=result_text(status, bool(last4)),
        card=f"{(brand or 'card').title()} •••• {last4}" if last4 else "",
    )


RUNS: ListSpec[RunRow] = ListSpec(
    name="office_recurring_runs",
    page=Duty.BILL_RECURRING,
    model=AutopayRun,
    columns=(
        Column("id", AutopayRun.id),
        Column("run_at", AutopayRun.created_at),
        Column("due_on", AutopayRun.due_on),
        Column("recurring_id", RecurringInvoice.id),
        Column("recurring_number", RecurringInvoice.number),
        Column("recurring_name", RecurringInvoice.name),
        Column("customer_name", Customer.name),
        Column("invoice_id", Invoice.id),
        Column("invoice_number", Invoice.number),
        Column("invoice_total_cents", Invoice.total_cents),
        Column("invoice_paid_cents", Invoice.paid_cents),
        Column("invoice_stored_status", Invoice.status),
        Column("invoice_due_on", Invoice.due_on),
        Column("status", AutopayRun.status),
        Column("reason", AutopayRun.error),
        Column("card_brand", Payment.card_brand),
        Column("card_last4", Payment.card_last4),
    ),
    joins=(
        Join(RecurringInvoice, RecurringInvoice.id == AutopayRun.recurring_invoice_id),
        Join(Customer, Customer.id == RecurringInvoice.customer_id),
        Join(Invoice, Invoice.id == AutopayRun.invoice_id, outer=True),
        Join(Payment, Payment.id == AutopayRun.payment_id, outer=True),
    ),
    tabs={
        "all": AutopayRun.id.is_not(None),
        "failed": AutopayRun.status == PaymentStatus.FAILED,
        "paid": AutopayRun.status == PaymentStatus.SUCCEEDED,
    },
    search_by=_run_search,
    sorts={
        "date": AutopayRun.created_at,
        "due": AutopayRun.due_on,
        "customer": Customer.name,
    },
    default_sort="date",
    row=_run_row,
    cells=(
        Cell("Run", lambda r: r.run_at),
        Cell("Due", lambda r: r.due_on),
        Cell("Recurring No.", lambda r: r.recurring_number),
        Cell("Customer", lambda r: r.customer_name),
        Cell("Invoice No.", lambda r: r.invoice_number),
        Cell("Result", lambda r: r.result),
        Cell("Reason", lambda r: r.reason),
    ),
)
RUN_TABS = tuple(RUNS.tabs)


def list_runs(
    session: Session,
    staff: StaffMember,
    tab: str,
    request: PageRequest,
    today: date,
    recurring_id: int = 0,
) -> Page[RunRow]:
    """Every run, newest first; ``recurring_id``: one recurring invoice's."""
    spec = RUNS if not recurring_id else _narrowed(RUNS, AutopayRun.recurring_invoice_id == recurring_id)
    return spec.rows(session, staff, tab, request, today)


# One recurring invoice.


@dataclass(frozen=True)
class Line:
    kind: str  # as stored: labour, material, or empty for other
    description: str
    quantity: int
    unit_price_cents: int
    total_cents: int

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, "")


@dataclass
class OfficeRecurring:
    id: int
    number: int
    customer_id: int
    customer_name: str
    site_id: int
    site_name: str
    name: str
    description: str
    frequency: str
    next_due_on: date
    ends_on: date | None
    last_paid_on: date | None
    autopay: bool
    cancelled_by_customer: bool
    status: str
    subtotal_cents: int
    tax_cents: int
    total_cents: int
    currency: str
    card: str  # the customer's saved card, or empty
    due_now: bool
    lines: list[Line] = field(default_factory=list)
    sites: list[Choice] = field(default_factory=list)  # the customer's open sites, for the form

    @property
    def editable(self) -> bool:
        return self.status != ENDED


def card_text(card: SavedCard | None) -> str:
    return f"{card.brand.title()} •••• {card.last4}" if card else ""


def _lines(session: Session, recurring_id: int) -> list[Line]:
    rows = session.exec(
        select(RecurringInvoiceItem)
        .where(RecurringInvoiceItem.recurring_invoice_id == recurring_id)
        .order_by(RecurringInvoiceItem.sort_order, RecurringInvoiceItem.id)
    ).all()
    return [Line(r.kind, r.description, r.quantity, r.unit_price_cents, r.total_cents) for r in rows]


def _due_now(session: Session, ri: RecurringInvoice, today: date) -> bool:
    found = session.exec(
        select(RecurringInvoice.id).where(RecurringInvoice.id == ri.id, autopay.due_filter(today))
    ).first()
    return found is not None


def recurring_for_office(session: Session, staff: StaffMember, recurring_id: Any) -> OfficeRecurring | None:
    """One recurring invoice with its lines and the customer's card; None for an id that is none."""
    require_duty(staff, Duty.BILL_RECURRING)
    ri = visibility.get(session, staff, RecurringInvoice, recurring_id)
    if ri is None or ri.id is None:
        return None
    customer = session.get(Customer, ri.customer_id)
    site = session.get(Site, ri.site_id)
    return OfficeRecurring(
        id=ri.id,
        number=ri.number,
        customer_id=ri.customer_id,
        customer_name=customer.name if customer else "",
        site_id=ri.site_id,
        site_name=site.name if site else "",
        name=ri.name,
        description=ri.description,
        frequency=str(ri.frequency),
        next_due_on=ri.next_due_on,
        ends_on=ri.ends_on,
        last_paid_on=ri.last_paid_on,
        autopay=ri.autopay,
        cancelled_by_customer=not ri.autopay and ri.autopay_cancelled_at is not None,
        status=status_of(ri),
        subtotal_cents=ri.subtotal_cents,
        tax_cents=ri.tax_cents,
        total_cents=ri.total_cents,
        currency=tenant.currency(session),
        card=card_text(current_card(session, ri.customer_id)),
        due_now=_due_now(session, ri, tenant.today(session)),
        lines=_lines(session, ri.id),
        sites=_open_sites(session, ri.customer_id),
    )


# What the form offers.


@dataclass(frozen=True)
class CustomerChoice:
    id: int
    name: str
    sites: list[Choice]
    card: str  # the saved card automatic payment would charge, or empty: autopay cannot be offered


def find_customers(session: Session, staff: StaffMember, text: Any) -> list[Choice]:
    """Active customers whose name contains ``text``."""
    return customer_picker.find_customers(session, staff, Duty.BILL_RECURRING, text)


def _open_sites(session: Session, customer_id: int) -> list[Choice]:
    rows = session.exec(
        select(Site.id, Site.name)
        .where(Site.customer_id == customer_id, Site.is_active.is_(True), Site.closed_at.is_(None))
        .order_by(Site.name, Site.id)
        .limit(SITE_LIMIT)
    ).all()
    return [Choice(sid, name) for sid, name in rows]


def customer_choice(session: Session, staff: StaffMember, customer_id: Any) -> CustomerChoice | None:
    """The customer a recurring invoice is for, its open sites and its saved card; None when it is not
    an active customer."""
    require_duty(staff, Duty.BILL_RECURRING)
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None or customer.id is None or not customer.is_active:
        return None
    return CustomerChoice(
        customer.id,
        customer.name,
        _open_sites(session, customer.id),
        card_text(current_card(session, customer.id)),
    )


# Writing and editing.


@dataclass(frozen=True)
class RecurringInput:
    """A recurring invoice as typed: every field from the browser."""

    customer_id: Any
    site_id: Any
    name: Any
    description: Any
    frequency: Any
    next_due_on: Any
    ends_on: Any
    autopay: Any
    lines: Sequence[LineInput]


def _snapshot(ri: RecurringInvoice) -> dict[str, Any]:
    return {
        "number": ri.number,
        "site_id": ri.site_id,
        "name": ri.name,
        "frequency": str(ri.frequency),
        "next_due_on": ri.next_due_on.isoformat(),
        "ends_on": ri.ends_on.isoformat() if ri.ends_on else None,
        "autopay": ri.autopay,
        "total_cents": ri.total_cents,
        "status": status_of(ri),
    }


def _read(
    session: Session, staff: StaffMember, typed: RecurringInput, existing: RecurringInvoice | None
) -> tuple[Customer, Site, list[invoicing.Priced], dict[str, Any]]:
    """The checked values, or every field's error at once."""
    errors: dict[str, str] = {}
    wanted = existing.customer_id if existing is not None else typed.customer_id
    customer = visibility.get(session, staff, Customer, wanted)
    if customer is None or customer.id is None or (existing is None and not customer.is_active):
        raise _refuse(customer=NOT_AVAILABLE.format(what="customer"))
    site = visibility.get(session, staff, Site, typed.site_id)
    if (
        site is None
        or site.customer_id != customer.id
        or (site.closed_at is not None and (existing is None or existing.site_id != site.id))
    ):
        errors["site"] = "Choose one of the customer's sites."
    name = one_line(typed.name)
    if not name:
        errors["name"] = "Name the recurring invoice, as the customer will read it."
    elif len(name) > NAME_MAX:
        errors["name"] = f"At most {NAME_MAX} characters."
    description = multi_line(typed.description)
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = f"At most {DESCRIPTION_MAX} characters."
    frequency = typed.frequency if isinstance(typed.frequency, str) else ""
    if frequency not in {f.value for f in Frequency}:
        errors["frequency"] = "Choose how often it is invoiced."
    today = tenant.today(session)
    next_due = dates.read_day(typed.next_due_on)
    if isinstance(next_due, str):
        errors["next_due_on"] = next_due
    elif next_due < today and (existing is None or next_due != existing.next_due_on):
        errors["next_due_on"] = "The next date cannot be before today."
    ends_raw = typed.ends_on.strip() if isinstance(typed.ends_on, str) else ""
    ends_on: date | str | None = dates.read_day(ends_raw) if ends_raw else None
    if isinstance(ends_on, str):
        errors["ends_on"] = ends_on
    elif ends_on is not None and isinstance(next_due, date) and ends_on < next_due:
        errors["ends_on"] = "The end date cannot be before the next date."
    wants_autopay = typed.autopay is True or typed.autopay in ("on", "true", "1")
    if wants_autopay and current_card(session, customer.id) is None:
        errors["autopay"] = NO_CARD
    try:
        priced = invoicing.read_lines(typed.lines)
    except InvoicingError as refused:
        errors.update(refused.field_errors)
        priced = []
    if errors:
        raise InvoicingError(errors)
    assert site is not None and isinstance(next_due, date) and not isinstance(ends_on, str), "checked above"
    values = {
        "site_id": site.id,
        "name": name,
        "description": description,
        "frequency": Frequency(frequency),
        "next_due_on": next_due,
        "ends_on": ends_on,
        "autopay": wants_autopay,
    }
    return customer, site, priced, values


def save_recurring(
    session: Session, staff: StaffMember, recurring_id: Any, typed: RecurringInput
) -> RecurringInvoice:
    """Write a new recurring invoice (``recurring_id`` None) or change one that has not ended; its
    lines are replaced and its totals worked out from them."""
    require_duty(staff, Duty.BILL_RECURRING)
    existing = None
    if recurring_id is not None:
        existing = visibility.get(session, staff, RecurringInvoice, recurring_id)
        if existing is None:
            raise _refuse(form=NOT_AVAILABLE.format(what="recurring invoice"))
        if status_of(existing) == ENDED:
            raise _refuse(form=IS_ENDED.format(number=existing.number))
    customer, _site, priced, values = _read(session, staff, typed, existing)
    assert customer.id is not None, "checked in _read"
    subtotal, tax, total = invoicing.lines_totals(session, priced)
    before = _snapshot(existing) if existing is not None else {}
    if existing is None:
        ri = RecurringInvoice(
            number=tenant.next_number(session, RecurringInvoice.number, FIRST_NUMBER),
            customer_id=customer.id,
            created_at=clock.now(),
            **values,
        )
    else:
        ri = existing
        if values["autopay"] and not ri.autopay:
            ri.autopay_cancelled_at = None  # turned on again: the customer's earlier "off" is over
        for name, value in values.items():
            setattr(ri, name, value)
    ri.subtotal_cents, ri.tax_cents, ri.total_cents = subtotal, tax, total
    session.add(ri)
    session.flush()
    assert ri.id is not None, "flushed above"
    session.exec(delete(RecurringInvoiceItem).where(RecurringInvoiceItem.recurring_invoice_id == ri.id))
    invoicing.add_lines(session, priced, partial(RecurringInvoiceItem, recurring_invoice_id=ri.id))
    events.audit(
        session,
        staff,
        "recurring.created" if existing is None else "recurring.changed",
        ri,
        detail={"before": before, "after": {**_snapshot(ri), "lines": len(priced)}},
        customer_id=ri.customer_id,
    )
    return ri


# Pause, resume, end.


def _load(session: Session, staff: StaffMember, recurring_id: Any) -> RecurringInvoice:
    require_duty(staff, Duty.BILL_RECURRING)
    ri = visibility.get(session, staff, RecurringInvoice, recurring_id)
    if ri is None:
        raise _refuse(form=NOT_AVAILABLE.format(what="recurring invoice"))
    if status_of(ri) == ENDED:
        raise _refuse(form=IS_ENDED.format(number=ri.number))
    return ri


def _changed(
    session: Session, staff: StaffMember, action: str, ri: RecurringInvoice, before: dict[str, Any]
) -> None:
    session.add(ri)
    session.flush()
    events.audit(
        session,
        staff,
        action,
        ri,
        detail={"before": before, "after": _snapshot(ri)},
        customer_id=ri.customer_id,
    )


def pause(session: Session, staff: StaffMember, recurring_id: Any) -> RecurringInvoice:
    """No invoice is issued while paused; pausing twice changes nothing more."""
    ri = _load(session, staff, recurring_id)
    if ri.paused_at is None:
        before = _snapshot(ri)
        ri.paused_at = clock.now()
        _changed(session, staff, "recurring.paused", ri, before)
    return ri


def resume(session: Session, staff: StaffMember, recurring_id: Any) -> RecurringInvoice:
    """Invoicing starts again from the first date on or after today: the periods it was paused for
    are not billed (nor charged to the card) all at once."""
    ri = _load(session, staff, recurring_id)
    if ri.paused_at is None:
        return ri
    before = _snapshot(ri)
    today = tenant.today(session)
    months = autopay.FREQUENCY_MONTHS[Frequency(ri.frequency)]
    start, step = ri.next_due_on, 0
    while add_months(start, step * months) < today:  # from the first date, so month ends do not drift
        step += 1
    ri.next_due_on = add_months(start, step * months)
    ri.paused_at = None
    _changed(session, staff, "recurring.resumed", ri, before)
    return ri


def end(session: Session, staff: StaffMember, recurring_id: Any) -> RecurringInvoice:
    """No invoice is issued again; the history stays. Ending cannot be undone."""
    ri = _load(session, staff, recurring_id)
    before = _snapshot(ri)
    ri.ended_at = clock.now()
    ri.is_active = False
    _changed(session, staff, "recurring.ended", ri, before)
    return ri


# Run now.


def run_now(session: Session, staff: StaffMember, recurring_id: Any, gateway: Gateway) -> AutopayRun:
    """Run one recurring invoice that is due, as the automatic run would (:func:`autopay.autopay_run`)."""
    ri = _load(session, staff, recurring_id)
    today = tenant.today(session)
    if not _due_now(session, ri, today):
        reason = "it is paused" if ri.paused_at is not None else f"its next date is {ri.next_due_on:%d/%m/%Y}"
        raise _refuse(form=f"Recurring invoice {ri.number} is not due: {reason}.")
    due_on = ri.next_due_on
    summary = autopay.autopay_run(session, gateway, today, only=ri.id)
    run = session.exec(
        select(AutopayRun).where(AutopayRun.recurring_invoice_id == ri.id, AutopayRun.due_on == due_on)
    ).one()
    if not summary.due:
        raise _refuse(form=f"Recurring invoice {ri.number} was already run for {due_on:%d/%m/%Y}.")
    events.audit(
        session,
        staff,
        "recurring.run",
        ri,
        detail={
            "before": {"next_due_on": due_on.isoformat()},
            "after": {
                **_snapshot(ri),
                "invoice_id": run.invoice_id,
                "result": str(run.status),
                "reason": run.error,
            },
        },
        customer_id=ri.customer_id,
    )
    return run
