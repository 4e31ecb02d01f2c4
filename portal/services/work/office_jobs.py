"""The office's view of every customer's jobs: the board by stage, the week's calendar, one job.

The board is five columns, each its own SQL query that returns at most ``shown`` cards plus the
column's count, so a contractor with 100,000 jobs still loads twenty cards a column; "more" asks for
the next twenty. The calendar reads one Monday-to-Sunday week of booked visits. Both are read-only
and need ``Duty.SCHEDULE_JOBS``, which technicians do not have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, or_
from sqlmodel import Session, col, select

from portal.core import visibility, weeks
from portal.core.lists import MAX_SEARCH, escape_like, is_number, number_starts_with, shorten
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import (
    AttachmentOwner,
    AuditEvent,
    Contact,
    Customer,
    Job,
    JobAsset,
    JobItem,
    JobStage,
    Site,
    Staff,
)
from portal.services.work.details import WorkDetail, work_detail
from portal.services.work.scheduling import job_contacts

STAGES = (JobStage.PENDING, JobStage.PROGRESS, JobStage.COMPLETE, JobStage.INVOICED, JobStage.ARCHIVE)
STAGE_TITLES = {
    JobStage.PENDING: "Pending",
    JobStage.PROGRESS: "Progress",
    JobStage.COMPLETE: "Complete",
    JobStage.INVOICED: "Invoiced",
    JobStage.ARCHIVE: "Archive",
}
STEP = 20  # cards a column shows first, and how many more "more" adds
MOST_SHOWN = 500
WEEK_LIMIT = 1000  # visits one week's calendar reads; a busier week says so
HISTORY_LIMIT = 100


@dataclass(frozen=True)
class Card:
    id: int
    number: int
    customer_name: str
    site_name: str
    description: str
    requested_on: date
    scheduled_on: date | None
    window_start: time | None
    window_end: time | None
    technician_name: str


@dataclass(frozen=True)
class BoardColumn:
    stage: JobStage
    title: str
    cards: list[Card]
    total: int

    @property
    def more(self) -> bool:
        return self.total > len(self.cards)


@dataclass(frozen=True)
class CalendarDay:
    day: date
    visits: list[Card]


@dataclass(frozen=True)
class CalendarWeek:
    start: date  # a Monday
    end: date  # the Sunday after
    number: int  # the week's number as the PPM report counts it (core/weeks.py)
    days: list[CalendarDay]
    truncated: bool

    @property
    def previous(self) -> date:
        return self.start - timedelta(days=7)

    @property
    def next(self) -> date:
        return self.start + timedelta(days=7)


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    action: str
    who: str
    detail: dict[str, Any]


@dataclass(kw_only=True)
class OfficeJob(WorkDetail):
    customer_id: int
    customer_name: str
    status_text: str
    scheduled_on: date | None
    window_start: time | None
    window_end: time | None
    technician_id: int | None
    technician_name: str
    completed_on: date | None
    contacts: list[tuple[str, str, str]] = field(default_factory=list)  # name, email, phone
    history: list[HistoryLine] = field(default_factory=list)


def _cards_query() -> Any:
    return (
        select(
            Job.id,
            Job.number,
            Customer.name,
            Site.name,
            Job.description,
            Job.requested_on,
            Job.scheduled_on,
            Job.window_start,
            Job.window_end,
            func.coalesce(Staff.name, ""),
        )
        .join(Customer, Customer.id == Job.customer_id)
        .join(Site, Site.id == Job.site_id)
        .outerjoin(Staff, col(Staff.id) == Job.technician_id)
    )


def _card(row: Any) -> Card:
    jid, number, customer, site, description, requested, scheduled, start, end, technician = row
    return Card(
        jid, number, customer, site, shorten(description, 100), requested, scheduled, start, end, technician
    )


def _search(text: Any) -> ColumnElement[bool] | None:
    """Number by prefix, customer or site name by "contains"."""
    words = (text if isinstance(text, str) else "").strip()[:MAX_SEARCH]
    if not words:
        return None
    pattern = f"%{escape_like(words)}%"
    found: list[ColumnElement[bool]] = [
        col(Customer.name).ilike(pattern, escape="\\"),
        col(Site.name).ilike(pattern, escape="\\"),
    ]
    if is_number(words):
        found.append(number_starts_with(Job.number, words))
    return or_(*found)


def _order(stage: JobStage) -> tuple[Any, ...]:
    """Progress by the visit (soonest first); the other stages newest first."""
    if stage == JobStage.PROGRESS:
        return (
            col(Job.scheduled_on).asc().nulls_last(),
            col(Job.window_start).asc().nulls_last(),
            col(Job.id),
        )
    if stage == JobStage.PENDING:
        return (col(Job.requested_on).desc(), col(Job.id).desc())
    return (col(Job.completed_on).desc().nulls_last(), col(Job.requested_on).desc(), col(Job.id).desc())


def _shown(raw: Any) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        return STEP
    return min(max(STEP, value), MOST_SHOWN)


def board_column(
    session: Session, staff: StaffMember, stage: Any, search: Any = "", shown: Any = STEP
) -> BoardColumn:
    """One stage's first ``shown`` cards (twenty at a time, at most 500) and how many it holds."""
    require_duty(staff, Duty.SCHEDULE_JOBS)
    stage = JobStage(stage) if stage in {s.value for s in STAGES} else JobStage.PENDING
    found = _search(search)
    stmt = _cards_query().where(Job.stage == stage)
    counted = select(func.count()).select_from(Job).join(Customer, Customer.id == Job.customer_id)
    counted = counted.join(Site, Site.id == Job.site_id).where(Job.stage == stage)
    if found is not None:
        stmt, counted = stmt.where(found), counted.where(found)
    rows = session.exec(stmt.order_by(*_order(stage)).limit(_shown(shown))).all()
    return BoardColumn(
        stage, STAGE_TITLES[stage], [_card(r) for r in rows], int(session.scalar(counted) or 0)
    )


def board(
    session: Session, staff: StaffMember, search: Any = "", shown: dict[str, Any] | None = None
) -> list[BoardColumn]:
    shown = shown if isinstance(shown, dict) else {}
    return [board_column(session, staff, s, search, shown.get(s.value, STEP)) for s in STAGES]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_calendar(session: Session, staff: StaffMember, day: date) -> CalendarWeek:
    """The visits booked in the Monday-to-Sunday week holding ``day``, by day, then technician and window."""
    require_duty(staff, Duty.SCHEDULE_JOBS)
    start = monday_of(day)
    end = start + timedelta(days=6)
    rows = session.exec(
        _cards_query()
        .where(col(Job.scheduled_on).between(start, end))
        .order_by(
            col(Job.scheduled_on),
            func.coalesce(Staff.name, ""),
            col(Job.window_start).asc().nulls_last(),
            col(Job.id),
        )
        .limit(WEEK_LIMIT + 1)
    ).all()
    cards = [_card(r) for r in rows[:WEEK_LIMIT]]
    days = [
        CalendarDay(d, [c for c in cards if c.scheduled_on == d])
        for d in (start + timedelta(days=n) for n in range(7))
    ]
    return CalendarWeek(start, end, weeks.week_of(start)[1], days, len(rows) > WEEK_LIMIT)


def technicians(session: Session, staff: StaffMember) -> list[tuple[int, str, str]]:
    """Active staff who can be booked, technicians first: ``(id, name, role)``."""
    require_duty(staff, Duty.SCHEDULE_JOBS)
    rows = session.exec(
        select(Staff.id, Staff.name, Staff.role)
        .where(col(Staff.is_active).is_(True))
        .order_by(col(Staff.name), col(Staff.id))
    ).all()
    ordered = sorted(rows, key=lambda r: r[2] != "technician")
    return [(sid, name, str(role)) for sid, name, role in ordered]


def _history(session: Session, job: Job) -> list[HistoryLine]:
    rows = session.exec(
        select(AuditEvent.at, AuditEvent.action, AuditEvent.detail, func.coalesce(Staff.name, ""))
        .outerjoin(Staff, col(Staff.id) == AuditEvent.staff_id)
        .where(AuditEvent.target_type == "job", AuditEvent.target_id == job.id)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
        .limit(HISTORY_LIMIT)
    ).all()
    return [HistoryLine(at, action, who or "Portal", detail or {}) for at, action, detail, who in rows]


def office_job(session: Session, staff: StaffMember, job_id: Any) -> OfficeJob | None:
    """Everything the office needs to book or close one job; None for an id that is no job."""
    require_duty(staff, Duty.SCHEDULE_JOBS)
    job = visibility.get(session, staff, Job, job_id)
    if job is None:
        return None
    customer = session.get(Customer, job.customer_id)
    technician = session.get(Staff, job.technician_id) if job.technician_id is not None else None
    people = job_contacts(session, job)
    return OfficeJob(
        **work_detail(
            session,
            job,
            items=(JobItem, JobItem.job_id),
            assets=(JobAsset, JobAsset.job_id),
            owner=AttachmentOwner.JOB,
            with_hidden=True,
        ),
        customer_id=job.customer_id,
        customer_name=customer.name if customer else "",
        status_text=job.status_text,
        scheduled_on=job.scheduled_on,
        window_start=job.window_start,
        window_end=job.window_end,
        technician_id=job.technician_id,
        technician_name=technician.name if technician else "",
        completed_on=job.completed_on,
        contacts=[(p.full_name, p.email, p.mobile or p.phone) for p in people],
        history=_history(session, job),
    )


def customers(
    session: Session, staff: StaffMember, search: Any = "", limit: int = 50
) -> list[tuple[int, str]]:
    """Active customers for a new job's customer choice, by name."""
    require_duty(staff, Duty.SCHEDULE_JOBS)
    stmt = select(Customer.id, Customer.name).where(col(Customer.is_active).is_(True))
    words = (search if isinstance(search, str) else "").strip()[:MAX_SEARCH]
    if words:
        stmt = stmt.where(col(Customer.name).ilike(f"%{escape_like(words)}%", escape="\\"))
    return [
        (cid, name)
        for cid, name in session.exec(stmt.order_by(col(Customer.name), col(Customer.id)).limit(limit)).all()
    ]


def sites_of(
    session: Session, staff: StaffMember, customer_id: Any, limit: int = 200
) -> list[tuple[int, str]]:
    require_duty(staff, Duty.SCHEDULE_JOBS)
    owner = visibility.get(session, staff, Customer, customer_id)
    if owner is None:
        return []
    rows = session.exec(
        select(Site.id, Site.name)
        .where(Site.customer_id == owner.id)
        .order_by(col(Site.name), col(Site.id))
        .limit(limit)
    ).all()
    return [(sid, name) for sid, name in rows]


def contacts_of(
    session: Session, staff: StaffMember, customer_id: Any, limit: int = 200
) -> list[tuple[int, str]]:
    require_duty(staff, Duty.SCHEDULE_JOBS)
    owner = visibility.get(session, staff, Customer, customer_id)
    if owner is None:
        return []
    rows = session.exec(
        select(Contact)
        .where(Contact.customer_id == owner.id, col(Contact.deactivated_at).is_(None))
        .order_by(col(Contact.first_name), col(Contact.id))
        .limit(limit)
    ).all()
    return [(c.id, c.full_name or c.email) for c in rows if c.id is not None]
