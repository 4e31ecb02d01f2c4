"""View Tasks in a real browser: tabs, search, a task's pop-up with its history, a limited contact, CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func, or_
from sqlmodel import Session, select

from portal.models import Contact, ContactSite, Customer, Task, TaskNote, TaskStatus
from tests.browser.conftest import at, login

MAIN = "Northside Property Group"
OPEN = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)


def _customer_id(portal) -> int:
    with Session(portal.engine) as s:
        return s.exec(select(Customer.id).where(Customer.name == MAIN)).one()


def _count(portal, *where) -> int:
    with Session(portal.engine) as s:
        return s.exec(select(func.count()).select_from(Task).where(*where)).one()


def _shown(page) -> str:
    expect(page.locator("#result-count")).not_to_have_text("")
    return page.locator("#result-count").inner_text()


def test_tasks_tabs_search_and_detail_with_history(page, portal):
    customer = _customer_id(portal)
    login(page, "dana@northside.example", next_path="/tasks")
    at(page, "/tasks")
    open_count = _count(portal, Task.customer_id == customer, Task.status.in_(OPEN))
    expect(page.locator("#result-count")).to_contain_text(f"of {open_count}")

    page.locator("[data-tab=completed]").click()
    done = _count(portal, Task.customer_id == customer, Task.status == TaskStatus.COMPLETED)
    expect(page.locator("#result-count")).to_contain_text(f"of {done}")
    page.locator("[data-tab=all]").click()
    expect(page.locator("#result-count")).to_contain_text(
        f"of {_count(portal, Task.customer_id == customer)}"
    )

    with Session(portal.engine) as s:
        task = s.exec(
            select(Task)
            .where(Task.customer_id == customer, Task.status == TaskStatus.COMPLETED)
            .order_by(Task.id)
        ).first()
        notes = s.exec(select(TaskNote).where(TaskNote.task_id == task.id).order_by(TaskNote.at)).all()
    page.locator("#list-search").fill(str(task.number))
    page.locator("#search-button").click()
    expect(page.locator("#result-count")).to_have_text("1–1 of 1")
    page.locator(f"[data-task='{task.number}']").click()
    dialog = page.locator("#task-detail")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#task-subject")).to_have_text(task.subject)
    expect(dialog.locator("#task-description")).to_have_text(task.description)
    lines = dialog.locator(".task-history-line")
    expect(lines).to_have_count(len(notes))
    expect(lines.last).to_contain_text(notes[-1].note)
    expect(lines.last).to_contain_text("Completed")
    page.screenshot(path=str(Path(__file__).parents[1] / "artifacts" / "tasks-detail.png"))
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_a_limited_contact_sees_its_sites_and_whole_customer_tasks(page, portal):
    customer = _customer_id(portal)
    with Session(portal.engine) as s:
        sam = s.exec(select(Contact).where(Contact.username == "sam@northside.example")).one()
        sites = s.exec(select(ContactSite.site_id).where(ContactSite.contact_id == sam.id)).all()
    expected = _count(
        portal, Task.customer_id == customer, or_(Task.site_id.in_(sites), Task.site_id.is_(None))
    )
    login(page, "sam@northside.example", next_path="/tasks?tab=all")
    at(page, "/tasks?tab=all")
    expect(page.locator("#result-count")).to_contain_text(f"of {expected}")
    assert expected < _count(portal, Task.customer_id == customer)


def test_tasks_csv_has_every_matching_row(page, portal):
    customer = _customer_id(portal)
    login(page, "dana@northside.example", next_path="/tasks?tab=all")
    at(page, "/tasks?tab=all")
    expect(page.locator("#result-count")).to_contain_text("of")
    page.locator("#download-menu").click()
    with page.expect_download() as info:
        page.locator("#download-csv").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["Task No.", "Subject", "Site"]
    with Session(portal.engine) as s:
        expected = set(s.exec(select(Task.number).where(Task.customer_id == customer)).all())
    assert {int(r[0]) for r in rows[1:]} == expected
