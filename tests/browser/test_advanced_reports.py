"""The Advanced portal's reports in a real browser: each report with the demo data, a published document
and a CSV downloaded, a limited contact's sites, a phone, and a Standard-tier portal that refuses them."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import text
from sqlmodel import Session, func, select

from portal.core import tenant
from portal.core.money import format_money
from portal.core.months import add_months
from portal.models import (
    Asset,
    AssetStatus,
    Attachment,
    ContractorDocument,
    Customer,
    Defect,
    DocumentKind,
    Job,
    Quote,
    QuoteDecision,
    QuoteStage,
    ServiceRecord,
    Site,
    TestResult,
)
from tests.browser.conftest import login

DANA, SAM = "dana@northside.example", "sam@northside.example"
MAIN = "Northside Property Group"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ADVANCED = (
    "/reports/monthly",
    "/reports/budget",
    "/reports/life-cycle",
    "/reports/contracts",
    "/reports/work-method-statements",
    "/reports/site-inductions",
    "/reports/reference-material",
)


def _db(portal) -> Session:
    return Session(portal.engine)


def _site(portal, name: str) -> Site:
    with _db(portal) as s:
        return s.exec(select(Site).where(Site.name == name)).one()


def _choose(page, trigger: str, name: str) -> None:
    page.locator(trigger).click()
    page.get_by_role("option", name=name, exact=True).click()


def _run(page) -> None:
    page.locator("#run-report").click()
    expect(page.locator("#run-report")).to_be_enabled()


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"advanced-{name}.png"), full_page=True)


def _passed_at(portal, site_id: int, today: date) -> int:
    """Passed tests on the site's job cards over the 12 months up to this one."""
    first = add_months(today.replace(day=1), -11)
    with _db(portal) as s:
        return s.exec(
            select(func.count())
            .select_from(ServiceRecord)
            .join(Job, Job.id == ServiceRecord.job_id)
            .where(
                Job.site_id == site_id,
                ServiceRecord.result == TestResult.PASS,
                ServiceRecord.tested_on >= first,
            )
        ).one()


def test_dana_runs_the_monthly_report_for_a_site(page, portal):
    plaza = _site(portal, "Northside Plaza")
    with _db(portal) as s:
        today = tenant.today(s)
    login(page, DANA, next_path="/reports")
    expect(page.locator("[data-report-card=monthly]")).to_be_visible()
    page.locator("[data-report-card=monthly]").click()
    expect(page.locator("#report-site-name")).to_have_text("Albion Central")  # the first site by name
    _choose(page, "#report-site", "Northside Plaza")
    _run(page)
    expect(page.locator("#report-site-name")).to_have_text("Northside Plaza")
    expect(page.locator("#total-passed")).to_have_text(str(_passed_at(portal, plaza.id, today)))
    expect(page.locator("[data-month]")).to_have_count(12)
    expect(page.locator("#report-chart .main-svg").first).to_be_visible()
    _shot(page, "monthly")

    page.locator("#download-menu").click()
    with page.expect_download() as info:
        page.locator("#download-csv").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig"))))
    assert rows[0][:3] == ["Site", "Month", "Jobs opened"] and len(rows) == 13
    assert {r[0] for r in rows[1:]} == {"Northside Plaza"}
    assert sum(int(r[4]) for r in rows[1:]) == _passed_at(portal, plaza.id, today)


def test_dana_sees_budget_life_cycle_and_contracts(page, portal):
    with _db(portal) as s:
        customer = s.exec(select(Customer.id).where(Customer.name == MAIN)).one()
        quoted = s.exec(
            select(func.coalesce(func.sum(Quote.total_cents), 0))
            .select_from(Defect)
            .join(Quote, Quote.id == Defect.quote_id)
            .where(
                Defect.customer_id == customer,
                Defect.rectified_on.is_(None),
                Quote.decision == QuoteDecision.NONE,
                Quote.stage == QuoteStage.ACTIONED,  # an unsent price is the office's draft
            )
        ).one()
        assets = s.exec(
            select(func.count())
            .select_from(Asset)
            .where(Asset.customer_id == customer, Asset.status == AssetStatus.ACTIVE)
        ).one()
    assert quoted > 0
    login(page, DANA, next_path="/reports/budget")
    expect(page.locator("#budget-quotes")).to_have_text(format_money(quoted))
    expect(page.locator("[data-month]")).to_have_count(12)
    expect(page.locator("#report-chart .main-svg").first).to_be_visible()
    _shot(page, "budget")
    page.locator("#download-menu").click()
    with page.expect_download() as info:
        page.locator("#download-csv").click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig"))))
    assert len(rows) == 13 and sum(float(r[4]) for r in rows[1:]) * 100 == quoted

    page.locator("[data-report=life-cycle]").click()
    expect(page.locator("#life-total")).to_have_text(str(assets))
    expect(page.locator("[data-type='Portable Fire Extinguisher']")).to_be_visible()
    expect(page.locator("#report-chart .main-svg").first).to_be_visible()
    _shot(page, "life-cycle")

    page.locator("[data-report=contracts]").click()
    expect(page.locator("[data-contract]")).to_have_count(3)
    expect(page.locator("[data-contract='NPG-2022-07']")).to_contain_text("Expired")
    expect(page.locator("[data-contract='NPG-2025-02']")).to_contain_text("Nundah Village Apartments")
    _shot(page, "contracts")


def test_dana_downloads_a_published_document(page, portal):
    with _db(portal) as s:
        doc = s.exec(
            select(ContractorDocument).where(ContractorDocument.title == "Site induction: Northside Plaza")
        ).one()
        stored = s.get(Attachment, doc.attachment_id)
    data = (Path(portal.env["PORTAL_DATA_DIR"]) / "files" / stored.storage_key).read_bytes()
    login(page, DANA, next_path="/reports/site-inductions")
    expect(page.locator(f"[data-document='{doc.id}']")).to_be_visible()
    expect(page.locator("#report-table")).not_to_contain_text("St Brigid")
    with page.expect_download() as info:
        page.locator(f"[data-document='{doc.id}']").click()
    assert (
        info.value.suggested_filename == "Site induction_ Northside Plaza.pdf"
    )  # Chromium replaces the colon
    assert Path(info.value.path()).read_bytes() == data
    served = page.request.get(f"/files/documents/{doc.id}")
    assert (
        served.headers["content-disposition"]
        == "attachment; filename*=utf-8''Site%20induction%3A%20Northside%20Plaza.pdf"
    )
    page.locator("[data-report=reference-material]").click()
    expect(page.locator("#report-table")).to_contain_text("All sites")


def test_sam_sees_only_his_sites(page, portal):
    login(page, SAM, next_path="/reports/contracts")
    expect(page.locator("[data-contract]")).to_have_count(2)
    expect(page.locator("[data-contract='NPG-2025-02']")).to_have_count(0)
    expect(page.locator("#report-table")).not_to_contain_text("Kedron Brook Offices")
    page.locator("#report-site").click()
    options = page.get_by_role("option")
    expect(options).to_have_count(3)
    assert sorted(options.all_inner_texts()) == ["Albion Central", "All my sites", "Northside Plaza"]
    page.keyboard.press("Escape")

    with _db(portal) as s:
        kedron = s.exec(select(Site).where(Site.name == "Kedron Brook Offices")).one()
        general = s.exec(
            select(ContractorDocument).where(
                ContractorDocument.site_id.is_(None), ContractorDocument.kind == DocumentKind.REFERENCE
            )
        ).first()
        theirs = s.exec(
            select(ContractorDocument).where(ContractorDocument.customer_id != kedron.customer_id)
        ).first()
    csv_text = page.request.get(f"/export/reports/contracts.csv?site={kedron.id}").text()
    assert csv_text.strip().count("\n") == 0
    assert page.request.get(f"/files/documents/{general.id}").status == 200  # for all sites: his too
    assert page.request.get(f"/files/documents/{theirs.id}").status == 404  # another customer's


def test_reports_fit_a_phone(phone, portal):
    login(phone, DANA, next_path="/reports/budget")
    expect(phone.locator("#budget-total")).to_be_visible()
    expect(phone.locator("#run-report")).to_be_visible()
    expect(phone.locator("#report-chart .main-svg").first).to_be_visible()
    _shot(phone, "budget-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_standard_tier_hides_and_refuses_the_advanced_reports(page, portal):
    with _db(portal) as s:
        doc = s.exec(select(ContractorDocument.id)).first()
    login(page, DANA, next_path="/reports")
    expect(page.locator("[data-report-card=budget]")).to_be_visible()
    try:
        with portal.engine.begin() as conn:
            conn.execute(text("UPDATE contractor SET portal_tier='standard'"))
        page.reload()
        expect(page.locator("[data-report-card=ppm]")).to_be_visible()
        expect(page.locator("[data-report-card=budget]")).to_have_count(0)
        expect(page.locator("[data-report-card=monthly]")).to_have_count(0)
        expect(page.locator("[data-report=ppm]")).to_have_count(0)  # no sub-menu on the index
        for url in ADVANCED:
            page.goto(url)
            expect(page.locator("#not-available")).to_be_visible()
            expect(page.get_by_text("part of the Advanced customer portal")).to_be_visible()
            expect(page.locator("#report-table")).to_have_count(0)
        for name in ("monthly", "budget", "life-cycle", "contracts", "site-inductions"):
            assert page.request.get(f"/export/reports/{name}.csv").status == 403
        assert page.request.get(f"/files/documents/{doc}").status == 403
    finally:
        with portal.engine.begin() as conn:
            conn.execute(text("UPDATE contractor SET portal_tier='advanced'"))
    page.goto("/reports/contracts")
    expect(page.locator("[data-contract]").first).to_be_visible()
