"""The technician's day on a phone: today's job, a pass, a fail with a defect and its photo, finishing
with a reason for an untested asset; then the customer sees the defect and the PPM cell change. A
technician cannot open another technician's job."""

from __future__ import annotations

import base64
import re
from datetime import time
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from portal.core import tenant, weeks
from portal.models import (
    Asset,
    AssetServiceLevel,
    Attachment,
    AttachmentOwner,
    Contact,
    Customer,
    Defect,
    Job,
    JobAsset,
    JobStage,
    ServiceRecord,
    Staff,
    TestResult,
)
from portal.services.assets import ppm
from portal.services.identity.principals import scope_for
from tests.browser.conftest import at, login, office_cookie

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CUSTOMER_EMAIL = "dana@northside.example"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=="
)
DESCRIPTION = "Diffuser cracked on the day test"


def _give_job(portal, staff_id: int) -> tuple[int, list[int], int]:
    """A Northside job with three assets at its site, booked today for the technician.

    Returns (job id, three of its asset ids, its site's id)."""
    with Session(portal.engine) as s:
        customer = s.exec(
            select(Customer)
            .join(Contact, Contact.customer_id == Customer.id)
            .where(Contact.email == CUSTOMER_EMAIL)
        ).one()
        counted = (
            select(JobAsset.job_id, func.count().label("n"))
            .join(Job, Job.id == JobAsset.job_id)
            .join(Asset, Asset.id == JobAsset.asset_id)
            .where(Job.customer_id == customer.id, Job.stage.in_([JobStage.PENDING, JobStage.PROGRESS]))
            .where(Asset.site_id == Job.site_id)
            .group_by(JobAsset.job_id)
            .having(func.count() >= 3)
            .order_by(JobAsset.job_id.desc())
        )
        job_id = s.exec(counted).first()[0]
        job = s.get(Job, job_id)
        today = tenant.today(s)
        job.technician_id, job.scheduled_on, job.due_on = staff_id, today, today
        job.window_start, job.window_end = time(8, 0), time(10, 0)
        job.stage, job.status_text = JobStage.PROGRESS, "Job : In Progress"
        s.add(job)
        assets = s.exec(
            select(Asset.id)
            .join(JobAsset, JobAsset.asset_id == Asset.id)
            .join(AssetServiceLevel, AssetServiceLevel.asset_id == Asset.id)
            .where(JobAsset.job_id == job_id)
            .distinct()
            .order_by(Asset.id)
        ).all()
        # The first asset falls due today, so its test moves the PPM's current week for the customer.
        for schedule in s.exec(select(AssetServiceLevel).where(AssetServiceLevel.asset_id == assets[0])):
            schedule.next_due_on = today
            s.add(schedule)
        s.commit()
        site_id = job.site_id
    assert len(assets) >= 3, "a demo job with three scheduled assets"
    return job_id, list(assets[:3]), site_id


def _grid(portal, site_id: int) -> tuple[ppm.Filters, ppm.Grid]:
    """The customer's PPM grid for the site, as the report computes it."""
    with Session(portal.engine) as s:
        contact = s.exec(select(Contact).where(Contact.email == CUSTOMER_EMAIL)).one()
        scope = scope_for(s, contact.id)
        today = tenant.today(s)
        filters = ppm.Filters(weeks.week_of(today)[0], site_id)
        return filters, ppm.compute(s, scope, filters, today)


def _changed_cell(before: ppm.Grid, after: ppm.Grid, key: tuple[int, int]) -> tuple[int, int]:
    """(row in ``after``, week) of the first cell of the row ``key`` (asset type, level) that changed."""
    rows = {(r.asset_type_id, r.service_level_id): i for i, r in enumerate(before.rows)}
    row = next(i for i, r in enumerate(after.rows) if (r.asset_type_id, r.service_level_id) == key)
    for wk in after.weeks:
        if after.cell(row, wk.number) != before.cell(rows[key], wk.number):
            return row, wk.number
    raise AssertionError("no PPM cell of the tested row changed")


def _asset_card(phone, asset_id: int):
    return phone.locator(f".asset-line[data-key^='{asset_id}-']").first


def test_a_technicians_day_on_a_phone(phone, page, portal, tmp_path):
    staff_id = office_cookie(phone, portal, "technician")
    job_id, (passed, failed, untested), site_id = _give_job(portal, staff_id)
    filters, before = _grid(portal, site_id)

    phone.goto("/office/day")
    card = phone.locator(f".day-card[data-job='{job_id}']")
    expect(card).to_be_visible()
    expect(card.locator(".job-window")).to_have_text("08:00–10:00")
    expect(card.locator(".map-link")).to_have_attribute(
        "href", re.compile(r"^https://www\.google\.com/maps/search/")
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "office-day.png"), full_page=True)
    card.locator(".open-job").click()
    at(phone, f"/office/day/{job_id}")
    expect(phone.locator("#job-description")).to_be_visible()
    phone.screenshot(path=str(ARTIFACTS / "office-day-job.png"), full_page=True)

    # A pass.
    _asset_card(phone, passed).locator(".record-test").click()
    dialog = phone.locator("#test-dialog")
    dialog.get_by_text("Passed", exact=True).click()
    dialog.locator("#test-notes").fill("All good")
    dialog.locator("#save-result-submit").click()
    expect(dialog).to_be_hidden()
    expect(_asset_card(phone, passed).locator(".today-result")).to_have_text("Today: Passed")

    # A fail, then the defect with a photo.
    _asset_card(phone, failed).locator(".record-test").click()
    dialog.get_by_text("Failed", exact=True).click()
    dialog.locator("#test-notes").fill("Diffuser cracked")
    dialog.locator("#save-result-submit").click()
    defect = phone.locator("#defect-dialog")
    expect(defect).to_be_visible()
    defect.locator("#defect-description").fill(DESCRIPTION)
    defect.locator("#save-defect-submit").click()
    expect(defect.locator(".field-error, [role=alert]").first).to_be_visible()  # severity missing
    defect.get_by_text("Critical", exact=True).click()
    not_image = tmp_path / "photo.png"
    not_image.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    defect.locator("input[type=file]").set_input_files(str(not_image))
    expect(defect.locator("#photo-error")).to_be_visible()
    photo = tmp_path / "crack.png"
    photo.write_bytes(PNG)
    defect.locator("input[type=file]").set_input_files(str(photo))
    expect(defect.locator("#photo-name")).to_have_text("crack.png")
    phone.screenshot(path=str(ARTIFACTS / "office-day-defect.png"))
    defect.locator("#save-defect-submit").click()
    expect(defect).to_be_hidden()
    expect(_asset_card(phone, failed).locator(".today-result")).to_have_text("Today: Failed")

    # Finish: the untested asset needs a reason.
    phone.locator("#finish-job").click()
    finish = phone.locator("#finish-dialog")
    expect(finish.locator(f"#reason-{untested}")).to_be_visible()
    finish.locator("#complete-job-submit").click()
    expect(finish.locator(".field-error").first).to_be_visible()
    finish.locator(f"#reason-{untested}").fill("Plant room locked")
    for other in finish.locator("textarea[id^='reason-']").all():
        if not other.input_value():
            other.fill("Not reached today")
    finish.locator("#complete-job-submit").click()
    at(phone, "/office/day")

    with Session(portal.engine) as s:
        job = s.get(Job, job_id)
        assert job.stage == JobStage.COMPLETE
        results = {
            r.asset_id: r
            for r in s.exec(
                select(ServiceRecord).where(
                    ServiceRecord.job_id == job_id, ServiceRecord.tested_on == job.scheduled_on
                )
            )
        }
        assert results[passed].result == TestResult.PASS and results[passed].technician_id == staff_id
        assert results[failed].result == TestResult.FAIL
        assert (
            results[untested].result == TestResult.NOT_TESTED
            and results[untested].notes == "Plant room locked"
        )
        found = s.exec(select(Defect).where(Defect.description == DESCRIPTION)).one()
        assert found.service_record_id == results[failed].id
        stored = s.exec(
            select(Attachment).where(
                Attachment.owner_type == AttachmentOwner.DEFECT, Attachment.owner_id == found.id
            )
        ).one()
        assert stored.content_type == "image/png" and stored.uploaded_by_staff_id == staff_id

    # The customer sees the defect and the PPM cell change.
    with Session(portal.engine) as s:
        tested = s.get(Asset, passed)
        key = (tested.asset_type_id, results[passed].service_level_id)
    _filters, grid = _grid(portal, site_id)
    row, week = _changed_cell(before, grid, key)
    after = grid.cell(row, week)
    login(page, CUSTOMER_EMAIL)
    at(page, "/dashboard")
    page.goto("/reports/defects")
    page.locator("#report-search").fill("Diffuser cracked on the day")
    page.locator("#run-report").click()
    expect(page.get_by_text(DESCRIPTION).first).to_be_visible()
    query = "&".join(f"{k}={v}" for k, v in filters.query().items() if v)
    page.goto(f"/reports/ppm?{query}")
    page.locator("#ppm-table-toggle").click()
    cell = page.locator("#ppm-table tbody tr").nth(row).locator(f"button[data-week='{week}']")
    if after["state"]:
        shown = ppm.headline(str(after["state"]), after)
        expect(cell).to_have_text(str(shown) if shown else "")
    else:
        expect(cell).to_have_count(0)


def test_another_technicians_job_is_refused(phone, portal):
    mine = office_cookie(phone, portal, "technician", "tech.one@office.test")
    with Session(portal.engine) as s:
        other = Staff(email="tech.two@office.test", name="Tech Two", role="technician")
        s.add(other)
        s.flush()
        job = s.exec(select(Job).where(Job.stage == JobStage.PENDING).order_by(Job.id)).first()
        job.technician_id, job.stage, job.scheduled_on = other.id, JobStage.PROGRESS, tenant.today(s)
        s.add(job)
        other_id, job_id = other.id, job.id
        s.commit()
    assert mine != other_id
    phone.goto(f"/office/day/{job_id}")
    expect(phone.locator("#job-unavailable")).to_be_visible()
    expect(phone.locator("#finish-job")).to_have_count(0)
    phone.goto("/office/day")
    expect(phone.locator(f".day-card[data-job='{job_id}']")).to_have_count(0)


def _serious(page) -> list[str]:
    """Serious and critical axe findings, confirmed by a second run: a dialog still fading in shows
    axe its buttons at part opacity."""
    from axe_playwright_python.sync_playwright import Axe

    def run() -> list[str]:
        found = Axe().run(page).response["violations"]
        return [
            f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}"
            for v in found
            if v["impact"] in ("serious", "critical")
        ]

    first = run()
    if not first:
        return first
    page.wait_for_timeout(600)
    return run()


def test_the_day_screens_pass_axe_on_a_phone(phone, portal):
    staff_id = office_cookie(phone, portal, "technician", "tech.axe@office.test")
    phone.goto("/office/day")
    expect(phone.locator("#day-empty")).to_be_visible()
    assert _serious(phone) == []
    job_id, (first, *_rest), _site = _give_job(portal, staff_id)
    phone.goto("/office/day")
    expect(phone.locator(f".day-card[data-job='{job_id}']")).to_be_visible()
    assert _serious(phone) == []
    phone.goto(f"/office/day/{job_id}")
    expect(phone.locator("#job-description")).to_be_visible()
    assert _serious(phone) == []
    for opener, dialog in (
        (_asset_card(phone, first).locator(".record-test"), "#test-dialog"),
        (_asset_card(phone, first).locator(".raise-defect"), "#defect-dialog"),
        (phone.locator("#finish-job"), "#finish-dialog"),
    ):
        opener.click()
        expect(phone.locator(dialog)).to_be_visible()
        assert _serious(phone) == [], dialog
        phone.keyboard.press("Escape")
        expect(phone.locator(dialog)).to_be_hidden()
