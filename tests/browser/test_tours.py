"""Walk Me Through in a real browser: each of the guide's four tours runs to its end on a desktop and
on a phone, by mouse and by keyboard, waiting where a step needs the contact's action; the basic
tour is offered once to a new contact and the answer is stored; steps follow the login's pages;
and the tour runs under the Content-Security-Policy without a violation."""

from __future__ import annotations

import re
import time
from itertools import count

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

import portal.pages  # noqa: F401  (registers every page in the shell's REGISTRY)
from portal.models import ALL_PAGES, Contact, Page, Site
from tests.browser.conftest import at, login
from tests.browser.test_content_security_policy import Watched

DANA = "dana@northside.example"
MAIN = "Northside Property Group"
PASSWORD = "Harbour-Lights-2031"
ARTIFACTS = "tests/artifacts"
_n = count(1)

MENU_ENTRIES = ["Quotes", "Jobs", "Invoices", "Sites", "Assets", "Reports", "Tasks"]
BASIC_DESKTOP = [
    "Welcome to the Customer Portal",
    *MENU_ENTRIES,
    "Your dashboard",
    "Request a Quote",
    "Book a Job",
    "Your account",
]
BASIC_PHONE = ["Welcome to the Customer Portal", "The menu", "Your dashboard", "Your account"]


# --- helpers ---------------------------------------------------------------------------------------


def title(page):
    return page.locator(".driver-popover.portal-tour .driver-popover-title")


def next_button(page):
    return page.locator(".driver-popover.portal-tour .driver-popover-next-btn")


def expect_step(page, text: str) -> None:
    expect(title(page)).to_have_text(text)


def key(page, name: str) -> None:
    """Press a key once the step is drawn: driver.js ignores arrow keys while a highlight moves, and
    with reduced motion (as in the keyboard test) it moves within the next animation frame."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.keyboard.press(name)


def expect_ended(page) -> None:
    expect(page.locator(".driver-popover")).to_have_count(0)
    expect(page.locator("body")).not_to_have_class(re.compile(r"driver-active"))


def open_tour(page, key: str) -> None:
    page.locator("#user-menu").click()
    page.locator("#walk-me-through").click()
    expect(page.locator("#tour-list")).to_be_visible()
    page.locator(f"#tour-list [data-tour={key}]").click()


def click_through(page, titles: list[str]) -> None:
    """Next on each step, checking its title; Done on the last one ends the tour."""
    for i, text in enumerate(titles):
        expect_step(page, text)
        expect(next_button(page)).to_have_text("Done" if i == len(titles) - 1 else "Next")
        next_button(page).click()
    expect_ended(page)


def new_contact(page, portal, pages: list[str] | None = None) -> str:
    """A contact invited as an administrator would, signed in for the first time; its email."""
    email = f"tourist{next(_n)}@northside.example"
    args = [
        "create-user",
        "--customer",
        MAIN,
        "--email",
        email,
        "--first-name",
        "Tess",
        "--last-name",
        "Tour",
    ]
    out = portal.run_cli(*args, *(["--pages", *pages] if pages is not None else []))
    page.goto(re.search(r"https?://\S+/setup\?token=\S+", out).group(0))
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    page.locator("#save-password").click()
    at(page, "/dashboard")
    return email


def tour_seen_at(portal, email: str):
    with Session(portal.engine) as s:
        return s.exec(select(Contact).where(Contact.email == email)).one().tour_seen_at


def dashboard_loaded(page) -> None:
    expect(page.locator("#dashboard-cards")).to_be_visible()


def expect_no_offer_on_a_fresh_load(page) -> None:
    """Reload with a new Reflex token (a fresh state, as in another tab) and wait for this tab's own
    answer from the server before checking that no offer came."""
    page.evaluate("window.sessionStorage.removeItem('token')")
    page.reload()
    at(page, "/dashboard")
    dashboard_loaded(page)
    expect(page.locator("#tour-offer-checked")).to_be_attached()
    expect(page.locator("#tour-offer")).to_have_count(0)


def run_request_tour(page, key: str, route: str, date_field: str) -> None:
    """Request a Quote / Book a Job: waits for a site to be chosen and for words in the description."""
    open_tour(page, key)
    at(page, route)
    expect_step(page, "Choose the site")
    expect(next_button(page)).to_be_hidden()
    page.locator("#site").select_option(index=1)
    for text in ("A site that is not listed?", "Who we should talk to", "Order number and date"):
        expect_step(page, text)
        next_button(page).click()
    expect_step(page, "Describe the work")
    expect(next_button(page)).to_be_hidden()
    expect(page.locator(date_field)).to_be_visible()
    page.locator("#description").press_sequentially("Leaking valve")
    page.wait_for_timeout(200)
    expect_step(page, "Describe the work")  # typing goes on undisturbed ...
    page.locator("#description").press("Tab")  # ... until the contact leaves the field
    if page.locator("#assets-section").count():
        expect_step(page, "Assets")
        next_button(page).click()
    click_through(page, ["Photos and documents", "Send it"])
    expect(page.locator("#description")).to_have_value("Leaking valve")  # the form is left as it was


# --- the basic tour --------------------------------------------------------------------------------


def test_basic_tour_runs_to_its_end_on_a_desktop(page):
    login(page, DANA)
    at(page, "/dashboard")
    dashboard_loaded(page)
    open_tour(page, "basic")
    expect_step(page, BASIC_DESKTOP[0])
    expect(page.locator(".driver-popover-prev-btn")).to_be_disabled()
    for name in MENU_ENTRIES[:1]:
        next_button(page).click()
        expect_step(page, name)
        expect(page.locator("header [data-page=quotes]")).to_have_class(re.compile("driver-active-element"))
    page.locator(".driver-popover-prev-btn").click()
    click_through(page, BASIC_DESKTOP)
    at(page, "/dashboard")


def test_basic_tour_runs_to_its_end_on_a_phone(phone):
    login(phone, DANA)
    at(phone, "/dashboard")
    dashboard_loaded(phone)
    open_tour(phone, "basic")
    expect_step(phone, BASIC_PHONE[0])
    next_button(phone).click()
    expect_step(phone, "The menu")
    expect(phone.locator("#menu-open")).to_have_class(re.compile("driver-active-element"))
    expect(phone.locator(".driver-popover")).to_be_in_viewport()
    phone.locator(".driver-popover-prev-btn").click()
    click_through(phone, BASIC_PHONE)


def test_the_tour_works_by_keyboard(page):
    page.emulate_media(reduced_motion="reduce")
    login(page, DANA)
    at(page, "/dashboard")
    dashboard_loaded(page)
    open_tour(page, "basic")
    expect_step(page, BASIC_DESKTOP[0])
    expect(page.locator(".driver-popover")).to_have_attribute("role", "dialog")
    key(page, "ArrowRight")
    expect_step(page, BASIC_DESKTOP[1])
    key(page, "ArrowRight")
    expect_step(page, BASIC_DESKTOP[2])
    key(page, "ArrowLeft")
    expect_step(page, BASIC_DESKTOP[1])
    key(page, "Tab")
    assert page.evaluate("document.activeElement.closest('.driver-popover, header') !== null")
    key(page, "Escape")
    expect_ended(page)

    # A step that waits for the contact's action ignores ArrowRight; in a field the arrows move the caret.
    open_tour(page, "quote")
    at(page, "/quotes/request")
    expect_step(page, "Choose the site")
    page.locator("body").press("ArrowRight")
    page.wait_for_timeout(300)
    expect_step(page, "Choose the site")
    page.locator("#site").select_option(index=1)
    expect_step(page, "A site that is not listed?")
    key(page, "ArrowRight")
    expect_step(page, "Who we should talk to")
    key(page, "ArrowRight")
    expect_step(page, "Order number and date")
    page.locator("#order-number").fill("PO-77")
    page.locator("#order-number").press("ArrowLeft")
    page.locator("#order-number").press("ArrowRight")
    page.wait_for_timeout(300)
    expect_step(page, "Order number and date")
    next_button(page).focus()
    key(page, "Enter")
    expect_step(page, "Describe the work")
    page.locator("#description").press_sequentially("Door closer")
    page.screenshot(path=f"{ARTIFACTS}/tour-step.png")
    key(page, "Tab")
    expect(title(page)).not_to_have_text("Describe the work")
    expect(page.locator("#description")).to_have_value("Door closer")
    key(page, "Escape")
    expect_ended(page)


# --- the first login's offer -----------------------------------------------------------------------


def test_the_offer_comes_once_and_not_again_after_declining(page, portal):
    email = new_contact(page, portal)
    expect(page.locator("#tour-offer")).to_be_visible()
    expect(page.locator("#tour-offer")).to_contain_text("Take a quick tour?")
    assert tour_seen_at(portal, email) is None
    page.locator("#tour-offer-decline").click()
    expect(page.locator("#tour-offer")).to_have_count(0)
    _wait_stored(portal, email)
    expect_no_offer_on_a_fresh_load(page)


def test_taking_the_offer_runs_the_basic_tour_and_closing_it_is_stored(page, portal):
    email = new_contact(page, portal)
    page.locator("#tour-offer-start").click()
    expect(page.locator("#tour-offer")).to_have_count(0)
    expect_step(page, BASIC_DESKTOP[0])
    assert tour_seen_at(portal, email) is None, "stored when the tour ends, not when it starts"
    next_button(page).click()
    expect_step(page, BASIC_DESKTOP[1])
    page.keyboard.press("Escape")
    expect_ended(page)
    _wait_stored(portal, email)
    expect_no_offer_on_a_fresh_load(page)


def _wait_stored(portal, email: str) -> None:
    for _ in range(50):
        if tour_seen_at(portal, email) is not None:
            return
        time.sleep(0.1)
    raise AssertionError(f"tour_seen_at of {email} was not stored")


# --- steps follow the login's pages ----------------------------------------------------------------


def test_a_contact_without_quotes_gets_no_request_a_quote_steps(page, portal):
    new_contact(page, portal, pages=[p for p in ALL_PAGES if p != Page.QUOTES])
    page.locator("#tour-offer-decline").click()
    page.locator("#user-menu").click()
    page.locator("#walk-me-through").click()
    expect(page.locator("#tour-list [data-tour]")).to_have_count(3)
    expect(page.locator("#tour-list [data-tour=quote]")).to_have_count(0)
    page.locator("#tour-list [data-tour=basic]").click()
    without = [t for t in BASIC_DESKTOP if t not in ("Quotes", "Request a Quote")]
    click_through(page, without)


# --- Request a Quote, Book a Job -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "route", "date_field"),
    [("quote", "/quotes/request", "#order-number"), ("job", "/jobs/book", "#preferred-date")],
)
def test_request_tours_run_to_their_end_on_a_desktop(page, key, route, date_field):
    login(page, DANA)
    at(page, "/dashboard")
    run_request_tour(page, key, route, date_field)


@pytest.mark.parametrize(
    ("key", "route", "date_field"),
    [("quote", "/quotes/request", "#order-number"), ("job", "/jobs/book", "#preferred-date")],
)
def test_request_tours_run_to_their_end_on_a_phone(phone, key, route, date_field):
    login(phone, DANA)
    at(phone, "/dashboard")
    run_request_tour(phone, key, route, date_field)


# --- Create a New Site -----------------------------------------------------------------------------


def run_site_tour(page, portal) -> None:
    open_tour(page, "site")
    at(page, "/sites/new")
    expect_step(page, "Name the site")
    expect(next_button(page)).to_be_hidden()
    name = f"Tour Depot {next(_n)}"
    page.locator("#site-name").fill(name)
    page.locator("#site-name").press("Tab")
    for text, field, value in (
        ("Street address", "#site-street", "8 Tour Lane"),
        ("Suburb or town", "#site-suburb", "Albion"),
        ("State", "#site-state", "QLD"),
        ("Postcode", "#site-postcode", "4010"),
    ):
        expect_step(page, text)
        page.locator(field).fill(value)
        next_button(page).click()
    expect_step(page, "Save and Finish")
    next_button(page).click()
    expect_step(page, "Save")
    expect(next_button(page)).to_be_hidden()
    page.locator("#site-save").click()
    click_through(page, ["Site contacts"])
    page.wait_for_url(re.compile(r"/sites/\d+/?\?tab=contacts$"))
    with Session(portal.engine) as s:
        assert s.exec(select(Site).where(Site.name == name)).one().postcode == "4010"


def test_create_a_new_site_tour_runs_to_its_end_on_a_desktop(page, portal):
    login(page, DANA)
    at(page, "/dashboard")
    run_site_tour(page, portal)


def test_create_a_new_site_tour_runs_to_its_end_on_a_phone(phone, portal):
    login(phone, DANA)
    at(phone, "/dashboard")
    run_site_tour(phone, portal)


# --- the page's policy -----------------------------------------------------------------------------


def test_a_tour_runs_without_a_policy_violation(browser, portal):
    watched = Watched(browser, portal.url)
    try:
        page = watched.page
        login(page, DANA)
        at(page, "/dashboard")
        open_tour(page, "basic")
        expect_step(page, BASIC_DESKTOP[0])
        next_button(page).click()
        expect_step(page, BASIC_DESKTOP[1])
        page.keyboard.press("Escape")
        expect_ended(page)
        watched.settle()
        assert watched.violations == [], watched.report()
    finally:
        watched.context.close()
