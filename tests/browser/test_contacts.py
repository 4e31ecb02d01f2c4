"""Contacts and logins in a real browser: a customer's administrator gives a colleague a login."""

from __future__ import annotations

import re
from itertools import count
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.models import Contact, ContactSite, OutboxMail, Site
from tests.browser.conftest import at, last_link, login

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
NEW_PASSWORD = "Harbour-Lights-2031"
_n = count(1)


def _contact(portal, email: str) -> Contact:
    with Session(portal.engine) as s:
        return s.exec(select(Contact).where(Contact.email == email)).one()


def _site_id(portal, name: str) -> int:
    with Session(portal.engine) as s:
        return s.exec(select(Site.id).where(Site.name == name)).one()


def _set_password(page, link: str) -> None:
    page.goto(link)
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.locator("#save-password").click()
    at(page, "/dashboard")


def test_a_new_login_with_setup_email_sees_only_its_pages_and_sites(page, portal, browser):
    email = f"jordan{next(_n)}@northside.example"
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    page.goto("/preferences/contacts")
    expect(page.locator("#access-grid")).to_contain_text("Dana Whitfield")
    page.locator("#create-contact").click()
    at(page, "/preferences/contacts/new")
    page.locator("#contact-first-name").fill("Jordan")
    page.locator("#contact-last-name").fill("Tester")
    page.locator("#contact-position").fill("Leasing")
    page.locator("#contact-email").fill(email)
    page.locator("[data-check=role-job]").click()
    page.locator("[data-check=login-active]").click()
    page.locator("[data-check=page-quotes]").click()
    page.locator("[data-check=page-jobs]").click()
    page.locator("[data-check=sites-some]").click()
    page.locator("#available-sites [data-site='Kedron Brook Offices']").click()
    expect(page.locator("#assigned-sites")).to_contain_text("Kedron Brook Offices")
    page.locator("#contact-save").click()
    page.wait_for_url(re.compile(r"/preferences/contacts/\d+/?\?invited=1$"))
    expect(page.locator("#notice")).to_contain_text(f"A setup email was sent to {email}")
    expect(page.locator("#contact-username")).to_have_text(email)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "contact-form.png"), full_page=True)

    stored = _contact(portal, email)
    assert (stored.login_active, stored.username, stored.pages, stored.all_sites) == (
        True,
        email,
        ["quotes", "jobs"],
        False,
    )
    assert stored.is_job_contact and not stored.is_quote_contact
    with Session(portal.engine) as s:
        assigned = s.exec(select(ContactSite.site_id).where(ContactSite.contact_id == stored.id)).all()
    assert assigned == [_site_id(portal, "Kedron Brook Offices")]

    # Send Setup Email again: a new link, and only the newest works.
    first = last_link(portal, email, "/setup")
    page.locator("#send-setup").click()
    expect(page.get_by_text(f"Email sent to {email}.")).to_be_visible()
    link = last_link(portal, email, "/setup")
    assert link != first

    page.goto("/preferences/contacts")
    expect(page.locator("[data-grid-contact='Jordan Tester']")).to_contain_text("1 site")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "contacts.png"), full_page=True)

    other = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    other.set_default_timeout(15_000)
    theirs = other.new_page()
    theirs.goto(first)
    expect(theirs.locator("#link-expired")).to_be_visible()
    _set_password(theirs, link)
    expect(theirs.locator("nav [data-page=quotes]").first).to_be_attached()
    expect(theirs.locator("nav [data-page=jobs]").first).to_be_attached()
    for hidden in ("invoices", "sites", "assets", "reports", "tasks"):
        expect(theirs.locator(f"nav [data-page={hidden}]")).to_have_count(0)
    theirs.goto("/jobs")
    expect(theirs.locator("#result-count")).to_be_visible()
    for elsewhere in ("Northside Plaza", "Albion Central", "Nundah Village", "Aspley Business Park"):
        expect(theirs.locator("#list-table")).not_to_contain_text(elsewhere)
    theirs.goto("/invoices")
    expect(theirs.locator("#not-available")).to_have_text("Not available to your login")
    theirs.goto("/preferences/contacts")
    expect(theirs.locator("#not-available")).to_have_text("Not available to your login")
    expect(theirs.locator("#access-grid")).to_have_count(0)
    other.close()


def test_reset_password_for_a_contact_mails_a_link_that_works(page, portal, browser):
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    page.goto("/preferences/contacts?q=Okafor")
    page.locator("[data-options='Sam Okafor']").click()
    page.locator("[data-action=reset-password]").click()
    expect(page.get_by_text("Password reset email sent to sam@northside.example.")).to_be_visible()
    link = last_link(portal, "sam@northside.example", "/reset")
    with Session(portal.engine) as s:
        sent = s.exec(select(OutboxMail).where(OutboxMail.to_address == "sam@northside.example")).all()
    assert any("/reset?token=" in m.body_text for m in sent)

    other = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    other.set_default_timeout(15_000)
    sams = other.new_page()
    _set_password(sams, link)
    expect(sams.locator("#user-menu")).to_contain_text("Sam Okafor")
    other.close()


def test_a_limited_administrator_cannot_give_a_page_or_sites_it_lacks(page, portal):
    """Sam manages contacts but has no Invoices page and two of the five sites."""
    login(page, "sam@northside.example", NEW_PASSWORD if _sam_reset(portal) else "Demo-Portal-2026")
    at(page, "/dashboard")
    page.goto("/preferences/contacts/new")
    expect(page.locator("[data-check=page-invoices]")).to_be_disabled()
    expect(page.locator("[data-check=page-quotes]")).to_be_enabled()
    expect(page.locator("[data-check=sites-all]")).to_be_disabled()
    expect(page.locator("#available-sites")).to_contain_text("Northside Plaza")
    expect(page.locator("#available-sites")).not_to_contain_text("Kedron Brook Offices")
    page.locator("#contact-first-name").fill("Riley")
    page.locator("[data-check=page-quotes]").click()
    page.locator("#contact-save").click()
    page.wait_for_url(re.compile(r"/preferences/contacts/\d+/?\?saved=1$"))
    with Session(portal.engine) as s:
        riley = s.exec(select(Contact).where(Contact.first_name == "Riley")).one()
    assert riley.pages == ["quotes"] and not riley.all_sites and not riley.login_active


def _sam_reset(portal) -> bool:
    """Whether the reset test already gave Sam the new password (tests run in file order)."""
    from portal.models import AuditEvent

    with Session(portal.engine) as s:
        sam = s.exec(select(Contact).where(Contact.email == "sam@northside.example")).one()
        done = s.exec(
            select(AuditEvent).where(AuditEvent.contact_id == sam.id, AuditEvent.action == "password_reset")
        ).first()
    return done is not None
