"""The office's jobs in a real browser: schedule a pending job with a window and a technician, see it
move on the board and land on the calendar, the customer see "Job : In Progress" with its visit,
a reschedule mail a second time; a technician is refused; the board works on a phone."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.models import Customer, Job, JobStage, OutboxMail, Role, Staff
from portal.services.work.scheduling import job_contacts
from tests.browser.conftest import at, login, office_cookie
from tests.frozen import TODAY

MAIN = "Northside Property Group"
MONDAY = TODAY - timedelta(days=TODAY.weekday())
FRIDAY = MONDAY + timedelta(days=4)


def _technician(portal) -> tuple[int, str]:
    with Session(portal.engine) as s:
        row = s.exec(select(Staff).where(Staff.email == "terry@office.test")).first()
        if row is None:
            row = Staff(email="terry@office.test", name="Terry Tech", role=Role.TECHNICIAN)
            s.add(row)
            s.commit()
            s.refresh(row)
        return row.id, row.name


def _pending_job(portal) -> Job:
    """A pending Northside job that Dana (every site) sees, the newest so a search finds it."""
    with Session(portal.engine) as s:
        customer = s.exec(select(Customer.id).where(Customer.name == MAIN)).one()
        return s.exec(
            select(Job)
            .where(Job.customer_id == customer, Job.stage == JobStage.PENDING)
            .order_by(Job.id.desc())
        ).first()


def _mails(portal, kind: str, number: int) -> list[OutboxMail]:
    with Session(portal.engine) as s:
        return s.exec(
            select(OutboxMail).where(OutboxMail.kind == kind, OutboxMail.subject.contains(f"Job #{number} "))
        ).all()


def _book(page, day: str, start: str, end: str, technician_id: int) -> None:
    page.locator("#booking-open").click()
    dialog = page.locator("#booking-dialog")
    dialog.wait_for()
    dialog.locator("#booking-day").fill(day)
    dialog.locator("#booking-start").fill(start)
    dialog.locator("#booking-end").fill(end)
    dialog.locator("#booking-technician").select_option(str(technician_id))
    dialog.locator("#booking-save").click()


def test_office_schedules_a_job_and_the_customer_sees_it(page, browser, portal):
    tech_id, tech_name = _technician(portal)
    job = _pending_job(portal)
    office_cookie(page, portal, "office")

    page.goto(f"/office/jobs/{job.id}")
    expect(page.locator("#job-number")).to_contain_text(str(job.number))
    # A window that ends before it starts is refused beside the field, and nothing is booked.
    _book(page, FRIDAY.isoformat(), "10:00", "09:00", tech_id)
    expect(page.locator("#booking-dialog")).to_contain_text("The end must be after the start.")
    with Session(portal.engine) as s:
        assert s.get(Job, job.id).stage == JobStage.PENDING
    page.locator("#booking-end").fill("10:00")
    page.locator("#booking-start").fill("08:00")
    page.locator("#booking-save").click()
    expect(page.locator("#job-status")).to_contain_text("Job : In Progress")
    visit = f"{FRIDAY:%a %-d %b %Y}, 08:00–10:00"
    expect(page.locator("#job-visit")).to_have_text(visit)
    expect(page.locator("#job-technician")).to_have_text(tech_name)
    expect(page.locator("#job-history")).to_contain_text("Scheduled")
    with Session(portal.engine) as s:
        stored = s.get(Job, job.id)
        assert (stored.stage, stored.scheduled_on, stored.technician_id) == (
            JobStage.PROGRESS,
            FRIDAY,
            tech_id,
        )
    scheduled = _mails(portal, "job_scheduled", job.number)
    assert scheduled and all(visit in m.subject for m in scheduled)

    # The board moves it to Progress.
    page.goto("/office/jobs")
    page.locator("#board-search").fill(str(job.number))
    page.locator("#board-search-button").click()
    expect(page.locator(f"[data-stage=progress].board-column [data-job='{job.id}']")).to_be_visible()
    expect(page.locator(f"[data-stage=pending].board-column [data-job='{job.id}']")).to_have_count(0)

    # The calendar shows it on its day.
    page.locator("#calendar-link").click()
    at(page, "/office/jobs/calendar")
    day = page.locator(f".calendar-day[data-date='{FRIDAY.isoformat()}']")
    expect(day.locator(f"[data-job='{job.id}']")).to_contain_text("08:00–10:00")
    expect(day.locator(f"[data-job='{job.id}']")).to_contain_text(tech_name)
    page.locator("#week-next").click()
    expect(page.locator(f"[data-job='{job.id}']")).to_have_count(0)
    page.locator("#week-previous").click()
    expect(page.locator(f"[data-job='{job.id}']")).to_have_count(1)

    # The customer, in a context of its own, sees the job in progress with its visit.
    customer = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    customer.set_default_timeout(15_000)
    dana = customer.new_page()
    login(dana, "dana@northside.example", next_path="/jobs?tab=progress")
    dana.locator("#list-search").fill(str(job.number))
    dana.locator("#search-button").click()
    expect(dana.locator("#list-table tbody tr")).to_have_count(1)
    row = dana.locator("#list-table tbody tr").first
    expect(row).to_contain_text("Job : In Progress")
    expect(row).to_contain_text(visit)

    # Rescheduling mails the job contacts again, with the new visit.
    page.goto(f"/office/jobs/{job.id}")
    expect(page.locator("#booking-open")).to_have_text("Reschedule")
    later = FRIDAY + timedelta(days=3)
    _book(page, later.isoformat(), "13:00", "15:30", tech_id)
    moved = f"{later:%a %-d %b %Y}, 13:00–15:30"
    expect(page.locator("#job-visit")).to_have_text(moved)
    rescheduled = _mails(portal, "job_rescheduled", job.number)
    assert rescheduled and all(moved in m.subject for m in rescheduled)
    assert {m.to_address for m in rescheduled} == {m.to_address for m in scheduled}
    with Session(portal.engine) as s:
        expected = {c.email for c in job_contacts(s, s.get(Job, job.id))}
    assert expected and {m.to_address for m in scheduled} == expected
    dana.locator("#search-button").click()
    expect(dana.locator("#list-table tbody tr").first).to_contain_text(moved)
    customer.close()

    # Complete, after a confirmation; then the invoice link.
    page.locator("#complete-open").click()
    page.locator("#complete-confirm").click()
    expect(page.locator("#job-status")).to_contain_text("Job : Complete")
    expect(page.locator("#invoice-job")).to_have_attribute(
        "href", re.compile(rf"/office/invoices/new\?job={job.id}$")
    )


def test_a_technician_is_refused_the_board_and_the_job(page, portal):
    office_cookie(page, portal, "technician")
    job = _pending_job(portal)
    for path in ("/office/jobs", "/office/jobs/calendar", f"/office/jobs/{job.id}", "/office/jobs/new"):
        page.goto(path)
        expect(page.locator("#not-available")).to_be_visible()
        expect(page.locator("#booking-open")).to_have_count(0)
    with Session(portal.engine) as s:
        assert s.get(Job, job.id).stage == JobStage.PENDING


def test_the_board_on_a_phone_shows_one_stage_at_a_time(phone, portal):
    office_cookie(phone, portal, "office")
    phone.goto("/office/jobs")
    pending = phone.locator("[data-stage=pending].board-column")
    progress = phone.locator("[data-stage=progress].board-column")
    expect(pending).to_be_visible()
    expect(progress).to_be_hidden()
    phone.locator(".stage-pick[data-stage=progress]").click()
    expect(progress).to_be_visible()
    expect(pending).to_be_hidden()
    expect(phone.locator(".stage-pick[data-stage=progress]")).to_have_attribute("aria-pressed", "true")
    # The page is no wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    progress.locator(".job-card").first.click()
    expect(phone.locator("#job-number")).to_be_visible()


def _serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    page.locator("h1").first.wait_for(state="visible")
    page.wait_for_timeout(500)
    found = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    return [f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}" for v in found]


def test_the_job_screens_pass_axe_on_desktop_and_phone(page, phone, portal):
    job = _pending_job(portal)
    findings = []
    for pg in (page, phone):
        office_cookie(pg, portal, "office")
        for path in ("/office/jobs", "/office/jobs/calendar", "/office/jobs/new", f"/office/jobs/{job.id}"):
            pg.goto(path)
            findings += [f"{pg.viewport_size['width']} {path} {f}" for f in _serious(pg)]
        pg.locator("#booking-open").click()
        pg.locator("#booking-dialog").wait_for()
        findings += [f"{pg.viewport_size['width']} booking dialog {f}" for f in _serious(pg)]
    assert findings == []
