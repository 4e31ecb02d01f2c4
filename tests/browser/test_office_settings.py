"""The owner brands the portal: company details, a logo and a colour, seen in the preview before saving;
then the signed-out login page and a signed-in customer's shell show that logo and name.

The served portal is shared by the whole run, so the contractor's row is put back afterwards."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import expect
from sqlmodel import Session, update

from portal.core import tenant
from portal.models import AuditEvent, Contractor
from tests.browser.conftest import login, office_cookie
from tests.browser.test_accessibility import _findings

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DANA = "dana@northside.example"
KEPT = ("company_name", "phone", "accent_color", "logo_key", "logo_type", "tax_rate_bp", "quote_prefix")


def _logo(path: Path) -> Path:
    Image.new("RGB", (120, 40), (13, 148, 136)).save(path, format="PNG")
    return path


def test_the_owner_brands_the_portal_and_customers_see_it(page, browser, portal, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    with Session(portal.engine) as s:
        row = tenant.contractor(s)
        before = {key: getattr(row, key) for key in KEPT}
    try:
        _brand(page, portal, tmp_path)
        _seen_signed_out_and_by_a_customer(browser, portal)
    finally:
        # One UPDATE as the transaction's first statement: it waits for the write lock, where a read
        # followed by a write could not upgrade while the server writes (SQLite answers "locked").
        with Session(portal.engine) as s:
            s.exec(update(Contractor).values(**before))
            s.commit()


def _brand(page, portal, tmp_path: Path) -> None:
    office_cookie(page, portal, "owner")
    page.goto("/office/settings")
    form = page.locator("#company-form")
    expect(form).to_be_visible()
    form.locator("#settings-company-name").fill("Harbour Lights Fire")
    form.locator("#settings-phone").fill("(02) 9555 0100")
    form.locator("#settings-tax-rate").fill("12.345")
    form.locator("#save-company").click()
    expect(page.locator(".field-error")).to_have_text(re.compile("up to 2 decimals"))
    form.locator("#settings-tax-rate").fill("10")
    form.locator("#settings-quote-prefix").fill("Q-")
    form.locator("#save-company").click()
    expect(page.locator("#company-saved")).to_be_visible()

    page.locator("#tab-branding").click()
    page.locator("input[type=file]").set_input_files(str(_logo(tmp_path / "harbour.png")))
    expect(page.locator("#logo-name")).to_have_text("harbour.png")
    preview = page.locator("#branding-preview")
    expect(preview.locator("#preview-logo").first).to_have_attribute(
        "src", re.compile(r"^data:image/png;base64,")
    )
    page.locator("#accent-text").fill("#0d9488")
    expect(preview.locator("xpath=ancestor::*[contains(@class,'radix-themes')][1]")).to_have_attribute(
        "data-accent-color", "mint"
    )
    expect(preview).to_contain_text("Harbour Lights Fire")
    page.screenshot(path=str(ARTIFACTS / "settings-branding.png"), full_page=True)
    findings = _findings(page, "settings: branding preview")  # the page's axe check sees only its first tab
    page.locator("#save-branding").click()
    expect(page.locator("#branding-saved")).to_be_visible()
    page.locator("#tab-portal").click()
    page.locator("#add-item").click()
    expect(page.locator("#item-dialog")).to_be_visible()
    findings += _findings(page, "settings: price list item")
    page.keyboard.press("Escape")
    page.locator("#tab-payments").click()
    expect(page.locator("#gateway-name")).to_contain_text("Sandbox")
    findings += _findings(page, "settings: payments")
    assert findings == [], "\n\n".join(findings)

    with Session(portal.engine) as s:
        row = tenant.contractor(s)
        assert (row.company_name, row.accent_color, row.logo_type, row.quote_prefix) == (
            "Harbour Lights Fire",
            "#0d9488",
            "image/png",
            "Q-",
        )
        assert row.tax_rate_bp == 1000 and row.logo_key
        assert s.query(AuditEvent).filter(AuditEvent.action == "settings_branding_changed").count() >= 1


def _seen_signed_out_and_by_a_customer(browser, portal) -> None:
    context = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    try:
        signed_out = context.new_page()
        signed_out.goto("/login")
        logo = signed_out.locator("img.brand-logo").first
        expect(logo).to_have_attribute("src", re.compile(r"^/brand/logo\?v=[0-9a-f]{12}$"))
        expect(signed_out.get_by_text("Harbour Lights Fire").first).to_be_visible()
        assert signed_out.evaluate("(img) => img.naturalWidth", logo.element_handle()) == 120
        served = signed_out.request.get(logo.get_attribute("src"))
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
        signed_out.screenshot(path=str(ARTIFACTS / "settings-branding-login.png"))
        findings = _findings(signed_out, "login page in the owner's colour")
        login(signed_out, DANA)
        signed_out.wait_for_url(re.compile(r"/dashboard/?$"))
        header = signed_out.locator("header").first
        expect(header.locator("img.brand-logo").first).to_be_visible()
        expect(signed_out.locator(".brand-name").first).to_have_text("Harbour Lights Fire")
        expect(signed_out.locator("[data-accent-color='mint']").first).to_be_attached()
        findings += _findings(signed_out, "customer dashboard in the owner's colour")
        assert findings == [], "\n\n".join(findings)
    finally:
        context.close()
