"""The technician's day: today's jobs, what to test at each site, and the results, defects and
completion recorded on site.

A technician works only the jobs it is booked on (``job.technician_id``); the owner and the office
may open any job, to cover for someone. Every command is one unit of work the caller opens, checks
the duty and the job again, validates everything before it writes, and leaves an audit event.

A test of an asset at a service level moves that schedule on from the day it was tested by the
level's interval (:func:`next_due_after`), the same calendar-month rule the PPM report carries
schedules forward with; a "not tested" result moves nothing, so the asset stays due.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any
from urllib.parse import quote_plus

from sqlalchemy import func, or_
from sqlmodel import Session, select

from portal.core import events, tenant, text, weeks
from portal.core.months import add_months
from portal.core.principal import Duty, StaffMember, require_duty
from portal.core.visibility import get
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    AttachmentOwner,
    Customer,
    Defect,
    DefectSeverity,
    Job,
    JobAsset,
    JobStage,
    ServiceLevel,
    ServiceRecord,
    Site,
    SiteContact,
    TestResult,
)
from portal.models.base import column_limit, too_long
from portal.services.files import uploads
from portal.services.identity import contacts
from portal.services.work import jobs as job_stages

NOTES_LIMIT = column_limit(ServiceRecord, "notes")
DESCRIPTION_LIMIT = column_limit(Defect, "description")
RESULT_LABELS: dict[str, str] = {
    TestResult.PASS: "Passed",
    TestResult.FAIL: "Failed",
    TestResult.NOT_TESTED: "Not tested",
}
SEVERITY_LABELS: dict[str, str] = {
    DefectSeverity.CRITICAL: "Critical",
    DefectSeverity.NON_CRITICAL: "Non-critical",
    DefectSeverity.NON_CONFORMANCE: "Non-conformance",
}
NOT_AN_IMAGE = "Attach a photo (JPEG, PNG, GIF, WebP or HEIC)."


class FieldWorkError(Exception):
    """The command cannot be done; ``field_errors`` maps a field to the message shown beside it."""

    def __init__(self, field_errors: dict[str, str] | None = None, **fields: str) -> None:
        self.field_errors: dict[str, str] = {**(field_errors or {}), **fields}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.field_errors.items()))


class JobNotFound(LookupError):
    """No job by that id (or an id no job can have)."""


@dataclass(frozen=True)
class Person:
    name: str
    role: str  # "Site contact", or the customer contact's position
    phone: str
    mobile: str
    email: str


@dataclass(frozen=True)
class JobCard:
    id: int
    number: int
    stage: str
    scheduled_on: date | None
    window_start: time | None
    window_end: time | None
    customer: str
    site: str
    address: str
    map_url: str
    access_notes: str
    description: str
    contacts: list[Person]


@dataclass(frozen=True)
class AssetLine:
    """One schedule of an asset the technician may test today."""

    asset_id: int
    service_level_id: int
    number: str
    name: str
    location: str
    asset_type: str
    level: str
    due_on: date
    on_job: bool
    last_result: str  # a TestResult value, or "" when never tested
    last_tested_on: date | None
    today_result: str  # the result recorded on this job today, or ""
    today_record_id: int | None


@dataclass(frozen=True)
class JobView:
    card: JobCard
    assets: list[AssetLine]
    untested: list[AssetLine]  # assets on the job with no result today: Finish asks why


def next_due_after(tested_on: date, interval_months: int) -> date:
    """The one rule for rolling a schedule forward: the tested day plus the level's interval."""
    return add_months(tested_on, max(interval_months, 1))


def map_url(address: str) -> str:
    return f"https://www.google.com/maps/search/?api=1&query={quote_plus(address)}" if address else ""


# Loading a job the staff member may work.


def _job(session: Session, staff: StaffMember, job_id: Any) -> Job:
    job = get(session, staff, Job, job_id)
    if job is None:
        raise JobNotFound(str(job_id)[:40])
    job_stages.require_booked(staff, job)
    return job


def _open_job(session: Session, staff: StaffMember, job_id: Any) -> Job:
    job = _job(session, staff, job_id)
    if job.stage != JobStage.PROGRESS:
        raise FieldWorkError(job=f"Job {job.number} is {str(job.stage)}: nothing more can be recorded on it.")
    return job


# What the screens show.


def _contacts(session: Session, site_id: int, customer_id: int) -> list[Person]:
    on_site = session.exec(
        select(SiteContact)
        .where(SiteContact.site_id == site_id)
        .order_by(SiteContact.last_name, SiteContact.id)
    ).all()
    # Phoning a job contact needs no email, so the mail rule's email and address checks are left out.
    for_jobs = sorted(
        contacts.flagged(session, customer_id, "is_job_contact", site_id=site_id),
        key=lambda c: (c.last_name, c.id),
    )
    return [
        *(Person(c.full_name, c.position or "Site contact", c.phone, c.mobile, c.email) for c in on_site),
        *(Person(c.full_name, c.position or "Job contact", c.phone, c.mobile, c.email) for c in for_jobs),
    ]


def _card(session: Session, job: Job) -> JobCard:
    site = session.get(Site, job.site_id)
    customer = session.get(Customer, job.customer_id)
    address = site.address if site else ""
    return JobCard(
        id=job.id or 0,
        number=job.number,
        stage=str(job.stage),
        scheduled_on=job.scheduled_on,
        window_start=job.window_start,
        window_end=job.window_end,
        customer=customer.name if customer else "",
        site=site.name if site else "",
        address=address,
        map_url=map_url(address),
        access_notes=site.access_notes if site else "",
        description=job.description,
        contacts=_contacts(session, job.site_id, job.customer_id),
    )


def todays_jobs(session: Session, staff: StaffMember) -> list[JobCard]:
    """The staff member's visits today that are still in progress, by the start of their window."""
    require_duty(staff, Duty.RECORD_TESTS)
    today = tenant.today(session)
    rows = session.exec(
        select(Job)
        .where(Job.technician_id == staff.staff_id, Job.scheduled_on == today, Job.stage == JobStage.PROGRESS)
        .order_by(Job.window_start.is_(None), Job.window_start, Job.number)
    ).all()
    return [_card(session, job) for job in rows]


def _week_end(today: date) -> date:
    year, number = weeks.week_of(today)
    return weeks.week(year, number).end


def _lines(session: Session, job: Job, today: date) -> list[AssetLine]:
    on_job = select(JobAsset.asset_id).where(JobAsset.job_id == job.id)
    rows = session.exec(
        select(Asset, AssetServiceLevel, ServiceLevel, AssetType)
        .join(AssetServiceLevel, AssetServiceLevel.asset_id == Asset.id)
        .join(ServiceLevel, ServiceLevel.id == AssetServiceLevel.service_level_id)
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .where(
            or_(
                Asset.id.in_(on_job),
                (Asset.site_id == job.site_id)
                & (Asset.status == AssetStatus.ACTIVE)
                & (AssetServiceLevel.next_due_on <= _week_end(today)),
            ),
            Asset.customer_id == job.customer_id,
        )
        .order_by(Asset.number, Asset.id, ServiceLevel.sort_order, ServiceLevel.id)
    ).all()
    if not rows:
        return []
    on_job_ids = set(session.exec(on_job).all())
    asset_ids = sorted({a.id for a, *_ in rows if a.id is not None})
    latest = (
        select(
            ServiceRecord.asset_id,
            ServiceRecord.service_level_id,
            func.max(ServiceRecord.id).label("last_id"),
        )
        .where(ServiceRecord.asset_id.in_(asset_ids))
        .group_by(ServiceRecord.asset_id, ServiceRecord.service_level_id)
        .subquery()
    )
    last: dict[tuple[int, int], ServiceRecord] = {
        (r.asset_id, r.service_level_id): r
        for r in session.exec(select(ServiceRecord).join(latest, latest.c.last_id == ServiceRecord.id)).all()
    }
    todays: dict[tuple[int, int], ServiceRecord] = {
        (r.asset_id, r.service_level_id): r
        for r in session.exec(
            select(ServiceRecord).where(ServiceRecord.job_id == job.id, ServiceRecord.tested_on == today)
        ).all()
    }
    lines = []
    for asset, schedule, level, kind in rows:
        key = (schedule.asset_id, schedule.service_level_id)
        previous, now = last.get(key), todays.get(key)
        lines.append(
            AssetLine(
                asset_id=asset.id or 0,
                service_level_id=level.id or 0,
                number=asset.number,
                name=asset.name,
                location=asset.location,
                asset_type=kind.name,
                level=level.name,
                due_on=schedule.next_due_on,
                on_job=asset.id in on_job_ids,
                last_result=str(previous.result) if previous else "",
                last_tested_on=previous.tested_on if previous else None,
                today_result=str(now.result) if now else "",
                today_record_id=now.id if now else None,
            )
        )
    lines.sort(key=lambda line: (not line.on_job, line.number, line.asset_id, line.level))
    return lines


def _untested(lines: list[AssetLine]) -> list[AssetLine]:
    """Assets on the job with no result today, once each (at their earliest-due schedule)."""
    done = {line.asset_id for line in lines if line.on_job and line.today_result}
    first: dict[int, AssetLine] = {}
    for line in lines:
        if line.on_job and line.asset_id not in done:
            kept = first.get(line.asset_id)
            if kept is None or line.due_on < kept.due_on:
                first[line.asset_id] = line
    return sorted(first.values(), key=lambda line: (line.number, line.asset_id))


def job_view(session: Session, staff: StaffMember, job_id: Any) -> JobView:
    """One job as the technician works it; another technician's job is refused."""
    require_duty(staff, Duty.RECORD_TESTS)
    job = _job(session, staff, job_id)
    lines = _lines(session, job, tenant.today(session))
    return JobView(_card(session, job), lines, _untested(lines))


# Commands.


def _schedule(
    session: Session, job: Job, asset_id: Any, service_level_id: Any
) -> tuple[Asset, AssetServiceLevel, ServiceLevel]:
    """An asset of the job's customer, on the job or at its site, and one of its schedules."""
    asset = session.get(Asset, asset_id) if isinstance(asset_id, int) and 0 < asset_id < 2**31 else None
    if asset is None or asset.customer_id != job.customer_id:
        raise FieldWorkError(asset="Choose an asset on this job or at its site.")
    on_job = session.get(JobAsset, (job.id, asset.id)) is not None
    if not on_job and asset.site_id != job.site_id:
        raise FieldWorkError(asset="Choose an asset on this job or at its site.")
    schedule = (
        session.exec(
            select(AssetServiceLevel).where(
                AssetServiceLevel.asset_id == asset.id, AssetServiceLevel.service_level_id == service_level_id
            )
        ).first()
        if isinstance(service_level_id, int) and 0 < service_level_id < 2**31
        else None
    )
    level = session.get(ServiceLevel, service_level_id) if schedule is not None else None
    if schedule is None or level is None:
        raise FieldWorkError(service_level="Choose one of the asset's service levels.")
    return asset, schedule, level


def _result(raw: Any) -> TestResult | None:
    return TestResult(raw) if isinstance(raw, str) and raw in TestResult._value2member_map_ else None


def _notes(raw: Any, field: str = "notes") -> str:
    notes = text.multi_line(raw)
    if len(notes) > NOTES_LIMIT:
        raise FieldWorkError({field: too_long(NOTES_LIMIT)})
    return notes


def _add_record(
    session: Session,
    staff: StaffMember,
    job: Job,
    schedule: AssetServiceLevel,
    level: ServiceLevel,
    result: TestResult,
    notes: str,
    today: date,
) -> ServiceRecord:
    before = {
        "next_due_on": schedule.next_due_on.isoformat(),
        "last_tested_on": _iso(schedule.last_tested_on),
    }
    record = ServiceRecord(
        asset_id=schedule.asset_id,
        service_level_id=schedule.service_level_id,
        job_id=job.id,
        due_on=schedule.next_due_on,
        tested_on=today,
        result=result,
        technician=staff.name[: column_limit(ServiceRecord, "technician")],
        technician_id=staff.staff_id,
        notes=notes,
    )
    session.add(record)
    if result != TestResult.NOT_TESTED:
        schedule.last_tested_on = today
        schedule.next_due_on = next_due_after(today, level.interval_months)
        session.add(schedule)
    session.flush()
    events.audit(
        session,
        staff,
        "service_record.record",
        record,
        detail={
            "job_id": job.id,
            "asset_id": schedule.asset_id,
            "service_level_id": schedule.service_level_id,
            "result": result.value,
            "notes": notes,
            "before": before,
            "after": {
                "next_due_on": schedule.next_due_on.isoformat(),
                "last_tested_on": _iso(schedule.last_tested_on),
            },
        },
        customer_id=job.customer_id,
    )
    return record


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def record_test(
    session: Session,
    staff: StaffMember,
    job_id: Any,
    asset_id: Any,
    service_level_id: Any,
    result: Any,
    notes: Any = "",
) -> ServiceRecord:
    """Record one asset's test at one service level on the job, dated today."""
    require_duty(staff, Duty.RECORD_TESTS)
    job = _open_job(session, staff, job_id)
    _asset, schedule, level = _schedule(session, job, asset_id, service_level_id)
    errors: dict[str, str] = {}
    chosen = _result(result)
    if chosen is None:
        errors["result"] = "Choose passed, failed or not tested."
    try:
        cleaned = _notes(notes)
    except FieldWorkError as refused:
        errors.update(refused.field_errors)
        cleaned = ""
    if chosen == TestResult.NOT_TESTED and not cleaned and "notes" not in errors:
        errors["notes"] = "Say why it was not tested."
    today = tenant.today(session)
    already = session.exec(
        select(ServiceRecord.id).where(
            ServiceRecord.job_id == job.id,
            ServiceRecord.asset_id == schedule.asset_id,
            ServiceRecord.service_level_id == schedule.service_level_id,
            ServiceRecord.tested_on == today,
        )
    ).first()
    if already is not None:
        errors["result"] = "A result is already recorded for this asset today."
    if errors or chosen is None:
        raise FieldWorkError(errors)
    return _add_record(session, staff, job, schedule, level, chosen, cleaned, today)


def photo_problem(found: uploads.PendingFile) -> str | None:
    """A defect's photo must be an image by its content, whatever its name says."""
    return None if found.content_type.startswith("image/") else NOT_AN_IMAGE


def raise_defect(
    session: Session,
    staff: StaffMember,
    job_id: Any,
    asset_id: Any,
    severity: Any,
    description: Any,
    *,
    service_record_id: Any = None,
    photo: tuple[str, str] | None = None,
) -> Defect:
    """A defect found on the job at an asset, with an optional photo (pending key, name) kept privately."""
    require_duty(staff, Duty.RECORD_TESTS)
    job = _open_job(session, staff, job_id)
    errors: dict[str, str] = {}
    asset = session.get(Asset, asset_id) if isinstance(asset_id, int) and 0 < asset_id < 2**31 else None
    on_job = asset is not None and session.get(JobAsset, (job.id, asset.id)) is not None
    if asset is None or asset.customer_id != job.customer_id or not (on_job or asset.site_id == job.site_id):
        raise FieldWorkError(asset="Choose an asset on this job or at its site.")
    chosen = (
        DefectSeverity(severity)
        if isinstance(severity, str) and severity in DefectSeverity._value2member_map_
        else None
    )
    if chosen is None:
        errors["severity"] = "Choose critical, non-critical or non-conformance."
    cleaned = text.multi_line(description)
    if not cleaned:
        errors["description"] = "Describe what is wrong."
    elif len(cleaned) > DESCRIPTION_LIMIT:
        errors["description"] = too_long(DESCRIPTION_LIMIT)
    record: ServiceRecord | None = None
    if service_record_id is not None:
        record = (
            session.get(ServiceRecord, service_record_id)
            if isinstance(service_record_id, int) and 0 < service_record_id < 2**31
            else None
        )
        if record is None or record.job_id != job.id or record.asset_id != asset.id:
            errors["service_record"] = "That test is not one of this asset's on this job."
    checked: uploads.PendingFile | None = None
    if photo is not None:
        try:
            checked = uploads.inspect_pending(photo[0], photo[1])
        except uploads.UploadRefused as refused:
            errors["photo"] = refused.message
        else:
            if problem := photo_problem(checked):
                errors["photo"] = problem
    if errors or chosen is None:
        raise FieldWorkError(errors)
    defect = Defect(
        customer_id=job.customer_id,
        site_id=asset.site_id,  # where the asset is, which is where its defect is reported
        asset_id=asset.id or 0,
        service_record_id=record.id if record else None,
        found_on=tenant.today(session),
        severity=chosen,
        description=cleaned,
    )
    session.add(defect)
    session.flush()
    attachment_id = None
    if checked is not None:
        (row,) = uploads.attach(
            session,
            [checked],
            customer_id=job.customer_id,
            owner_type=AttachmentOwner.DEFECT,
            owner_id=defect.id or 0,
            contact_id=None,
        )
        row.uploaded_by_staff_id = staff.staff_id
        row.uploaded_by_staff = staff.name[: column_limit(type(row), "uploaded_by_staff")]
        session.add(row)
        session.flush()
        attachment_id = row.id
    events.audit(
        session,
        staff,
        "defect.raise",
        defect,
        detail={
            "job_id": job.id,
            "before": None,
            "after": {
                "asset_id": defect.asset_id,
                "severity": chosen.value,
                "description": cleaned,
                "service_record_id": defect.service_record_id,
                "photo_attachment_id": attachment_id,
            },
        },
        customer_id=job.customer_id,
    )
    return defect


def finish_job(session: Session, staff: StaffMember, job_id: Any, reasons: Mapping[Any, Any]) -> Job:
    """Record why each asset on the job went untested, then complete the job.

    ``reasons`` maps an asset id to the reason typed for it; every untested asset needs one.
    """
    require_duty(staff, Duty.COMPLETE_JOBS)
    require_duty(staff, Duty.RECORD_TESTS)
    job = _open_job(session, staff, job_id)
    today = tenant.today(session)
    untested = _untested(_lines(session, job, today))
    given = {str(k): v for k, v in reasons.items()} if isinstance(reasons, Mapping) else {}
    errors: dict[str, str] = {}
    cleaned: dict[int, str] = {}
    for line in untested:
        field = f"reason-{line.asset_id}"
        try:
            reason = _notes(given.get(str(line.asset_id)), field)
        except FieldWorkError as refused:
            errors.update(refused.field_errors)
            continue
        if not reason:
            errors[field] = "Say why this asset was not tested."
        cleaned[line.asset_id] = reason
    if errors:
        raise FieldWorkError(errors)
    before = {"stage": str(job.stage), "completed_on": _iso(job.completed_on)}
    for line in untested:
        _asset, schedule, level = _schedule(session, job, line.asset_id, line.service_level_id)
        _add_record(
            session, staff, job, schedule, level, TestResult.NOT_TESTED, cleaned[line.asset_id], today
        )
    job_stages.complete_job(session, staff, job.id or 0, today)
    events.audit(
        session,
        staff,
        "job.finish",
        job,
        detail={
            "untested": {str(k): v for k, v in cleaned.items()},
            "before": before,
            "after": {"stage": str(job.stage), "completed_on": _iso(job.completed_on)},
        },
        customer_id=job.customer_id,
    )
    return job
