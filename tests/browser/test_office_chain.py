"""Issue 12's whole chain in one browser run, as the people who do it see it: the customer requests a
quote with assets, the office finds it in the Inbox, prices and sends it, the customer accepts, the
office converts and books the job for today on a technician, the technician works it on a phone (a
pass, a fail with a defect and its photo, a reason for the asset left), the customer sees the defect
and the PPM change, the office invoices the job, the customer pays by card, and the job is archived on
both sides; every step's mail is in the outbox, addressed to the contacts flagged for it.

Each step asserts what its user sees and what was stored, and is timed; the last line printed is a
one-line summary of the timings."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.core import tenant, weeks
from portal.core.money import format_money
from portal.demo.files import tiny_png
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    Attachment,
    AttachmentOwner,
    Contact,
    ContactSite,
    Defect,
    IntegrationEvent,
    Invoice,
    InvoiceStatus,
    Job,
    JobAsset,
    JobStage,
    OutboxMail,
    Payment,
    PaymentAllocation,
    Quote,
    QuoteAsset,
    QuoteDecision,
    QuoteItem,
    QuoteStage,
    ServiceRecord,
    Site,
    TestResult,
)
from portal.services.assets import ppm
from portal.services.identity.principals import scope_for
from tests.browser.conftest import at, login, office_cookie

DANA = "dana@northside.example"
SITE = "Northside Plaza"
TECH_EMAIL = "chain.tech@office.test"
DEFECT = "Chain test: diffuser cracked"


class Steps:
    """Times each step; the summary is one printed line."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.times.append((name, time.monotonic() - start))

    def summary(self) -> str:
        total = sum(t for _, t in self.times)
        return f"chain {total:.1f}s: " + ", ".join(f"{name} {t:.1f}s" for name, t in self.times)


def _db(portal) -> Session:
    return Session(portal.engine, expire_on_commit=False)


def _three_assets(portal) -> list[Asset]:
    """Three active Northside Plaza assets with a schedule and no open job, the earliest due first, so
    no other test's job holds them and each has a line on the technician's screen."""
    with _db(portal) as s:
        site = s.exec(select(Site).where(Site.name == SITE)).one()
        busy = set(
            s.exec(
                select(JobAsset.asset_id)
                .join(Job, Job.id == JobAsset.job_id)
                .where(Job.stage.in_([JobStage.PENDING, JobStage.PROGRESS]))
            ).all()
        )
        rows = s.exec(
            select(Asset, AssetServiceLevel.next_due_on)
            .join(AssetServiceLevel, AssetServiceLevel.asset_id == Asset.id)
            .where(Asset.site_id == site.id, Asset.status == AssetStatus.ACTIVE)
            .order_by(AssetServiceLevel.next_due_on, Asset.id)
        ).all()
    chosen: dict[int, Asset] = {}
    for asset, _due in rows:
        if asset.id not in busy and asset.id not in chosen:
            chosen[asset.id] = asset
        if len(chosen) == 3:
            break
    assert len(chosen) == 3, "the demo has three scheduled assets at Northside Plaza"
    return list(chosen.values())


def _mails(portal, kind: str, text: str) -> list[OutboxMail]:
    with _db(portal) as s:
        return list(
            s.exec(select(OutboxMail).where(OutboxMail.kind == kind, OutboxMail.subject.contains(text))).all()
        )


def _flagged(portal, customer_id: int, flag, site_id: int | None = None) -> set[str]:
    """The addresses a kind of mail must reach: the customer's active contacts with the kind's flag
    (and, for a job, who may see its site), read straight from the contacts."""
    with _db(portal) as s:
        rows = s.exec(
            select(Contact).where(
                Contact.customer_id == customer_id,
                flag.is_(True),
                Contact.deactivated_at.is_(None),
                Contact.email != "",
            )
        ).all()
        if site_id is not None:
            assigned = set(s.exec(select(ContactSite.contact_id).where(ContactSite.site_id == site_id)).all())
            rows = [c for c in rows if c.all_sites or c.id in assigned]
        return {c.email for c in rows}


def _ppm_grid(portal, site_id: int) -> tuple[ppm.Filters, ppm.Grid]:
    with _db(portal) as s:
        contact = s.exec(select(Contact).where(Contact.email == DANA)).one()
        today = tenant.today(s)
        filters = ppm.Filters(weeks.week_of(today)[0], site_id)
        return filters, ppm.compute(s, scope_for(s, contact.id), filters, today)


def _changed_cell(before: ppm.Grid, after: ppm.Grid, key: tuple[int, int]) -> tuple[int, int]:
    rows = {(r.asset_type_id, r.service_level_id): i for i, r in enumerate(before.rows)}
    row = next(i for i, r in enumerate(after.rows) if (r.asset_type_id, r.service_level_id) == key)
    for wk in after.weeks:
        if after.cell(row, wk.number) != before.cell(rows[key], wk.number):
            return row, wk.number
    raise AssertionError("no PPM cell of the tested row changed")


def _line(phone, asset_id: int):
    return phone.locator(f".asset-line[data-key^='{asset_id}-']").first


def test_the_whole_chain_from_request_to_paid_and_archived(page, phone, browser, portal, tmp_path):
    steps = Steps()
    marker = uuid.uuid4().hex[:8]
    failed, passed, untested = _three_assets(portal)
    office_ctx = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    office_ctx.set_default_timeout(15_000)
    office = office_ctx.new_page()
    try:
        _chain(steps, marker, page, office, phone, portal, tmp_path, failed, passed, untested)
    finally:
        office_ctx.close()
        print("\n" + steps.summary())


def _chain(steps, marker, page, office, phone, portal, tmp_path, failed, passed, untested):
    with _db(portal) as s:
        dana = s.exec(select(Contact).where(Contact.email == DANA)).one()
        site = s.exec(select(Site).where(Site.name == SITE)).one()
    customer_id = dana.customer_id

    # 1. The customer requests a quote with three assets through the real form.
    with steps.step("request"):
        login(page, DANA)
        at(page, "/dashboard")
        page.goto("/quotes/request")
        expect(page.locator("#site")).to_be_visible()
        expect(page.locator("#description")).to_be_editable()
        page.locator("#site").select_option(str(site.id))
        expect(page.locator("#assets-section")).to_be_visible()
        for asset in (failed, passed, untested):
            page.locator("#asset-search").fill(asset.number)
            page.locator("#asset-search").press("Enter")
            expect(page.locator("#asset-results [data-asset]")).to_have_count(1)
            page.locator(f"[data-add-asset='{asset.id}']").click()
            expect(page.locator(f"#added-assets [data-added-asset='{asset.id}']")).to_be_visible()
        page.locator("#order-number").fill(f"CHAIN-{marker}")
        page.locator("#description").fill(f"Exit sign flickering by the lifts {marker}")
        page.locator("#submit-request").click()
        page.wait_for_url(re.compile(r"/quotes/?\?tab=outstanding&created=(\d+)$"), timeout=20_000)
        number = int(re.search(r"created=(\d+)", page.url).group(1))
        expect(page.locator(f"[data-quote='{number}']")).to_be_visible()
        with _db(portal) as s:
            quote = s.exec(select(Quote).where(Quote.number == number)).one()
            assert (quote.stage, quote.site_id, quote.requested_by_contact_id) == (
                QuoteStage.OUTSTANDING,
                site.id,
                dana.id,
            )
            assert set(s.exec(select(QuoteAsset.asset_id).where(QuoteAsset.quote_id == quote.id)).all()) == {
                failed.id,
                passed.id,
                untested.id,
            }
            office_address = tenant.contractor(s).email
            assert office_address, "the demo contractor has an office address"
            assert any(
                e.payload.get("quote_id") == quote.id
                for e in s.exec(
                    select(IntegrationEvent).where(
                        IntegrationEvent.kind == "quote.requested", IntegrationEvent.handled_at.is_(None)
                    )
                ).all()
            )

        requested = _mails(portal, "quote.requested", f"#{number} from ")
        assert [m.to_address for m in requested] == [office_address]

    # 2. The office finds it in the Inbox, prices it (a price-list line and a free line) and sends it.
    with steps.step("inbox+price+send"):
        office_cookie(office, portal, "office")
        office.goto("/office/inbox")
        office.locator("#office-inbox").wait_for()
        expect(office.locator("#inbox-count")).to_have_text(re.compile(r"^[1-9]\d*$"))
        office.locator("#list-search").fill(str(number))
        office.locator("#search-button").click()
        card = (
            office.locator(".inbox-item")
            .filter(has_text="Quote requested")
            .filter(has_text=f"Quote #{number}")
        )
        expect(card).to_have_count(1)
        card.locator(".inbox-toggle").click()
        link = card.get_by_role("link", name=f"Quote #{number}")
        expect(link).to_have_attribute("href", f"/office/quotes/{quote.id}")
        link.click()
        at(office, f"/office/quotes/{quote.id}")
        office.locator("#office-quote").wait_for()
        expect(office.locator("#quote-customer")).to_have_text("Northside Property Group")
        before = office.locator(".price-line").count()
        office.locator("#add-from-list").click()
        office.get_by_role("option").first.click()
        expect(office.locator(".price-line")).to_have_count(before + 1)
        office.locator("#add-free-line").click()
        expect(office.locator(".price-line")).to_have_count(before + 2)
        free = before + 1
        office.locator(f"#line-description-{free}").fill(f"After-hours labour {marker}")
        office.locator(f"#line-quantity-{free}").fill("2")
        office.locator(f"#line-unit-{free}").fill("85.50")
        expect(office.locator(".price-line").nth(free)).to_contain_text("$171.00")
        office.locator("#save-quote").click()
        expect(office.get_by_text("saved as a draft")).to_be_visible()
        office.locator("#send-quote").click()
        office.locator("#confirm-send").click()
        expect(office.get_by_text("sent to the customer")).to_be_visible()
        with _db(portal) as s:
            quote = s.get(Quote, quote.id)
            assert quote.stage == QuoteStage.ACTIONED and quote.priced_at is not None
            lines = s.exec(select(QuoteItem).where(QuoteItem.quote_id == quote.id)).all()
            assert len(lines) == 2
            assert (f"After-hours labour {marker}", 2, 8550) in [
                (i.description, i.quantity, i.unit_price_cents) for i in lines
            ]
            assert any(i.optional_item_id is not None for i in lines), "a line from the price list"
        quote_total = format_money(quote.total_cents, "AUD")
        expect(office.locator("#quote-total")).to_have_text(quote_total)
        ready = _mails(portal, "quote_ready", f"Quote #{number} ")
        assert {m.to_address for m in ready} == _flagged(portal, customer_id, Contact.is_quote_contact)
        assert DANA in {m.to_address for m in ready} and all(quote_total in m.body_text for m in ready)

    # 3. The customer sees it under Actioned with its cost, and accepts it.
    with steps.step("accept"):
        page.goto(f"/quotes?tab=actioned&q={number}")
        row = page.locator("#list-table tbody tr").filter(has_text=str(number))
        expect(row).to_contain_text(quote_total)
        expect(row).to_contain_text("Ready to accept")
        page.locator(f"[data-quote='{number}']").click()
        page.locator("#accept-quote").click()
        page.locator("#signer").fill("Dana Whitfield")
        page.locator("#accept-order").fill(f"PO-{marker}")
        page.locator("#confirm-accept").click()
        expect(page.locator("#quote-detail")).to_contain_text("Accepted")
        with _db(portal) as s:
            stored = s.get(Quote, quote.id)
            assert (
                stored.decision == QuoteDecision.ACCEPTED and stored.accepted_order_number == f"PO-{marker}"
            )
        accepted = _mails(portal, "quote_accepted", f"Quote #{number} accepted")
        assert [m.to_address for m in accepted] == [office_address]

    # 4. The office converts it and books it for today, 08:00-10:00, on the technician.
    with steps.step("convert+book"):
        tech_id = office_cookie(phone, portal, "technician", email=TECH_EMAIL)
        office.goto(f"/office/quotes/{quote.id}")
        office.locator("#office-quote").wait_for()
        office.locator("#convert-quote").click()
        office.wait_for_url(re.compile(r"/office/jobs/\d+/?$"))
        with _db(portal) as s:
            job = s.exec(select(Job).where(Job.quote_id == quote.id)).one()
            today = tenant.today(s)
            assert job.stage == JobStage.PENDING and job.site_id == site.id
            assert set(s.exec(select(JobAsset.asset_id).where(JobAsset.job_id == job.id)).all()) == {
                failed.id,
                passed.id,
                untested.id,
            }
        assert office.url.rstrip("/").endswith(f"/office/jobs/{job.id}")
        expect(office.locator("#job-number")).to_contain_text(str(job.number))
        office.locator("#booking-open").click()
        dialog = office.locator("#booking-dialog")
        dialog.wait_for()
        dialog.locator("#booking-day").fill(today.isoformat())
        dialog.locator("#booking-start").fill("08:00")
        dialog.locator("#booking-end").fill("10:00")
        dialog.locator("#booking-technician").select_option(str(tech_id))
        dialog.locator("#booking-save").click()
        visit = f"{today:%a %-d %b %Y}, 08:00–10:00"
        expect(office.locator("#job-status")).to_contain_text("Job : In Progress")
        expect(office.locator("#job-visit")).to_have_text(visit)
        with _db(portal) as s:
            job = s.get(Job, job.id)
            assert (job.stage, job.scheduled_on, job.technician_id) == (JobStage.PROGRESS, today, tech_id)
        scheduled = _mails(portal, "job_scheduled", f"Job #{job.number} ")
        assert {m.to_address for m in scheduled} == _flagged(
            portal, customer_id, Contact.is_job_contact, site_id=site.id
        )
        assert DANA in {m.to_address for m in scheduled} and all(visit in m.subject for m in scheduled)
        page.goto(f"/jobs?tab=progress&q={job.number}")
        job_row = page.locator("#list-table tbody tr").filter(has_text=str(job.number))
        expect(job_row).to_contain_text("Job : In Progress")
        expect(job_row).to_contain_text(visit)

    # 5. The technician, on a phone, works today's job: a pass, a fail with a defect, a reason.
    filters, grid_before = _ppm_grid(portal, site.id)
    with steps.step("technician"):
        phone.goto("/office/day")
        day_card = phone.locator(f".day-card[data-job='{job.id}']")
        expect(day_card).to_be_visible()
        expect(day_card.locator(".job-window")).to_have_text("08:00–10:00")
        day_card.locator(".open-job").click()
        at(phone, f"/office/day/{job.id}")
        expect(phone.locator("#job-description")).to_be_visible()

        _line(phone, passed.id).locator(".record-test").click()
        test_dialog = phone.locator("#test-dialog")
        test_dialog.get_by_text("Passed", exact=True).click()
        test_dialog.locator("#save-result-submit").click()
        expect(test_dialog).to_be_hidden()
        expect(_line(phone, passed.id).locator(".today-result")).to_have_text("Today: Passed")

        _line(phone, failed.id).locator(".record-test").click()
        test_dialog.get_by_text("Failed", exact=True).click()
        test_dialog.locator("#test-notes").fill("Diffuser cracked")
        test_dialog.locator("#save-result-submit").click()
        defect_dialog = phone.locator("#defect-dialog")
        expect(defect_dialog).to_be_visible()
        defect_dialog.get_by_text("Critical", exact=True).click()
        defect_dialog.locator("#defect-description").fill(f"{DEFECT} {marker}")
        photo = tmp_path / "crack.png"
        photo.write_bytes(tiny_png(seed=12))
        defect_dialog.locator("input[type=file]").set_input_files(str(photo))
        expect(defect_dialog.locator("#photo-name")).to_have_text("crack.png")
        defect_dialog.locator("#save-defect-submit").click()
        expect(defect_dialog).to_be_hidden()
        expect(_line(phone, failed.id).locator(".today-result")).to_have_text("Today: Failed")

        phone.locator("#finish-job").click()
        finish = phone.locator("#finish-dialog")
        expect(finish.locator(f"#reason-{untested.id}")).to_be_visible()
        expect(finish.locator(f"#reason-{passed.id}")).to_have_count(0)
        finish.locator(f"#reason-{untested.id}").fill("Plant room locked")
        finish.locator("#complete-job-submit").click()
        at(phone, "/office/day")
        with _db(portal) as s:
            job = s.get(Job, job.id)
            assert job.stage == JobStage.COMPLETE
            records = {
                r.asset_id: r
                for r in s.exec(
                    select(ServiceRecord).where(
                        ServiceRecord.job_id == job.id, ServiceRecord.tested_on == today
                    )
                ).all()
            }
            assert (
                records[passed.id].result == TestResult.PASS and records[passed.id].technician_id == tech_id
            )
            assert records[failed.id].result == TestResult.FAIL
            assert (records[untested.id].result, records[untested.id].notes) == (
                TestResult.NOT_TESTED,
                "Plant room locked",
            )
            defect = s.exec(select(Defect).where(Defect.description == f"{DEFECT} {marker}")).one()
            assert defect.service_record_id == records[failed.id].id
            photo_row = s.exec(
                select(Attachment).where(
                    Attachment.owner_type == AttachmentOwner.DEFECT, Attachment.owner_id == defect.id
                )
            ).one()
            assert photo_row.content_type == "image/png" and photo_row.uploaded_by_staff_id == tech_id
            key = (s.get(Asset, passed.id).asset_type_id, records[passed.id].service_level_id)

    # 6. The customer sees the defect in Current Defects and the PPM cell change.
    with steps.step("defect+ppm"):
        page.goto("/reports/defects")
        page.locator("#report-search").fill(marker)
        page.locator("#run-report").click()
        expect(page.get_by_text(f"{DEFECT} {marker}").first).to_be_visible()
        _filters, grid_after = _ppm_grid(portal, site.id)
        row_index, week = _changed_cell(grid_before, grid_after, key)
        after = grid_after.cell(row_index, week)
        query = "&".join(f"{k}={v}" for k, v in filters.query().items() if v)
        page.goto(f"/reports/ppm?{query}")
        page.locator("#ppm-table-toggle").click()
        cell = page.locator("#ppm-table tbody tr").nth(row_index).locator(f"button[data-week='{week}']")
        if after["state"]:
            shown = ppm.headline(str(after["state"]), after)
            expect(cell).to_have_text(str(shown) if shown else "")
        else:
            expect(cell).to_have_count(0)

    # 7. The office invoices the completed job.
    with steps.step("invoice"):
        office.goto(f"/office/invoices/new?job={job.id}")
        expect(office.locator("#job-number")).to_have_text(str(job.number))
        expect(office.locator("#raise-invoice")).to_contain_text(quote_total)
        with _db(portal) as s:
            assert s.exec(select(Invoice).where(Invoice.job_id == job.id)).all() == []
        office.locator("#raise-invoice").click()
        office.wait_for_url(re.compile(r"/office/invoices/\d+/?(\?issued=1)?$"))
        expect(office.locator("#invoice-balance")).to_have_text(quote_total)
        with _db(portal) as s:
            invoice = s.exec(select(Invoice).where(Invoice.job_id == job.id)).one()
            assert (invoice.status, invoice.total_cents) == (InvoiceStatus.UNPAID, quote.total_cents)
            assert s.get(Job, job.id).stage == JobStage.INVOICED
        issued = _mails(portal, "invoice_issued", f"Invoice {invoice.number} ")
        assert {m.to_address for m in issued} == _flagged(portal, customer_id, Contact.is_invoice_contact)
        assert DANA in {m.to_address for m in issued}

    # 8. The customer pays it by card in the sandbox gateway.
    with steps.step("pay"):
        page.goto(f"/invoices?tab=unpaid&q={invoice.number}")
        page.locator(f"[data-options='{invoice.number}']").click()
        page.locator(f"[data-pay='{invoice.number}']").click()
        expect(page.locator("#pay-amount")).to_have_text(quote_total)
        page.locator("#card-name").fill("Dana Whitfield")
        page.locator("#card-number").fill("4242 4242 4242 4242")
        page.locator("#card-expiry").fill("12/30")
        page.locator("#card-cvv").fill("123")
        page.locator("#pay").click()
        page.locator("#pay-continue").click()
        expect(page.locator("#receipt-number")).to_have_text(re.compile(r"\w+"))
        receipt = page.locator("#receipt-number").inner_text()
        with _db(portal) as s:
            payment = s.exec(select(Payment).where(Payment.receipt_number == receipt)).one()
            assert (payment.amount_cents, payment.card_last4) == (quote.total_cents, "4242")
            assert s.exec(
                select(PaymentAllocation).where(
                    PaymentAllocation.payment_id == payment.id, PaymentAllocation.invoice_id == invoice.id
                )
            ).one()
            paid = s.get(Invoice, invoice.id)
            assert (paid.status, paid.paid_cents) == (InvoiceStatus.PAID, quote.total_cents)
            assert s.get(Job, job.id).stage == JobStage.ARCHIVE
        receipts = _mails(portal, "payment_receipt", receipt)
        assert {m.to_address for m in receipts} == _flagged(portal, customer_id, Contact.is_invoice_contact)
        page.locator("#pay-close").click()
        expect(page.locator(f"[data-invoice='{invoice.number}']")).to_have_count(0)

    # 9. The job is under Archive for the customer and in the office board's Archive column.
    with steps.step("archive"):
        page.goto(f"/jobs?tab=archive&q={job.number}")
        expect(page.locator(f"[data-job='{job.number}']")).to_be_visible()
        expect(page.locator("#list-table tbody tr").filter(has_text=str(job.number))).to_contain_text(
            "Job : Archived"
        )
        office.goto("/office/jobs")
        office.locator("#board-search").fill(str(job.number))
        office.locator("#board-search-button").click()
        expect(office.locator(f"[data-stage=archive].board-column [data-job='{job.id}']")).to_be_visible()
        expect(office.locator(f"[data-stage=progress].board-column [data-job='{job.id}']")).to_have_count(0)

    # 10. Every mail of the chain is one of the kinds checked at its step above.
    with _db(portal) as s:
        kinds = {
            m.kind
            for m in s.exec(select(OutboxMail)).all()
            if f"#{number} from " in m.subject
            or f"Quote #{number} " in m.subject
            or f"Job #{job.number} " in m.subject
            or f"Invoice {invoice.number} " in m.subject
            or f"receipt {receipt}" in m.subject
        }
    assert kinds == {
        "quote.requested",
        "quote_ready",
        "quote_accepted",
        "job_scheduled",
        "invoice_issued",
        "payment_receipt",
    }
