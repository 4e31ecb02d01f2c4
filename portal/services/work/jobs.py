"""Jobs as the customer sees them, and the stages a job moves through.

Pending → Progress (scheduled) → Complete → Invoiced → Archive (every invoice paid). The status
text a customer reads ("Job : New Service", "Job : In Progress", ...) is stored on the job, as the
contractor's system sends it; the lifecycle functions at the end keep it in step with the stage.
They are the contractor's side and take plain ids, not a scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, literal, update
from sqlmodel import Session, select

from portal.core import access, exports, tenant
from portal.core.access import Scope, scoped
from portal.core.listing import Page, PageRequest, ordered_csv, paginate, search_filter, shorten
from portal.core.tenant import tax_on
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
    Site,
)
from portal.services.work.quotes import (
    AssetLine,
    AttachmentLine,
    ItemLine,
    asset_lines,
    attachment_lines,
    person_name,
    rate_text,
)

PAGE = "jobs"
JOB_TABS = ("pending", "progress", "complete", "invoiced", "archive")
JOB_SORTS = ("number", "site", "description", "order", "date", "scheduled", "status", "total")
DEFAULT_SORT = "date"
LIST_DESCRIPTION_CHARS = 120
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


@dataclass
class JobDetail:
    id: int
    number: int
    stage: str
    status_text: str
    site_name: str
    site_address: str
    contact_name: str
    requested_by_name: str
    order_number: str
    description: str
    requested_on: date
    preferred_date: date | None
    scheduled_on: date | None
    due_on: date | None
    completed_on: date | None
    subtotal_cents: int
    tax_cents: int
    total_cents: int
    tax_name: str
    tax_rate_text: str
    currency: str
    quote_number: int | None
    items: list[ItemLine] = field(default_factory=list)
    assets: list[AssetLine] = field(default_factory=list)
    attachments: list[AttachmentLine] = field(default_factory=list)

    @property
    def tax_label(self) -> str:
        return f"{self.tax_name} {self.tax_rate_text}".strip()


@dataclass(frozen=True)
class JobInvoice:
    id: int
    number: int
    issued_on: date
    due_on: date
    total_cents: int
    balance_cents: int
    status: str


# Lists.


def _sorts() -> dict[str, Any]:
    return {
        "number": Job.number,
        "site": Site.name,
        "description": Job.description,
        "order": Job.order_number,
        "date": Job.requested_on,
        "scheduled": Job.scheduled_on,
        "status": Job.status_text,
        "total": Job.total_cents,
    }


def _tab(tab: str) -> JobStage:
    if tab not in JOB_TABS:
        raise ValueError(f"unknown jobs tab: {tab!r}")
    return JobStage(tab)


def _invoice_count(scope: Scope) -> Any:
    """Invoices of each job, counted inside the list query; 0 for a login that may not see invoices."""
    if not scope.can("invoices"):
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


def job_list_query(scope: Scope, tab: str, search: str) -> Any:
    """The scoped, filtered rows of one tab, unordered; the list pages it, the CSV streams it all.

    Columns: id, number, site name, description, order number, requested on, status text,
    scheduled on, total, invoice count.
    """
    stage = _tab(tab)
    stmt = (
        select(
            Job.id,
            Job.number,
            Site.name,
            Job.description,
            Job.order_number,
            Job.requested_on,
            Job.status_text,
            Job.scheduled_on,
            Job.total_cents,
            _invoice_count(scope),
        )
        .join(Site, Site.id == Job.site_id)
        .where(Job.stage == stage)
    )
    found = search_filter(search, Job.number, Site.name, Job.description, Job.order_number)
    if found is not None:
        stmt = stmt.where(found)
    return scoped(stmt, scope, Job)


def _job_row(r: Sequence[Any], limit: int | None = None) -> JobRow:
    """A row of :func:`job_list_query`; ``limit`` shortens the description."""
    jid, number, site_name, description, order_number, requested_on, status, scheduled, total, invoices = r
    return JobRow(
        id=jid,
        number=number,
        site_name=site_name,
        description=shorten(description, limit) if limit else description,
        order_number=order_number,
        requested_on=requested_on,
        status_text=status,
        scheduled_on=scheduled,
        total_cents=total,
        invoice_count=int(invoices or 0),
    )


def list_jobs(session: Session, scope: Scope, tab: str, request: PageRequest, today: date) -> Page[JobRow]:
    scope.require(PAGE)
    request = request.clean()
    stmt = job_list_query(scope, tab, request.search)
    # Without a search the joins only add display columns, so the count can skip them.
    count = None if request.search else scoped(select(Job.id).where(Job.stage == _tab(tab)), scope, Job)
    return paginate(
        session,
        stmt,
        request,
        _sorts(),
        DEFAULT_SORT,
        lambda r: _job_row(r, LIST_DESCRIPTION_CHARS),
        tiebreak=Job.id,
        count_stmt=count,
    )


CSV_HEADER = ["Job No.", "Site", "Description", "Order No.", "Date", "Status", "Scheduled", "Total"]


def job_csv(
    session: Session, scope: Scope, tab: str, search: str, sort: str, descending: bool, today: date
) -> Iterator[str]:
    """Every row of the list as filtered and sorted on screen, streamed; checks run before the first chunk."""
    scope.require(PAGE)
    request = PageRequest(search=search, sort=sort, descending=descending).clean()

    def cells(r: Sequence[Any]) -> list[Any]:
        j = _job_row(r)
        return [
            j.number,
            j.site_name,
            j.description,
            j.order_number,
            j.requested_on,
            j.status_text,
            j.scheduled_on,
            exports.cents(j.total_cents),
        ]

    return ordered_csv(
        session,
        job_list_query(scope, tab, request.search),
        request,
        _sorts(),
        DEFAULT_SORT,
        Job.id,
        CSV_HEADER,
        cells,
    )


# One job.


def job_detail(session: Session, scope: Scope, job_id: Any) -> JobDetail | None:
    """Everything about one job, or None when the id is not the contact's to see."""
    scope.require(PAGE)
    job = access.get(session, scope, Job, job_id)
    if job is None:
        return None
    site = session.get(Site, job.site_id)
    settings = tenant.contractor(session)
    items = session.exec(
        select(JobItem).where(JobItem.job_id == job.id).order_by(JobItem.sort_order, JobItem.id)
    ).all()
    quote_number = None
    if job.quote_id is not None and scope.can("quotes"):
        quote_number = session.exec(
            scoped(select(Quote.number).where(Quote.id == job.quote_id), scope, Quote)
        ).first()
    return JobDetail(
        id=job.id,
        number=job.number,
        stage=JobStage(job.stage).value,
        status_text=job.status_text,
        site_name=site.name if site else "",
        site_address=site.address if site else "",
        contact_name=person_name(session, job.contact_id, job.customer_id),
        requested_by_name=person_name(session, job.requested_by_contact_id, job.customer_id),
        order_number=job.order_number,
        description=job.description,
        requested_on=job.requested_on,
        preferred_date=job.preferred_date,
        scheduled_on=job.scheduled_on,
        due_on=job.due_on,
        completed_on=job.completed_on,
        subtotal_cents=job.subtotal_cents,
        tax_cents=job.tax_cents,
        total_cents=job.total_cents,
        tax_name=settings.tax_name,
        tax_rate_text=rate_text(settings.tax_rate_bp),
        currency=settings.currency,
        quote_number=quote_number,
        items=[ItemLine(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in items],
        assets=asset_lines(session, JobAsset, JobAsset.job_id, job.id, job.customer_id),
        attachments=attachment_lines(session, AttachmentOwner.JOB, job.id, job.customer_id),
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
    job = access.get(session, scope, Job, job_id)
    if job is None:
        return None
    if not scope.can("invoices"):
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


def schedule_job(session: Session, job_id: int, scheduled_on: date, due_on: date | None = None) -> Job:
    """Book the visit; a job already in progress can be rescheduled."""
    job = _job_in(session, job_id, JobStage.PENDING, JobStage.PROGRESS)
    if due_on is not None and due_on < scheduled_on:
        raise ValueError("the due date cannot be before the scheduled date")
    job.scheduled_on = scheduled_on
    job.due_on = due_on
    return _move(session, job, JobStage.PROGRESS)


def complete_job(session: Session, job_id: int, completed_on: date) -> Job:
    job = _job_in(session, job_id, JobStage.PROGRESS)
    job.completed_on = completed_on
    return _move(session, job, JobStage.COMPLETE)


def invoice_job(session: Session, job_id: int, issued_on: date) -> Invoice:
    """Raise the job's invoice. A job without a stored total is charged from its lines.

    A job with nothing to charge gets a paid invoice for nothing, so it can still be archived.
    """
    job = _job_in(session, job_id, JobStage.COMPLETE)
    settings = tenant.contractor(session)
    if job.total_cents == 0:
        subtotal = session.scalar(
            select(func.coalesce(func.sum(JobItem.total_cents), 0)).where(JobItem.job_id == job.id)
        )
        job.subtotal_cents = int(subtotal or 0)
        job.tax_cents = tax_on(job.subtotal_cents, settings.tax_rate_bp)
        job.total_cents = job.subtotal_cents + job.tax_cents
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
    )
    session.add(invoice)
    _move(session, job, JobStage.INVOICED)
    if free:
        archive_paid_jobs(session, [job.id])
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


def create_job_from_quote(session: Session, quote_id: int, today: date) -> Job:
    """The job that carries out an accepted quote: same site, people, lines, totals and assets."""
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
    )
    session.add(job)
    session.flush()
    items = session.exec(
        select(QuoteItem).where(QuoteItem.quote_id == quote.id).order_by(QuoteItem.sort_order, QuoteItem.id)
    ).all()
    for i in items:
        session.add(
            JobItem(
                job_id=job.id,
                optional_item_id=i.optional_item_id,
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
