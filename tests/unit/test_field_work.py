"""The technician's day: own jobs only, tests roll schedules forward, defects with a photo, and
finishing a job asks why untested assets were not tested; the customer's reports see the results."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlmodel import select

from portal.core.lists import PageRequest
from portal.core.months import add_months
from portal.core.principal import AccessDenied, StaffMember
from portal.models import (
    Asset,
    AssetServiceLevel,
    Attachment,
    AttachmentOwner,
    AuditEvent,
    Customer,
    Defect,
    Job,
    JobAsset,
    JobStage,
    Role,
    ServiceLevel,
    ServiceRecord,
    SiteContact,
    Staff,
    TestResult,
)
from portal.services.assets import defects, field_work, ppm, test_history
from portal.services.assets.defects import AssetFilters
from portal.services.files import uploads
from portal.services.identity import principals
from tests.frozen import TODAY
from tests.unit import factories as f

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def staff(session, role: Role, name: str) -> StaffMember:
    row = Staff(email=f"{name.lower().replace(' ', '.')}@office.test", name=name, role=role)
    session.add(row)
    session.flush()
    assert row.id is not None
    return StaffMember(row.id, row.name, role)


@pytest.fixture
def world(session):
    f.contractor(session)
    owner = f.customer(session, "Northside Property")
    place = f.site(session, owner, "North Tower")
    sam = staff(session, Role.TECHNICIAN, "Sam Spark")
    other = staff(session, Role.TECHNICIAN, "Olga Other")
    office = staff(session, Role.OFFICE, "Olive Office")
    job = f.job(session, place, JobStage.PROGRESS)
    job.scheduled_on, job.technician_id, job.window_start = TODAY, sam.staff_id, time(9, 0)
    on_job, also_on_job = f.asset(session, place, due_in_days=0), f.asset(session, place, due_in_days=-10)
    due_here = f.asset(session, place, due_in_days=2)  # due this week at the site, not on the job
    later = f.asset(session, place, due_in_days=200)  # not due: not shown
    session.add_all(
        [job, JobAsset(job_id=job.id, asset_id=on_job.id), JobAsset(job_id=job.id, asset_id=also_on_job.id)]
    )
    session.add(SiteContact(site_id=place.id, first_name="Cara", last_name="Taker", mobile="0400 111 222"))
    contact = f.contact(session, owner)
    contact.is_job_contact = True
    session.add(contact)
    session.flush()
    scope = principals.scope_for(session, contact.id)
    return {
        "place": place,
        "sam": sam,
        "other": other,
        "office": office,
        "job": job,
        "on_job": on_job,
        "also": also_on_job,
        "due_here": due_here,
        "later": later,
        "scope": scope,
    }


def schedule_of(session, asset: Asset) -> AssetServiceLevel:
    return session.exec(select(AssetServiceLevel).where(AssetServiceLevel.asset_id == asset.id)).one()


def pending_png(name: str = "crack.png") -> tuple[str, str]:
    found = uploads.PendingWriter(name)
    found.write(PNG)
    done = found.finish()
    return done.key, name


# --- today's jobs and the job -------------------------------------------------------------------


def test_todays_jobs_are_the_technicians_own_in_progress_by_window(session, world):
    sam = world["sam"]
    later = f.job(session, world["place"], JobStage.PROGRESS)
    later.scheduled_on, later.technician_id, later.window_start = TODAY, sam.staff_id, time(13, 0)
    tomorrow = f.job(session, world["place"], JobStage.PROGRESS)
    tomorrow.scheduled_on, tomorrow.technician_id = TODAY + timedelta(days=1), sam.staff_id
    done = f.job(session, world["place"], JobStage.COMPLETE)
    done.scheduled_on, done.technician_id = TODAY, sam.staff_id
    theirs = f.job(session, world["place"], JobStage.PROGRESS)
    theirs.scheduled_on, theirs.technician_id = TODAY, world["other"].staff_id
    session.add_all([later, tomorrow, done, theirs])
    session.flush()

    cards = field_work.todays_jobs(session, sam)
    assert [c.id for c in cards] == [world["job"].id, later.id]
    first = cards[0]
    assert first.customer == "Northside Property" and first.address == "1 Main St, Brisbane, QLD 4000"
    assert first.map_url.startswith("https://www.google.com/maps/search/?api=1&query=1+Main+St")
    names = [p.name for p in first.contacts]
    assert names == ["Cara Taker", "Pat Lee"]
    assert first.contacts[0].mobile == "0400 111 222"
    assert [c.id for c in field_work.todays_jobs(session, world["other"])] == [theirs.id]


def test_the_job_lists_its_assets_and_those_due_at_the_site(session, world):
    view = field_work.job_view(session, world["sam"], world["job"].id)
    shown = {line.asset_id: line for line in view.assets}
    assert set(shown) == {world["on_job"].id, world["also"].id, world["due_here"].id}
    assert shown[world["on_job"].id].on_job and not shown[world["due_here"].id].on_job
    assert shown[world["also"].id].due_on == TODAY - timedelta(days=10)
    assert {line.asset_id for line in view.untested} == {world["on_job"].id, world["also"].id}


def test_another_technicians_job_is_refused_and_the_office_may_open_any(session, world):
    job, other = world["job"], world["other"]
    with pytest.raises(AccessDenied):
        field_work.job_view(session, other, job.id)
    with pytest.raises(AccessDenied):
        field_work.record_test(
            session,
            other,
            job.id,
            world["on_job"].id,
            schedule_of(session, world["on_job"]).service_level_id,
            "pass",
        )
    with pytest.raises(AccessDenied):
        field_work.raise_defect(session, other, job.id, world["on_job"].id, "critical", "Broken")
    with pytest.raises(AccessDenied):
        field_work.finish_job(session, other, job.id, {})
    assert session.exec(select(ServiceRecord).where(ServiceRecord.job_id == job.id)).all() == []
    assert session.exec(select(Defect)).all() == []
    assert session.get(Job, job.id).stage == JobStage.PROGRESS
    assert field_work.job_view(session, world["office"], job.id).card.id == job.id


def test_a_customer_is_refused(session, world):
    scope, job = world["scope"], world["job"]
    with pytest.raises(AccessDenied):
        field_work.todays_jobs(session, scope)
    with pytest.raises(AccessDenied):
        field_work.job_view(session, scope, job.id)
    with pytest.raises(AccessDenied):
        field_work.record_test(session, scope, job.id, world["on_job"].id, 1, "pass")
    with pytest.raises(AccessDenied):
        field_work.finish_job(session, scope, job.id, {})


@pytest.mark.parametrize("bad", ["abc", None, -1, 0, 2**63, [1], "1; drop table job"])
def test_a_bad_job_id_is_not_found(session, world, bad):
    with pytest.raises(field_work.JobNotFound):
        field_work.job_view(session, world["sam"], bad)


# --- recording a test ----------------------------------------------------------------------------


def test_a_pass_rolls_the_schedule_forward_from_the_tested_date(session, world):
    asset = world["also"]  # ten days overdue: rolls from today, not from its old due date
    schedule = schedule_of(session, asset)
    level = session.get(ServiceLevel, schedule.service_level_id)
    record = field_work.record_test(
        session, world["sam"], world["job"].id, asset.id, schedule.service_level_id, "pass", "  All good "
    )
    assert record.tested_on == TODAY and record.due_on == TODAY - timedelta(days=10)
    assert record.job_id == world["job"].id and record.technician == "Sam Spark"
    assert record.technician_id == world["sam"].staff_id and record.notes == "All good"
    session.refresh(schedule)
    assert schedule.next_due_on == add_months(TODAY, level.interval_months)
    assert schedule.next_due_on == field_work.next_due_after(TODAY, level.interval_months)
    assert schedule.last_tested_on == TODAY
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "service_record.record")).one()
    assert audit.staff_id == world["sam"].staff_id and audit.customer_id == asset.customer_id
    assert audit.detail["before"]["next_due_on"] == (TODAY - timedelta(days=10)).isoformat()
    assert audit.detail["after"]["next_due_on"] == schedule.next_due_on.isoformat()


def test_next_due_keeps_the_month_end_rule():
    from datetime import date

    assert field_work.next_due_after(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert field_work.next_due_after(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_not_tested_needs_a_reason_and_leaves_the_asset_due(session, world):
    asset = world["on_job"]
    schedule = schedule_of(session, asset)
    with pytest.raises(field_work.FieldWorkError) as refused:
        field_work.record_test(
            session, world["sam"], world["job"].id, asset.id, schedule.service_level_id, "not_tested"
        )
    assert "notes" in refused.value.field_errors
    field_work.record_test(
        session,
        world["sam"],
        world["job"].id,
        asset.id,
        schedule.service_level_id,
        "not_tested",
        "Locked room",
    )
    session.refresh(schedule)
    assert schedule.next_due_on == TODAY and schedule.last_tested_on is None


@pytest.mark.parametrize(
    ("result", "notes", "field"),
    [("passed", "", "result"), (None, "", "result"), (["pass"], "", "result"), ("pass", "x" * 1001, "notes")],
)
def test_bad_test_input_is_a_field_error(session, world, result, notes, field):
    asset = world["on_job"]
    level_id = schedule_of(session, asset).service_level_id
    with pytest.raises(field_work.FieldWorkError) as refused:
        field_work.record_test(session, world["sam"], world["job"].id, asset.id, level_id, result, notes)
    assert field in refused.value.field_errors
    assert session.exec(select(ServiceRecord)).all() == []


def test_an_asset_elsewhere_or_a_level_it_lacks_is_refused(session, world):
    elsewhere = f.asset(session, f.site(session, session.get(Customer, world["place"].customer_id), "Annex"))
    level_id = schedule_of(session, elsewhere).service_level_id
    with pytest.raises(field_work.FieldWorkError) as refused:
        field_work.record_test(session, world["sam"], world["job"].id, elsewhere.id, level_id, "pass")
    assert "asset" in refused.value.field_errors
    with pytest.raises(field_work.FieldWorkError) as refused:
        field_work.record_test(session, world["sam"], world["job"].id, world["on_job"].id, level_id, "pass")
    assert "service_level" in refused.value.field_errors
    with pytest.raises(field_work.FieldWorkError):
        field_work.record_test(session, world["sam"], world["job"].id, "1", level_id, "pass")


def test_a_second_result_the_same_day_is_refused(session, world):
    asset = world["on_job"]
    level_id = schedule_of(session, asset).service_level_id
    field_work.record_test(session, world["sam"], world["job"].id, asset.id, level_id, "pass")
    due = schedule_of(session, asset).next_due_on
    with pytest.raises(field_work.FieldWorkError):
        field_work.record_test(session, world["sam"], world["job"].id, asset.id, level_id, "fail")
    assert schedule_of(session, asset).next_due_on == due


def test_a_test_on_a_completed_job_is_refused(session, world):
    job = world["job"]
    job.stage = JobStage.COMPLETE
    session.add(job)
    session.flush()
    asset = world["on_job"]
    with pytest.raises(field_work.FieldWorkError) as refused:
        field_work.record_test(
            session, world["sam"], job.id, asset.id, schedule_of(session, asset).service_level_id, "pass"
        )
    assert "job" in refused.value.field_errors


# --- defects -----------------------------------------------------------------------------------


def test_a_failed_test_raises_a_defect_with_a_private_photo(session, world):
    asset = world["on_job"]
    level_id = schedule_of(session, asset).service_level_id
    record = field_work.record_test(
        session, world["sam"], world["job"].id, asset.id, level_id, "fail", "Cracked"
    )
    defect = field_work.raise_defect(
        session,
        world["sam"],
        world["job"].id,
        asset.id,
        "critical",
        "Diffuser cracked",
        service_record_id=record.id,
        photo=pending_png(),
    )
    assert defect.found_on == TODAY and defect.site_id == world["place"].id
    assert defect.service_record_id == record.id and defect.customer_id == asset.customer_id
    photo = session.exec(
        select(Attachment).where(
            Attachment.owner_type == AttachmentOwner.DEFECT, Attachment.owner_id == defect.id
        )
    ).one()
    assert photo.content_type == "image/png" and photo.uploaded_by_staff_id == world["sam"].staff_id
    assert photo.uploaded_by_contact_id is None
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "defect.raise")).one()
    assert audit.detail["after"]["photo_attachment_id"] == photo.id


def test_a_photo_that_is_not_an_image_is_refused(session, world):
    writer = uploads.PendingWriter("photo.png")
    writer.write(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    pdf = writer.finish()
    with pytest.raises(field_work.FieldWorkError) as refused:
        field_work.raise_defect(
            session,
            world["sam"],
            world["job"].id,
            world["on_job"].id,
            "critical",
            "Cracked",
            photo=(pdf.key, "photo.png"),
        )
    assert refused.value.field_errors["photo"] == field_work.NOT_AN_IMAGE
    assert field_work.photo_problem(pdf) == field_work.NOT_AN_IMAGE
    assert session.exec(select(Defect)).all() == []
    assert session.exec(select(Attachment)).all() == []


@pytest.mark.parametrize(
    ("severity", "description", "field"),
    [
        ("urgent", "Cracked", "severity"),
        ("critical", "   ", "description"),
        ("critical", "x" * 1001, "description"),
    ],
)
def test_bad_defect_input_is_a_field_error(session, world, severity, description, field):
    with pytest.raises(field_work.FieldWorkError) as refused:
        field_work.raise_defect(
            session, world["sam"], world["job"].id, world["on_job"].id, severity, description
        )
    assert field in refused.value.field_errors
    assert session.exec(select(Defect)).all() == []


def test_a_defect_cannot_name_another_jobs_test(session, world):
    other_job = f.job(session, world["place"], JobStage.PROGRESS)
    other_job.technician_id = world["sam"].staff_id
    session.add(other_job)
    session.flush()
    asset = world["on_job"]
    level_id = schedule_of(session, asset).service_level_id
    record = field_work.record_test(session, world["sam"], other_job.id, asset.id, level_id, "fail", "x")
    with pytest.raises(field_work.FieldWorkError) as refused:
        field_work.raise_defect(
            session, world["sam"], world["job"].id, asset.id, "critical", "Bad", service_record_id=record.id
        )
    assert "service_record" in refused.value.field_errors


# --- finishing the job --------------------------------------------------------------------------


def test_finishing_needs_a_reason_for_each_untested_asset(session, world):
    sam, job = world["sam"], world["job"]
    tested = world["on_job"]
    field_work.record_test(
        session, sam, job.id, tested.id, schedule_of(session, tested).service_level_id, "pass"
    )
    with pytest.raises(field_work.FieldWorkError) as refused:
        field_work.finish_job(session, sam, job.id, {str(tested.id): "not needed"})
    assert set(refused.value.field_errors) == {f"reason-{world['also'].id}"}
    with pytest.raises(field_work.FieldWorkError):
        field_work.finish_job(session, sam, job.id, {world["also"].id: "   "})
    assert session.get(Job, job.id).stage == JobStage.PROGRESS

    done = field_work.finish_job(session, sam, job.id, {str(world["also"].id): "No access to plant room"})
    assert done.stage == JobStage.COMPLETE and done.completed_on == TODAY
    untested = session.exec(
        select(ServiceRecord).where(
            ServiceRecord.asset_id == world["also"].id, ServiceRecord.job_id == job.id
        )
    ).one()
    assert untested.result == TestResult.NOT_TESTED and untested.notes == "No access to plant room"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "job.finish")).one().detail[
        "after"
    ] == {
        "stage": "complete",
        "completed_on": TODAY.isoformat(),
    }
    with pytest.raises(field_work.FieldWorkError):
        field_work.finish_job(session, sam, job.id, {})


# --- the customer's reports see it ------------------------------------------------------------


def test_the_customers_reports_see_the_results(session, world):
    scope, sam, job = world["scope"], world["sam"], world["job"]
    asset = world["on_job"]
    schedule = schedule_of(session, asset)
    filters = ppm.Filters(year=ppm.weeks.week_of(TODAY)[0])
    before = ppm.compute(session, scope, filters, TODAY)
    _year, week = ppm.weeks.week_of(TODAY)
    due_before = int(before.counts["due"][:, week - 1].sum())

    record = field_work.record_test(
        session, sam, job.id, asset.id, schedule.service_level_id, "fail", "Cracked"
    )
    field_work.raise_defect(
        session, sam, job.id, asset.id, "non_critical", "Diffuser cracked", service_record_id=record.id
    )

    after = ppm.compute(session, scope, filters, TODAY)
    assert int(after.counts["due"][:, week - 1].sum()) == due_before - 1
    found = defects.list_defects(session, scope, AssetFilters(), PageRequest())
    assert [r.description for r in found.rows] == ["Diffuser cracked"]
    start, end = test_history.default_range(TODAY)
    history = test_history.history_report(
        session, scope, test_history.HistoryFilters(AssetFilters(), start, end), PageRequest()
    )
    assert history.counts[TestResult.FAIL.value] == 1
    assert [r.notes for r in history.page.rows] == ["Cracked"]
