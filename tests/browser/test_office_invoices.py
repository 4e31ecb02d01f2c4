"""The office invoices a completed job, the customer sees it, the office records the bank transfer that
pays it and the job moves to Archive; voiding asks why; a technician gets none of it."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from portal.models import (
    AuditEvent,
    Customer,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    Job,
    JobItem,
    JobStage,
    Payment,
    PaymentAllocation,
    Site,
)
from tests.browser.conftest import at, login, office_cookie
from tests.frozen import TODAY

NORTHSIDE = "Northside Property Group"


def _northside(s: Session) -> tuple[int, int]:
    customer = s.exec(select(Customer).where(Customer.name == NORTHSIDE)).one()
    site = s.exec(select(Site).where(Site.customer_id == customer.id).order_by(Site.id)).first()
    return customer.id, site.id


def completed_job(portal) -> Job:
    """A Northside job at Complete with two lines, made here so no other test's demo job moves."""
    with Session(portal.engine, expire_on_commit=False) as s:
        customer_id, site_id = _northside(s)
        job = Job(
            number=(s.scalar(select(func.max(Job.number))) or 20000) + 1,
            customer_id=customer_id,
            site_id=site_id,
            description="Quarterly emergency lighting test",
            stage=JobStage.COMPLETE,
            status_text="Job : Complete",
            requested_on=TODAY - timedelta(days=7),
            completed_on=TODAY,
        )
        s.add(job)
        s.flush()
        for n, (text, qty, unit) in enumerate(
            (("Technician labour", 2, 9_500), ("Exit sign battery", 3, 2_400))
        ):
            s.add(
                JobItem(
                    job_id=job.id,
                    kind="labour" if n == 0 else "material",
                    description=text,
                    quantity=qty,
                    unit_price_cents=unit,
                    total_cents=qty * unit,
                    sort_order=n,
                )
            )
        s.commit()
        return job


def unpaid_invoice(portal) -> Invoice:
    with Session(portal.engine, expire_on_commit=False) as s:
        customer_id, site_id = _northside(s)
        inv = Invoice(
            number=(s.scalar(select(func.max(Invoice.number))) or 30000) + 1,
            customer_id=customer_id,
            site_id=site_id,
            description="Call-out fee",
            issued_on=TODAY,
            due_on=TODAY + timedelta(days=30),
            subtotal_cents=10_000,
            tax_cents=1_000,
            total_cents=11_000,
        )
        s.add(inv)
        s.commit()
        return inv


def test_office_invoices_a_job_the_customer_sees_it_and_a_bank_transfer_archives_the_job(
    page, browser, portal
):
    job = completed_job(portal)
    office_cookie(page, portal, "office")
    page.goto(f"/office/invoices/new?job={job.id}")
    expect(page.locator("#job-number")).to_have_text(str(job.number))
    expect(page.locator("#raise-invoice")).to_contain_text("$288.20")  # (190 + 72) + 10% GST
    with Session(portal.engine) as s:
        assert s.exec(select(Invoice).where(Invoice.job_id == job.id)).all() == []  # nothing until confirmed
    page.locator("#raise-invoice").click()
    page.wait_for_url(re.compile(r"/office/invoices/\d+"))
    expect(page.locator("#invoice-balance")).to_have_text("$288.20")
    with Session(portal.engine) as s:
        inv = s.exec(select(Invoice).where(Invoice.job_id == job.id)).one()
        kept = s.exec(select(InvoiceItem).where(InvoiceItem.invoice_id == inv.id)).all()
        assert sorted(i.description for i in kept) == ["Exit sign battery", "Technician labour"]
        assert s.get(Job, job.id).stage == JobStage.INVOICED

    customer = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    customer.set_default_timeout(15_000)
    them = customer.new_page()
    login(them, "dana@northside.example", next_path=f"/invoices?tab=unpaid&q={inv.number}")
    them.locator(f"[data-invoice='{inv.number}']").click()
    expect(them.locator("#invoice-detail")).to_contain_text("Technician labour")
    expect(them.locator("#detail-balance")).to_have_text("$288.20")

    page.locator("#record-payment").click()
    dialog = page.locator("#payment-dialog")
    expect(dialog.locator("#pay-amount")).to_have_value("288.20")
    expect(dialog.locator(f"#allocation-{inv.id}")).to_have_value("288.20")
    dialog.locator("#pay-method").select_option("bank_transfer")
    dialog.locator("#pay-reference").fill("NAB 88120")
    dialog.locator("#review-payment").click()
    expect(dialog.locator("#payment-summary")).to_contain_text("bank transfer of 288.20")
    with Session(portal.engine) as s:
        assert s.exec(select(Payment).where(Payment.reference == "NAB 88120")).all() == []
    dialog.locator("#confirm-payment").click()
    expect(page.locator("#invoice-balance")).to_have_text("$0.00")
    expect(page.locator(".receipt-link")).to_be_visible()
    with Session(portal.engine) as s:
        payment = s.exec(select(Payment).where(Payment.reference == "NAB 88120")).one()
        assert payment.method == "bank_transfer" and payment.receipt_number
        assert s.get(Invoice, inv.id).status == InvoiceStatus.PAID
        assert s.get(Job, job.id).stage == JobStage.ARCHIVE

    them.goto(f"/jobs?tab=archive&q={job.number}")
    expect(them.locator(f"[data-job='{job.number}']")).to_be_visible()
    customer.close()

    page.locator(".receipt-link").click()
    at(page, f"/office/payments?q={payment.receipt_number}")
    expect(page.locator(f"[data-receipt='{payment.receipt_number}']")).to_be_visible()


def test_voiding_asks_for_a_reason(page, portal):
    inv = unpaid_invoice(portal)
    office_cookie(page, portal, "office")
    page.goto(f"/office/invoices/{inv.id}")
    page.locator("#void-invoice").click()
    dialog = page.locator("#void-dialog")
    expect(dialog.get_by_label("Reason")).to_be_visible()
    dialog.locator("#void-reason").fill("   ")
    dialog.locator("#confirm-void").click()
    expect(dialog).to_contain_text("Say why the invoice is voided.")
    with Session(portal.engine) as s:
        assert s.get(Invoice, inv.id).status == InvoiceStatus.UNPAID
    dialog.locator("#void-reason").fill("Raised twice by mistake")
    dialog.locator("#confirm-void").click()
    expect(page.locator("#void-notice")).to_contain_text("Raised twice by mistake")
    with Session(portal.engine) as s:
        stored = s.get(Invoice, inv.id)
        assert stored.status == InvoiceStatus.VOID and stored.void_reason == "Raised twice by mistake"
        event = s.exec(
            select(AuditEvent).where(AuditEvent.action == "invoice.voided", AuditEvent.target_id == inv.id)
        ).one()
        assert event.detail["after"]["status"] == "void"


def _forging(page) -> tuple[list[str], list]:
    """Pass the page's websocket through, keeping what it sent so a test can send an altered copy."""
    sent: list[str] = []
    servers: list = []

    def through(ws):
        server = ws.connect_to_server()
        servers.append(server)

        def up(message):
            if isinstance(message, str):
                sent.append(message)
            server.send(message)

        ws.on_message(up)
        server.on_message(lambda message: ws.send(message))

    page.route_web_socket(re.compile(r"/_event"), through)
    return sent, servers


def _forge(sent: list[str], server, handler: str, payload: dict) -> None:
    """An event the page never offered, as Socket.IO carries it: a copy of the last event the page
    sent (the hydrate event rides in the connect packet, ``40<namespace>,{"event": ...}``; later
    ones are ``42<namespace>,["event", ...]``), renamed, with our payload."""
    original = next(m for m in reversed(sent) if m[:2] in ("40", "42") and '"event"' in m)
    namespace, _, body = original[2:].partition(",")
    data = json.loads(body)
    event = data["event"] if original.startswith("40") else data[1]
    event = {**event, "name": handler, "payload": payload}
    server.send(f"42{namespace}," + json.dumps(["event", event]))


def test_a_technician_is_refused_the_invoices_and_a_forged_payment(page, browser, portal):
    from reflex_base.utils.format import format_event_handler

    from portal.state.office.invoices import OfficeInvoiceState

    inv = unpaid_invoice(portal)
    sent, servers = _forging(page)
    office_cookie(page, portal, "technician")
    page.goto("/office/invoices")
    expect(page.locator("#not-available")).to_be_visible()
    page.goto(f"/office/invoices/{inv.id}")
    expect(page.locator("#not-available")).to_be_visible()
    expect(page.locator("#record-payment")).to_have_count(0)
    for handler, payload in (
        (OfficeInvoiceState.open_payment, {}),
        (OfficeInvoiceState.record_payment, {}),
        (OfficeInvoiceState.void, {"form": {"reason": "forged"}}),
    ):
        _forge(sent, servers[-1], format_event_handler(handler), payload)
    page.wait_for_timeout(1500)
    expect(page.locator("#payment-dialog")).to_have_count(0)
    with Session(portal.engine) as s:
        stored = s.get(Invoice, inv.id)
        assert stored.status == InvoiceStatus.UNPAID and stored.paid_cents == 0 and stored.void_reason == ""
        assert s.exec(select(PaymentAllocation).where(PaymentAllocation.invoice_id == inv.id)).all() == []

    # The same forged event from the office does reach the handler: the refusal above is the role's.
    office = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    office.set_default_timeout(15_000)
    theirs = office.new_page()
    office_sent, office_servers = _forging(theirs)
    office_cookie(theirs, portal, "office")
    theirs.goto(f"/office/invoices/{inv.id}")
    expect(theirs.locator("#invoice-balance")).to_have_text("$110.00")
    _forge(office_sent, office_servers[-1], format_event_handler(OfficeInvoiceState.open_payment), {})
    expect(theirs.locator("#payment-dialog")).to_be_visible()
    office.close()


def test_a_free_invoice_is_written_reviewed_and_issued(page, portal):
    office_cookie(page, portal, "office")
    page.goto("/office/invoices/new")
    page.locator("#customer-query").fill("Northside")
    page.locator("#find-customer").click()
    page.locator(f"[data-customer='{NORTHSIDE}']").click()
    expect(page.locator("#chosen-customer")).to_contain_text(NORTHSIDE)
    with Session(portal.engine) as s:
        _, site_id = _northside(s)
    page.locator("#invoice-site").select_option(str(site_id))
    page.get_by_label("Line 1 description").fill("After-hours call-out")
    page.get_by_label("Line 1 unit price").fill("180")
    page.locator("#add-line").click()
    page.get_by_label("Line 2 kind").select_option("material")
    page.get_by_label("Line 2 description").fill("Emergency light fitting")
    page.get_by_label("Line 2 quantity").fill("2")
    page.get_by_label("Line 2 unit price").fill("abc")
    page.locator("#review-invoice").click()
    expect(page.get_by_text("An amount such as 120.50.")).to_be_visible()
    expect(page.get_by_label("Line 1 description")).to_have_value("After-hours call-out")
    page.get_by_label("Line 2 unit price").fill("45.50")
    page.locator("#review-invoice").click()
    expect(page.locator("#issue-invoice")).to_contain_text("$298.10")  # (180 + 91) + 10%
    page.locator("#issue-invoice").click()
    page.wait_for_url(re.compile(r"/office/invoices/\d+\?issued=1"))
    expect(page.locator("#issued-notice")).to_be_visible()
    expect(page.locator("#office-invoice")).to_contain_text("Emergency light fitting")
    invoice_id = int(re.search(r"/office/invoices/(\d+)", page.url).group(1))
    with Session(portal.engine) as s:
        kept = s.exec(select(InvoiceItem).where(InvoiceItem.invoice_id == invoice_id)).all()
        assert sorted((i.kind, i.total_cents) for i in kept) == [("labour", 18_000), ("material", 9_100)]


def test_the_invoices_list_reads_as_cards_on_a_phone(phone, portal):
    office_cookie(phone, portal, "owner")
    phone.goto("/office/invoices?tab=all")
    expect(phone.locator("#list-table [data-invoice]").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.goto("/office/payments")
    expect(phone.locator("#list-table [data-receipt]").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
