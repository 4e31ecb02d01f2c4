"""Preferences in a real browser: own details, the email change by mailed link, files, company information."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.demo import catalog
from portal.models import Contact, OutboxMail
from tests.browser.conftest import DEMO_PASSWORD, at, last_link, login

MAIN = "Northside Property Group"
NEW_PASSWORD = "Harbour-Lights-2031"
_n = itertools.count(1)
ARTIFACTS = Path(__file__).parents[1] / "artifacts"


def _new_login(portal, page, pages: tuple[str, ...] = ("quotes", "jobs")) -> str:
    """A contact of its own, invited and set up in the browser, so editing it disturbs no other test."""
    email = f"prefs{next(_n)}@northside.example"
    out = portal.run_cli(
        "create-user",
        "--customer",
        MAIN,
        "--email",
        email,
        "--first-name",
        "Robin",
        "--last-name",
        "Prefs",
        "--pages",
        *pages,
    )
    page.goto(re.search(r"https?://\S+/setup\?token=\S+", out).group(0))
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.locator("#save-password").click()
    at(page, "/dashboard")
    return email


def _contact(portal, username: str) -> Contact:
    with Session(portal.engine) as s:
        return s.exec(select(Contact).where(Contact.username == username)).one()


def test_edit_details_with_errors_beside_the_fields(page, portal):
    username = _new_login(portal, page)
    page.goto("/preferences")
    expect(page.locator("#pref-username")).to_have_text(username)
    expect(page.locator("#contacts-link")).to_have_count(0)  # this login does not manage contacts

    page.locator("#pref-first_name").fill("Robyn")
    page.locator("#pref-phone").fill("call me maybe")
    page.locator("#save-details").click()
    expect(page.locator(".field-error")).to_contain_text("digits")
    assert _contact(portal, username).first_name == "Robin", "nothing half-saved"

    page.locator("#pref-phone").fill("07 3350 9000")
    page.locator("#pref-position").fill("Office <Manager>")
    page.locator("#save-details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    stored = _contact(portal, username)
    assert (stored.first_name, stored.phone, stored.position) == ("Robyn", "07 3350 9000", "Office <Manager>")
    page.reload()
    expect(page.locator("#pref-position")).to_have_value("Office <Manager>")
    page.screenshot(path=str(ARTIFACTS / "preferences-details.png"), full_page=True)


def _fresh(browser, portal):
    """Another browser, signed out: whoever opens the mailbox the link went to."""
    context = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    return context


def _log_in_from_the_link_page(pg, username: str, password: str) -> None:
    pg.locator("#login-to-confirm").click()
    pg.wait_for_url(re.compile(r"/login/?\?next="))
    pg.locator("#username").fill(username)
    pg.locator("#password").fill(password)
    pg.locator("#login").click()
    at(pg, "/preferences/confirm-email")


def test_email_change_waits_for_the_link_and_only_the_signed_in_login_confirms_it(page, portal, browser):
    username = _new_login(portal, page)
    new_email = username.replace("@", ".new@")
    page.goto("/preferences")
    expect(page.locator("#pref-email")).to_have_value(username)  # loaded: typing is not redrawn away
    page.locator("#pref-email").fill(new_email)
    page.locator("#save-details").click()
    expect(page.locator("#pending-email")).to_contain_text(new_email)
    assert _contact(portal, username).email == username, "nothing changes before the link is followed"
    with Session(portal.engine) as s:
        told = s.exec(select(OutboxMail).where(OutboxMail.to_address == username)).all()
    assert any(new_email in m.body_text and "token=" not in m.body_text for m in told), (
        "the old address is told"
    )
    link = last_link(portal, new_email, "/preferences/confirm-email")

    # Whoever reads that inbox, signed out, is asked to log in; logged in as someone else, refused.
    stranger = _fresh(browser, portal)
    try:
        pg = stranger.new_page()
        pg.goto(link)
        at(pg, "/preferences/confirm-email")
        assert "token=" not in pg.url, "the token leaves the address bar"
        expect(pg.locator("#confirm-blocked")).to_contain_text("only the login that asked")
        expect(pg.locator("#confirm-email")).to_have_count(0)
        _log_in_from_the_link_page(pg, "dana@northside.example", DEMO_PASSWORD)
        expect(pg.locator("#confirm-blocked")).to_contain_text("logged in as someone else")
        expect(pg.locator("#confirm-email")).to_have_count(0)
    finally:
        stranger.close()
    assert _contact(portal, username).email == username

    # The owner, from a browser signed out, logs in and comes back to the link.
    owner = _fresh(browser, portal)
    try:
        pg = owner.new_page()
        pg.goto(link)
        at(pg, "/preferences/confirm-email")
        _log_in_from_the_link_page(pg, username, NEW_PASSWORD)
        expect(pg.locator("#new-email")).to_have_text(new_email)
        assert _contact(portal, username).email == username, "opening the page uses nothing up"
        pg.locator("#confirm-email").click()
        expect(pg.locator("#email-confirmed")).to_contain_text(new_email)
        stored = _contact(portal, username)
        assert (stored.email, stored.username) == (new_email, username)
        pg.goto(link)
        expect(pg.locator("#link-expired")).to_be_visible()
        pg.goto("/preferences")
        expect(pg.locator("#pref-email")).to_have_value(new_email)
        expect(pg.locator("#pending-email")).to_have_count(0)
    finally:
        owner.close()

    # The login's other browser was signed out by the change.
    page.goto("/preferences")
    page.wait_for_url(re.compile(r"/login/?\?next="))


def test_attachments_search_and_download(page, portal, tmp_path):
    login(page, "dana@northside.example", next_path="/preferences?tab=attachments")
    at(page, "/preferences?tab=attachments")
    links = page.locator("#files-table .attachment-link")
    expect(links.first).to_be_visible()
    total = links.count()
    page.locator("#file-search").fill("agreement")
    page.locator("#file-search-button").click()
    expect(links.first).to_contain_text("agreement", ignore_case=True)
    assert 0 < links.count() <= total
    with page.expect_download() as info:
        links.first.click()
    saved = Path(info.value.path())
    assert saved.read_bytes().startswith(b"%PDF")
    page.locator("#file-search").fill("no such file at all")
    page.locator("#file-search-button").click()
    expect(page.locator("#no-files")).to_contain_text("No file matches")
    page.screenshot(path=str(ARTIFACTS / "preferences-attachments.png"))


def test_company_information_and_the_contacts_link(page, portal):
    login(page, "dana@northside.example", next_path="/preferences")
    at(page, "/preferences")
    expect(page.locator("#contacts-link")).to_have_attribute("href", "/preferences/contacts")
    page.locator("[data-tab=company]").click()
    expect(page.locator("#company-card")).to_contain_text(MAIN)
    northside = catalog.CUSTOMERS[0]
    expect(page.locator("#company-card")).to_contain_text(northside.business_number)
    expect(page.locator("#company-card")).to_contain_text(northside.postal_address)
    contractor = catalog.CONTRACTOR
    for key in ("trading_name", "phone", "email", "business_number", "address"):
        expect(page.locator("#contractor-card")).to_contain_text(str(contractor[key]))
    expect(page.locator("#contractor-website")).to_have_attribute("href", str(contractor["website"]))
    page.screenshot(path=str(ARTIFACTS / "preferences-company.png"), full_page=True)
