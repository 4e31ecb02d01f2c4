"""The technician's screens as Reflex runs their handlers: the job comes from the address only when
the staff member may work it, and forged events (another technician's job, a customer's session)
change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from portal import db
from portal.models import (
    AssetServiceLevel,
    Contractor,
    Defect,
    Job,
    JobAsset,
    JobStage,
    Role,
    ServiceRecord,
    Staff,
)
from portal.state.office.day import DayState, JobDayState
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, signed_in_tab


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        owner = f.customer(s, "Northside")
        place = f.site(s, owner, "North Tower")
        self.sam = Staff(email="sam@office.test", name="Sam", role=Role.TECHNICIAN)
        self.olga = Staff(email="olga@office.test", name="Olga", role=Role.TECHNICIAN)
        s.add_all([self.sam, self.olga])
        s.flush()
        job = f.job(s, place, JobStage.PROGRESS)
        job.technician_id, job.scheduled_on = self.sam.id, TODAY
        self.asset = f.asset(s, place, due_in_days=0)
        s.add_all([job, JobAsset(job_id=job.id, asset_id=self.asset.id)])
        s.flush()
        self.job_id, self.asset_id = job.id, self.asset.id
        self.level_id = s.exec(
            select(AssetServiceLevel.service_level_id).where(AssetServiceLevel.asset_id == self.asset.id)
        ).one()
        self.contact_id = f.contact(s, owner).id


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def job_tab(engine, staff_id: int | None, job_id: object, contact_id: int | None = None) -> Tab:
    return signed_in_tab(
        engine, f"/office/day/{job_id}", staff_id=staff_id, contact_id=contact_id, job_id=str(job_id)
    )


def _nothing_recorded(engine, world: World) -> None:
    with Session(engine) as s:
        assert s.exec(select(ServiceRecord)).all() == []
        assert s.exec(select(Defect)).all() == []
        assert s.get(Job, world.job_id).stage == JobStage.PROGRESS


def test_the_technician_records_a_pass_and_finishes(world, committed):
    tab = job_tab(committed, world.sam.id, world.job_id)
    state = tab.run(JobDayState, "load")
    assert state.found and [a["key"] for a in state.assets] == [f"{world.asset_id}-{world.level_id}"]
    tab.run(JobDayState, "open_test", {"key": f"{world.asset_id}-{world.level_id}"})
    tab.run(JobDayState, "set_test_result", {"value": "pass"})
    state = tab.run(JobDayState, "save_test", {"form": {"notes": "ok"}})
    assert state.errors == {} and state.assets[0]["today"] == "Passed"
    state = tab.run(JobDayState, "finish", {"form": {}})
    with Session(committed) as s:
        assert s.get(Job, world.job_id).stage == JobStage.COMPLETE
    tab.run(JobDayState, "open_defect", {"key": f"{world.asset_id}-{world.level_id}"})
    state = tab.run(JobDayState, "save_defect", {"form": {"severity": "critical", "description": "Late"}})
    assert "is complete" in state.problem and state.defect_open
    with Session(committed) as s:
        assert s.exec(select(Defect)).all() == []
        schedule = s.exec(select(AssetServiceLevel).where(AssetServiceLevel.asset_id == world.asset_id)).one()
        assert schedule.last_tested_on == TODAY and schedule.next_due_on > TODAY + timedelta(days=27)


def test_the_day_lists_only_the_technicians_jobs(world, committed):
    mine = job_tab(committed, world.sam.id, "").run(DayState, "load")
    assert [c["id"] for c in mine.cards] == [str(world.job_id)]
    theirs = job_tab(committed, world.olga.id, "").run(DayState, "load")
    assert theirs.cards == [] and theirs.loaded


def test_another_technician_cannot_open_or_forge_events_on_the_job(world, committed):
    tab = job_tab(committed, world.olga.id, world.job_id)
    state = tab.run(JobDayState, "load")
    assert not state.found and state.message
    key = f"{world.asset_id}-{world.level_id}"
    tab.run(JobDayState, "open_test", {"key": key})
    tab.run(JobDayState, "set_test_result", {"value": "fail"})
    tab.run(JobDayState, "save_test", {"form": {"notes": "forged"}})
    tab.run(JobDayState, "open_defect", {"key": key})
    tab.run(JobDayState, "save_defect", {"form": {"description": "forged"}})
    tab.run(JobDayState, "finish", {"form": {}})
    _nothing_recorded(committed, world)
    state = tab.state(JobDayState)
    assert state.job == {} and state.assets == [] and not state.test_open and not state.defect_open


def test_a_customer_session_is_refused_every_event(world, committed):
    tab = job_tab(committed, None, world.job_id, world.contact_id)
    state = tab.run(JobDayState, "load")
    assert not state.found
    for name, payload in (
        ("open_test", {"key": f"{world.asset_id}-{world.level_id}"}),
        ("save_test", {"form": {"result": "pass"}}),
        ("save_defect", {"form": {"severity": "critical", "description": "x"}}),
        ("finish", {"form": {}}),
    ):
        tab.run(JobDayState, name, payload)
    assert job_tab(committed, None, "", world.contact_id).run(DayState, "load").cards == []
    _nothing_recorded(committed, world)


def test_a_job_given_to_someone_else_after_loading_refuses_the_next_event(world, committed):
    tab = job_tab(committed, world.sam.id, world.job_id)
    assert tab.run(JobDayState, "load").found
    tab.run(JobDayState, "open_test", {"key": f"{world.asset_id}-{world.level_id}"})
    with Session(committed) as s:
        job = s.get(Job, world.job_id)
        job.technician_id = world.olga.id
        s.add(job)
        s.commit()
    tab.run(JobDayState, "set_test_result", {"value": "pass"})
    state = tab.run(JobDayState, "save_test", {"form": {"notes": "late"}})
    assert state.message
    tab.run(JobDayState, "finish", {"form": {}})
    _nothing_recorded(committed, world)
