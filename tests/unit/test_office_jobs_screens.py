"""The office job screens' handlers as Reflex runs them: only staff with the duty book or complete a
job, a technician's or customer's forged events change nothing, and errors come back per field."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from portal import db
from portal.models import AuditEvent, Contractor, Job, JobStage, OutboxMail, Role, Staff
from portal.state.office.calendar import CalendarState
from portal.state.office.jobs import JobsBoardState, NewJobState, OfficeJobState
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, signed_in_tab

DAY = (TODAY + timedelta(days=2)).isoformat()


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        owner = f.customer(s, "Mine")
        self.site = f.site(s, owner, "North Tower")
        self.customer = owner.id
        self.contact = f.contact(s, owner).id
        self.pending = f.job_with(s, self.site, scheduled_on=None).id
        staff = {}
        for role in ("office", "technician"):
            row = Staff(email=f"{role}@office.test", name=f"{role.title()} Tester", role=Role(role))
            s.add(row)
            s.flush()
            staff[role] = row.id
        self.office, self.technician = staff["office"], staff["technician"]


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def staff_tab(engine, who: int, path: str, **query: str) -> Tab:
    return signed_in_tab(engine, path, staff_id=who, **query)


def customer_tab(engine, who: int, path: str, **query: str) -> Tab:
    return signed_in_tab(engine, path, contact_id=who, **query)


def _job(engine, job_id: int) -> Job:
    with Session(engine) as s:
        return s.get(Job, job_id)


def _booking(world) -> dict:
    return {"form": {"day": DAY, "start": "08:00", "end": "10:00", "technician": str(world.technician)}}


def test_the_office_schedules_a_job_from_its_page(committed, world):
    tab = staff_tab(committed, world.office, f"/office/jobs/{world.pending}", job_id=str(world.pending))
    state = tab.run(OfficeJobState, "load")
    assert state.found and state.job["stage"] == "pending"
    tab.run(OfficeJobState, "open_booking")
    state = tab.run(
        OfficeJobState, "book", {"form": {"day": DAY, "start": "10:00", "end": "09:00", "technician": ""}}
    )
    assert set(state.errors) == {"end", "technician"} and state.dialog_open
    assert _job(committed, world.pending).stage == JobStage.PENDING
    state = tab.run(OfficeJobState, "book", _booking(world))
    assert not state.dialog_open and state.errors == {}
    stored = _job(committed, world.pending)
    assert (stored.stage, stored.technician_id, stored.scheduled_on.isoformat()) == (
        JobStage.PROGRESS,
        world.technician,
        DAY,
    )
    assert state.job["status"] == "Job : In Progress" and "08:00–10:00" in state.job["visit"]
    assert [h["action"] for h in state.history] == ["Scheduled"]


@pytest.mark.parametrize("who", ["technician", "customer", "nobody"])
def test_a_forged_schedule_or_complete_changes_nothing(committed, world, who):
    path, query = f"/office/jobs/{world.pending}", {"job_id": str(world.pending)}
    if who == "technician":
        tab = staff_tab(committed, world.technician, path, **query)
    elif who == "customer":
        tab = customer_tab(committed, world.contact, path, **query)
    else:
        tab = Tab("", path)
    state = tab.run(OfficeJobState, "load")
    assert not state.found and state.job == {}
    for handler, payload in (
        ("open_booking", {}),
        ("book", _booking(world)),
        ("ask_complete", {}),
        ("complete", {}),
    ):
        tab.run(OfficeJobState, handler, payload)
    assert tab.run(JobsBoardState, "load").columns == []
    assert tab.run(CalendarState, "load").days == []
    tab.run(NewJobState, "choose_customer", {"customer_id": str(world.customer)})
    tab.run(NewJobState, "create", {"form": {"site": str(world.site.id), "description": "Forged"}})
    stored = _job(committed, world.pending)
    assert (stored.stage, stored.scheduled_on, stored.technician_id) == (JobStage.PENDING, None, None)
    with Session(committed) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.target_type == "job")).all() == []
        assert s.exec(select(OutboxMail)).all() == []
        assert s.exec(select(Job).where(Job.description == "Forged")).all() == []


def test_a_technician_cannot_complete_through_the_office_job_page(committed, world):
    with Session(committed) as s:
        job = s.get(Job, world.pending)
        job.stage, job.technician_id = JobStage.PROGRESS, world.office
        s.add(job)
        s.commit()
    tab = staff_tab(committed, world.technician, f"/office/jobs/{world.pending}", job_id=str(world.pending))
    tab.run(OfficeJobState, "load")  # no SCHEDULE_JOBS: no job on screen, so nothing to complete
    tab.run(OfficeJobState, "complete")
    assert _job(committed, world.pending).stage == JobStage.PROGRESS


def test_the_board_and_calendar_load_for_the_office(committed, world):
    tab = staff_tab(committed, world.office, "/office/jobs")
    state = tab.run(JobsBoardState, "load")
    assert [c["stage"] for c in state.columns] == ["pending", "progress", "complete", "invoiced", "archive"]
    assert state.columns[0]["cards"][0]["id"] == str(world.pending)
    tab.run(JobsBoardState, "more", {"stage": "bogus"})
    tab.run(JobsBoardState, "show_stage", {"stage": "<script>"})
    assert tab.state(JobsBoardState).stage == "pending"
    calendar = staff_tab(committed, world.office, "/office/jobs/calendar", week="not-a-date")
    week = calendar.run(CalendarState, "load")
    assert len(week.days) == 7
    monday = week.days[0]["date"]
    assert (
        calendar.run(CalendarState, "next").days[0]["date"]
        == (date.fromisoformat(monday) + timedelta(days=7)).isoformat()
    )
    assert calendar.run(CalendarState, "this_week").days[0]["date"] == monday


def test_a_new_job_from_the_screen(committed, world):
    tab = staff_tab(committed, world.office, "/office/jobs/new")
    tab.run(NewJobState, "load")
    tab.run(NewJobState, "choose_customer", {"customer_id": str(world.customer)})
    tab.run(NewJobState, "add_line")
    state = tab.run(
        NewJobState,
        "create",
        {"form": {"site": str(world.site.id), "description": "", "price_0": "abc", "description_0": "x"}},
    )
    assert set(state.errors) >= {"description", "line_0"}
    tab.run(
        NewJobState,
        "create",
        {
            "form": {
                "site": str(world.site.id),
                "description": "Fit a new sign",
                "description_0": "Sign",
                "quantity_0": "2",
                "price_0": "12.50",
            }
        },
    )
    with Session(committed) as s:
        made = s.exec(select(Job).where(Job.description == "Fit a new sign")).one()
        assert (made.subtotal_cents, made.stage) == (2_500, JobStage.PENDING)
