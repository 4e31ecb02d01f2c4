"""A contractor's first hour on a new portal, in a real browser, from an empty database (`portal migrate`,
`portal create-staff --role owner`, nothing seeded): the owner signs up, sets the company details, logo,
colour and the Advanced tier; imports customers, sites, contacts and assets from CSV files (a bad row
shown, then the fixed file); invites one of the imported contacts, who sets a password and signs in to
a portal in the contractor's logo and colour; publishes a site induction the contact downloads; and
views the portal as that contact, where a forged payment is refused with nothing stored."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect
from reflex_base.utils.format import format_event_handler
from sqlmodel import Session, func, select

from portal.config import STAFF_COOKIE
from portal.core import tenant
from portal.models import (
    AuditEvent,
    Contact,
    Contractor,
    ContractorDocument,
    Customer,
    Invoice,
    Payment,
    Role,
    Site,
    Staff,
)
from portal.state.billing.payment import PaymentState
from tests.browser.conftest import at, last_link, owner_signs_up
from tests.browser.test_office_invoices import _forge, _forging
from tests.frozen import TODAY

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
OWNER = "olive@harbourlights.example"
PRIYA = "priya.shah@harbourbc.example"
PASSWORD = "Harbour-Tower-2031"
READ_ONLY = re.compile(r"You are viewing as Priya Shah \(.+\): read-only\. Nothing was changed\.")


def _count(portal, model) -> int:
    with Session(portal.engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_from_an_empty_database_to_a_branded_portal_a_customer_signs_in_to(
    empty_page, empty_portal, browser, tmp_path
):
    """One test on purpose: every step builds on the one before, on one portal of its own (the server
    build is the slow part), and the database is counted as it goes, so no other test may share it."""
    page, portal = empty_page, empty_portal
    ARTIFACTS.mkdir(exist_ok=True)
    assert [_count(portal, m) for m in (Contractor, Staff, Customer, Contact)] == [0, 0, 0, 0]
    _signed_out_login_is_neutral(browser, portal)

    owner_signs_up(page, portal, OWNER)
    at(page, "/office")
    assert page.locator("#staff-name").inner_text() == "Olive Owner"
    assert any(c["name"] == STAFF_COOKIE for c in page.context.cookies())
    with Session(portal.engine) as s:
        staff = s.exec(select(Staff)).all()
    assert [(row.email, row.role) for row in staff] == [(OWNER, Role.OWNER)]
    assert staff[0].password_hash and staff[0].totp_enrolled_at is not None
    assert [_count(portal, m) for m in (Customer, Contact)] == [0, 0]

    _settings(page, portal, tmp_path)
    customer_id = _import(page, portal)
    theirs = _invite_and_sign_in(page, browser, portal, customer_id)
    try:
        _publish_and_download(page, theirs, portal, customer_id, tmp_path)
    finally:
        theirs.context.close()
    _view_as_and_forge_a_payment(page, portal, customer_id)


def _signed_out_login_is_neutral(browser, portal) -> None:
    """No company is set up yet, so the sign-in card's header names the product where a contractor's
    name would be (the footer always does: twice in all)."""
    context = browser.new_context(base_url=portal.url)
    try:
        customer = context.new_page()
        customer.goto("/login")
        customer.locator("#username").wait_for()
        assert customer.get_by_text("Customer Portal", exact=True).count() == 2
    finally:
        context.close()


def _settings(page, portal, tmp_path: Path) -> None:
    page.goto("/office/settings")
    form = page.locator("#company-form")
    form.locator("#settings-company-name").fill("Harbour Lights Fire")
    form.locator("#settings-business-number").fill("51 824 753 556")
    form.locator("#settings-email").fill("office@harbourlights.example")
    form.locator("#settings-phone").fill("(02) 9555 0100")
    form.locator("#save-company").click()
    expect(page.locator("#company-saved")).to_be_visible()

    page.locator("#tab-branding").click()
    logo = tmp_path / "harbour-lights.png"
    Image.new("RGB", (160, 48), (124, 58, 237)).save(logo, format="PNG")
    page.locator("input[type=file]").set_input_files(str(logo))
    expect(page.locator("#logo-name")).to_have_text("harbour-lights.png")
    page.locator("#accent-text").fill("#7c3aed")
    expect(page.locator("#branding-preview")).to_contain_text("Harbour Lights Fire")
    page.screenshot(path=str(ARTIFACTS / "from-empty-settings-branding.png"), full_page=True)
    page.locator("#save-branding").click()
    expect(page.locator("#branding-saved")).to_be_visible()

    page.locator("#tab-portal").click()
    page.locator("#tier-advanced").click()
    page.locator("#save-portal").click()
    expect(page.locator("#portal-saved")).to_be_visible()
    with Session(portal.engine) as s:
        row = tenant.contractor(s)
        assert (row.company_name, row.accent_color, row.logo_type, row.portal_tier) == (
            "Harbour Lights Fire",
            "#7c3aed",
            "image/png",
            "advanced",
        )


def _upload(page, *names: str) -> None:
    page.locator("#import-upload input[type=file]").set_input_files([str(FIXTURES / n) for n in names])


def _import(page, portal) -> int:
    page.goto("/office/customers")
    page.locator("#import-customers").click()
    at(page, "/office/customers/import")
    lists = ("asset_types.csv", "service_levels.csv", "customers.csv", "sites.csv", "contacts.csv")
    _upload(page, *lists, "assets_bad_row.csv")
    expect(page.locator("#import-row-3 .row-errors")).to_contain_text("is not a date")
    expect(page.locator("#run-import")).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / "from-empty-import-preview.png"), full_page=True)
    _upload(page, "assets.csv")
    expect(page.locator("#run-import")).to_be_enabled()
    page.locator("#run-import").click()
    expect(page.locator("#import-summary")).to_contain_text("Assets: 6 created")
    with Session(portal.engine) as s:
        harbour = s.exec(select(Customer).where(Customer.code == "HB001")).one()
        assert s.exec(select(func.count()).select_from(Site).where(Site.customer_id == harbour.id)).one() == 2
        return harbour.id


def _invite_and_sign_in(page, browser, portal, customer_id: int):
    """The owner sends Priya's setup email from her contact page; she sets a password in a browser of
    her own and lands on a dashboard in the contractor's logo and colour."""
    with Session(portal.engine) as s:
        priya = s.exec(select(Contact).where(Contact.email == PRIYA)).one()
    page.goto(f"/office/customers/{customer_id}")
    expect(page.get_by_role("heading", name=re.compile("Harbour"))).to_be_visible()
    page.goto(f"/office/customers/{customer_id}/contacts/{priya.id}")
    page.locator("#send-setup").click()
    expect(page.locator("#notice")).to_contain_text(f"Setup email sent to {PRIYA}")

    context = browser.new_context(base_url=portal.url, viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(15_000)
    theirs = context.new_page()
    theirs.goto(last_link(portal, PRIYA, "/setup"))
    expect(theirs.locator("img.brand-logo").first).to_be_visible()
    theirs.locator("#password").fill(PASSWORD)
    theirs.locator("#confirm").fill(PASSWORD)
    theirs.locator("#save-password").click()
    at(theirs, "/dashboard")
    expect(theirs.locator(".brand-name").first).to_have_text("Harbour Lights Fire")
    expect(theirs.locator("header img.brand-logo").first).to_be_visible()
    expect(theirs.locator("[data-accent-color='purple']").first).to_be_attached()
    return theirs


def _publish_and_download(page, theirs, portal, customer_id: int, tmp_path: Path) -> None:
    with Session(portal.engine) as s:
        tower = s.exec(
            select(Site).where(Site.customer_id == customer_id, Site.name == "Harbour Tower")
        ).one()
    induction = tmp_path / "harbour-tower-induction.pdf"
    induction.write_bytes(b"%PDF-1.4\n% Harbour Tower site induction\n")
    page.goto(f"/office/documents?customer={customer_id}")
    page.locator("#publish-open").click()
    dialog = page.locator("#publish-dialog")
    dialog.locator("#publish-site").select_option(str(tower.id))
    dialog.locator("#publish-kind").select_option("site_induction")
    dialog.locator("#publish-title").fill("Harbour Tower induction")
    dialog.locator("input[type=file]").set_input_files(str(induction))
    expect(dialog.locator(".chosen-file")).to_have_text(induction.name)
    dialog.locator("#publish-send").click()
    expect(dialog).to_be_hidden()
    with Session(portal.engine) as s:
        doc = s.exec(select(ContractorDocument).where(ContractorDocument.customer_id == customer_id)).one()

    theirs.goto("/reports/site-inductions")
    with theirs.expect_download() as info:
        theirs.locator(f"[data-document='{doc.id}']").click()
    assert Path(info.value.path()).read_bytes() == induction.read_bytes()


def _view_as_and_forge_a_payment(page, portal, customer_id: int) -> None:
    """The owner views the portal as Priya: the banner, her invoice; the payment events a browser could
    send (open the pop-up, check the card, charge it) are refused in words and nothing is charged."""
    with Session(portal.engine, expire_on_commit=False) as s:
        priya = s.exec(select(Contact).where(Contact.email == PRIYA)).one()
        tower = s.exec(
            select(Site).where(Site.customer_id == customer_id, Site.name == "Harbour Tower")
        ).one()
        # The office's invoice for the visit (raising one has its own browser test).
        invoice = Invoice(
            number=tenant.next_number(s, Invoice.number, 1),
            customer_id=customer_id,
            site_id=tower.id,
            description="Annual fire safety inspection",
            issued_on=TODAY,
            due_on=TODAY + timedelta(days=30),
            subtotal_cents=40_000,
            tax_cents=4_000,
            total_cents=44_000,
        )
        s.add(invoice)
        s.commit()
        payments = s.exec(select(func.count()).select_from(Payment)).one()
    page.goto(f"/office/customers/{customer_id}/contacts/{priya.id}")
    with page.context.expect_page() as opened:
        page.locator("form[action='/auth/view-as'] button").first.click()
    view = opened.value
    sent, servers = _forging(view)
    view.goto("/invoices")
    expect(view.locator("#view-as-banner")).to_contain_text("Priya Shah")
    expect(view.locator(f"[data-options='{invoice.number}']")).to_be_visible()
    view.screenshot(path=str(ARTIFACTS / "from-empty-view-as.png"))

    card = {"name": "Priya Shah", "number": "4242 4242 4242 4242", "expiry": "12/30", "cvv": "123"}
    _forge(sent, servers[-1], format_event_handler(PaymentState.start), {"invoice_ids": [str(invoice.id)]})
    expect(view.locator("#payment-dialog")).to_be_visible()
    _forge(sent, servers[-1], format_event_handler(PaymentState.submit), {"form": card})
    expect(view.locator("#pay-continue")).to_be_visible()
    _forge(sent, servers[-1], format_event_handler(PaymentState.submit), {"form": card})
    expect(view.locator("#payment-dialog")).to_contain_text(READ_ONLY)
    with Session(portal.engine) as s:
        assert s.exec(select(func.count()).select_from(Payment)).one() == payments
        stored = s.get(Invoice, invoice.id)
        assert (stored.paid_cents, stored.status) == (0, "unpaid")
        viewed = s.exec(select(AuditEvent).where(AuditEvent.action == "customer.viewed_as")).all()
        assert [(v.customer_id, v.detail.get("contact_id", v.contact_id)) for v in viewed] == [
            (customer_id, priya.id)
        ]
    view.close()
