"""The office's board (every customer's jobs by stage, paged in SQL) and the week's calendar."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from portal.core.principal import AccessDenied
from portal.models import JobStage
from portal.services.work import office_jobs, scheduling
from tests.frozen import TODAY
from tests.unit import factories as f


@pytest.fixture
def world(session):
    f.contractor(session)
    north, south = f.customer(session, "Northside Pty"), f.customer(session, "Southbank Ltd")
    _, office = f.staff_member(session, "office")
    tech_row, tech = f.staff_member(session, "technician", "Sam Sparks")
    return {
        "north": f.site(session, north, "North HQ"),
        "south": f.site(session, south, "South Depot"),
        "office": office,
        "tech": tech,
    }


def _numbers(column):
    return [c.number for c in column.cards]


def test_the_board_shows_every_customers_jobs_by_stage(session, world):
    a = f.job_with(session, world["north"], number=50001)
    b = f.job_with(session, world["south"], number=50002)
    c = f.job_with(session, world["south"], number=50003, stage=JobStage.ARCHIVE)
    columns = office_jobs.board(session, world["office"])
    assert [col.title for col in columns] == ["Pending", "Progress", "Complete", "Invoiced", "Archive"]
    by = {col.stage: col for col in columns}
    assert sorted(_numbers(by[JobStage.PENDING])) == [a.number, b.number]
    assert _numbers(by[JobStage.ARCHIVE]) == [c.number] and by[JobStage.PROGRESS].cards == []
    card = next(x for x in by[JobStage.PENDING].cards if x.id == b.id)
    assert (card.customer_name, card.site_name) == ("Southbank Ltd", "South Depot")


def test_a_column_is_paged_twenty_at_a_time(session, world):
    for n in range(45):
        f.job_with(session, world["north"], requested_on=TODAY - timedelta(days=n), number=60000 + n)
    first = office_jobs.board_column(session, world["office"], "pending")
    assert (len(first.cards), first.total, first.more) == (20, 45, True)
    assert _numbers(first) == [60000 + n for n in range(20)]  # newest first
    more = office_jobs.board_column(session, world["office"], "pending", shown=40)
    assert _numbers(more)[:20] == _numbers(first) and len(more.cards) == 40
    every = office_jobs.board_column(session, world["office"], "pending", shown=60)
    assert (len(every.cards), every.more) == (45, False)
    for shown in ("x", -3, None, [40]):
        assert len(office_jobs.board_column(session, world["office"], "pending", shown=shown).cards) == 20
    assert len(office_jobs.board_column(session, world["office"], "pending", shown=2**70).cards) == 45
    assert len(office_jobs.board_column(session, world["office"], "pending", shown=10**6).cards) == 45


def test_progress_is_ordered_by_the_visit(session, world):
    later = f.job_with(
        session, world["north"], stage=JobStage.PROGRESS, scheduled_on=TODAY + timedelta(days=5)
    )
    soon = f.job_with(
        session, world["north"], stage=JobStage.PROGRESS, scheduled_on=TODAY + timedelta(days=1)
    )
    column = office_jobs.board_column(session, world["office"], "progress")
    assert [c.id for c in column.cards] == [soon.id, later.id]


def test_the_board_searches_number_customer_and_site(session, world):
    a = f.job_with(session, world["north"], number=71234)
    b = f.job_with(session, world["south"], number=88888)

    def pending(text):
        return {c.id for c in office_jobs.board_column(session, world["office"], "pending", text).cards}

    assert pending("712") == {a.id}
    assert pending("southbank") == {b.id}
    assert pending("depot") == {b.id}
    assert pending("100%") == set() and pending("_") == set()
    assert pending("   ") == {a.id, b.id} and pending(["x"]) == {a.id, b.id}
    assert office_jobs.board_column(session, world["office"], "pending", "north").total == 1


def test_an_unknown_stage_reads_as_pending(session, world):
    f.job_with(session, world["north"])
    assert office_jobs.board_column(session, world["office"], "bogus").stage == JobStage.PENDING


def test_a_technician_may_not_read_the_board_or_the_calendar(session, world):
    with pytest.raises(AccessDenied):
        office_jobs.board(session, world["tech"])
    with pytest.raises(AccessDenied):
        office_jobs.week_calendar(session, world["tech"], TODAY)
    with pytest.raises(AccessDenied):
        office_jobs.office_job(session, world["tech"], 1)


@pytest.mark.parametrize("offset", range(7))
def test_the_week_runs_monday_to_sunday_around_any_day(session, world, offset):
    day = TODAY + timedelta(days=offset)
    week = office_jobs.week_calendar(session, world["office"], day)
    assert week.start.weekday() == 0 and week.end.weekday() == 6
    assert week.start <= day <= week.end and (week.end - week.start).days == 6
    assert [d.day for d in week.days] == [week.start + timedelta(days=n) for n in range(7)]
    assert week.previous == week.start - timedelta(days=7) and week.next == week.start + timedelta(days=7)


def test_the_calendar_places_each_visit_on_its_day_by_technician(session, world):
    week = office_jobs.week_calendar(session, world["office"], TODAY)
    monday, sunday = week.start, week.end
    _, ann = f.staff_member(session, "technician", "Ann Able")
    jobs = {}
    for name, day, who, start in (
        ("mon", monday, world["tech"], time(8)),
        ("mon_ann", monday, ann, time(13)),
        ("sun", sunday, world["tech"], time(7)),
        ("before", monday - timedelta(days=1), world["tech"], time(8)),
        ("after", sunday + timedelta(days=1), world["tech"], time(8)),
    ):
        j = f.job_with(session, world["north"], scheduled_on=None)
        scheduling.schedule(
            session, world["office"], j.id, day.isoformat(), start.strftime("%H:%M"), "16:00", who.staff_id
        )
        jobs[name] = j.id
    week = office_jobs.week_calendar(session, world["office"], TODAY)
    by_day = {d.day: [c.id for c in d.visits] for d in week.days}
    assert by_day[monday] == [jobs["mon_ann"], jobs["mon"]]  # Ann Able before Sam Sparks
    assert by_day[sunday] == [jobs["sun"]]
    assert jobs["before"] not in sum(by_day.values(), []) and jobs["after"] not in sum(by_day.values(), [])
    first = week.days[0].visits[0]
    assert (first.technician_name, first.window_start, first.window_end) == ("Ann Able", time(13), time(16))
    previous = office_jobs.week_calendar(session, world["office"], week.previous)
    assert [c.id for d in previous.days for c in d.visits] == [jobs["before"]]


def test_the_calendar_week_on_a_year_boundary():
    assert office_jobs.monday_of(date(2027, 1, 1)) == date(2026, 12, 28)
    assert office_jobs.monday_of(date(2024, 3, 3)) == date(2024, 2, 26)


def test_one_job_for_the_office(session, world):
    person = f.contact(
        session,
        session.get(__import__("portal.models", fromlist=["Customer"]).Customer, world["north"].customer_id),
    )
    person.is_job_contact = True
    session.add(person)
    j = f.job_with(session, world["north"], scheduled_on=None)
    f.job_line(session, j, "Labour", 2, 5000)
    scheduling.schedule(
        session, world["office"], j.id, TODAY.isoformat(), "08:00", "10:00", world["tech"].staff_id
    )
    found = office_jobs.office_job(session, world["office"], str(j.id))
    assert found is not None
    assert (found.customer_name, found.site_name, found.technician_name) == (
        "Northside Pty",
        "North HQ",
        "Sam Sparks",
    )
    assert [i.description for i in found.items] == ["Labour"]
    assert [c[1] for c in found.contacts] == [person.email]
    assert [h.action for h in found.history] == ["job.scheduled"]
    for bad in ("x", None, -1, 2**40, 999_999):
        assert office_jobs.office_job(session, world["office"], bad) is None


def test_the_technician_choice_lists_active_staff_technicians_first(session, world):
    gone, _ = f.staff_member(session, active=False)
    found = office_jobs.technicians(session, world["office"])
    ids = [t[0] for t in found]
    assert gone.id not in ids and world["tech"].staff_id in ids and world["office"].staff_id in ids
    assert found[0][2] == "technician"
