"""Rules of the back office kept in one place: the technician's own jobs (``jobs.require_booked``),
the staff principal built from a row (``principals.member``), and the recovery codes left that the
staff list shows (``mfa.recovery_codes_left``)."""

import re
from pathlib import Path

import pytest

from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, Role
from portal.models import JobStage
from portal.services.assets import field_work
from portal.services.identity import mfa, principals, staff
from portal.services.work import jobs
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.staff_logins import enrolled, set_up

PORTAL = Path(__file__).resolve().parents[2] / "portal"


@pytest.fixture
def job(session):
    f.contractor(session)
    place = f.site(session, f.customer(session))
    return f.job_with(session, place, stage=JobStage.PROGRESS, scheduled_on=TODAY)


def test_a_technician_may_work_only_a_job_it_is_booked_on(session, job):
    booked_row, booked = f.staff_member(session, "technician")
    _, other = f.staff_member(session, "technician")
    _, office = f.staff_member(session, "office")
    job.technician_id = booked_row.id
    jobs.require_booked(booked, job)
    jobs.require_booked(office, job)
    with pytest.raises(AccessDenied):
        jobs.require_booked(other, job)
    job.technician_id = None
    with pytest.raises(AccessDenied):
        jobs.require_booked(booked, job)
    jobs.require_booked(office, job)


def test_completing_and_the_technicians_day_both_ask_require_booked(session, job, monkeypatch):
    asked = []

    def refuse(who, row):
        asked.append(row.id)
        raise AccessDenied("not booked")

    monkeypatch.setattr(jobs, "require_booked", refuse)
    _, office = f.staff_member(session, "office")
    with pytest.raises(AccessDenied):
        jobs.complete_job(session, office, job.id, TODAY)
    with pytest.raises(AccessDenied):
        field_work.job_view(session, office, job.id)
    assert asked == [job.id, job.id]
    assert job.stage == JobStage.PROGRESS


def test_the_staff_principal_is_built_in_one_place(session):
    row = set_up(session, Role.TECHNICIAN, email="liam@harbourside.test")
    row.name = ""  # a row from before names were asked for: the principal is called by its email
    who = principals.member(row)
    assert (who.staff_id, who.name, who.role) == (row.id, "liam@harbourside.test", Role.TECHNICIAN)
    assert principals.staff_for(session, row.id) == who
    builders = [
        str(path.relative_to(PORTAL))
        for path in PORTAL.joinpath("services").rglob("*.py")
        if re.search(r"\bStaffMember\(", path.read_text())
    ]
    assert builders == ["services/identity/principals.py"]


def test_the_staff_list_shows_the_recovery_codes_left(session):
    owner_row = set_up(session, Role.OWNER, email="owner@harbourside.test", name="Olive Owner")
    row, _, codes = enrolled(session, email="kylie@harbourside.test")
    mfa.verify(session, row.id, codes[0])
    mfa.verify(session, row.id, codes[1])
    page = staff.staff_list(session, principals.member(owner_row), PageRequest(sort="name"))
    left = {r.email: (r.mfa_enrolled, r.codes_left) for r in page.rows}
    assert left == {"kylie@harbourside.test": (True, 8), "owner@harbourside.test": (False, 0)}
    assert mfa.recovery_codes_left(session, row.id) == 8
