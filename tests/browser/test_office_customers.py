"""The office's customers in a real browser: the owner creates a customer, gives a contact a login and
sends its setup email; the contact follows the link and signs in; the owner deactivates the customer
and the contact's open tab is sent to the sign-in page on its next action."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.models import Contact, Customer, LoginSession
from tests.browser.conftest import at, last_link, office_cookie

PASSWORD = "Harbour-Lights-2031"
EMAIL = "robin@browser-customer.example"


def _serious(page) -> list[str]:
    """axe's serious and critical findings on the page as drawn (the accessibility suite visits no
    office page with an id in its address, so these pages are checked here)."""
    page.wait_for_timeout(300)
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}"
        for v in found
        if v["impact"] in ("serious", "critical")
    ]


def test_a_new_customer_s_contact_signs_in_and_is_signed_out_when_the_customer_is_deactivated(
    page, portal, browser
):
    office_cookie(page, portal, "owner")
    page.goto("/office/customers/new")
    page.locator("#customer-name").fill("Browser Test Holdings")
    page.locator("#customer-code").fill("BTH-1")
    page.locator("#customer-email").fill("accounts@localhost")
    page.locator("#customer-save").click()
    expect(page.locator(".field-error")).to_contain_text("Enter an email address")
    page.locator("#customer-email").fill("accounts@browser-customer.example")
    page.locator("#customer-save").click()
    page.wait_for_url(re.compile(r"/office/customers/\d+/?\?created=1$"))
    expect(page.get_by_role("heading", name="Browser Test Holdings")).to_be_visible()
    expect(page.locator("#notice")).to_contain_text("Customer created")
    customer_id = int(re.search(r"/office/customers/(\d+)", page.url).group(1))

    page.locator("#new-contact").click()
    at(page, f"/office/customers/{customer_id}/contacts/new")
    page.locator("#contact-first-name").fill("Robin")
    page.locator("#contact-last-name").fill("Browser")
    page.locator("#contact-email").fill(EMAIL)
    page.locator("[data-check=role-invoice]").click()
    page.locator("[data-check=login-active]").click()
    page.locator("#contact-save").click()
    page.wait_for_url(re.compile(rf"/office/customers/{customer_id}/contacts/\d+/?\?invited=1$"))
    expect(page.locator("#notice")).to_contain_text(f"A setup email was sent to {EMAIL}")
    assert _serious(page) == []  # before a toast (the shared toaster's colours are not this page's)
    first = last_link(portal, EMAIL, "/setup")
    page.locator("#send-setup").click()
    expect(page.locator("#notice")).to_contain_text(f"Setup email sent to {EMAIL}")
    link = last_link(portal, EMAIL, "/setup")
    assert link != first
    expect(page.locator("#contact-last-sign-in")).to_contain_text("—")

    other = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    other.set_default_timeout(15_000)
    theirs = other.new_page()
    theirs.goto(link)
    theirs.locator("#password").fill(PASSWORD)
    theirs.locator("#confirm").fill(PASSWORD)
    theirs.locator("#save-password").click()
    at(theirs, "/dashboard")
    expect(theirs.locator("[data-card=invoices]")).to_be_visible()
    with Session(portal.engine) as s:
        contact = s.exec(select(Contact).where(Contact.email == EMAIL)).one()
        assert contact.customer_id == customer_id and contact.last_login_at is not None

    page.goto(f"/office/customers/{customer_id}")
    expect(page.locator(f"[data-login='{EMAIL}']")).to_have_text("Active")
    assert _serious(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert _serious(page) == []
    page.set_viewport_size({"width": 1280, "height": 860})
    page.locator("#customer-deactivate").click()
    expect(page.locator("#customer-confirm-dialog")).to_contain_text("signed out at once")
    page.locator("#customer-confirm").click()
    expect(page.locator("#customer-inactive")).to_be_visible()
    with Session(portal.engine) as s:
        assert s.get(Customer, customer_id).is_active is False
        live = s.exec(
            select(LoginSession).where(
                LoginSession.contact_id == contact.id, LoginSession.revoked_at.is_(None)
            )
        ).all()
        assert live == []

    theirs.locator("[data-card=invoices]").click()
    theirs.wait_for_url(re.compile(r"/login/?\?next="))
    expect(theirs.locator("#username")).to_be_visible()
    other.close()
