"""The office books jobs: schedule a visit, move it, complete the job, or raise a job from scratch.

Every value may come from a browser, so each command reads it through one checker and collects a
message per field before anything is written; a command that passes writes the change, its audit
event (the fields before and after) and, for a booking, the mail to the customer's job contacts, in
the caller's one transaction. The stage rules live in ``jobs.py`` (``STATUS_TEXT``) so the
customer's screens and the office agree on what "Job : In Progress" means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlmodel import Session

from portal.core import clock, dates, events, tenant, text, visibility
from portal.core.principal import MAX_ID, Duty, StaffMember, require_duty
from portal.models import Contact, Customer, Job, JobItem, JobStage, Site, Staff
from portal.models.base import column_limit, too_long
from portal.services.identity.contacts import recipients
from portal.services.messaging import mail
from portal.services.work import jobs

NO_JOB = "This job no longer exists."
NOT_PENDING = "Only a pending job can be scheduled; reschedule a job in progress."
NOT_IN_PROGRESS = "Only a job in progress can be rescheduled."
NOT_COMPLETABLE = "Only a job in progress can be completed."
NOT_A_TIME = dates.NOT_A_TIME
END_BEFORE_START = "The end must be after the start."
NO_TECHNICIAN = "Choose an active staff member."
DESCRIPTION_LIMIT = column_limit(Job, "description")
ORDER_LIMIT = column_limit(Job, "order_number")
LINE_LIMIT = column_limit(JobItem, "description")
MAX_LINES = 100
MAX_QUANTITY = 100_000
MAX_PRICE_CENTS = 100_000_000_00


class ScheduleError(Exception):
    """The command cannot run; ``field_errors`` maps a field to the message shown beside it."""

    def __init__(self, field_errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in field_errors.items()))
        self.field_errors = field_errors


@dataclass(frozen=True)
class Visit:
    """A checked booking: the day, its window and who goes."""

    day: date
    start: time
    end: time
    technician_id: int


@dataclass(frozen=True)
class Line:
    """One line of a job raised in the office, as typed: the checker turns it into a ``JobItem``."""

    description: str
    quantity: Any = 1
    unit_price_cents: Any = 0
    kind: str = ""


def _load_job(session: Session, staff: StaffMember, job_id: Any) -> Job:
    job = visibility.get(session, staff, Job, job_id)
    if job is None:
        raise ScheduleError({"job": NO_JOB})
    return job


def active_staff(session: Session, staff_id: Any) -> Staff | None:
    """Staff rows hold no customer data, so they are outside ``visibility.get``: a bounded id instead."""
    found = _staff_id(staff_id)
    person = session.get(Staff, found) if found is not None else None
    return person if person is not None and person.is_active else None


def _staff_id(raw: Any) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if 0 < value <= MAX_ID else None


def read_visit(session: Session, day: Any, start: Any, end: Any, technician_id: Any) -> Visit:
    """The booking's fields checked together, so the form shows every problem at once."""
    errors: dict[str, str] = {}
    when = day if isinstance(day, date) else dates.read_day(day)
    if isinstance(when, date) and not dates.supported(when):
        when = dates.OUT_OF_RANGE
    if isinstance(when, str):
        errors["day"] = when
    begins, ends = dates.read_time(start), dates.read_time(end)
    if isinstance(begins, str):
        errors["start"] = begins
    if isinstance(ends, str):
        errors["end"] = ends
    elif isinstance(begins, time) and ends <= begins:
        errors["end"] = END_BEFORE_START
    technician = active_staff(session, technician_id)
    if technician is None:
        errors["technician"] = NO_TECHNICIAN
    if errors:
        raise ScheduleError(errors)
    assert isinstance(when, date) and isinstance(begins, time) and isinstance(ends, time)
    assert technician is not None and technician.id is not None
    return Visit(when, begins, ends, technician.id)


def _booking(job: Job) -> dict[str, Any]:
    """The booked fields as the audit stores them (JSON: dates and times as ISO text)."""
    return {
        "stage": JobStage(job.stage).value,
        "scheduled_on": job.scheduled_on.isoformat() if job.scheduled_on else None,
        "window_start": job.window_start.strftime("%H:%M") if job.window_start else None,
        "window_end": job.window_end.strftime("%H:%M") if job.window_end else None,
        "technician_id": job.technician_id,
    }


def job_contacts(session: Session, job: Job) -> list[Contact]:
    """Who hears about the booking: the customer's job contacts who may see the job's site, else the
    job's own contact."""
    return recipients(
        session, job.customer_id, "is_job_contact", site_id=job.site_id, fallback_contact_id=job.contact_id
    )


def _announce(session: Session, job: Job, rescheduled: bool) -> None:
    site = session.get(Site, job.site_id)
    when = jobs.visit_text(job.scheduled_on, job.window_start, job.window_end)
    for person in job_contacts(session, job):
        mail.queue_job_booked(session, person, job.number, site.name if site else "", when, rescheduled)


def _book(session: Session, staff: StaffMember, job: Job, visit: Visit, action: str) -> Job:
    before = _booking(job)
    job.scheduled_on, job.window_start, job.window_end = visit.day, visit.start, visit.end
    job.technician_id = visit.technician_id
    job.stage, job.status_text = JobStage.PROGRESS, jobs.STATUS_TEXT[JobStage.PROGRESS]
    session.add(job)
    session.flush()
    events.audit(
        session,
        staff,
        action,
        job,
        detail={"before": before, "after": _booking(job)},
        customer_id=job.customer_id,
    )
    _announce(session, job, rescheduled=action == "job.rescheduled")
    return job


def schedule(
    session: Session, staff: StaffMember, job_id: Any, day: Any, start: Any, end: Any, technician_id: Any
) -> Job:
    """Book a pending job: it moves to Progress and its job contacts are told when."""
    require_duty(staff, Duty.SCHEDULE_JOBS)
    job = _load_job(session, staff, job_id)
    if job.stage != JobStage.PENDING:
        raise ScheduleError({"job": NOT_PENDING})
    return _book(session, staff, job, read_visit(session, day, start, end, technician_id), "job.scheduled")


def reschedule(
    session: Session, staff: StaffMember, job_id: Any, day: Any, start: Any, end: Any, technician_id: Any
) -> Job:
    """Move a job in progress to another day, window or technician; its job contacts are told again."""
    require_duty(staff, Duty.SCHEDULE_JOBS)
    job = _load_job(session, staff, job_id)
    if job.stage != JobStage.PROGRESS:
        raise ScheduleError({"job": NOT_IN_PROGRESS})
    return _book(session, staff, job, read_visit(session, day, start, end, technician_id), "job.rescheduled")


def complete(session: Session, staff: StaffMember, job_id: Any, completed_on: date | None = None) -> Job:
    """Progress → Complete: the office any job, a technician only one it is booked on."""
    require_duty(staff, Duty.COMPLETE_JOBS)
    job = _load_job(session, staff, job_id)
    if job.stage != JobStage.PROGRESS:
        raise ScheduleError({"job": NOT_COMPLETABLE})
    assert job.id is not None
    before = _booking(job)
    jobs.complete_job(session, staff, job.id, completed_on or tenant.today(session))
    events.audit(
        session,
        staff,
        "job.completed",
        job,
        detail={
            "before": before,
            "after": {
                **_booking(job),
                "completed_on": job.completed_on.isoformat() if job.completed_on else None,
            },
        },
        customer_id=job.customer_id,
    )
    return job


def _read_lines(lines: Sequence[Line], errors: dict[str, str]) -> list[JobItem]:
    if len(lines) > MAX_LINES:
        errors["lines"] = f"A job has at most {MAX_LINES} lines."
        return []
    items: list[JobItem] = []
    for n, line in enumerate(lines):
        words = text.one_line(line.description)
        quantity, price = (
            _bounded(line.quantity, 1, MAX_QUANTITY),
            _bounded(line.unit_price_cents, 0, MAX_PRICE_CENTS),
        )
        if not words:
            errors[f"line_{n}"] = "Describe the line."
        elif len(words) > LINE_LIMIT:
            errors[f"line_{n}"] = too_long(LINE_LIMIT)
        elif quantity is None or price is None:
            errors[f"line_{n}"] = "Enter a whole quantity and a price that is not negative."
        elif line.kind not in ("", "labour", "material"):
            errors[f"line_{n}"] = "Choose labour, material or neither."
        else:
            items.append(
                JobItem(
                    job_id=0,
                    kind=line.kind,
                    description=words,
                    quantity=quantity,
                    unit_price_cents=price,
                    total_cents=quantity * price,
                    sort_order=n,
                )
            )
    return items


def _bounded(raw: Any, low: int, high: int) -> int | None:
    if isinstance(raw, bool):
        return None
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if low <= value <= high else None


def create_job(
    session: Session,
    staff: StaffMember,
    customer_id: Any,
    site_id: Any,
    description: Any,
    *,
    order_number: Any = "",
    contact_id: Any = None,
    lines: Sequence[Line] = (),
) -> Job:
    """A job raised in the office for any customer, at one of that customer's sites; it starts Pending."""
    require_duty(staff, Duty.SCHEDULE_JOBS)
    errors: dict[str, str] = {}
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None or not customer.is_active:
        errors["customer"] = "Choose a customer."
    site = visibility.get(session, staff, Site, site_id)
    if site is None or customer is None or site.customer_id != customer.id:
        errors["site"] = "Choose one of the customer's sites."
    words = text.multi_line(description)
    if not words:
        errors["description"] = "Describe the work."
    elif len(words) > DESCRIPTION_LIMIT:
        errors["description"] = too_long(DESCRIPTION_LIMIT)
    order = text.one_line(order_number)
    if len(order) > ORDER_LIMIT:
        errors["order_number"] = too_long(ORDER_LIMIT)
    contact = None
    if contact_id not in (None, ""):
        contact = visibility.get(session, staff, Contact, contact_id)
        if contact is None or customer is None or contact.customer_id != customer.id:
            errors["contact"] = "Choose one of the customer's contacts."
    items = _read_lines(lines, errors)
    if errors:
        raise ScheduleError(errors)
    assert customer is not None and customer.id is not None and site is not None and site.id is not None
    subtotal, tax, total = tenant.totals(session, (i.total_cents for i in items))
    job = Job(
        number=tenant.next_number(session, Job.number, jobs.FIRST_JOB_NUMBER),
        customer_id=customer.id,
        site_id=site.id,
        contact_id=contact.id if contact is not None else None,
        order_number=order,
        description=words,
        stage=JobStage.PENDING,
        status_text=jobs.STATUS_TEXT[JobStage.PENDING],
        requested_on=tenant.today(session),
        subtotal_cents=subtotal,
        tax_cents=tax,
        total_cents=total,
        created_at=clock.now(),
    )
    session.add(job)
    session.flush()
    assert job.id is not None
    for item in items:
        item.job_id = job.id
        session.add(item)
    session.flush()
    events.audit(
        session,
        staff,
        "job.created",
        job,
        detail={
            "before": {},
            "after": {
                "stage": JobStage(job.stage).value,
                "site_id": job.site_id,
                "lines": len(items),
                "total_cents": job.total_cents,
            },
        },
        customer_id=job.customer_id,
    )
    return job
