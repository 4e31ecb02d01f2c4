"""Letters about money the office sends on demand: the account statement and the overdue reminder.

Each goes to the customer's contacts flagged for it (``is_statement_contact``), through the outbox.
The statement's figures are the customer's own statement (:mod:`statements`) over the same twelve
months the portal's Statement screen opens on, so the mail and the screen it links to agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from portal.core import events, tenant, visibility
from portal.core.money import format_money
from portal.core.principal import CustomerContact, Duty, StaffMember, require_duty
from portal.models import Contact, Customer, Invoice, InvoiceStatus, Page
from portal.services.billing import statements
from portal.services.identity.contacts import recipients
from portal.services.messaging import mail

INVOICE, STATEMENT = "invoice", "statement"
FLAGS = {INVOICE: "is_invoice_contact", STATEMENT: "is_statement_contact"}
NO_CONTACTS = "{customer} has no statement contact with an email address: flag one under its contacts."
NOT_OVERDUE = "Invoice {number} is not overdue."
NOT_AVAILABLE = "That {what} is not available."


class LetterError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.field_errors = {"form": message}


@dataclass(frozen=True)
class Sent:
    """Who a letter went to, for the screen's confirmation."""

    addresses: list[str]


def contacts_for(
    session: Session, customer_id: int, kind: str, *, site_id: int | None = None
) -> list[Contact]:
    """The customer's contacts flagged for ``kind`` (and able to see ``site_id``), once per address."""
    return recipients(session, customer_id, FLAGS[kind], site_id=site_id)


def _recipients(session: Session, customer: Customer) -> list[Contact]:
    assert customer.id is not None, "a customer read from the database"
    found = contacts_for(session, customer.id, STATEMENT)
    if not found:
        raise LetterError(NO_CONTACTS.format(customer=customer.name))
    return found


def statement_period(today: date) -> tuple[date, date]:
    """The twelve months the customer's Statement screen opens on."""
    return today.replace(day=1) - timedelta(days=365), today


def send_statement(session: Session, staff: StaffMember, customer_id: Any) -> Sent:
    """Mail the customer's statement contacts their account's figures and the link to its lines."""
    require_duty(staff, Duty.SEND_STATEMENTS)
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None or customer.id is None:
        raise LetterError(NOT_AVAILABLE.format(what="customer"))
    to = _recipients(session, customer)
    today = tenant.today(session)
    start, end = statement_period(today)
    # The whole account, as the contractor sends it: every site, the invoices page only.
    account = CustomerContact(customer.id, 0, frozenset({Page.INVOICES}), None)
    st = statements.statement(session, account, start, end, today)
    cur = st.currency
    overdue = st.ageing.total_cents - st.ageing.current_cents
    summary = "\n".join(
        [
            f"Opening balance: {format_money(st.opening_balance_cents, cur)}",
            f"Invoiced: {format_money(st.total_debit_cents, cur)}",
            f"Paid: {format_money(st.total_credit_cents, cur)}",
            f"Balance owing: {format_money(st.closing_balance_cents, cur)}",
            f"Of which overdue: {format_money(overdue, cur)}",
        ]
    )
    query = f"?start={start.isoformat()}&end={end.isoformat()}"
    period = f"{start:%d/%m/%Y} to {end:%d/%m/%Y}"
    for contact in to:
        mail.queue_statement(
            session, contact, period, summary, f"invoices/statement{query}", f"documents/statement.pdf{query}"
        )
    addresses = [c.email for c in to]
    events.audit(
        session,
        staff,
        "statement.sent",
        customer,
        detail={
            "before": {},
            "after": {"to": addresses, "start": start.isoformat(), "end": end.isoformat()},
        },
        customer_id=customer.id,
    )
    return Sent(addresses)


def send_overdue_reminder(session: Session, staff: StaffMember, invoice_id: Any) -> Sent:
    """Remind the customer's statement contacts that one invoice is past its due date."""
    require_duty(staff, Duty.SEND_STATEMENTS)
    invoice = visibility.get(session, staff, Invoice, invoice_id)
    if invoice is None:
        raise LetterError(NOT_AVAILABLE.format(what="invoice"))
    today = tenant.today(session)
    if invoice.status != InvoiceStatus.UNPAID or invoice.due_on >= today or invoice.balance_cents <= 0:
        raise LetterError(NOT_OVERDUE.format(number=invoice.number))
    customer = session.get(Customer, invoice.customer_id)
    assert customer is not None, "an invoice's customer"
    to = _recipients(session, customer)
    balance = format_money(invoice.balance_cents, tenant.currency(session))
    days_late = (today - invoice.due_on).days
    for contact in to:
        mail.queue_overdue_reminder(
            session, contact, invoice.number, balance, f"{invoice.due_on:%d/%m/%Y}", days_late
        )
    addresses = [c.email for c in to]
    events.audit(
        session,
        staff,
        "invoice.reminded",
        invoice,
        detail={"before": {}, "after": {"to": addresses, "days_late": days_late}},
        customer_id=invoice.customer_id,
    )
    return Sent(addresses)
