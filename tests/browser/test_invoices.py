"""Invoices in a real browser: the Page Summary, tabs, search by job number, CSV and the PDF."""

from __future__ import annotations

import csv
import io
from datetime import date

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlmodel import Session, select

from portal.models import Customer, Invoice, InvoiceStatus, Job
from portal.services.money import format_money
from tests.browser.test_quotes_jobs import _cookie_header, _get

MAIN = "Northside Property Group"


def _invoices(portal) -> list[Invoice]:
    with Session(portal.engine) as s:
        customer = s.exec(select(Customer.id).where(Customer.name == MAIN)).one()
        return list(s.exec(select(Invoice).where(Invoice.customer_id == customer,
                                                 Invoice.status != InvoiceStatus.VOID)).all())


def test_summary_tabs_and_search_by_job_number(page, portal):
    from tests.browser.conftest import login

    rows = _invoices(portal)
    unpaid = [i for i in rows if i.status == InvoiceStatus.UNPAID]
    owed = sum(i.total_cents - i.paid_cents for i in unpaid)
    late = sum(i.total_cents - i.paid_cents for i in unpaid if i.due_on < date.today())
    login(page, "dana@northside.example", next_path="/invoices")
    expect(page.locator("#summary-balance")).to_have_text(format_money(owed))
    expect(page.locator("#summary-overdue")).to_have_text(format_money(late))
    expect(page.locator("#result-count")).to_contain_text(f"of {len(unpaid)}")
    page.locator("[data-tab=paid]").click()
    expect(page.locator("#result-count")).to_contain_text(f"of {sum(i.status == InvoiceStatus.PAID for i in rows)}")
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
