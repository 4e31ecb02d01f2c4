"""Automatic payments: recurring invoices issued and charged to the saved card when they fall due.

The run is safe to repeat and to run on several workers at once (see :func:`autopay_run`); the
customer sees the result in Manage Payments, where they can also turn automatic payment off.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date

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
    InvoiceStatus,
    Payment,
    PaymentStatus,
    RecurringInvoice,
    SavedCard,
    Site,
)
from portal.services.billing.charges import audit, card_text, fail, invoice_contacts, receipt_mail, settle
from portal.services.billing.gateways import Gateway
from portal.services.billing.invoices import PAGE
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
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def autopay_run(session: Session, gateway: Gateway, today: date) -> RunSummary:
    """Issue and charge each recurring invoice due by ``today`` once for its due date.

    The AutopayRun row is claimed first: its unique (recurring invoice, due date) makes a second
    run, or a second worker running at the same moment, skip what is already being charged. The
    charge's idempotency key is built from the same pair, so a run rolled back after the charge
    and run again is answered by the gateway with the first charge instead of a second one. Each
    run handles one due date per recurring invoice; one that is several periods behind is caught
    up one period per run rather than charged several times at once.
    """
    summary = RunSummary()
    due = session.exec(
        select(RecurringInvoice)
        .where(
            RecurringInvoice.is_active.is_(True),
            RecurringInvoice.autopay.is_(True),
            RecurringInvoice.next_due_on <= today,
        )
        .order_by(RecurringInvoice.id)
    ).all()
    for ri in due:
        card = current_card(session, ri.customer_id)
        if card is None or ri.id is None:
            summary.skipped += 1
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
        if _charge_recurring(session, gateway, ri, run, card, today):
            summary.charged += 1
        else:
            summary.failed += 1
            summary.errors.append(f"recurring invoice {ri.number}: {run.error}")
    return summary


def _issue(session: Session, ri: RecurringInvoice, due_on: date, today: date) -> Invoice:
    # Another worker issuing an invoice at the same time may take the same number: try the next.
    for _ in range(5):
        inv = Invoice(
            number=tenant.next_number(session, Invoice.number, 1),
            customer_id=ri.customer_id,
            site_id=ri.site_id,
            recurring_invoice_id=ri.id,
            description=f"{ri.name} (due {due_on:%d/%m/%Y})",
            issued_on=today,
            due_on=today,
            subtotal_cents=ri.subtotal_cents,
            tax_cents=ri.tax_cents,
            total_cents=ri.total_cents,
        )
        try:
            with session.begin_nested():
                session.add(inv)
                session.flush()
            return inv
        except IntegrityError:
            continue
    raise RuntimeError("could not assign an invoice number")


def _charge_recurring(
    session: Session, gateway: Gateway, ri: RecurringInvoice, run: AutopayRun, card: SavedCard, today: date
) -> bool:
    now = clock.now()
    due_on = run.due_on
    inv = _issue(session, ri, due_on, today)
    run.invoice_id = inv.id
    ri.next_due_on = add_months(due_on, FREQUENCY_MONTHS[Frequency(ri.frequency)])
    session.add(ri)
    if inv.total_cents <= 0:
        inv.status = InvoiceStatus.PAID
        inv.paid_on = today
        run.status = PaymentStatus.SUCCEEDED
        session.add_all([inv, run])
        session.flush()
        return True
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
            .where(RecurringInvoice.autopay.is_(True), RecurringInvoice.is_active.is_(True))
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
