"""Invoices > Statement in a real browser: balances that add up, pay with Select All, CSV and PDF."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlmodel import Session, select

from portal.core.money import format_money
from portal.models import Customer, Invoice, InvoiceStatus
from tests.browser.conftest import login
from tests.browser.test_quotes_jobs import _cookie_header, _get
from tests.frozen import TODAY

# Ends after today wherever the contractor is, so payments made now are inside the range.
EVERYTHING = f"/invoices/statement?start=2000-01-01&end={(TODAY + timedelta(days=2)).isoformat()}"


def _unpaid_total(portal, customer: str) -> int:
    with Session(portal.engine) as s:
        cid = s.exec(select(Customer.id).where(Customer.name == customer)).one()
        rows = s.exec(
            select(Invoice).where(Invoice.customer_id == cid, Invoice.status == InvoiceStatus.UNPAID)
        ).all()
    return sum(i.total_cents - i.paid_cents for i in rows)


def test_closing_balance_equals_unpaid_invoices(page, portal):
    login(page, "dana@northside.example", next_path=EVERYTHING)
    expect(page.locator("#closing")).to_have_text(
        format_money(_unpaid_total(portal, "Northside Property Group"))
    )
    expect(page.locator("#opening")).to_have_text(format_money(0))
    expect(page.locator("#statement-lines tbody tr").first).to_be_visible()


def test_statement_csv_and_pdf(page, portal):
    login(page, "dana@northside.example", next_path=EVERYTHING)
    expect(page.locator("#closing")).not_to_be_empty()
    closing = page.locator("#closing").inner_text()
    cookie = _cookie_header(page)
    query = EVERYTHING.split("?", 1)[1]
    status, body, _ = _get(portal, f"/export/statement.csv?{query}", cookie)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert status == 200 and rows[0][0] == "Date" and rows[1][1] == "Opening balance"
    assert format_money(int(round(float(rows[-1][-1]) * 100))) == closing
    status, body, headers = _get(portal, f"/documents/statement.pdf?{query}", cookie)
    assert status == 200 and headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert "STATEMENT" in text and closing in text
    assert _get(portal, "/documents/statement.pdf?start=2026-02-01&end=2026-01-01", cookie)[0] == 400


def test_pay_from_the_statement_with_select_all(page, portal):
    school = "St Brigid's College"
    owed = _unpaid_total(portal, school)
    assert owed > 0, "the demo school owes something"
    login(page, "office@stbrigids.example", next_path=EVERYTHING)
    expect(page.locator("#closing")).to_have_text(format_money(owed))
    page.locator("#statement-select-all").click()
    page.locator("#statement-pay").click()
    expect(page.locator("#pay-amount")).to_have_text(format_money(owed))
    page.locator("#card-name").fill("Bursar")
    page.locator("#card-number").fill("4242 4242 4242 4242")
    page.locator("#card-expiry").fill("11/31")
    page.locator("#card-cvv").fill("321")
    page.locator("#pay").click()
    page.locator("#pay-continue").click()
    expect(page.locator("#receipt-number")).not_to_be_empty()
    assert _unpaid_total(portal, school) == 0
    page.locator("#pay-close").click()
    expect(page.locator("#closing")).to_have_text(format_money(0))


def test_a_date_the_portal_does_not_support_shows_beside_its_field(page, portal):
    """Once a server error; now the To field says what is wrong, typed or linked, and nothing is shown."""
    login(page, "dana@northside.example")
    expect(page).not_to_have_url(re.compile("/login"))
    page.goto("/invoices/statement?start=2026-01-01&end=9999-12-31")
    expect(page.locator(".field-error")).to_have_text("Choose a date between 1990 and 2100.")
    expect(page.locator("#end")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#range-problem")).to_be_visible()
    expect(page.locator("#closing")).to_have_count(0)
    page.locator("#end").fill(TODAY.isoformat())
    page.locator("#statement-search").click()
    expect(page.locator(".field-error")).to_have_count(0)
    expect(page.locator("#closing")).not_to_be_empty()
    page.locator("#start").fill("0001-01-01")
    page.locator("#statement-search").click()
    expect(page.locator(".field-error")).to_have_text("Choose a date between 1990 and 2100.")
