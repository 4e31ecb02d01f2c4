"""Invoices in a real browser: the Page Summary, tabs, search by job number, CSV and the PDF."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlmodel import Session, select

from portal.core import tenant
from portal.core.money import format_money
from portal.models import Customer, Invoice, InvoiceStatus, Job, Payment, PaymentAllocation
from tests.browser.test_quotes_jobs import _cookie_header, _get

MAIN = "Northside Property Group"


def _invoices(portal) -> list[Invoice]:
    with Session(portal.engine) as s:
        customer = s.exec(select(Customer.id).where(Customer.name == MAIN)).one()
        return list(
            s.exec(
                select(Invoice).where(Invoice.customer_id == customer, Invoice.status != InvoiceStatus.VOID)
            ).all()
        )


def test_summary_tabs_and_search_by_job_number(page, portal):
    from tests.browser.conftest import login

    rows = _invoices(portal)
    unpaid = [i for i in rows if i.status == InvoiceStatus.UNPAID]
    owed = sum(i.total_cents - i.paid_cents for i in unpaid)
    with Session(portal.engine) as s:
        today = tenant.today(s)  # "overdue" is by the contractor's calendar, not the server's
    late = sum(i.total_cents - i.paid_cents for i in unpaid if i.due_on < today)
    login(page, "dana@northside.example", next_path="/invoices")
    expect(page.locator("#summary-balance")).to_have_text(format_money(owed))
    expect(page.locator("#summary-overdue")).to_have_text(format_money(late))
    expect(page.locator("#result-count")).to_contain_text(f"of {len(unpaid)}")
    page.locator("[data-tab=paid]").click()
    expect(page.locator("#result-count")).to_contain_text(
        f"of {sum(i.status == InvoiceStatus.PAID for i in rows)}"
    )
    page.locator("[data-tab=all]").click()
    expect(page.locator("#result-count")).to_contain_text(f"of {len(rows)}")

    with Session(portal.engine) as s:
        target = next(i for i in rows if i.job_id)
        job_number = s.get(Job, target.job_id).number
    page.locator("#list-search").fill(str(job_number))
    page.locator("#search-button").click()
    expect(page.locator(f"[data-invoice='{target.number}']")).to_be_visible()


def test_invoice_csv_and_pdf(page, portal):
    from tests.browser.conftest import login

    rows = _invoices(portal)
    login(page, "dana@northside.example", next_path="/invoices?tab=all")
    expect(page.locator("#result-count")).to_contain_text("of")
    page.locator("#download-menu").click()
    with page.expect_download() as info:
        page.locator("#download-csv").click()
    with open(info.value.path(), encoding="utf-8-sig") as fh:
        lines = list(csv.reader(fh))
    assert lines[0][0] == "Invoice No." and {int(r[0]) for r in lines[1:]} == {i.number for i in rows}

    target = max(rows, key=lambda i: i.total_cents)
    status, body, headers = _get(portal, f"/documents/invoices/{target.id}.pdf", _cookie_header(page))
    assert status == 200 and headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert str(target.number) in text and format_money(target.total_cents) in text


def test_invoices_of_another_customer_are_refused(page, portal):
    from tests.browser.conftest import at, login

    target = _invoices(portal)[0]
    login(page, "office@stbrigids.example")
    at(page, "/dashboard")
    cookie = _cookie_header(page)
    assert _get(portal, f"/documents/invoices/{target.id}.pdf", cookie)[0] == 404
    status, body, _ = _get(portal, f"/export/invoices.csv?tab=all&q={target.number}", cookie)
    assert status == 200 and str(target.number) not in body.decode("utf-8-sig")


def _unpaid(portal, count: int) -> list[Invoice]:
    rows = sorted(
        (i for i in _invoices(portal) if i.status == InvoiceStatus.UNPAID and i.total_cents > i.paid_cents),
        key=lambda i: i.number,
    )
    assert len(rows) >= count, "the demo has enough unpaid invoices"
    return rows[:count]


def _fill_card(page, number: str, cvv: str = "123") -> None:
    page.locator("#card-name").fill("Dana Whitfield")
    page.locator("#card-number").fill(number)
    page.locator("#card-expiry").fill("12/30")
    page.locator("#card-cvv").fill(cvv)


def _balance(portal, invoice_id: int) -> tuple[int, str]:
    with Session(portal.engine) as s:
        row = s.get(Invoice, invoice_id)
        return row.total_cents - row.paid_cents, row.status


def test_pay_one_invoice_from_its_options(page, portal):
    from tests.browser.conftest import login

    target = _unpaid(portal, 1)[0]
    login(page, "dana@northside.example", next_path=f"/invoices?tab=unpaid&q={target.number}")
    page.locator(f"[data-options='{target.number}']").click()
    page.locator(f"[data-pay='{target.number}']").click()
    expect(page.locator("#pay-amount")).to_have_text(format_money(target.total_cents - target.paid_cents))
    _fill_card(page, "4242 4242 4242 4242")
    expect(page.locator("#payment-dialog")).to_contain_text("Visa")
    page.locator("#pay").click()
    page.locator("#pay-continue").click()
    expect(page.locator("#receipt-number")).to_have_text(re.compile(r"\w+"))
    receipt = page.locator("#receipt-number").inner_text()
    assert _balance(portal, target.id) == (0, InvoiceStatus.PAID)
    with Session(portal.engine) as s:
        payment = s.exec(select(Payment).where(Payment.receipt_number == receipt)).one()
    assert payment.card_last4 == "4242" and payment.amount_cents == target.total_cents - target.paid_cents
    page.locator("#pay-close").click()
    expect(page.locator(f"[data-invoice='{target.number}']")).to_have_count(0)


def test_two_tabs_pressing_continue_together_pay_once_and_both_get_an_answer(page, portal):
    """Two tabs of one login, one invoice, Continue pressed in both within milliseconds (SQLite)."""
    from tests.browser.conftest import login

    target = _unpaid(portal, 1)[0]
    address = f"/invoices?tab=unpaid&q={target.number}"
    login(page, "dana@northside.example", next_path=address)
    other = page.context.new_page()
    other.goto(address)
    for tab in (page, other):
        tab.locator(f"[data-options='{target.number}']").click()
        tab.locator(f"[data-pay='{target.number}']").click()
        _fill_card(tab, "4242 4242 4242 4242")
        tab.locator("#pay").click()
        expect(tab.locator("#pay-continue")).to_be_enabled()
    for tab in (page, other):
        tab.locator("#pay-continue").dispatch_event("click")
    answers = {}
    for name, tab in (("first", page), ("second", other)):
        receipt, declined = tab.locator("#receipt-number:not(:empty)"), tab.locator("#pay-declined")
        expect(receipt.or_(declined)).to_be_visible(timeout=2_000)
        answer = receipt if receipt.count() else declined
        answers[name] = (answer.get_attribute("id"), answer.inner_text())
    receipts = [text for kind, text in answers.values() if kind == "receipt-number"]
    assert len(receipts) == 1, answers
    refused = [text for kind, text in answers.values() if kind == "pay-declined"]
    assert refused == [f"Invoice {target.number} has just been paid, receipt {receipts[0]}."]
    assert _balance(portal, target.id) == (0, InvoiceStatus.PAID)
    with Session(portal.engine) as s:
        paid_by = s.exec(
            select(Payment.receipt_number)
            .join(PaymentAllocation, PaymentAllocation.payment_id == Payment.id)
            .where(PaymentAllocation.invoice_id == target.id, Payment.status == "succeeded")
        ).all()
    assert paid_by == receipts, "one payment, so one card charge"


def test_pay_three_invoices_at_once(page, portal):
    from tests.browser.conftest import login

    targets = _unpaid(portal, 3)
    owed = sum(i.total_cents - i.paid_cents for i in targets)
    login(page, "dana@northside.example", next_path="/invoices?tab=unpaid")
    page.locator("#page-size").click()
    page.get_by_role("option", name="100", exact=True).click()
    for invoice in targets:
        page.locator(f"[data-select='{invoice.number}']").click()
    expect(page.locator("#pay-online")).to_be_enabled()
    page.locator("#pay-online").click()
    expect(page.locator("#pay-amount")).to_have_text(format_money(owed))
    _fill_card(page, "4242424242424242")
    page.locator("#pay").click()
    page.locator("#pay-continue").click()
    expect(page.locator("#receipt-number")).not_to_be_empty()
    assert all(_balance(portal, i.id) == (0, InvoiceStatus.PAID) for i in targets)


@pytest.mark.parametrize(
    ("number", "cvv", "words"),
    [
        ("4000 0000 0000 0002", "123", "declined"),
        ("4000 0000 0000 9995", "123", "insufficient funds"),
        ("4000 0000 0000 0069", "123", "expired"),
        ("4000 0000 0000 0127", "123", "security code"),
    ],
)
def test_declined_cards_explain_and_change_nothing(page, portal, number, cvv, words):
    from tests.browser.conftest import login

    target = _unpaid(portal, 1)[0]
    before = _balance(portal, target.id)
    login(page, "dana@northside.example", next_path=f"/invoices?tab=unpaid&q={target.number}")
    page.locator(f"[data-options='{target.number}']").click()
    page.locator(f"[data-pay='{target.number}']").click()
    _fill_card(page, number, cvv)
    page.locator("#pay").click()
    page.locator("#pay-continue").click()
    expect(page.locator("#pay-declined")).to_contain_text(re.compile(words, re.IGNORECASE))
    assert _balance(portal, target.id) == before
    expect(page.locator("#card-number")).to_be_visible()


def test_card_mistakes_are_shown_beside_the_fields(page, portal):
    from tests.browser.conftest import login

    target = _unpaid(portal, 1)[0]
    login(page, "dana@northside.example", next_path=f"/invoices?tab=unpaid&q={target.number}")
    page.locator(f"[data-options='{target.number}']").click()
    page.locator(f"[data-pay='{target.number}']").click()
    page.locator("#card-name").fill("Dana")
    page.locator("#card-number").fill("4242 4242 4242 4241")
    page.locator("#card-expiry").fill("01/20")
    page.locator("#card-cvv").fill("12")
    page.locator("#pay").click()
    errors = page.locator("#payment-dialog .field-error")
    expect(errors).to_have_count(3)
    expect(page.locator("#pay-continue")).to_have_count(0)
    expect(page.locator("#payment-dialog")).to_contain_text("That card number is not valid.")

    # The number's error follows the typing once shown; the others wait for the next Pay.
    page.locator("#card-number").fill("4242 4242 42")
    expect(page.locator("#payment-dialog")).to_contain_text("The card number must be 13 to 19 digits.")
    page.locator("#card-number").fill("4242 4242 4242 4242")
    expect(errors).to_have_count(2)
    expect(page.locator("#payment-dialog")).not_to_contain_text("card number")
