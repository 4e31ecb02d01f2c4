"""Assets > View Assets in a real browser: groups, paging, the pop-up and its tabs, booking from an asset,
search, the CSV, a limited contact's sites, and a phone."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, func, select

from portal.models import Asset, AssetType, Contact, ContactSite, Job, JobAsset, ServiceRecord, Site, Transfer
from tests.browser.conftest import at, login

DANA, SAM = "dana@northside.example", "sam@northside.example"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _db(portal) -> Session:
    return Session(portal.engine)


def _site(portal, name: str) -> Site:
    with _db(portal) as s:
        return s.exec(select(Site).where(Site.name == name)).one()


def _type_counts(portal, site_id: int) -> dict[str, int]:
    with _db(portal) as s:
        rows = s.exec(
            select(AssetType.name, func.count(Asset.id))
            .join(Asset, Asset.asset_type_id == AssetType.id)
            .where(Asset.site_id == site_id)
            .group_by(AssetType.name)
        ).all()
    return dict(rows)


@pytest.fixture(scope="module")
def moved(portal) -> dict:
    """An asset at Northside Plaza that went to the workshop and back: it has tests and transfers."""
    plaza = _site(portal, "Northside Plaza")
    with _db(portal) as s:
        transfer = s.exec(
            select(Transfer)
            .join(Asset, Asset.id == Transfer.asset_id)
            .where(Asset.site_id == plaza.id, Transfer.to_label == "Workshop")
        ).first()
        asset = s.get(Asset, transfer.asset_id)
        kind = s.get(AssetType, asset.asset_type_id)
        tests = s.exec(
            select(ServiceRecord)
            .where(ServiceRecord.asset_id == asset.id)
            .order_by(ServiceRecord.tested_on.desc(), ServiceRecord.id.desc())
        ).all()
        moves = s.exec(select(Transfer).where(Transfer.asset_id == asset.id)).all()
    assert tests and len(moves) == 2
    return {"site": plaza, "asset": asset, "type": kind.name, "tests": tests, "moves": moves}


def _choose_site(page, name: str) -> None:
    page.locator("#asset-site").click()
    page.get_by_role("option", name=name, exact=True).click()


def _shot(page, name: str) -> None:
    """A picture for a person to look at (tests/artifacts is not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _group(page, name: str):
    return page.locator(f"[data-group='{name}']")


def test_browse_a_site_open_an_asset_and_read_its_history(page, portal, moved):
    plaza, asset = moved["site"], moved["asset"]
    login(page, DANA)
    at(page, "/dashboard")
    page.goto("/assets")
    expect(page.locator("#asset-groups")).to_be_visible()
    with _db(portal) as s:
        first = s.exec(
            select(Site)
            .where(Site.customer_id == plaza.customer_id, Site.is_active.is_(True))
            .order_by(Site.name, Site.id)
        ).first()
    expect(page.locator("#asset-site")).to_contain_text(first.name)

    _choose_site(page, "Northside Plaza")
    at(page, f"/assets?site={plaza.id}")
    counts = _type_counts(portal, plaza.id)
    expect(page.locator("[data-group]")).to_have_count(len(counts))
    expect(page.locator("#asset-count")).to_contain_text(f"{sum(counts.values())} assets at Northside Plaza")
    for name, n in counts.items():
        expect(_group(page, name).locator(".group-count")).to_have_text(f"{n:,}")

    # A big group shows 25 rows a page, by asset number, with its own pager.
    biggest = max(counts, key=counts.get)
    assert counts[biggest] > 25, "the demo site has a group larger than one page"
    group = _group(page, biggest)
    group.locator(".group-toggle").click()
    expect(group.locator("[data-asset]")).to_have_count(25)
    expect(group.locator(".group-toggle")).to_have_attribute("aria-expanded", "true")
    with _db(portal) as s:
        kind = s.exec(select(AssetType).where(AssetType.name == biggest)).one()
        numbers = s.exec(
            select(Asset.number)
            .where(Asset.site_id == plaza.id, Asset.asset_type_id == kind.id)
            .order_by(Asset.number, Asset.id)
        ).all()
    expect(group.locator("[data-asset]").first).to_have_text(numbers[0])
    expect(group.locator(".group-range")).to_have_text(f"1–25 of {len(numbers)}")
    group.locator(".group-next").click()
    expect(group.locator(".group-page")).to_contain_text("Page 2 of")
    expect(group.locator("[data-asset]").first).to_have_text(numbers[25])
    _shot(page, "assets-groups.png")
    group.locator(".group-toggle").click()
    expect(group.locator("[data-asset]")).to_have_count(0)

    # The moved asset: its group, the pop-up, both tabs.
    with _db(portal) as s:
        before = s.scalar(
            select(func.count(Asset.id)).where(
                Asset.site_id == plaza.id,
                Asset.asset_type_id == asset.asset_type_id,
                Asset.number < asset.number,
            )
        )
    own = _group(page, moved["type"])
    own.locator(".group-toggle").click()
    expect(own.locator("[data-asset]").first).to_be_visible()
    for n in range(2, before // 25 + 2):  # to the page the asset is on, by asset number
        own.locator(".group-next").click()
        expect(own.locator(".group-page")).to_contain_text(f"Page {n} of")
    row = own.locator(f"[data-asset='{asset.id}']")
    row.click()
    dialog = page.locator("#asset-detail")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(f"Asset {asset.number}")
    expect(dialog).to_contain_text(asset.serial)
    expect(dialog).to_contain_text(asset.location)
    history = dialog.locator("#service-history tbody tr")
    expect(history).to_have_count(min(len(moved["tests"]), 100))
    newest = moved["tests"][0]
    expect(history.first).to_contain_text(newest.tested_on.strftime("%-d %b %Y"))
    expect(history.first).to_contain_text(
        {"pass": "Pass", "fail": "Fail", "not_tested": "Not tested"}[newest.result]
    )

    page.locator("#tab-transfer").click()
    moves = dialog.locator("#transfer-history tbody tr")
    expect(moves).to_have_count(2)
    _shot(page, "assets-transfer-history.png")
    expect(moves.first).to_contain_text("Workshop")  # newest first: back from the workshop
    expect(moves.first).to_contain_text("Northside Plaza")
    expect(dialog).to_contain_text("Removed for five-yearly pressure test")
    page.locator("#close-asset").click()
    expect(dialog).to_have_count(0)

    row.click()
    expect(page.locator("#asset-detail")).to_be_visible()
    expect(page.locator("#service-history")).to_be_visible()  # opens on Service History again
    page.keyboard.press("Escape")
    expect(page.locator("#asset-detail")).to_have_count(0)

    # Reload lands on the same site.
    page.reload()
    expect(page.locator("#asset-site")).to_contain_text("Northside Plaza")
    expect(page.locator("[data-group]")).to_have_count(len(counts))


def test_an_asset_without_transfers_says_so(page, portal, moved):
    plaza = moved["site"]
    with _db(portal) as s:
        still = s.exec(
            select(Asset)
            .where(Asset.site_id == plaza.id, Asset.id.not_in(select(Transfer.asset_id)))
            .order_by(Asset.number)
        ).first()
    login(page, DANA)
    at(page, "/dashboard")
    page.goto(f"/assets?site={plaza.id}&q={still.number}")
    page.locator(f"[data-asset='{still.id}']").click()
    page.locator("#tab-transfer").click()
    expect(page.locator("#transfer-history-empty")).to_have_text("This asset has not been moved.")


def test_search_narrows_the_groups_and_the_csv(page, portal, moved):
    plaza, asset = moved["site"], moved["asset"]
    login(page, DANA)
    at(page, "/dashboard")
    page.goto(f"/assets?site={plaza.id}")
    expect(page.locator("[data-group]")).to_have_count(len(_type_counts(portal, plaza.id)))

    page.locator("#list-search").fill(asset.number)
    page.locator("#list-search").press("Enter")
    at(page, f"/assets?site={plaza.id}&q={asset.number}")
    expect(page.locator("[data-group]")).to_have_count(1)
    expect(_group(page, moved["type"]).locator(".group-count")).to_have_text("1")
    expect(page.locator(f"[data-asset='{asset.id}']")).to_be_visible()  # a search opens the groups it found

    with page.expect_download() as info:
        page.locator("#download-menu").click()
        page.locator("#download-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Asset No.", "Type", "Name"]
    assert [r[0] for r in rows[1:]] == [asset.number]
    assert rows[1][1] == moved["type"] and rows[1][6] == asset.serial

    page.locator("#list-search").fill("no such asset " + uuid.uuid4().hex[:6])
    page.locator("#list-search").press("Enter")
    expect(page.locator("#no-assets")).to_contain_text("No assets at Northside Plaza match")
    expect(page.locator("[data-group]")).to_have_count(0)

    page.go_back()
    expect(page.locator("[data-group]")).to_have_count(1)

    # The whole site's CSV, fetched with the browser's own cookie.
    resp = page.request.get(f"/export/assets/{plaza.id}.csv")
    assert resp.status == 200 and "attachment" in resp.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(resp.text().lstrip("\ufeff"))))
    assert len(lines) - 1 == sum(_type_counts(portal, plaza.id).values())


def test_book_a_job_from_an_asset(page, portal, moved):
    plaza, asset = moved["site"], moved["asset"]
    marker = uuid.uuid4().hex[:8]
    login(page, DANA)
    at(page, "/dashboard")
    page.goto(f"/assets?site={plaza.id}&q={asset.number}")
    page.locator(f"[data-options='{asset.id}']").click()
    expect(page.get_by_role("menuitem", name="Request a Quote")).to_be_visible()
    page.get_by_role("menuitem", name="Book a Job").click()
    at(page, f"/jobs/book?site={plaza.id}&asset={asset.id}")
    expect(page.locator("#site")).to_have_value(str(plaza.id))
    expect(page.locator(f"#added-assets [data-added-asset='{asset.id}']")).to_be_visible()
    page.locator("#description").fill(f"Extinguisher pressure low {marker}")
    page.locator("#submit-request").click()
    page.wait_for_url(re.compile(r"/jobs/?\?tab=pending&created=(\d+)$"), timeout=20_000)
    number = int(re.search(r"created=(\d+)", page.url).group(1))
    with _db(portal) as s:
        job = s.exec(select(Job).where(Job.number == number)).one()
        assert job.site_id == plaza.id and marker in job.description
        assert s.exec(select(JobAsset.asset_id).where(JobAsset.job_id == job.id)).all() == [asset.id]


def test_limited_contact_sees_only_its_sites(page, portal):
    with _db(portal) as s:
        sam = s.exec(select(Contact).where(Contact.email == SAM)).one()
    plaza, albion, kedron = (
        _site(portal, n) for n in ("Northside Plaza", "Albion Central", "Kedron Brook Offices")
    )
    login(page, SAM)
    at(page, "/dashboard")
    page.goto("/assets")
    expect(page.locator("#asset-groups")).to_be_visible()
    page.locator("#asset-site").click()
    expect(page.get_by_role("option")).to_have_text(["Albion Central", "Northside Plaza"])
    page.keyboard.press("Escape")

    with _db(portal) as s:
        hidden = s.exec(select(Asset).where(Asset.site_id == kedron.id).order_by(Asset.number)).first()
    page.goto(f"/assets?site={kedron.id}")
    expect(page.locator("#site-notice")).to_contain_text("isn't available to your login")
    expect(page.locator("[data-group]")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Kedron Brook")
    page.goto(f"/assets?site={plaza.id}&q={hidden.number}")
    expect(page.locator("#no-assets")).to_be_visible()

    assert page.request.get(f"/export/assets/{kedron.id}.csv").status == 404
    assert page.request.get(f"/export/assets/{albion.id}.csv").status == 200
    assert sam.all_sites is False


def test_options_follow_the_contacts_pages_and_no_sites_says_so(page, portal):
    """Sam without the Jobs page is offered no Book a Job; without sites he is told why the list is empty."""
    plaza = _site(portal, "Northside Plaza")
    with _db(portal) as s:
        sam = s.exec(select(Contact).where(Contact.email == SAM)).one()
        sam_id, pages = sam.id, list(sam.pages)
        kept = [
            (link.contact_id, link.site_id)
            for link in s.exec(select(ContactSite).where(ContactSite.contact_id == sam_id)).all()
        ]
        sam.pages = [p for p in pages if p != "jobs"]
        s.add(sam)
        s.commit()
    try:
        login(page, SAM)
        at(page, "/dashboard")
        page.goto(f"/assets?site={plaza.id}")
        group = page.locator("[data-group]").first
        group.locator(".group-toggle").click()
        group.locator("[data-options]").first.click()
        expect(page.get_by_role("menuitem", name="Request a Quote")).to_be_visible()
        expect(page.get_by_role("menuitem", name="Book a Job")).to_have_count(0)
        page.keyboard.press("Escape")

        with _db(portal) as s:
            for link in s.exec(select(ContactSite).where(ContactSite.contact_id == sam_id)).all():
                s.delete(link)
            s.commit()
        page.goto("/assets")
        expect(page.locator("#no-sites")).to_contain_text("No sites are linked to your login")
        expect(page.locator("#download-menu")).to_have_count(0)
    finally:
        with _db(portal) as s:
            back = s.get(Contact, sam_id)
            back.pages = pages
            s.add(back)
            s.add_all(
                [ContactSite(contact_id=c, site_id=i) for c, i in kept if s.get(ContactSite, (c, i)) is None]
            )
            s.commit()


def test_signed_out_csv_is_refused(page, portal):
    plaza = _site(portal, "Northside Plaza")
    assert page.request.get(f"/export/assets/{plaza.id}.csv").status == 401


def test_phone_shows_the_list_without_sideways_scrolling(phone, portal, moved):
    plaza, asset = moved["site"], moved["asset"]
    login(phone, DANA)
    at(phone, "/dashboard")
    phone.goto(f"/assets?site={plaza.id}&q={asset.number}")
    row = phone.locator(f"[data-asset='{asset.id}']")
    expect(row).to_be_visible()
    group = _group(phone, moved["type"])
    expect(group.get_by_role("columnheader", name="Location")).to_be_hidden()
    expect(group.get_by_role("columnheader", name="Next service due")).to_be_visible()
    expect(phone.locator(f"[data-options='{asset.id}']")).to_be_visible()
    expect(group.get_by_role("columnheader", name="Name")).to_be_hidden()
    expect(group.get_by_role("rowheader")).to_contain_text(asset.name)  # the name moves under the number
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the page scrolls sideways"
    overflow = group.locator("table").evaluate("t => t.scrollWidth - t.parentElement.clientWidth")
    assert overflow <= 1, f"the group's table is {overflow}px wider than a phone"
    row.click()
    expect(phone.locator("#asset-detail")).to_be_visible()
    expect(phone.locator("#close-asset")).to_be_in_viewport()
    _shot(phone, "assets-phone.png")
