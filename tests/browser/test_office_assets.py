"""The office's asset register in a real browser: a new asset type and service level on the lists
screen, an asset registered at a customer's site, scheduled, sent to the workshop, another retired;
then the customer sees both on Assets (with the transfer) and the new row in PPM."""

from __future__ import annotations

import re
import uuid

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.core import tenant, weeks
from portal.models import Asset, AssetServiceLevel, AssetStatus, Site, Transfer
from portal.services.assets import ppm
from tests.browser.conftest import at, login, office_cookie

DANA = "dana@northside.example"
SITE = "Northside Plaza"
SIZES = ({"width": 1280, "height": 860}, {"width": 390, "height": 844})
AXE = Axe()


def _choose(page, trigger: str, option: str) -> None:
    page.locator(trigger).click()
    page.get_by_role("option", name=option).click()


def _register(page, site_id: int, type_name: str, number: str, name: str) -> int:
    page.goto(f"/office/assets/new?site={site_id}")
    expect(page.locator("#page-title")).to_have_text("Register asset")
    _choose(page, "#asset-type", type_name)
    page.locator("#asset-number").fill(number)
    page.locator("#asset-name").fill(name)
    page.locator("#asset-save").click()
    page.wait_for_url(re.compile(r"/office/assets/(\d+)/?$"))
    expect(page.locator("#page-title")).to_have_text(f"{number} · {name}")
    return int(re.search(r"/office/assets/(\d+)", page.url).group(1))


def test_register_schedule_transfer_retire_and_the_customer_sees_it(page, browser, portal):
    marker = uuid.uuid4().hex[:6]
    kind, level = f"Hose Reel {marker}", f"Quarterly {marker}"
    with Session(portal.engine) as s:
        plaza = s.exec(select(Site).where(Site.name == SITE)).one()
        today = tenant.today(s)
    office_cookie(page, portal, "office")

    # The contractor's own lists: a new type and level, with errors beside the field first.
    page.goto("/office/lists")
    page.locator("#type-add").click()
    page.locator("#list-name").fill(kind)
    page.locator("#list-expected-life-years").fill("0")
    page.locator("#list-save").click()
    expect(page.locator("#list-dialog .field-error")).to_contain_text("whole number of years")
    page.locator("#list-expected-life-years").fill("15")
    page.locator("#list-save").click()
    expect(page.locator(f"[data-asset-type='{kind}']")).to_contain_text("15 years")
    page.locator("#level-add").click()
    page.locator("#list-name").fill(level)
    page.locator("#list-interval-months").fill("3")
    page.locator("#list-sort-order").fill("5")
    page.locator("#list-save").click()
    expect(page.locator(f"[data-service-level='{level}']")).to_contain_text("every 3 months")

    # From the site's page to Register asset; then a service level and a trip to the workshop.
    page.goto(f"/office/sites/{plaza.id}")
    expect(page.locator("#site-heading")).to_have_text(SITE)
    page.locator("#register-asset").click()
    at(page, f"/office/assets/new?site={plaza.id}")
    kept = _register(page, plaza.id, kind, f"HR-{marker}", "Level 2 hose reel")
    _choose(page, "#schedule-level", level)
    page.locator("#schedule-due").fill(today.isoformat())
    page.locator("#schedule-add").click()
    expect(page.locator(f"[data-schedule='{level}']")).to_be_visible()
    page.locator("#asset-transfer").click()
    _choose(page, "#transfer-destination", "Workshop")
    page.locator("#transfer-reason").fill(f"Pressure test {marker}")
    page.locator("#transfer-save").click()
    expect(page.locator("#asset-place")).to_contain_text("At the workshop")

    # Another one retired, after the confirmation asks why.
    gone = _register(page, plaza.id, kind, f"HR-{marker}-B", "Spare hose reel")
    page.locator("#asset-retire").click()
    page.locator("#retire-confirm").click()
    expect(page.locator("#retire-dialog .field-error")).to_have_text("Say why.")
    page.locator("#retire-reason").fill("Cracked drum")
    page.locator("#retire-confirm").click()
    expect(page.locator("#asset-retired")).to_contain_text("Cracked drum")

    # The accessibility sweep skips screens with an id in their address: these, with rows, both sizes.
    found = []
    for path in (f"/office/assets/{kept}", f"/office/sites/{plaza.id}", "/office/lists"):
        for size in SIZES:
            page.set_viewport_size(size)
            page.goto(path)
            expect(page.locator("#office-asset, #office-site, #office-lists")).to_be_visible()
            found += [
                f"{path} at {size['width']}px: {v['id']} {[n['target'] for n in v['nodes'][:5]]}"
                for v in AXE.run(page).response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
    assert found == []
    page.set_viewport_size(SIZES[0])

    with Session(portal.engine) as s:
        assert s.get(Asset, gone).status == AssetStatus.REMOVED
        assert (
            s.exec(select(AssetServiceLevel).where(AssetServiceLevel.asset_id == kept)).one().next_due_on
            == today
        )
        (move,) = s.exec(select(Transfer).where(Transfer.asset_id == kept)).all()
        assert (move.from_site_id, move.to_label) == (plaza.id, "Workshop")

    # The customer: both on Assets (one Removed), the transfer on its history, the new row in PPM.
    customer = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    customer.set_default_timeout(15_000)
    dana = customer.new_page()
    try:
        login(dana, DANA)
        at(dana, "/dashboard")
        dana.goto(f"/assets?site={plaza.id}&q=HR-{marker}")
        retired_row = dana.locator("tr", has=dana.locator(f"[data-asset='{gone}']"))
        expect(retired_row).to_contain_text("Removed")
        dana.locator(f"[data-asset='{kept}']").click()
        dana.locator("#tab-transfer").click()
        expect(dana.locator("#asset-detail")).to_contain_text(f"Pressure test {marker}")
        query = "&".join(
            f"{k}={v}" for k, v in ppm.Filters(weeks.week_of(today)[0], plaza.id).query().items() if v
        )
        dana.goto(f"/reports/ppm?{query}")
        dana.locator("#ppm-table-toggle").click()
        expect(dana.locator("#ppm-table")).to_contain_text(f"{kind} / {level}")
    finally:
        customer.close()
