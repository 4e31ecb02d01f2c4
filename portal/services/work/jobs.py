"""Jobs as the customer sees them, and the stages a job moves through.

Pending → Progress (scheduled) → Complete → Invoiced → Archive (every invoice paid). The status
text a customer reads ("Job : New Service", "Job : In Progress", ...) is stored on the job, as the
contractor's system sends it; the lifecycle functions at the end keep it in step with the stage.
They are the contractor's side and take plain ids, not a scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, update
from sqlmodel import Session, select

from portal.core import clock, exports, tenant, visibility
from portal.core.lists import Cell, Column, Context, ListSpec, Page, PageRequest, PerRequest, shorten
from portal.core.principal import AccessDenied, Duty, Scope, StaffMember, require_duty
from portal.core.visibility import scoped
from portal.models import (
    AttachmentOwner,
    Invoice,
    InvoiceStatus,
    Job,
    JobAsset,
    JobItem,
    JobStage,
    Quote,
    QuoteAsset,
    QuoteDecision,
    QuoteItem,
)
from portal.models import Page as PageKey
from portal.services.work.details import WorkDetail, work_detail, work_list

PAGE = PageKey.JOBS
JOB_TABS = ("pending", "progress", "complete", "invoiced", "archive")
FIRST_JOB_NUMBER = 20001
FIRST_INVOICE_NUMBER = 30001

STATUS_TEXT = {
    JobStage.PENDING: "Job : New Service",
    JobStage.PROGRESS: "Job : In Progress",
    JobStage.COMPLETE: "Job : Complete",
    JobStage.INVOICED: "Job : Invoiced",
    JobStage.ARCHIVE: "Job : Archived",
}

PAID, UNPAID, OVERDUE = "Paid", "Unpaid", "Overdue"
NOT_YOURS = "You can only complete a job you are booked on."


@dataclass(frozen=True)
class JobRow:
    id: int
    number: int
    site_name: str
    description: str
    order_number: str
    requested_on: date
    status_text: str
    scheduled_on: date | None
    total_cents: int
    invoice_count: int
    window_start: time | None = None
    window_end: time | None = None


@dataclass(kw_only=True)
class JobDetail(WorkDetail):
    status_text: str
    scheduled_on: date | None
    due_on: date | None
    completed_on: date | None
    quote_number: int | None
    window_start: time | None = None
    window_end: time | None = None


@dataclass(frozen=True)
class JobInvoice:
    id: int
    number: int
    issued_on: date
    due_on: date
    total_cents: int
    balance_cents: int
    status: str


def visit_text(day: date | None, start: time | None, end: time | None) -> str:
    """ "Fri 4 Dec 2026, 08:00–10:00": how a booking reads in a mail and on the customer's screens."""
    if day is None:
        return ""
    shown = day.strftime("%a %-d %b %Y")
    window = window_text(start, end)
    return f"{shown}, {window}" if window else shown


def window_text(start: time | None, end: time | None) -> str:
    """ "08:00–10:00", or nothing while the window is not booked: the visit's hours wherever they show."""
    if start is None or end is None:
        return ""
    return f"{start:%H:%M}–{end:%H:%M}"


# Lists.


def _invoice_count(context: Context) -> Any:
    """Invoices of each job, counted inside the list query; 0 for a login that may not see invoices."""
    if not context.scope.can(PageKey.INVOICES):
        return literal(0)
    return (
        select(func.count(Invoice.id))
        .where(
            Invoice.job_id == Job.id,
            Invoice.customer_id == Job.customer_id,
            Invoice.status != InvoiceStatus.VOID,
        )
        .correlate(Job)
        .scalar_subquery()
    )


_SHARED = work_list(Job, "Job No.")
JOBS: ListSpec[JobRow] = ListSpec(
    name="jobs",
    page=PAGE,
    model=Job,
    columns=(
        *_SHARED["columns"],
        Column("status_text", Job.status_text),
        Column("scheduled_on", Job.scheduled_on),
        Column("total_cents", Job.total_cents),
        Column("invoice_count", PerRequest(_invoice_count)),
        Column("window_start", Job.window_start),
        Column("window_end", Job.window_end),
    ),
    joins=_SHARED["joins"],
    tabs={tab: Job.stage == JobStage(tab) for tab in JOB_TABS},
    search=_SHARED["search"],
    sorts={
        **_SHARED["sorts"],
        "scheduled": Job.scheduled_on,
        "status": Job.status_text,
        "total": Job.total_cents,
    },
    default_sort="date",
    row=lambda values, context: JobRow(**values),
    cells=(
        *_SHARED["cells"],
        Cell("Status", lambda j: j.status_text),
        Cell("Scheduled", lambda j: j.scheduled_on),
        Cell("Total", lambda j: exports.cents(j.total_cents)),
    ),
)
JOB_SORTS = tuple(JOBS.sorts)
CSV_HEADER = JOBS.csv_header


def list_jobs(session: Session, scope: Scope, tab: str, request: PageRequest, today: date) -> Page[JobRow]:
    return JOBS.rows(session, scope, tab, request, today)


def job_csv(
    session: Session, scope: Scope, tab: str, search: str, sort: str, descending: bool, today: date
) -> Iterator[str]:
    return JOBS.csv(session, scope, tab, PageRequest(search=search, sort=sort, descending=descending), today)


# One job.


def job_detail(session: Session, scope: Scope, job_id: Any) -> JobDetail | None:
    """Everything about one job, or None when the id is not the contact's to see."""
    scope.require(PAGE)
    job = visibility.get(session, scope, Job, job_id)
    if job is None:
        return None
    quote_number = None
    if job.quote_id is not None and scope.can(PageKey.QUOTES):
        quote_number = session.exec(
            scoped(select(Quote.number).where(Quote.id == job.quote_id), scope, Quote)
        ).first()
    return JobDetail(
        **work_detail(
            session,
            job,
            items=(JobItem, JobItem.job_id),
            assets=(JobAsset, JobAsset.job_id),
            owner=AttachmentOwner.JOB,
        ),
        status_text=job.status_text,
        scheduled_on=job.scheduled_on,
        due_on=job.due_on,
        completed_on=job.completed_on,
        quote_number=quote_number,
        window_start=job.window_start,
        window_end=job.window_end,
    )


def invoice_status(status: str, due_on: date, today: date) -> str:
    if status == InvoiceStatus.PAID:
        return PAID
    return OVERDUE if due_on < today else UNPAID


def job_invoices(
    session: Session, scope: Scope, job_id: Any, today: date | None = None
) -> list[JobInvoice] | None:
    """The job's invoices for the "..." button: None when the job is not visible, [] without invoice
    access."""
    scope.require(PAGE)
    job = visibility.get(session, scope, Job, job_id)
    if job is None:
        return None
    if not scope.can(PageKey.INVOICES):
        return []
    today = today or tenant.today(session)
    rows = session.exec(
        scoped(
            select(
                Invoice.id,
                Invoice.number,
                Invoice.issued_on,
                Invoice.due_on,
                Invoice.total_cents,
                Invoice.paid_cents,
                Invoice.status,
            )
            .where(Invoice.job_id == job.id, Invoice.status != InvoiceStatus.VOID)
            .order_by(Invoice.issued_on, Invoice.id),
            scope,
            Invoice,
        )
    ).all()
    return [
        JobInvoice(iid, number, issued, due, total, total - paid, invoice_status(status, due, today))
        for iid, number, issued, due, total, paid, status in rows
    ]


# The contractor's side: moving a job through its stages.


def _job_in(session: Session, job_id: int, *stages: JobStage) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise LookupError(f"no job {job_id}")
    if job.stage not in stages:
        allowed = " or ".join(s.value for s in stages)
        raise ValueError(f"job {job.number} is {job.stage}, not {allowed}")
    return job


def _move(session: Session, job: Job, stage: JobStage) -> Job:
    job.stage = stage
    job.status_text = STATUS_TEXT[stage]
    session.add(job)
    session.flush()
    return job


def require_booked(staff: StaffMember, job: Job) -> None:
    """A technician works only the jobs it is booked on; the owner and the office any job. Visibility
    does not narrow a technician's rows, so every command and screen on one job asks here."""
    if staff.technician and job.technician_id != staff.staff_id:
        raise AccessDenied(NOT_YOURS)


def complete_job(session: Session, staff: StaffMember, job_id: int, completed_on: date) -> Job:
    """The office may complete any job in progress; a technician only one it is booked on."""
    require_duty(staff, Duty.COMPLETE_JOBS)
    job = _job_in(session, job_id, JobStage.PROGRESS)
    require_booked(staff, job)
    job.completed_on = completed_on
    return _move(session, job, JobStage.COMPLETE)


def billable_totals(session: Session, job: Job) -> tuple[int, int, int]:
    """Subtotal, tax and total invoicing the job charges: its stored total, or its lines when it has none."""
    if job.total_cents != 0:
        return job.subtotal_cents, job.tax_cents, job.total_cents
    subtotal = session.scalar(
        select(func.coalesce(func.sum(JobItem.total_cents), 0)).where(JobItem.job_id == job.id)
    )
    return tenant.totals(session, [int(subtotal or 0)])


def invoice_job(
    session: Session, staff: StaffMember, job_id: int, issued_on: date, now: datetime | None = None
) -> Invoice:
    """Raise the job's invoice. A job without a stored total is charged from its lines.

    A job with nothing to charge gets a paid invoice for nothing, so it can still be archived.
    ``now`` stamps the invoice (the clock's moment unless given), so the demo can replay a past day.
    """
    require_duty(staff, Duty.INVOICE_JOBS)
    job = _job_in(session, job_id, JobStage.COMPLETE)
    settings = tenant.contractor(session)
    job.subtotal_cents, job.tax_cents, job.total_cents = billable_totals(session, job)
    free = job.total_cents == 0
    invoice = Invoice(
        number=tenant.next_number(session, Invoice.number, FIRST_INVOICE_NUMBER),
        customer_id=job.customer_id,
        site_id=job.site_id,
        job_id=job.id,
        order_number=job.order_number,
        description=shorten(f"Job #{job.number}: {job.description}", 2000),
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=settings.payment_terms_days),
        subtotal_cents=job.subtotal_cents,
        tax_cents=job.tax_cents,
        total_cents=job.total_cents,
        status=InvoiceStatus.PAID if free else InvoiceStatus.UNPAID,
        paid_on=issued_on if free else None,
        created_at=now or clock.now(),
    )
    session.add(invoice)
    _move(session, job, JobStage.INVOICED)
    if free:
        archive_paid_jobs(session, [job_id])
    return invoice


def archive_paid_jobs(session: Session, job_ids: Iterable[int] | None = None) -> int:
    """Move invoiced jobs whose invoices are all settled to Archive ("after the invoice is paid it
    is listed under Jobs > Archive"); only ``job_ids`` when given. Returns how many moved.

    Every way an invoice gets paid calls this in the same transaction, so a job never shows as
    Invoiced after its last invoice is paid.
    """
    of_job = and_(Invoice.job_id == Job.id, Invoice.status != InvoiceStatus.VOID)
    session.flush()
    only = [] if job_ids is None else [Job.id.in_(sorted(set(job_ids)))]
    result = session.exec(
        update(Job)
        .where(
            Job.stage == JobStage.INVOICED,
            *only,
            exists().where(of_job),
            ~exists().where(of_job, Invoice.status != InvoiceStatus.PAID),
        )
        .values(stage=JobStage.ARCHIVE, status_text=STATUS_TEXT[JobStage.ARCHIVE])
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount


def create_job_from_quote(
    session: Session, staff: StaffMember, quote_id: int, today: date, now: datetime | None = None
) -> Job:
    """The job that carries out an accepted quote: same site, people, lines, totals and assets.

    ``now`` stamps the job (the clock's moment unless given), so the demo can replay a past day.
    """
    require_duty(staff, Duty.SCHEDULE_JOBS)
    quote = session.get(Quote, quote_id)
    if quote is None:
        raise LookupError(f"no quote {quote_id}")
    if quote.decision != QuoteDecision.ACCEPTED:
        raise ValueError(f"quote {quote.number} has not been accepted")
    if session.exec(select(Job.id).where(Job.quote_id == quote.id)).first() is not None:
        raise ValueError(f"quote {quote.number} already has a job")
    job = Job(
        number=tenant.next_number(session, Job.number, FIRST_JOB_NUMBER),
        customer_id=quote.customer_id,
        site_id=quote.site_id,
        contact_id=quote.contact_id,
        requested_by_contact_id=quote.decided_by_contact_id or quote.requested_by_contact_id,
        quote_id=quote.id,
        order_number=quote.accepted_order_number or quote.order_number,
        description=quote.description,
        stage=JobStage.PENDING,
        status_text=STATUS_TEXT[JobStage.PENDING],
        requested_on=today,
        preferred_date=quote.preferred_date,
        subtotal_cents=quote.subtotal_cents,
        tax_cents=quote.tax_cents,
        total_cents=quote.total_cents,
        created_at=now or clock.now(),
    )
    session.add(job)
    session.flush()
    assert job.id is not None, "flushed above"
    items = session.exec(
        select(QuoteItem).where(QuoteItem.quote_id == quote.id).order_by(QuoteItem.sort_order, QuoteItem.id)
    ).all()
    for i in items:
        session.add(
            JobItem(
                job_id=job.id,
                optional_item_id=i.optional_item_id,
                kind=i.kind,
                description=i.description,
                quantity=i.quantity,
                unit_price_cents=i.unit_price_cents,
                total_cents=i.total_cents,
                sort_order=i.sort_order,
            )
        )
    for asset_id in session.exec(select(QuoteAsset.asset_id).where(QuoteAsset.quote_id == quote.id)).all():
        session.add(JobAsset(job_id=job.id, asset_id=asset_id))
    session.flush()
    return job
