"""The office imports customers, sites, contacts and assets from CSV files in a real browser: a file with
one bad row shows the error beside its row with Import disabled, the fixed file replaces it, the import
creates every row, and the same files imported again create nothing."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from portal.models import Asset, AssetServiceLevel, AuditEvent, Contact, Customer, Site
from tests.browser.conftest import office_cookie
from tests.browser.test_accessibility import _findings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
LISTS = ("asset_types.csv", "service_levels.csv", "customers.csv", "sites.csv", "contacts.csv")


def _upload(page, *names: str) -> None:
    page.locator("#import-upload input[type=file]").set_input_files([str(FIXTURES / n) for n in names])


def _stored(portal) -> tuple[int, ...]:
    with Session(portal.engine) as s:
        harbour = s.exec(select(Customer).where(Customer.code == "HB001")).all()
        ids = [c.id for c in harbour]
        return (
            len(harbour),
            s.exec(select(func.count()).select_from(Site).where(Site.customer_id.in_(ids))).one(),
            s.exec(select(func.count()).select_from(Contact).where(Contact.customer_id.in_(ids))).one(),
            s.exec(select(func.count()).select_from(Asset).where(Asset.customer_id.in_(ids))).one(),
        )


def test_office_imports_a_fixed_file_once_and_a_second_import_creates_nothing(page, portal):
    office_cookie(page, portal, "office")
    page.goto("/office/customers/import")
    expect(page.get_by_role("heading", name="Import customers")).to_be_visible()

    _upload(page, *LISTS, "assets_bad_row.csv")
    expect(page.locator(".file-counts")).to_have_count(6)
    expect(page.locator("#preview-heading")).to_have_text("Rows of assets_bad_row.csv")
    bad = page.locator("#import-row-3")
    expect(bad).to_contain_text("Error")
    expect(bad.locator(".row-errors")).to_have_text(
        'install_date: "31/02/2021" is not a date. Write it as YYYY-MM-DD or DD/MM/YYYY.'
    )
    expect(page.locator("#import-row-2")).to_contain_text("New")
    expect(page.locator("#run-import")).to_be_disabled()
    expect(page.locator("#import-blocked")).to_be_visible()
    page.locator("#errors-only").click()
    expect(page.locator("#import-preview tbody tr")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"), full_page=True)
    # The accessibility sweep sees this page empty; here it has files, errors and a preview, on a phone too.
    findings = _findings(page, "desktop preview")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#run-import")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    findings += _findings(page, "phone preview")
    page.set_viewport_size({"width": 1280, "height": 800})
    assert not findings, "\n\n".join(findings)
    assert _stored(portal) == (0, 0, 0, 0)
    page.locator("#errors-only").click()
    expect(page.locator("#import-preview tbody tr")).to_have_count(6)

    _upload(page, "assets.csv")  # the fixed file takes the bad one's place
    expect(page.locator("#preview-heading")).to_have_text("Rows of assets.csv")
    expect(page.locator(".file-counts")).to_have_count(6)
    expect(page.locator("#run-import")).to_be_enabled()
    page.locator("#run-import").click()
    summary = page.locator("#import-summary")
    expect(summary).to_contain_text("Customers: 2 created, 0 already present (skipped).")
    expect(summary).to_contain_text("Assets: 6 created, 0 already present (skipped).")
    expect(summary).to_contain_text("No email was sent")
    assert _stored(portal) == (1, 2, 2, 4)
    with Session(portal.engine) as s:
        priya = s.exec(select(Contact).where(Contact.email == "priya.shah@harbourbc.example")).one()
        assert (priya.login_active, priya.username) == (True, "priya.shah@harbourbc.example")
        asset = s.exec(select(Asset).where(Asset.number == "HT-001")).one()
        tower = s.get(Site, asset.site_id)
        assert tower is not None and tower.name == "Harbour Tower"
        assert s.exec(select(AssetServiceLevel).where(AssetServiceLevel.asset_id == asset.id)).one()

    _upload(page, *LISTS, "assets.csv")
    expect(page.locator(".file-counts").nth(5)).to_have_text(
        "6 rows: 0 new, 6 already present, 0 with errors. Read as UTF-8."
    )
    expect(page.locator("#import-row-2")).to_contain_text("Already present")
    expect(page.locator("#import-row-2")).to_contain_text("HT-001 Fire Extinguisher · Harbour Tower")
    page.get_by_role("button", name="Show rows of contacts.csv").click()
    expect(page.locator("#import-row-2")).to_contain_text("Priya Shah · HB001")
    page.locator("#run-import").click()
    expect(page.locator("#import-summary")).to_contain_text("Assets: 0 created, 6 already present (skipped).")
    assert _stored(portal) == (1, 2, 2, 4)
    with Session(portal.engine) as s:
        assert len(s.exec(select(AuditEvent).where(AuditEvent.action == "customers_imported")).all()) == 2
