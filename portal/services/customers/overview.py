"""What the back office's page of one customer shows besides its record: its account (balance and
ageing, from the statement the customer itself reads), and one page each of its sites, quotes, jobs
and invoices, newest first, to open on their own screens.

The figures are the statement's (:mod:`portal.services.billing.statements`), read as the whole
account, the way the contractor's statement letter reads it, so the office never sees a balance the
customer's Statement would not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from portal.core import tenant
from portal.core.lists import Page, PageRequest, paginate
from portal.core.principal import CustomerContact, StaffMember
from portal.models import Invoice, Job, JobStage, Quote, QuoteDecision, Site
from portal.models import Page as PageKey
from portal.services.billing import statements
from portal.services.billing.letters import statement_period
from portal.services.billing.office_invoices import office_status
from portal.services.customers.customers import find

SIZE = 10  # rows of each related list on the customer's page
KINDS = ("sites", "quotes", "jobs", "invoices")
JOB_LABELS = {
    JobStage.PENDING: "Pending",
    JobStage.PROGRESS: "In progress",
    JobStage.COMPLETE: "Complete",
    JobStage.INVOICED: "Invoiced",
    JobStage.ARCHIVE: "Archived",
}


@dataclass(frozen=True)
class Account:
    currency: str
    balance_cents: int  # what the customer owes now
    overdue_cents: int
    ageing: list[tuple[str, int]]


def account(session: Session, staff: StaffMember, customer_id: Any) -> Account | None:
    """The customer's balance and ageing as its statement shows them, or None for an id not a customer."""
    customer = find(session, staff, customer_id)
    if customer is None or customer.id is None:
        return None
    today = tenant.today(session)
    start, end = statement_period(today)
    whole = CustomerContact(customer.id, 0, frozenset({PageKey.INVOICES}), None)
    st = statements.statement(session, whole, start, end, today)
    ageing = st.ageing
    return Account(
        currency=st.currency,
        balance_cents=ageing.total_cents,
        overdue_cents=ageing.total_cents - ageing.current_cents,
        ageing=ageing.buckets,
    )


@dataclass(frozen=True)
class RelatedRow:
    """One line of a related list: what it is called, a second fact, a status, and the row's id."""

    id: int
    title: str
    detail: str
    status: str
    day: date | None
    amount_cents: int | None


def _quote(values: Any, today: date) -> RelatedRow:
    row_id, number, site, stage, decision, requested_on, total = values
    status = {QuoteDecision.ACCEPTED: "Accepted", QuoteDecision.DECLINED: "Declined"}.get(
        decision, "Outstanding" if stage == "outstanding" else "Actioned"
    )
    return RelatedRow(row_id, f"Quote {number}", site, status, requested_on, total)


def _job(values: Any, today: date) -> RelatedRow:
    row_id, number, site, stage, scheduled_on, total = values
    return RelatedRow(row_id, f"Job {number}", site, JOB_LABELS.get(stage, str(stage)), scheduled_on, total)


def _invoice(values: Any, today: date) -> RelatedRow:
    row_id, number, site, status, due_on, total, paid = values
    label = office_status(status, total, paid, due_on, today)
    return RelatedRow(row_id, f"Invoice {number}", site, label, due_on, total - paid)


def _site(values: Any, today: date) -> RelatedRow:
    row_id, name, street, suburb, active = values
    address = ", ".join(part for part in (street, suburb) if part)
    return RelatedRow(row_id, name, address, "Open" if active else "Closed", None, None)


def related(
    session: Session, staff: StaffMember, customer_id: Any, kind: str, page: Any
) -> Page[RelatedRow] | None:
    """One page of the customer's sites, quotes, jobs or invoices; None for an id not a customer."""
    customer = find(session, staff, customer_id)
    if customer is None or customer.id is None or kind not in KINDS:
        return None
    today = tenant.today(session)
    request = PageRequest(page=page, size=SIZE).clean()
    query: Any
    sorts: dict[str, Any]
    model: Any
    make: Any
    if kind == "sites":
        query = select(Site.id, Site.name, Site.street, Site.suburb, Site.is_active).where(
            Site.customer_id == customer.id
        )
        sorts, model, make = {"name": Site.name}, Site, _site
        request = PageRequest(page=request.page, size=SIZE, sort="name", descending=False)
    elif kind == "quotes":
        query = (
            select(
                Quote.id,
                Quote.number,
                Site.name,
                Quote.stage,
                Quote.decision,
                Quote.requested_on,
                Quote.total_cents,
            )
            .join(Site, Site.id == Quote.site_id)
            .where(Quote.customer_id == customer.id)
        )
        sorts, model, make = {"number": Quote.number}, Quote, _quote
    elif kind == "jobs":
        query = (
            select(Job.id, Job.number, Site.name, Job.stage, Job.scheduled_on, Job.total_cents)
            .join(Site, Site.id == Job.site_id)
            .where(Job.customer_id == customer.id)
        )
        sorts, model, make = {"number": Job.number}, Job, _job
    else:
        query = (
            select(
                Invoice.id,
                Invoice.number,
                Site.name,
                Invoice.status,
                Invoice.due_on,
                Invoice.total_cents,
                Invoice.paid_cents,
            )
            .join(Site, Site.id == Invoice.site_id)
            .where(Invoice.customer_id == customer.id)
        )
        sorts, model, make = {"number": Invoice.number}, Invoice, _invoice
    key = next(iter(sorts))
    return paginate(
        session,
        query,
        request,
        sorts,
        key,
        lambda values: make(values, today),
        tiebreak=model.id,
    )
