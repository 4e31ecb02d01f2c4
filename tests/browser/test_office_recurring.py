"""Recurring billing in a real browser: the owner writes a recurring invoice with two lines paid
automatically by a demo customer's saved card, runs it after confirming, and sees the run in its
history and among all runs with the invoice paid; another one, paused on its page, is skipped by the
automatic run."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.core import tenant
from portal.core.principal import Role, StaffMember
from portal.models import AutopayRun, Contact, Customer, Invoice, InvoiceItem, RecurringInvoice, Site
from portal.services.billing import autopay, recurring, saved_cards
from portal.services.billing.cards import CardInput
from portal.services.billing.gateways import SandboxGateway
from portal.services.billing.invoicing import LineInput
from portal.services.identity.principals import scope_for
from tests.browser.conftest import office_cookie
from tests.browser.test_accessibility import _findings

DANA = "dana@northside.example"
NAME = "Browser test: monitoring and battery checks"


def _northside_with_a_sandbox_card(portal) -> tuple[int, str, str]:
    """The demo customer, with a card saved as the customer saves one (the demo's own card is not the
    sandbox's); its id, name and first open site."""
    with Session(portal.engine, expire_on_commit=False) as s:
        contact = s.exec(select(Contact).where(Contact.email == DANA)).one()
        scope = scope_for(s, contact.id)
        today = tenant.today(s)
        card = CardInput(
            name="Dana Whitfield", number="4242424242424242", exp_month=12, exp_year=today.year + 3, cvv="123"
        )
        saved_cards.change_card(s, scope, card, SandboxGateway(), today)
        customer = s.get(Customer, contact.customer_id)
        site = s.exec(
            select(Site).where(Site.customer_id == customer.id, Site.closed_at.is_(None)).order_by(Site.name)
        ).first()
        s.commit()
        return customer.id, customer.name, site.name


def test_a_recurring_invoice_is_written_run_and_paused(page, portal):
    owner_id = office_cookie(page, portal, "owner")
    customer_id, customer_name, site_name = _northside_with_a_sandbox_card(portal)

    # Write it: two lines, paid automatically.
    page.goto(f"/office/recurring/new?customer={customer_id}")
    expect(page.locator("#chosen-customer")).to_contain_text(customer_name)
    page.locator("#recurring-site").select_option(label=site_name)
    page.locator("#recurring-name").fill(NAME)
    page.locator("[data-check=autopay]").click()
    page.get_by_label("Line 1 description").fill("Alarm monitoring")
    page.get_by_label("Line 1 unit price").fill("150")
    page.locator("#add-line").click()
    page.get_by_label("Line 2 description").fill("Battery check")
    page.get_by_label("Line 2 quantity").fill("2")
    page.get_by_label("Line 2 unit price").fill("12.50")
    page.locator("#save-recurring").click()
    page.wait_for_url(re.compile(r"/office/recurring/\d+"))
    expect(page.locator("#recurring-total")).to_have_text("$192.50")  # 175.00 and 10 % tax
    expect(page.locator("#recurring-autopay-status")).to_contain_text("4242")
    with Session(portal.engine) as s:
        ri = s.exec(select(RecurringInvoice).where(RecurringInvoice.name == NAME)).one()
    assert (ri.customer_id, ri.autopay, ri.total_cents) == (customer_id, True, 19_250)

    # Run it, after confirming: the run is in its history with the invoice paid.
    page.locator("#run-now").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("charge their Visa •••• 4242")
    page.locator("#confirm-run").click()
    history = page.locator("#recurring-history .recurring-run")
    expect(history).to_have_count(1)
    expect(history.first.locator("[data-result]")).to_have_text("Paid by card")
    expect(page.locator("#run-now")).to_have_count(0)  # the next one is next month
    with Session(portal.engine) as s:
        run = s.exec(select(AutopayRun).where(AutopayRun.recurring_invoice_id == ri.id)).one()
        invoice = s.get(Invoice, run.invoice_id)
        lines = s.exec(select(InvoiceItem.description).where(InvoiceItem.invoice_id == invoice.id)).all()
    assert (run.status, invoice.status, invoice.total_cents) == ("succeeded", "paid", 19_250)
    assert sorted(lines) == ["Alarm monitoring", "Battery check"]
    expect(history.first.locator(f"[data-invoice='{invoice.number}']")).to_be_visible()

    # The page with its history passes axe at desktop and phone sizes (the page-wide sweep has no id
    # for it).
    findings = _findings(page, "desktop recurring invoice")
    page.set_viewport_size({"width": 390, "height": 844})
    findings += _findings(page, "phone recurring invoice")
    assert findings == []
    page.set_viewport_size({"width": 1280, "height": 860})

    page.goto("/office/recurring/runs")
    row = page.locator(".recurring-run", has=page.locator(f"[data-invoice='{invoice.number}']"))
    expect(row.locator("[data-result]")).to_have_text("Paid by card")
    expect(row).to_contain_text("Paid")

    # Another, due today, paused on its page: the automatic run skips it.
    with Session(portal.engine, expire_on_commit=False) as s:
        owner = StaffMember(owner_id, "Owner Tester", Role.OWNER)
        other = recurring.save_recurring(
            s,
            owner,
            None,
            recurring.RecurringInput(
                customer_id=customer_id,
                site_id=ri.site_id,
                name="Browser test: to pause",
                description="",
                frequency="quarterly",
                next_due_on=tenant.today(s).isoformat(),
                ends_on="",
                autopay=True,
                lines=(LineInput("other", "Quarterly inspection", "1", "80"),),
            ),
        )
        s.commit()
    page.goto(f"/office/recurring/{other.id}")
    expect(page.locator("#run-now")).to_be_visible()
    page.locator("#pause-recurring").click()
    expect(page.locator("#resume-recurring")).to_be_visible()
    expect(page.locator("#run-now")).to_have_count(0)
    with Session(portal.engine) as s:
        summary = autopay.autopay_run(s, SandboxGateway(), tenant.today(s), only=other.id)
        s.commit()
        skipped = s.exec(select(AutopayRun).where(AutopayRun.recurring_invoice_id == other.id)).all()
        paused = s.get(RecurringInvoice, other.id)
    assert summary.due == 0 and skipped == [] and paused.paused_at is not None
    page.goto(f"/office/recurring?customer={customer_id}&tab=paused")
    expect(page.locator("#customer-filter")).to_contain_text(customer_name)
    expect(page.locator(f"[data-recurring='{other.number}']")).to_be_visible()
    expect(page.locator(f"[data-recurring='{ri.number}']")).to_have_count(0)  # active, not paused
