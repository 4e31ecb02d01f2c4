"""The top menu as the guide describes it, the "page not found" screen, and the lists as cards on a phone.

The menu opens by hover, click and keyboard, lands on the right tab, follows the login's pages
and the contractor's tier, and groups the same entries in the phone's drawer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.browser.conftest import at, login

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DANA = "dana@northside.example"  # every page
SAM = "sam@northside.example"  # no invoices
AREAS = ("quotes", "jobs", "invoices", "sites", "assets", "reports", "tasks")


def _trigger(page, area: str):
    return page.locator(f"header [data-page={area}]")


def _submenu(page, area: str):
    return page.locator(f"[data-submenu={area}]")


def test_hover_opens_a_submenu_and_its_entries_switch_the_tab(page, portal):
    login(page, DANA)
    at(page, "/dashboard")
    quotes = _trigger(page, "quotes")
    expect(quotes).to_have_attribute("aria-expanded", "false")
    quotes.hover()
    expect(_submenu(page, "quotes")).to_be_visible()
    expect(quotes).to_have_attribute("aria-expanded", "true")
    entries = _submenu(page, "quotes").get_by_role("link")
    expect(entries).to_have_text(["Outstanding", "Actioned"])
    _trigger(page, "invoices").hover()  # moving along the bar opens the next area instead
    expect(_submenu(page, "invoices").get_by_role("link")).to_have_text(
        ["All", "Unpaid", "Paid", "Statement", "Manage Payments"]
    )
    expect(_submenu(page, "quotes")).to_have_count(0)

    _trigger(page, "quotes").hover()
    _submenu(page, "quotes").get_by_role("link", name="Actioned").click()
    at(page, "/quotes?tab=actioned")
    expect(page.locator("[data-tab=actioned]")).to_have_attribute("aria-selected", "true")
    expect(_submenu(page, "quotes")).to_have_count(0)  # choosing an entry closes the menu

    # Already on /quotes: the menu's other tab still switches the list.
    _trigger(page, "quotes").hover()
    _submenu(page, "quotes").get_by_role("link", name="Outstanding").click()
    at(page, "/quotes?tab=outstanding")
    expect(page.locator("[data-tab=outstanding]")).to_have_attribute("aria-selected", "true")
    # A tab chosen on the page leaves the address as it was; the menu's same address still switches back.
    page.locator("[data-tab=actioned]").click()
    expect(page.locator("[data-tab=actioned]")).to_have_attribute("aria-selected", "true")
    _trigger(page, "quotes").hover()
    _submenu(page, "quotes").get_by_role("link", name="Outstanding").click()
    expect(page.locator("[data-tab=outstanding]")).to_have_attribute("aria-selected", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    _trigger(page, "jobs").hover()
    expect(_submenu(page, "jobs")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "menu-jobs.png"))


def test_keyboard_opens_the_menu_moves_through_it_and_escape_returns(page, portal):
    login(page, DANA)
    at(page, "/dashboard")
    jobs = _trigger(page, "jobs")
    jobs.focus()
    page.keyboard.press("ArrowDown")
    expect(jobs).to_have_attribute("aria-expanded", "true")
    links = _submenu(page, "jobs").get_by_role("link")
    expect(links).to_have_text(["Pending", "Progress", "Complete", "Invoiced", "Archive"])
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("Escape")
    expect(jobs).to_have_attribute("aria-expanded", "false")
    expect(jobs).to_be_focused()

    page.keyboard.press("Enter")
    expect(jobs).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Space")
    expect(jobs).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Space")
    expect(jobs).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    expect(links.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(links.nth(1)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(links.nth(2)).to_be_focused()
    page.keyboard.press("Enter")
    at(page, "/jobs?tab=complete")
    expect(page.locator("[data-tab=complete]")).to_have_attribute("aria-selected", "true")


def test_a_click_opens_the_menu_too(page, portal):
    login(page, DANA)
    at(page, "/dashboard")
    sites = _trigger(page, "sites")
    page.mouse.move(0, 500)
    sites.dispatch_event("click")  # a click without hovering first, as on a touch screen
    expect(_submenu(page, "sites").get_by_role("link")).to_have_text(["Sites", "Create New Site"])
    page.mouse.click(600, 600)  # a click elsewhere closes it
    expect(_submenu(page, "sites")).to_have_count(0)


@pytest.fixture
def sam_pages(portal):
    """Gives Sam's login other pages for one test, and its own back afterwards."""
    with portal.engine.begin() as conn:
        before = conn.execute(text("SELECT pages FROM contact WHERE username = :u"), {"u": SAM}).scalar_one()

    def give(pages: list[str]) -> None:
        with portal.engine.begin() as conn:
            conn.execute(
                text("UPDATE contact SET pages = :p WHERE username = :u"), {"p": json.dumps(pages), "u": SAM}
            )

    yield give
    with portal.engine.begin() as conn:
        conn.execute(text("UPDATE contact SET pages = :p WHERE username = :u"), {"p": before, "u": SAM})


SAMS_OWN = ("quotes", "jobs", "sites", "assets", "reports", "tasks")  # all but invoices


@pytest.mark.parametrize("shown", [SAMS_OWN, ("invoices", "tasks"), ()])
def test_the_menu_follows_the_logins_pages(page, portal, sam_pages, shown):
    if shown != SAMS_OWN:
        sam_pages(list(shown))
    login(page, SAM)
    at(page, "/dashboard")
    expect(page.locator("#user-menu")).to_contain_text("Sam")
    for area in AREAS:
        expect(_trigger(page, area)).to_have_count(1 if area in shown else 0)


def test_advanced_reports_show_only_on_that_tier(page, portal):
    login(page, DANA)
    at(page, "/dashboard")
    _trigger(page, "reports").hover()
    reports = _submenu(page, "reports")
    expect(reports.get_by_role("link", name="Budget Forecast")).to_be_visible()
    expect(reports.get_by_role("link", name="Current Defects")).to_be_visible()
    try:
        with portal.engine.begin() as conn:
            conn.execute(text("UPDATE contractor SET portal_tier='standard'"))
        page.reload()
        _trigger(page, "reports").hover()
        expect(reports.get_by_role("link", name="Current Defects")).to_be_visible()
        expect(reports.get_by_role("link", name="Budget Forecast")).to_have_count(0)
        expect(reports.get_by_role("link")).to_have_count(3)
    finally:
        with portal.engine.begin() as conn:
            conn.execute(text("UPDATE contractor SET portal_tier='advanced'"))


def test_phone_drawer_groups_the_same_entries(phone, portal):
    login(phone, DANA)
    at(phone, "/dashboard")
    phone.locator("#menu-open").click()
    drawer = phone.locator("#menu-drawer")
    expect(
        drawer.get_by_role("heading", name="Menu").or_(drawer.get_by_text("Menu", exact=True))
    ).to_be_visible()
    for area in AREAS:
        expect(drawer.locator(f"[data-group={area}]")).to_be_visible()
    jobs = drawer.locator("[data-group=jobs]")
    expect(jobs.get_by_role("list", name="Jobs").get_by_role("link")).to_have_text(
        ["Pending", "Progress", "Complete", "Invoiced", "Archive"]
    )
    ARTIFACTS.mkdir(exist_ok=True)
    phone.wait_for_function("document.getElementById('menu-drawer').getBoundingClientRect().left >= 0")
    phone.screenshot(path=str(ARTIFACTS / "menu-phone-drawer.png"))
    drawer.locator("[data-group=invoices]").get_by_role("link", name="Unpaid").click()
    at(phone, "/invoices?tab=unpaid")
    expect(phone.locator("[data-tab=unpaid]")).to_have_attribute("aria-selected", "true")


def test_phone_drawer_follows_the_logins_pages(phone, portal, sam_pages):
    sam_pages(["quotes", "jobs", "invoices"])
    login(phone, SAM)
    at(phone, "/dashboard")
    phone.locator("#menu-open").click()
    drawer = phone.locator("#menu-drawer")
    expect(drawer.locator("[data-group=quotes]")).to_be_visible()
    expect(drawer.locator("[data-group]")).to_have_count(3)
    expect(drawer.get_by_role("link", name="View Assets")).to_have_count(0)


# --- page not found ---------------------------------------------------------------------------------


def test_unknown_address_signed_in_shows_the_shell_and_a_way_back(page, portal):
    login(page, DANA)
    at(page, "/dashboard")
    page.goto("/no/such/page")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.locator("#user-menu")).to_contain_text("Dana")
    expect(_trigger(page, "quotes")).to_be_visible()
    page.locator("#not-found-back").click()
    at(page, "/dashboard")


def test_unknown_address_signed_out_shows_a_branded_page_and_the_login(page, portal):
    page.goto("/quotes/nowhere")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(page.get_by_text("Harbourside Fire & Electrical Pty Ltd")).to_be_visible()
    expect(page.locator("#user-menu")).to_have_count(0)
    page.locator("#not-found-back").click()
    at(page, "/login")
    expect(page.locator("#username")).to_be_visible()


# --- lists as cards on a phone ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "kind"),
    [("/quotes?tab=actioned", "quote"), ("/jobs?tab=progress", "job"), ("/invoices?tab=all", "invoice")],
)
def test_lists_read_as_cards_on_a_phone(phone, portal, path, kind):
    login(phone, DANA, next_path=path)
    first = phone.locator("#list-table tbody tr").first
    expect(first).to_be_visible()
    width = phone.viewport_size["width"]
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= width, "the page scrolls sideways"
    for role in ("title", "subtitle", "status", "amount", "options"):
        cell = first.locator(f"[data-card={role}]")
        expect(cell).to_be_visible()
        box = cell.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, f"{role} is off screen"
    expect(first.locator("[data-card=hidden]").first).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / f"{kind}s-phone-cards.png"))
    first.locator("[data-options]").click()
    phone.get_by_role("menuitem", name="View details").click()
    expect(phone.locator(f"#{kind}-detail")).to_be_visible()


def test_phone_sorting_without_the_header_row(phone, portal):
    login(phone, DANA, next_path="/jobs?tab=archive")
    expect(phone.locator("#list-table tbody tr").first).to_be_visible()
    expect(phone.get_by_role("columnheader", name="Site")).to_be_hidden()
    phone.locator("#phone-sort").click()
    phone.get_by_role("option", name="Job No.").click()
    numbers = phone.locator("#list-table tbody [data-job]")
    expect(numbers.first).to_be_visible()
    first = int(numbers.first.inner_text())
    second = int(numbers.nth(1).inner_text())
    assert first > second, "numbers sort newest first"
    phone.locator("#phone-sort-direction").click()
    expect(numbers.first).not_to_have_text(str(first))
    assert int(numbers.first.inner_text()) < int(numbers.nth(1).inner_text())
