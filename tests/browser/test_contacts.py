"""Contacts and logins in a real browser: a customer's administrator gives a colleague a login."""

from __future__ import annotations

import re
from itertools import count
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.models import Contact, ContactSite, Credential, OutboxMail, Site
from portal.services.identity import passwords
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
    n = next(_n)
    # Another file's test invites a Jordan too, and the files share one portal per worker in any order.
    email, last = f"jordan{n}@northside.example", f"Tester{n}"
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    page.goto("/preferences/contacts")
    expect(page.locator("#access-grid")).to_contain_text("Dana Whitfield")
    page.locator("#create-contact").click()
    at(page, "/preferences/contacts/new")
    page.locator("#contact-first-name").fill("Jordan")
    page.locator("#contact-last-name").fill(last)
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
    expect(page.locator(f"[data-grid-contact='Jordan {last}']")).to_contain_text("1 site")
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


def _login_of_our_own(portal, first_name: str) -> str:
    """A login made for one test, so no test depends on what another did to a demo login."""
    email = f"{first_name.lower()}{next(_n)}@northside.example"
    with Session(portal.engine) as s:
        dana = s.exec(select(Contact).where(Contact.email == "dana@northside.example")).one()
        s.add(
            Contact(
                customer_id=dana.customer_id,
                first_name=first_name,
                last_name="Okafor",
                email=email,
                username=email,
                login_active=True,
                pages=["quotes"],
                all_sites=True,
            )
        )
        s.commit()
    return email


def test_reset_password_for_a_contact_mails_a_link_that_works(page, portal, browser):
    email = _login_of_our_own(portal, "Robin")
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    page.goto(f"/preferences/contacts?q={email}")
    page.locator("[data-options='Robin Okafor']").click()
    page.locator("[data-action=reset-password]").click()
    expect(page.get_by_text(f"Password reset email sent to {email}.")).to_be_visible()
    link = last_link(portal, email, "/reset")
    with Session(portal.engine) as s:
        sent = s.exec(select(OutboxMail).where(OutboxMail.to_address == email)).all()
    assert any("/reset?token=" in m.body_text for m in sent)

    other = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    other.set_default_timeout(15_000)
    robins = other.new_page()
    _set_password(robins, link)
    expect(robins.locator("#user-menu")).to_contain_text("Robin Okafor")
    other.close()


def test_a_limited_administrator_cannot_give_a_page_or_sites_it_lacks(page, portal):
    """Sam manages contacts but has no Invoices page and two of the five sites."""
    login(page, "sam@northside.example")
    at(page, "/dashboard")
    page.goto("/preferences/contacts/new")
    expect(page.locator("[data-check=page-invoices]")).to_be_disabled()
    expect(page.locator("[data-check=page-quotes]")).to_be_enabled()
    expect(page.locator("[data-check=sites-all]")).to_be_disabled()
    expect(page.locator("#available-sites")).to_contain_text("Northside Plaza")
    expect(page.locator("#available-sites")).not_to_contain_text("Kedron Brook Offices")
    riley = f"Riley{next(_n)}"
    page.locator("#contact-first-name").fill(riley)
    page.locator("[data-check=page-quotes]").click()
    page.locator("#contact-save").click()
    page.wait_for_url(re.compile(r"/preferences/contacts/\d+/?\?saved=1$"))
    with Session(portal.engine) as s:
        made = s.exec(select(Contact).where(Contact.first_name == riley)).one()
    assert made.pages == ["quotes"] and not made.all_sites and not made.login_active


def test_a_logins_new_email_waits_for_the_link_mailed_to_it(page, portal, browser):
    """A colleague cannot move a login's mailbox (and so its reset links) without the new address."""
    email = _login_of_our_own(portal, "Avery")
    with Session(portal.engine) as s:
        avery_id = _contact(portal, email).id
        s.add(Credential(contact_id=avery_id, password_hash=passwords.hash_password(NEW_PASSWORD, 4)))
        s.commit()
    moved = f"avery-new{next(_n)}@northside.example"
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    page.goto(f"/preferences/contacts/{_contact(portal, email).id}")
    expect(page.locator("#contact-email")).to_have_value(email)
    page.locator("#contact-email").fill(moved)
    page.locator("#contact-save").click()
    expect(page.locator("#notice")).to_contain_text(
        f"A link to confirm the new email address was sent to {moved}"
    )
    expect(page.locator("#contact-pending-email")).to_contain_text(moved)
    expect(page.locator("#contact-email")).to_have_value(email)
    assert _contact(portal, email).username == email
    link = last_link(portal, moved, "/preferences/confirm-email")
    # Dana asked for it but cannot confirm it: only Avery, signed in, proves the new mailbox is Avery's.
    page.goto(link)
    at(page, "/preferences/confirm-email")
    expect(page.locator("#confirm-blocked")).to_contain_text("logged in as someone else")
    expect(page.locator("#confirm-email")).to_have_count(0)
    assert _contact(portal, email).email == email

    avery = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    avery.set_default_timeout(15_000)
    try:
        averys = avery.new_page()
        averys.goto(link)
        averys.locator("#login-to-confirm").click()
        averys.locator("#username").fill(email)
        averys.locator("#password").fill(NEW_PASSWORD)
        averys.locator("#login").click()
        at(averys, "/preferences/confirm-email")
        averys.locator("#confirm-email").click()
        expect(averys.locator("#email-confirmed")).to_contain_text(moved)
    finally:
        avery.close()
    page.goto(f"/preferences/contacts/{_contact(portal, moved).id}")
    expect(page.locator("#contact-email")).to_have_value(moved)
    expect(page.locator("#contact-pending-email")).to_have_count(0)
