"""Office staff read the outbox and the events log, then open the portal as the demo's Dana: the
banner, her dashboard and invoices; a payment and a forged event are refused with nothing stored;
the view is in the office's log; "End view" ends it."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect
from reflex_base.utils.format import format_event_handler
from sqlmodel import Session, select

from portal.models import Contact, Customer, Invoice, InvoiceStatus, LoginSession, OutboxMail, Payment
from portal.state.identity.preferences import PreferencesState
from tests.browser.conftest import at, office_cookie
from tests.browser.test_accessibility import _findings
from tests.browser.test_office_invoices import _forge, _forging

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DANA = "dana@northside.example"
READ_ONLY = "You are viewing as Dana Whitfield (Northside Property Group): read-only. Nothing was changed."


def _dana(portal) -> Contact:
    with Session(portal.engine) as s:
        return s.exec(select(Contact).where(Contact.email == DANA)).one()


def _unpaid(portal, customer_id: int) -> Invoice:
    with Session(portal.engine) as s:
        rows = s.exec(
            select(Invoice)
            .where(Invoice.customer_id == customer_id, Invoice.status == InvoiceStatus.UNPAID)
            .order_by(Invoice.number)
        ).all()
    return next(i for i in rows if i.total_cents > i.paid_cents)


def _count(portal, model) -> int:
    with Session(portal.engine) as s:
        return len(s.exec(select(model.id)).all())


def test_office_reads_the_outbox_and_views_the_portal_as_dana_read_only(page, portal):
    dana = _dana(portal)
    sent, servers = _forging(page)
    office_cookie(page, portal, "office")

    # The outbox: search, open (one-time links hidden), resend after a confirmation.
    page.goto("/office/outbox")
    page.get_by_placeholder("Search address, subject, kind").fill(DANA)
    page.get_by_placeholder("Search address, subject, kind").press("Enter")
    first = page.locator(".mail-item").first
    expect(first).to_contain_text(DANA)
    mails = _count(portal, OutboxMail)
    first.locator(".mail-toggle").click()
    expect(page.locator("#mail-body")).to_be_visible()
    expect(page.locator("#mail-body")).not_to_contain_text("token=")
    page.locator("#mail-resend").click()
    page.locator("#confirm-resend").click()
    expect(page.get_by_text(f"Mail queued again to {DANA}.")).to_be_visible()
    assert _count(portal, OutboxMail) == mails + 1

    # The integration events log: a payload opened in place.
    page.goto("/office/events")
    event = page.locator(".event-item").first
    expect(event).to_be_visible()
    event.locator(".event-toggle").click()
    expect(page.locator(".event-payload")).to_contain_text("{")

    # View as Dana: the form the customer's page offers, posted from an office page.
    payments = _count(portal, Payment)
    page.evaluate(
        """(id) => {
            const f = document.createElement('form');
            f.method = 'post'; f.action = '/auth/view-as';
            const i = document.createElement('input');
            i.type = 'hidden'; i.name = 'contact_id'; i.value = String(id);
            f.appendChild(i); document.body.appendChild(f); f.submit();
        }""",
        dana.id,
    )
    at(page, "/dashboard")
    banner = page.locator("#view-as-banner")
    expect(banner).to_contain_text("Viewing as Dana Whitfield (Northside Property Group) — read-only")
    expect(page.locator(".user-name").first).to_have_text("Dana Whitfield")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "view-as-banner.png"))
    assert _findings(page, "dashboard viewed as Dana") == []  # the banner passes axe too

    # Her invoices; paying one is refused in words and nothing is charged.
    target = _unpaid(portal, dana.customer_id)
    page.goto(f"/invoices?tab=unpaid&q={target.number}")
    expect(banner).to_be_visible()
    page.locator(f"[data-options='{target.number}']").click()
    page.locator(f"[data-pay='{target.number}']").click()
    page.locator("#card-name").fill("Dana Whitfield")
    page.locator("#card-number").fill("4242 4242 4242 4242")
    page.locator("#card-expiry").fill("12/30")
    page.locator("#card-cvv").fill("123")
    page.locator("#pay").click()
    page.locator("#pay-continue").click()
    expect(page.locator("#payment-dialog")).to_contain_text(READ_ONLY)
    page.locator("#payment-dialog").get_by_role("button", name="Cancel").click()
    expect(page.locator("#payment-dialog")).to_have_count(0)

    # A forged event that would change her details is refused the same way.
    _forge(
        sent,
        servers[-1],
        format_event_handler(PreferencesState.save_details),
        {
            "form": {
                "first_name": "Forged",
                "last_name": dana.last_name,
                "email": dana.email,
                "phone": dana.phone,
                "mobile": dana.mobile,
                "position": dana.position,
            }
        },
    )
    expect(page.get_by_text(READ_ONLY).last).to_be_visible()
    with Session(portal.engine) as s:
        stored = s.get(Invoice, target.id)
        assert (stored.status, stored.paid_cents) == (target.status, target.paid_cents)
        assert s.get(Contact, dana.id).first_name == "Dana"
        assert s.get(Contact, dana.id).last_login_at == dana.last_login_at
        customer = s.get(Customer, dana.customer_id)
    assert _count(portal, Payment) == payments

    # End view: this session ends and the office's customer page opens; the view is in the log.
    page.locator("#end-view-form button").click()
    page.wait_for_url(re.compile(rf"/office/customers/{customer.id}/?$"))
    with Session(portal.engine) as s:
        views = s.exec(select(LoginSession).where(LoginSession.viewer_staff_id.is_not(None))).all()
    assert views and all(v.revoked_at is not None for v in views)
    page.goto("/office/views")
    expect(page.locator(".view-item").first).to_contain_text(
        "Office Tester viewed the portal as Dana Whitfield"
    )
