"""Paying through Stripe's hosted card element, in a real browser, against a stand-in for Stripe.

A second portal is served with the ``stripe`` gateway; the stand-in (tests/stripe_standin.py) plays
both Stripe's API for the portal's server and Stripe.js for the browser. What this shows: the
pop-up mounts the hosted element instead of our card inputs, the card number goes from the
browser to "Stripe" and never to the portal, the portal charges the server-computed amount with a
PaymentMethod id, and a decline leaves the invoice unpaid. What it cannot show: Stripe's real
element and API, which cannot be reached from here.
"""

from __future__ import annotations

import fcntl
import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.core.money import format_money
from portal.models import Contact, Invoice, InvoiceStatus, Payment
from tests.browser.conftest import ROOT, Portal, _serve, login, second_build_folder
from tests.stripe_standin import stripe_standin

WORKDIR = ".web-test-stripe"


@pytest.fixture(scope="module")
def stripe_portal(portal, tmp_path_factory) -> Iterator[tuple[Portal, list[dict]]]:
    """Requests the main portal first: its build folder is the one this server's is copied from."""
    lock = (ROOT / f"{WORKDIR}.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        with stripe_standin() as (base, seen):
            extra = {
                "PORTAL_PAYMENT_GATEWAY": "stripe",
                "PORTAL_STRIPE_SECRET_KEY": "sk_test_standin",
                "PORTAL_STRIPE_PUBLISHABLE_KEY": "pk_test_standin",
                "PORTAL_STRIPE_API_BASE": base,
                "PORTAL_STRIPE_JS_URL": f"{base}/stripe.js",
            }
            served = _serve(tmp_path_factory, second_build_folder(WORKDIR), extra)
            yield next(served), seen
            next(served, None)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@pytest.fixture
def stripe_page(browser, stripe_portal):
    portal, _ = stripe_portal
    context = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def _dana_unpaid(portal: Portal, skip: int) -> Invoice:
    with Session(portal.engine) as s:
        dana = s.exec(select(Contact).where(Contact.email == "dana@northside.example")).one()
        return s.exec(
            select(Invoice)
            .where(
                Invoice.customer_id == dana.customer_id,
                Invoice.status == InvoiceStatus.UNPAID,
                Invoice.total_cents > Invoice.paid_cents,
            )
            .order_by(Invoice.number)
            .offset(skip)
        ).first()


def _open_payment(page, target: Invoice) -> None:
    login(page, "dana@northside.example", next_path=f"/invoices?tab=unpaid&q={target.number}")
    page.locator(f"[data-options='{target.number}']").click()
    page.locator(f"[data-pay='{target.number}']").click()
    expect(page.locator("#pay-amount")).to_have_text(format_money(target.total_cents - target.paid_cents))


def test_pay_with_stripes_hosted_element(stripe_page, stripe_portal):
    portal, seen = stripe_portal
    target = _dana_unpaid(portal, 0)
    _open_payment(stripe_page, target)

    element = stripe_page.locator("#stripe-card #standin-card-number")
    expect(element).to_be_visible()
    expect(stripe_page.locator("#card-number")).to_have_count(0)  # none of our own card inputs
    stripe_page.locator("#card-name").fill("Dana Whitfield")
    element.fill("4242 4242 4242 4242")
    stripe_page.locator("#pay").click()
    expect(stripe_page.locator("#payment-dialog")).to_contain_text("to this card now?")
    stripe_page.locator("#pay-continue").click()
    expect(stripe_page.locator("#receipt-number")).to_have_text(re.compile(r"\w+"))
    receipt = stripe_page.locator("#receipt-number").inner_text()

    with Session(portal.engine) as s:
        payment = s.exec(select(Payment).where(Payment.receipt_number == receipt)).one()
        paid = s.get(Invoice, target.id)
    owed = target.total_cents - target.paid_cents
    assert (payment.gateway, payment.gateway_ref, payment.card_brand, payment.card_last4) == (
        "stripe",
        "pi_pm_card_visa",
        "visa",
        "4242",
    )
    assert payment.amount_cents == owed and paid.status == InvoiceStatus.PAID
    # The number went from the browser to Stripe; the portal's server sent Stripe only the method id.
    from_browser = [r for r in seen if r["path"] == "/v1/payment_methods" and r["method"] == "POST"]
    assert from_browser and from_browser[-1]["form"]["card[number]"] == ["4242424242424242"]
    intent = [r for r in seen if r["path"] == "/v1/payment_intents"][-1]
    assert intent["form"]["payment_method"] == ["pm_card_visa"] and intent["form"]["amount"] == [str(owed)]
    assert intent["headers"]["Idempotency-Key"] == payment.attempt_key
    assert "4242424242424242" not in portal.log.read_text()
    assert "4242424242424242" not in json.dumps([r for r in seen if r["path"] != "/v1/payment_methods"])


def test_a_declined_card_in_the_hosted_element_leaves_the_invoice_unpaid(stripe_page, stripe_portal):
    portal, _ = stripe_portal
    target = _dana_unpaid(portal, 1)
    _open_payment(stripe_page, target)
    stripe_page.locator("#card-name").fill("Dana Whitfield")
    stripe_page.locator("#stripe-card #standin-card-number").fill("4000 0000 0000 9995")
    stripe_page.locator("#pay").click()
    stripe_page.locator("#pay-continue").click()
    expect(stripe_page.locator("#pay-declined")).to_contain_text("insufficient funds")
    with Session(portal.engine) as s:
        again = s.get(Invoice, target.id)
    assert (again.status, again.paid_cents) == (InvoiceStatus.UNPAID, target.paid_cents)
    # A number Stripe refuses never becomes a payment attempt at all.
    stripe_page.locator("#stripe-card #standin-card-number").fill("1234 5678 9012 3456")
    stripe_page.locator("#pay").click()
    stripe_page.locator("#pay-continue").click()
    expect(stripe_page.locator("#pay-declined")).to_contain_text("card number is incorrect")


def test_change_card_details_through_the_hosted_element(stripe_page, stripe_portal):
    from portal.models import SavedCard

    portal, seen = stripe_portal
    login(stripe_page, "dana@northside.example", next_path="/invoices/payments")
    stripe_page.locator("#change-card").click()
    element = stripe_page.locator("#stripe-card #standin-card-number")
    expect(element).to_be_visible()
    expect(stripe_page.locator("#card-number")).to_have_count(0)
    stripe_page.locator("#card-name").fill("Dana Whitfield")
    element.fill("4242424242424242")
    stripe_page.locator("#save-card").click()
    expect(stripe_page.get_by_text("Card saved.")).to_be_visible()  # the demo's sandbox card also ends 4242
    expect(stripe_page.locator("#saved-card")).to_contain_text("Visa •••• 4242")
    with Session(portal.engine) as s:
        dana = s.exec(select(Contact).where(Contact.email == "dana@northside.example")).one()
        card = s.exec(
            select(SavedCard).where(
                SavedCard.customer_id == dana.customer_id, SavedCard.replaced_at.is_(None)
            )
        ).one()
    assert card.gateway == "stripe" and card.gateway_token.endswith(":pm_card_visa")
    assert any(r["path"] == "/v1/payment_methods/pm_card_visa/attach" for r in seen)
