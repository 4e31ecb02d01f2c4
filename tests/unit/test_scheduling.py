"""Booking, moving and completing jobs in the office, and raising one from scratch."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from portal.core import dates
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import AuditEvent, Customer, Job, JobItem, JobStage, OutboxMail
from portal.services.work import jobs, scheduling
from portal.services.work.scheduling import Line, ScheduleError
from tests.frozen import TODAY
from tests.unit import factories as f

DAY = TODAY + timedelta(days=3)


@pytest.fixture
def world(session):
    f.contractor(session)
    owner = f.customer(session)
    place = f.site(session, owner)
    _, office = f.staff_member(session, "office", "Kylie Office")
    tech_row, tech = f.staff_member(session, "technician", "Sam Sparks")
    return {"owner": owner, "site": place, "office": office, "tech": tech, "tech_row": tech_row}


def _mail(session, kind=None):
    stmt = select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        stmt = stmt.where(OutboxMail.kind == kind)
    return session.exec(stmt).all()


def _audits(session, job, action):
    return session.exec(
        select(AuditEvent).where(
            AuditEvent.target_type == "job", AuditEvent.target_id == job.id, AuditEvent.action == action
        )
    ).all()


def _flag(session, person, **flags):
    for k, v in flags.items():
        setattr(person, k, v)
    session.add(person)
    session.flush()


def test_scheduling_books_the_visit_moves_the_job_and_audits_before_and_after(session, world):
    j = f.job_with(session, world["site"], scheduled_on=None)
    scheduling.schedule(
        session, world["office"], j.id, DAY.isoformat(), "08:00", "10:00", str(world["tech"].staff_id)
    )
    session.refresh(j)
    assert (j.stage, j.status_text) == (JobStage.PROGRESS, "Job : In Progress")
    assert (j.scheduled_on, j.window_start, j.window_end, j.technician_id) == (
        DAY,
        time(8),
        time(10),
        world["tech"].staff_id,
    )
    [event] = _audits(session, j, "job.scheduled")
    assert event.staff_id == world["office"].staff_id and event.customer_id == j.customer_id
    assert event.detail["before"] == {
        "stage": "pending",
        "scheduled_on": None,
        "window_start": None,
        "window_end": None,
        "technician_id": None,
    }
    assert event.detail["after"] == {
        "stage": "progress",
        "scheduled_on": DAY.isoformat(),
        "window_start": "08:00",
        "window_end": "10:00",
        "technician_id": world["tech"].staff_id,
    }


@pytest.mark.parametrize(
    ("day", "start", "end", "field", "message"),
    [
        ("", "08:00", "10:00", "day", dates.NOT_A_DATE),
        ("1989-12-31", "08:00", "10:00", "day", dates.OUT_OF_RANGE),
        ("2101-01-01", "08:00", "10:00", "day", dates.OUT_OF_RANGE),
        ("2026-02-30", "08:00", "10:00", "day", dates.NOT_A_DATE),
        (None, "08:00", "10:00", "day", dates.NOT_A_DATE),
        ("{day}", "8am", "10:00", "start", scheduling.NOT_A_TIME),
        ("{day}", "08:00", "24:00", "end", scheduling.NOT_A_TIME),
        ("{day}", "10:00", "10:00", "end", scheduling.END_BEFORE_START),
        ("{day}", "10:00", "09:59", "end", scheduling.END_BEFORE_START),
        ("{day}", ["08:00"], "10:00", "start", scheduling.NOT_A_TIME),
    ],
)
def test_a_bad_window_or_date_is_refused_beside_its_field(session, world, day, start, end, field, message):
    j = f.job_with(session, world["site"], scheduled_on=None)
    raw = day.format(day=DAY.isoformat()) if isinstance(day, str) else day
    with pytest.raises(ScheduleError) as refused:
        scheduling.schedule(session, world["office"], j.id, raw, start, end, world["tech"].staff_id)
    assert refused.value.field_errors[field] == message
    session.refresh(j)
    assert (j.stage, j.scheduled_on, j.technician_id) == (JobStage.PENDING, None, None)
    assert _audits(session, j, "job.scheduled") == [] and _mail(session) == []


def test_the_technician_must_be_an_active_staff_member(session, world):
    j = f.job_with(session, world["site"], scheduled_on=None)
    gone, _ = f.staff_member(session, active=False)
    for technician in (gone.id, 999_999, "x", None, -1, 2**40):
        with pytest.raises(ScheduleError) as refused:
            scheduling.schedule(session, world["office"], j.id, DAY.isoformat(), "08:00", "09:00", technician)
        assert refused.value.field_errors == {"technician": scheduling.NO_TECHNICIAN}
    assert session.get(Job, j.id).stage == JobStage.PENDING
    # Any active staff member may be booked, not only a technician.
    scheduling.schedule(
        session, world["office"], j.id, DAY.isoformat(), "08:00", "09:00", world["office"].staff_id
    )
    assert session.get(Job, j.id).technician_id == world["office"].staff_id


def test_every_problem_is_reported_at_once(session, world):
    j = f.job_with(session, world["site"], scheduled_on=None)
    with pytest.raises(ScheduleError) as refused:
        scheduling.schedule(session, world["office"], j.id, "soon", "x", "y", "")
    assert set(refused.value.field_errors) == {"day", "start", "end", "technician"}


@pytest.mark.parametrize("stage", [JobStage.PROGRESS, JobStage.COMPLETE, JobStage.INVOICED, JobStage.ARCHIVE])
def test_only_a_pending_job_is_scheduled(session, world, stage):
    j = f.job_with(session, world["site"], stage=stage, scheduled_on=TODAY)
    with pytest.raises(ScheduleError) as refused:
        scheduling.schedule(
            session, world["office"], j.id, DAY.isoformat(), "08:00", "10:00", world["tech"].staff_id
        )
    assert refused.value.field_errors == {"job": scheduling.NOT_PENDING}
    assert session.get(Job, j.id).stage == stage


@pytest.mark.parametrize("stage", [JobStage.PENDING, JobStage.COMPLETE, JobStage.INVOICED, JobStage.ARCHIVE])
def test_only_a_job_in_progress_is_rescheduled(session, world, stage):
    j = f.job_with(session, world["site"], stage=stage, scheduled_on=TODAY)
    with pytest.raises(ScheduleError) as refused:
        scheduling.reschedule(
            session, world["office"], j.id, DAY.isoformat(), "08:00", "10:00", world["tech"].staff_id
        )
    assert refused.value.field_errors == {"job": scheduling.NOT_IN_PROGRESS}
    assert session.get(Job, j.id).scheduled_on == TODAY


@pytest.mark.parametrize("job_id", ["", "abc", None, 0, -5, 2**40, 987_654])
def test_a_bad_job_id_is_a_clear_error(session, world, job_id):
    for command in (scheduling.schedule, scheduling.reschedule):
        with pytest.raises(ScheduleError) as refused:
            command(
                session, world["office"], job_id, DAY.isoformat(), "08:00", "10:00", world["tech"].staff_id
            )
        assert refused.value.field_errors == {"job": scheduling.NO_JOB}
    with pytest.raises(ScheduleError):
        scheduling.complete(session, world["office"], job_id)


def test_rescheduling_moves_the_visit_and_audits_it(session, world):
    j = f.job_with(session, world["site"], scheduled_on=None)
    scheduling.schedule(
        session, world["office"], j.id, DAY.isoformat(), "08:00", "10:00", world["tech"].staff_id
    )
    later = DAY + timedelta(days=7)
    scheduling.reschedule(
        session, world["office"], j.id, later.isoformat(), "13:30", "15:00", world["office"].staff_id
    )
    session.refresh(j)
    assert (j.stage, j.scheduled_on, j.window_start, j.window_end) == (
        JobStage.PROGRESS,
        later,
        time(13, 30),
        time(15),
    )
    [event] = _audits(session, j, "job.rescheduled")
    assert event.detail["before"]["scheduled_on"] == DAY.isoformat()
    assert event.detail["before"]["technician_id"] == world["tech"].staff_id
    assert event.detail["after"]["scheduled_on"] == later.isoformat()
    assert event.detail["after"]["window_start"] == "13:30"


@pytest.mark.parametrize("who", ["tech", "customer"])
def test_scheduling_needs_the_office(session, world, who):
    j = f.job_with(session, world["site"], scheduled_on=None)
    if who == "customer":
        from portal.services.identity import principals

        principal = principals.scope_for(session, f.contact(session, world["owner"]).id)
    else:
        principal = world["tech"]
    for command in (scheduling.schedule, scheduling.reschedule):
        with pytest.raises(AccessDenied):
            command(session, principal, j.id, DAY.isoformat(), "08:00", "10:00", world["tech"].staff_id)
    with pytest.raises(AccessDenied):
        scheduling.create_job(session, principal, world["owner"].id, world["site"].id, "Work")
    session.refresh(j)
    assert (j.stage, j.scheduled_on) == (JobStage.PENDING, None)
    assert session.exec(select(AuditEvent)).all() == []


def test_booking_mails_the_job_contacts_who_see_the_site(session, world):
    owner, place = world["owner"], world["site"]
    elsewhere = f.site(session, owner, "Warehouse")
    everyone = f.contact(session, owner, email="jobs@acme.example")
    limited = f.contact(session, owner, email="limited@acme.example", sites=[elsewhere])
    assigned = f.contact(session, owner, email="assigned@acme.example", sites=[place])
    left = f.contact(session, owner, email="left@acme.example")
    unflagged = f.contact(session, owner, email="quotes@acme.example")
    for person in (everyone, limited, assigned):
        _flag(session, person, is_job_contact=True)
    _flag(session, left, is_job_contact=True, deactivated_at=datetime(2026, 1, 1, tzinfo=UTC))
    j = f.job_with(session, place, scheduled_on=None, contact_id=unflagged.id)

    scheduling.schedule(
        session, world["office"], j.id, "2026-12-04", "08:00", "10:00", world["tech"].staff_id
    )
    sent = _mail(session, "job_scheduled")
    assert sorted(m.to_address for m in sent) == ["assigned@acme.example", "jobs@acme.example"]
    assert all(f"Job #{j.number}" in m.subject and "Fri 4 Dec 2026, 08:00–10:00" in m.subject for m in sent)
    assert "Fri 4 Dec 2026, 08:00–10:00" in sent[0].body_text and "scheduled" in sent[0].body_text

    scheduling.reschedule(
        session, world["office"], j.id, "2026-12-07", "09:00", "11:00", world["tech"].staff_id
    )
    moved = _mail(session, "job_rescheduled")
    assert sorted(m.to_address for m in moved) == ["assigned@acme.example", "jobs@acme.example"]
    assert "Mon 7 Dec 2026, 09:00–11:00" in moved[0].subject and "rescheduled" in moved[0].body_text


def test_without_job_contacts_the_jobs_own_contact_is_told(session, world):
    own = f.contact(session, world["owner"], email="own@acme.example")
    j = f.job_with(session, world["site"], scheduled_on=None, contact_id=own.id)
    scheduling.schedule(
        session, world["office"], j.id, DAY.isoformat(), "08:00", "10:00", world["tech"].staff_id
    )
    assert [m.to_address for m in _mail(session)] == ["own@acme.example"]


def test_a_job_contact_of_another_customer_is_never_told(session, world):
    stranger = f.person(session, email="stranger@other.example", is_job_contact=True)
    j = f.job_with(session, world["site"], scheduled_on=None, contact_id=stranger.id)
    scheduling.schedule(
        session, world["office"], j.id, DAY.isoformat(), "08:00", "10:00", world["tech"].staff_id
    )
    assert _mail(session) == []


def test_a_technician_completes_only_its_own_job_and_the_office_any(session, world):
    _, other = f.staff_member(session)
    mine = f.job_with(session, world["site"], scheduled_on=None)
    scheduling.schedule(
        session, world["office"], mine.id, TODAY.isoformat(), "08:00", "10:00", world["tech"].staff_id
    )
    with pytest.raises(AccessDenied):
        scheduling.complete(session, other, mine.id)
    assert session.get(Job, mine.id).stage == JobStage.PROGRESS
    assert _audits(session, mine, "job.completed") == []

    scheduling.complete(session, world["tech"], mine.id)
    session.refresh(mine)
    assert (mine.stage, mine.status_text, mine.completed_on) == (JobStage.COMPLETE, "Job : Complete", TODAY)
    [event] = _audits(session, mine, "job.completed")
    assert event.detail["before"]["stage"] == "progress"
    assert (
        event.detail["after"]["stage"] == "complete"
        and event.detail["after"]["completed_on"] == TODAY.isoformat()
    )

    theirs = f.job_with(session, world["site"], stage=JobStage.PROGRESS, technician_id=other.staff_id)
    scheduling.complete(session, world["office"], theirs.id)
    assert session.get(Job, theirs.id).stage == JobStage.COMPLETE
    with pytest.raises(ScheduleError) as refused:
        scheduling.complete(session, world["office"], theirs.id)
    assert refused.value.field_errors == {"job": scheduling.NOT_COMPLETABLE}


def test_a_new_job_is_raised_for_any_customer_at_its_site(session, world):
    owner, place = world["owner"], world["site"]
    person = f.contact(session, owner)
    j = scheduling.create_job(
        session,
        world["office"],
        str(owner.id),
        str(place.id),
        "  Replace the  exit sign\nin the foyer ",
        order_number=" PO-7 ",
        contact_id=str(person.id),
        lines=[Line("Labour", "2", "9000", "labour"), Line("Exit sign", 1, 5000, "material")],
    )
    session.refresh(j)
    assert (j.stage, j.status_text, j.customer_id, j.site_id, j.contact_id) == (
        JobStage.PENDING,
        "Job : New Service",
        owner.id,
        place.id,
        person.id,
    )
    assert j.order_number == "PO-7" and j.requested_on == TODAY and j.number >= jobs.FIRST_JOB_NUMBER
    assert (j.subtotal_cents, j.tax_cents, j.total_cents) == (23_000, 2_300, 25_300)
    items = session.exec(select(JobItem).where(JobItem.job_id == j.id).order_by(JobItem.sort_order)).all()
    assert [(i.description, i.quantity, i.total_cents, i.kind) for i in items] == [
        ("Labour", 2, 18_000, "labour"),
        ("Exit sign", 1, 5_000, "material"),
    ]
    [event] = _audits(session, j, "job.created")
    assert event.detail["before"] == {} and event.detail["after"]["total_cents"] == 25_300

    bare = scheduling.create_job(session, world["office"], owner.id, place.id, "Look at the panel")
    assert bare.total_cents == 0 and bare.contact_id is None


def test_a_new_job_at_another_customers_site_is_refused(session, world):
    other = f.customer(session, "Other Co")
    theirs = f.site(session, other, "Their site")
    stranger = f.contact(session, other)
    before = session.exec(select(Job)).all()
    with pytest.raises(ScheduleError) as refused:
        scheduling.create_job(
            session, world["office"], world["owner"].id, theirs.id, "Work", contact_id=stranger.id
        )
    assert set(refused.value.field_errors) == {"site", "contact"}
    assert session.exec(select(Job)).all() == before


@pytest.mark.parametrize(
    ("customer", "site", "description", "lines", "fields"),
    [
        ("x", "y", "Work", [], {"customer", "site"}),
        (None, None, "", [], {"customer", "site", "description"}),
        ("{c}", "{s}", "x" * 20_001, [], {"description"}),
        ("{c}", "{s}", "Work", [Line("", 1, 100)], {"line_0"}),
        ("{c}", "{s}", "Work", [Line("A", 0, 100)], {"line_0"}),
        ("{c}", "{s}", "Work", [Line("A", 1, -1)], {"line_0"}),
        ("{c}", "{s}", "Work", [Line("A", "one", 100)], {"line_0"}),
        ("{c}", "{s}", "Work", [Line("A", 1, 100, "parts")], {"line_0"}),
        ("{c}", "{s}", "Work", [Line("A", 1, 1)] * 101, {"lines"}),
    ],
)
def test_a_new_job_checks_every_field(session, world, customer, site, description, lines, fields):
    ids = {"{c}": world["owner"].id, "{s}": world["site"].id}
    with pytest.raises(ScheduleError) as refused:
        scheduling.create_job(
            session,
            world["office"],
            ids.get(customer, customer),
            ids.get(site, site),
            description,
            lines=lines,
        )
    assert set(refused.value.field_errors) == fields
    assert session.exec(select(Job)).all() == []


def test_an_inactive_customer_gets_no_new_job(session, world):
    owner = session.get(Customer, world["owner"].id)
    owner.is_active = False
    session.add(owner)
    session.flush()
    with pytest.raises(ScheduleError) as refused:
        scheduling.create_job(session, world["office"], owner.id, world["site"].id, "Work")
    assert "customer" in refused.value.field_errors


def test_a_visit_reads_with_its_window():
    assert jobs.visit_text(date(2026, 12, 4), time(8), time(10)) == "Fri 4 Dec 2026, 08:00–10:00"
    assert jobs.visit_text(date(2026, 12, 4), None, None) == "Fri 4 Dec 2026"
    assert jobs.visit_text(None, time(8), time(9)) == ""


def test_the_old_technician_principal_cannot_complete_an_unbooked_job(session, world):
    j = f.job_with(session, world["site"], stage=JobStage.PROGRESS)
    with pytest.raises(AccessDenied):
        scheduling.complete(session, StaffMember(world["tech"].staff_id, "Sam", Role.TECHNICIAN), j.id)
    assert session.get(Job, j.id).stage == JobStage.PROGRESS


def test_the_customer_sees_the_job_in_progress_with_its_visit(session, world):
    from portal.core.lists import PageRequest
    from portal.services.identity import principals

    scope = principals.scope_for(session, f.contact(session, world["owner"]).id)
    j = f.job_with(session, world["site"], scheduled_on=None)
    scheduling.schedule(
        session, world["office"], j.id, "2026-12-04", "08:00", "10:00", world["tech"].staff_id
    )
    [row] = jobs.list_jobs(session, scope, "progress", PageRequest(), TODAY).rows
    assert (row.id, row.status_text, row.scheduled_on) == (j.id, "Job : In Progress", date(2026, 12, 4))
    assert (
        jobs.visit_text(row.scheduled_on, row.window_start, row.window_end) == "Fri 4 Dec 2026, 08:00–10:00"
    )
    assert jobs.list_jobs(session, scope, "pending", PageRequest(), TODAY).rows == []
    detail = jobs.job_detail(session, scope, j.id)
    assert (detail.status_text, detail.window_start, detail.window_end) == (
        "Job : In Progress",
        time(8),
        time(10),
    )
