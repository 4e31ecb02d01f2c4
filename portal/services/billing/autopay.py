"""Automatic payments: recurring invoices issued and charged to the saved card when they fall due.

This module is the one place the run's rules live (what is due, what an invoice carries, when the
card is charged and why it was not); the office's screens (:mod:`recurring`) call it.

The run is safe to repeat and to run on several workers at once (see :func:`autopay_run`); the
customer sees the result in Manage Payments, where they can also turn automatic payment off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal.core import clock, events, tenant, visibility
from portal.core.money import format_money
from portal.core.months import add_months
from portal.core.principal import Scope
from portal.models import (
    AutopayRun,
    Frequency,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    Payment,
    PaymentStatus,
    RecurringInvoice,
    RecurringInvoiceItem,
    SavedCard,
    Site,
)
from portal.services.billing.charges import audit, card_text, fail, invoice_contacts, receipt_mail, settle
from portal.services.billing.gateways import Gateway
from portal.services.billing.invoices import PAGE
from portal.services.billing.invoicing import _announce
from portal.services.billing.saved_cards import current_card
from portal.services.messaging import mail

log = logging.getLogger(__name__)

FREQUENCY_MONTHS = {
    Frequency.MONTHLY: 1,
    Frequency.QUARTERLY: 3,
    Frequency.SIX_MONTHLY: 6,
    Frequency.ANNUALLY: 12,
}


@dataclass
class RunSummary:
    due: int = 0
    charged: int = 0
    failed: int = 0
    invoiced: int = 0  # issued and left for the customer to pay: automatic payment is off
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


# Why a run issued the invoice but took no money: kept on the run (``AutopayRun.error``) for the history.
NO_CARD = "No saved card."
CANCELLED_BY_CUSTOMER = "Automatic payment was cancelled by the customer."
AUTOPAY_OFF = "Automatic payment is off: the customer pays the invoice."


def due_filter(today: date) -> Any:
    """What makes a recurring invoice due on ``today``: active, not paused or ended, its next date
    reached and not past its end date. The run and the office's "Run now" both use it."""
    return and_(
        RecurringInvoice.is_active.is_(True),
        RecurringInvoice.paused_at.is_(None),
        RecurringInvoice.ended_at.is_(None),
        RecurringInvoice.next_due_on <= today,
        or_(RecurringInvoice.ends_on.is_(None), RecurringInvoice.next_due_on <= RecurringInvoice.ends_on),
    )


def autopay_run(session: Session, gateway: Gateway, today: date, only: int | None = None) -> RunSummary:
    """Issue each recurring invoice due by ``today`` once for its due date, with its lines, and charge
    the saved card of those paid automatically (``only``: just that recurring invoice).

    The AutopayRun row is claimed first: its unique (recurring invoice, due date) makes a second
    run, or a second worker running at the same moment, skip what is already being charged. The
    charge's idempotency key is built from the same pair, so a run rolled back after the charge
    and run again is answered by the gateway with the first charge instead of a second one. Each
    run handles one due date per recurring invoice; one that is several periods behind is caught
    up one period per run rather than charged several times at once.

    A paused or ended recurring invoice, or one past its end date, issues nothing. One not paid
    automatically (turned off, or cancelled by the customer) or whose customer has no saved card is
    still invoiced: the run records why no money was taken, and the customer pays the invoice.
    """
    summary = RunSummary()
    stmt = select(RecurringInvoice).where(due_filter(today))
    if only is not None:
        stmt = stmt.where(RecurringInvoice.id == only)
    due = session.exec(stmt.order_by(RecurringInvoice.id)).all()
    for ri in due:
        if ri.id is None:
            continue
        due_on = ri.next_due_on
        run = AutopayRun(recurring_invoice_id=ri.id, due_on=due_on)
        try:
            with session.begin_nested():
                session.add(run)
                session.flush()
        except IntegrityError:
            summary.skipped += 1
            continue
        summary.due += 1
        if _invoice_recurring(session, gateway, ri, run, today):
            summary.charged += 1
        elif run.status == PaymentStatus.FAILED:
            summary.failed += 1
            summary.errors.append(f"recurring invoice {ri.number}: {run.error}")
        else:
            summary.invoiced += 1
    return summary


def _issue(session: Session, ri: RecurringInvoice, due_on: date, today: date) -> Invoice:
    """The invoice for one due date, carrying the recurring invoice's lines and their totals (at
    today's tax rate); one written before recurring invoices had lines bills its stored totals."""
    lines = session.exec(
        select(RecurringInvoiceItem)
        .where(RecurringInvoiceItem.recurring_invoice_id == ri.id)
        .order_by(RecurringInvoiceItem.sort_order, RecurringInvoiceItem.id)
    ).all()
    if lines:
        subtotal, tax, total = tenant.totals(session, (line.total_cents for line in lines))
    else:
        subtotal, tax, total = ri.subtotal_cents, ri.tax_cents, ri.total_cents
    terms = 0 if ri.autopay else tenant.contractor(session).payment_terms_days
    # Another worker issuing an invoice at the same time may take the same number: try the next.
    for _ in range(5):
        inv = Invoice(
            number=tenant.next_number(session, Invoice.number, 1),
            customer_id=ri.customer_id,
            site_id=ri.site_id,
            recurring_invoice_id=ri.id,
            description=f"{ri.name} (due {due_on:%d/%m/%Y})",
            issued_on=today,
            due_on=today + timedelta(days=terms),
            subtotal_cents=subtotal,
            tax_cents=tax,
            total_cents=total,
        )
        try:
            with session.begin_nested():
                session.add(inv)
                session.flush()
        except IntegrityError:
            continue
        assert inv.id is not None, "flushed above"
        for line in lines:
            session.add(
                InvoiceItem(
                    invoice_id=inv.id,
                    kind=line.kind,
                    description=line.description,
                    quantity=line.quantity,
                    unit_price_cents=line.unit_price_cents,
                    total_cents=line.total_cents,
                    sort_order=line.sort_order,
                )
            )
        session.flush()
        return inv
    raise RuntimeError("could not assign an invoice number")


def _advance(ri: RecurringInvoice, due_on: date) -> None:
    """The next due date; past the end date the recurring invoice has ended."""
    ri.next_due_on = add_months(due_on, FREQUENCY_MONTHS[Frequency(ri.frequency)])
    if ri.ends_on is not None and ri.next_due_on > ri.ends_on and ri.ended_at is None:
        ri.ended_at = clock.now()
        ri.is_active = False


def _invoice_recurring(
    session: Session, gateway: Gateway, ri: RecurringInvoice, run: AutopayRun, today: date
) -> bool:
    """Issue the invoice of ``run``'s due date and take the money if it is paid automatically; True
    when it is paid."""
    due_on = run.due_on
    inv = _issue(session, ri, due_on, today)
    run.invoice_id = inv.id
    _advance(ri, due_on)
    session.add(ri)
    if inv.total_cents <= 0:
        inv.status = InvoiceStatus.PAID
        inv.paid_on = today
        run.status = PaymentStatus.SUCCEEDED
        session.add_all([inv, run])
        session.flush()
        return True
    card = current_card(session, ri.customer_id) if ri.autopay else None
    if card is None:
        if ri.autopay:
            run.status, run.error = PaymentStatus.FAILED, NO_CARD
        elif ri.autopay_cancelled_at is not None:
            run.status, run.error = PaymentStatus.FAILED, CANCELLED_BY_CUSTOMER
        else:
            run.error = AUTOPAY_OFF  # pending: nothing was tried, the invoice waits for the customer
        session.add(run)
        session.flush()
        _announce(session, inv)
        return False
    return _charge_recurring(session, gateway, ri, run, inv, card, today)


def _charge_recurring(
    session: Session,
    gateway: Gateway,
    ri: RecurringInvoice,
    run: AutopayRun,
    inv: Invoice,
    card: SavedCard,
    today: date,
) -> bool:
    now = clock.now()
    due_on = run.due_on
    key = f"autopay-{ri.id}-{due_on.isoformat()}"
    payment = Payment(
        customer_id=ri.customer_id,
        attempt_key=key,
        amount_cents=inv.total_cents,
        currency=tenant.currency(session),
        gateway=gateway.name,
        card_brand=card.brand,
        card_last4=card.last4,
        card_exp_month=card.exp_month,
        card_exp_year=card.exp_year,
        is_autopay=True,
    )
    session.add(payment)
    session.flush()
    run.payment_id = payment.id
    result = gateway.charge_saved(
        inv.total_cents,
        payment.currency,
        card.gateway_token,
        idempotency_key=key,
        description=f"Invoice {inv.number} ({ri.name})",
    )
    if result.ok:
        lines = settle(session, payment, [inv], result, today, now)
        run.status = PaymentStatus.SUCCEEDED
        ri.last_paid_on = today
        session.add_all([run, ri])
        session.flush()
        receipt_mail(session, payment, lines, None)
        return True
    fail(session, payment, result.message, now, result.reference)
    audit(
        session,
        "payment.failed",
        payment,
        {"reason": result.message, "code": result.decline_code, "recurring_invoice": ri.number},
    )
    run.status = PaymentStatus.FAILED
    run.error = result.message[:300]
    session.add(run)
    session.flush()
    _failure_mail(session, ri, inv, payment)
    log.info("autopay declined for recurring invoice %s due %s: %s", ri.number, due_on, result.decline_code)
    return False


def _failure_mail(session: Session, ri: RecurringInvoice, inv: Invoice, payment: Payment) -> None:
    """To the customer's invoice contacts, as every mail about paying is."""
    amount = format_money(inv.total_cents, payment.currency)
    for address in invoice_contacts(session, ri.customer_id, None):
        mail.queue_autopay_failed(
            session, address, inv.number, ri.name, amount, card_text(payment), payment.failure_reason
        )


def cancel_autopay(session: Session, scope: Scope, recurring_invoice_id: object) -> RecurringInvoice | None:
    """Turn off automatic payment of one recurring invoice; None when the scope cannot see it."""
    scope.require(PAGE)
    ri = visibility.get(session, scope, RecurringInvoice, recurring_invoice_id)
    if ri is None:
        return None
    if ri.autopay:
        ri.autopay = False
        ri.autopay_cancelled_at = clock.now()
        session.add(ri)
        events.audit(session, scope, "autopay.cancelled", ri, detail={"number": ri.number})
    return ri


@dataclass(frozen=True)
class AutomaticPayment:
    id: int
    number: int
    name: str
    site_name: str
    total_cents: int
    frequency: str
    last_paid_on: date | None
    next_due_on: date


FREQUENCY_LABELS = {
    Frequency.MONTHLY: "Monthly",
    Frequency.QUARTERLY: "Quarterly",
    Frequency.SIX_MONTHLY: "Six monthly",
    Frequency.ANNUALLY: "Annually",
}


def automatic_payments(session: Session, scope: Scope) -> list[AutomaticPayment]:
    """Manage Payments: the recurring invoices this login can see that are paid automatically."""
    scope.require(PAGE)
    rows = session.exec(
        visibility.scoped(
            select(RecurringInvoice, Site.name)
            .join(Site, Site.id == RecurringInvoice.site_id)
            .where(
                RecurringInvoice.autopay.is_(True),
                RecurringInvoice.is_active.is_(True),
                RecurringInvoice.paused_at.is_(None),
                RecurringInvoice.ended_at.is_(None),
            )
            .order_by(RecurringInvoice.next_due_on, RecurringInvoice.id),
            scope,
            RecurringInvoice,
        )
    ).all()
    return [
        AutomaticPayment(
            ri.id,
            ri.number,
            ri.name,
            site,
            ri.total_cents,
            FREQUENCY_LABELS.get(Frequency(ri.frequency), str(ri.frequency)),
            ri.last_paid_on,
            ri.next_due_on,
        )
        for ri, site in rows
        if ri.id is not None
    ]
