"""Current Defects and Test History in a real browser, checked against the database.

Expected figures are read straight from the tables (not through the report services), so a
report that filters, scopes or counts wrongly disagrees with them.
"""

from __future__ import annotations

import csv
import io
import re
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from portal.core import tenant
from portal.models import (
    Asset,
    Contact,
    ContactSite,
    Customer,
    Defect,
    Quote,
    QuoteAsset,
    ServiceRecord,
    Site,
    TestResult,
)
from tests.browser.conftest import at, login
from tests.frozen import TODAY

MAIN = "Northside Property Group"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DANA, SAM = "dana@northside.example", "sam@northside.example"


def _db(portal) -> Session:
    return Session(portal.engine, expire_on_commit=False)


def _customer_id(portal) -> int:
    with _db(portal) as s:
        return s.exec(select(Customer.id).where(Customer.name == MAIN)).one()


def _open_defects(portal, *where) -> list[Defect]:
    with _db(portal) as s:
        return list(
            s.exec(
                select(Defect)
                .where(Defect.rectified_on.is_(None), *where)
                .order_by(Defect.found_on.desc(), Defect.id.desc())
            ).all()
        )


def _busiest_defect_site(portal) -> Site:
    """The customer's site with the most current defects, so the report has something to show."""
    customer = _customer_id(portal)
    with _db(portal) as s:
        site_id, _n = s.exec(
            select(Defect.site_id, func.count())
            .where(Defect.customer_id == customer, Defect.rectified_on.is_(None))
            .group_by(Defect.site_id)
            .order_by(func.count().desc(), Defect.site_id)
            .limit(1)
        ).one()
        return s.get(Site, site_id)


def _open_as(page, user: str, path: str) -> None:
    """Sign in straight to a report and wait for its filters (the login page's address ends with ``path``
    too)."""
    login(page, user, next_path=path)
    at(page, path)
    expect(page.locator("#report-filters")).to_be_visible()


def _shot(page, name: str) -> None:
    """A picture for a person to look at (tests/artifacts is not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _total_shown(page) -> int:
    expect(page.locator("#result-count")).not_to_have_text("")
    text = page.locator("#result-count").inner_text()
    return 0 if text == "No results" else int(text.rsplit(" of ", 1)[1].replace(",", ""))


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _get(portal, page, path: str) -> tuple[int, str, dict[str, str]]:
    """A download with the browser's session cookie (Playwright's own requests leave out its Secure
    cookie)."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    req = urllib.request.Request(portal.url + path, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            return resp.status, resp.read().decode("utf-8"), {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8"), {}


def _site_options(page) -> list[str]:
    return page.locator("#filter-site option").all_inner_texts()


def _sam(portal) -> tuple[Contact, set[int]]:
    with _db(portal) as s:
        sam = s.exec(select(Contact).where(Contact.username == SAM)).one()
        return sam, set(s.exec(select(ContactSite.site_id).where(ContactSite.contact_id == sam.id)).all())


# --- Current Defects --------------------------------------------------------------------------------


def test_current_defects_for_a_site_then_request_a_quote_for_one(page, portal):
    site = _busiest_defect_site(portal)
    expected = _open_defects(portal, Defect.site_id == site.id)
    customer = _customer_id(portal)
    everything = _open_defects(portal, Defect.customer_id == customer)
    assert 0 < len(expected) < len(everything)
    # Three page loads and a form submit on a machine shared with other builds: more than the default 15 s.
    page.set_default_timeout(30_000)

    _open_as(page, DANA, "/reports/defects")
    expect(page.locator("#result-count")).to_contain_text(f"of {len(everything)}")

    page.locator("#filter-site").select_option(str(site.id))
    page.locator("#run-report").click()
    at(page, f"/reports/defects?site={site.id}")
    expect(page.locator("#result-count")).to_contain_text(f"of {len(expected)}")
    shown = page.locator("[data-defect]")
    expect(shown).to_have_count(min(len(expected), 25))
    assert [int(i) for i in shown.evaluate_all("rows => rows.map(r => r.dataset.defect)")] == [
        d.id for d in expected[:25]
    ], "newest first, as the database orders them"
    for severity in ("critical", "non_critical", "non_conformance"):
        count = sum(1 for d in expected if d.severity == severity)
        expect(page.locator(f"#report-summary [data-severity={severity}]")).to_have_attribute(
            "data-count", str(count)
        )
    _shot(page, "current-defects.png")

    # A reload keeps the filter: it lives in the address.
    page.reload()
    expect(page.locator("#filter-site")).to_have_value(str(site.id))
    expect(page.locator("#result-count")).to_contain_text(f"of {len(expected)}")

    # Request a Quote on the first defect: the form opens with its site and asset.
    defect = expected[0]
    row = page.locator(f"[data-defect='{defect.id}']")
    expect(row).to_contain_text(defect.description[:40])
    row.locator(f"[data-request='{defect.id}']").click()
    at(page, f"/quotes/request?site={site.id}&asset={defect.asset_id}&defect={defect.id}")
    expect(page.locator("#site")).to_have_value(str(site.id))
    expect(page.locator(f"#added-assets [data-added-asset='{defect.asset_id}']")).to_be_visible()
    expect(page.locator("#description")).to_have_value(re.compile(re.escape(defect.description)))
    marker = f"defect-{defect.id}-{TODAY:%Y%m%d}"
    page.locator("#description").fill(f"Please quote to rectify this defect ({marker}).")
    page.locator("#submit-request").click()
    page.wait_for_url(re.compile(r"/quotes/?\?tab=outstanding&created=(\d+)$"), timeout=20_000)
    number = int(re.search(r"created=(\d+)", page.url).group(1))

    with _db(portal) as s:
        quote = s.exec(select(Quote).where(Quote.number == number)).one()
        assert (quote.customer_id, quote.site_id) == (customer, site.id)
        assert marker in quote.description
        assert s.exec(select(QuoteAsset.asset_id).where(QuoteAsset.quote_id == quote.id)).all() == [
            defect.asset_id
        ]
        # The quote is recorded against the defect, which stays current until a job rectifies it.
        stored = s.get(Defect, defect.id)
        assert (stored.quote_id, stored.rectified_on) == (quote.id, None)


def test_defects_csv_is_the_filtered_report(page, portal):
    site = _busiest_defect_site(portal)
    expected = _open_defects(portal, Defect.site_id == site.id)
    with _db(portal) as s:
        numbers = {a.id: a.number for a in s.exec(select(Asset).where(Asset.site_id == site.id)).all()}
    _open_as(page, DANA, f"/reports/defects?site={site.id}")
    expect(page.locator("#result-count")).to_contain_text(f"of {len(expected)}")
    with page.expect_download() as info:
        page.locator("#download-csv").click()
    download = info.value
    assert download.suggested_filename.startswith("current-defects-")
    rows = _rows(Path(download.path()).read_text(encoding="utf-8"))
    assert rows[0][:3] == ["Date Checked", "Site", "Asset No."]
    assert len(rows) - 1 == len(expected)
    assert {r[1] for r in rows[1:]} == {site.name}
    assert [r[2] for r in rows[1:]] == [numbers[d.asset_id] for d in expected]
    assert [r[0] for r in rows[1:]] == [d.found_on.isoformat() for d in expected]


# --- Test History -----------------------------------------------------------------------------------


def test_test_history_with_a_status_and_range_and_a_bad_range(page, portal):
    site = _busiest_defect_site(portal)
    with _db(portal) as s:
        today = tenant.today(s)
    start, end = today - timedelta(days=365), today - timedelta(days=30)

    def tests(*where):
        with _db(portal) as s:
            return list(
                s.exec(
                    select(ServiceRecord.id)
                    .join(Asset, Asset.id == ServiceRecord.asset_id)
                    .where(
                        Asset.site_id == site.id,
                        ServiceRecord.tested_on >= start,
                        ServiceRecord.tested_on <= end,
                        *where,
                    )
                    .order_by(ServiceRecord.tested_on.desc(), ServiceRecord.id.desc())
                ).all()
            )

    failed = tests(ServiceRecord.result == TestResult.FAIL)
    every = tests()
    assert 0 < len(failed) < len(every)

    _open_as(page, DANA, "/reports/test-history")
    expect(page.locator("#filter-start")).to_have_value(
        (today.replace(year=today.year - 1) + timedelta(days=1)).isoformat()
    )
    expect(page.locator("#filter-end")).to_have_value(today.isoformat())

    page.locator("#filter-site").select_option(str(site.id))
    page.locator("#filter-start").fill(start.isoformat())
    page.locator("#filter-end").fill(end.isoformat())
    page.locator("#filter-status").select_option("fail")
    page.locator("#run-report").click()
    at(page, f"/reports/test-history?site={site.id}&from={start}&to={end}&status=fail")
    expect(page.locator("#result-count")).to_contain_text(f"of {len(failed)}")
    shown = page.locator("[data-test]")
    expect(shown).to_have_count(min(25, len(failed)))
    assert [int(i) for i in shown.evaluate_all("rows => rows.map(r => r.dataset.test)")] == failed[:25]
    assert set(shown.evaluate_all("rows => rows.map(r => r.dataset.result)")) == {"fail"}
    expect(page.locator("#report-summary [data-result=fail]")).to_have_attribute(
        "data-count", f"{len(failed):,}"
    )
    expect(page.locator("#report-summary [data-result=pass]")).to_have_attribute(
        "data-count", f"{len(tests(ServiceRecord.result == TestResult.PASS)):,}"
    )
    _shot(page, "test-history.png")

    # The summary's "All results" drops the status filter and keeps the rest.
    page.locator("#report-summary [data-result=all]").click()
    at(page, f"/reports/test-history?site={site.id}&from={start}&to={end}")
    expect(page.locator("#result-count")).to_contain_text(f"of {len(every)}")

    # A From after the To: the message sits beside the field and nothing is listed or downloadable.
    page.locator("#filter-start").fill((end + timedelta(days=1)).isoformat())
    page.locator("#run-report").click()
    error = page.locator(".field-error")
    expect(error).to_have_text("The To date must be on or after the From date.")
    expect(page.locator("#result-count")).to_have_text("No results")
    expect(page.locator("#download-csv")).to_have_count(0)
    assert page.url.endswith(f"?site={site.id}&from={start}&to={end}"), "a bad range does not navigate"
    _shot(page, "test-history-bad-range.png")


def test_test_history_csv_matches_the_database(page, portal):
    site = _busiest_defect_site(portal)
    start, end = date(2000, 1, 1), date(2100, 1, 1)
    with _db(portal) as s:
        expected = s.exec(
            select(ServiceRecord.id)
            .join(Asset, Asset.id == ServiceRecord.asset_id)
            .where(Asset.site_id == site.id, ServiceRecord.result == TestResult.NOT_TESTED)
        ).all()
    _open_as(page, DANA, "/reports/test-history")
    status, text, headers = _get(
        portal,
        page,
        f"/export/reports/test-history.csv?site={site.id}&from={start}&to={end}&status=not_tested",
    )
    assert status == 200
    assert headers["content-disposition"].startswith('attachment; filename="test-history-')
    rows = _rows(text)
    assert rows[0] == [
        "Date Tested",
        "Site",
        "Asset No.",
        "Asset",
        "Location",
        "Asset Type",
        "Service Level",
        "Result",
        "Technician",
        "Notes",
        "Job No.",
    ]
    assert len(rows) - 1 == len(expected) > 0
    assert {r[1] for r in rows[1:]} == {site.name} and {r[7] for r in rows[1:]} == {"Not tested"}


# --- a contact limited to some sites ----------------------------------------------------------------


def test_a_limited_contact_sees_only_its_sites_everywhere(page, portal):
    sam, mine = _sam(portal)
    customer = _customer_id(portal)
    with _db(portal) as s:
        names = sorted(s.exec(select(Site.name).where(Site.id.in_(mine))).all())
        other = s.exec(
            select(Site).where(Site.customer_id == customer, Site.id.not_in(mine)).order_by(Site.id)
        ).first()
    mine_open = _open_defects(portal, Defect.site_id.in_(mine))

    _open_as(page, SAM, "/reports/defects")
    assert _site_options(page) == ["All my sites", *names]
    expect(page.locator("#result-count")).to_contain_text(f"of {len(mine_open)}")
    status, text, _ = _get(portal, page, "/export/reports/defects.csv")
    csv_rows = _rows(text)
    assert (
        status == 200 and len(csv_rows) - 1 == len(mine_open) and {r[1] for r in csv_rows[1:]} <= set(names)
    )

    status, text, _ = _get(portal, page, f"/export/reports/defects.csv?site={other.id}")
    assert status == 404 and other.name not in text
    assert _get(portal, page, f"/export/reports/test-history.csv?site={other.id}")[0] == 404

    page.goto(f"/reports/defects?site={other.id}")
    expect(page.locator("#refused")).to_be_visible()
    expect(page.locator("#result-count")).to_have_text("No results")
    expect(page.locator("[data-defect]")).to_have_count(0)

    page.goto("/reports/test-history")
    expect(page.locator("#result-count")).not_to_have_text("")
    assert _site_options(page) == ["All my sites", *names]
    sites_shown = set(page.locator("[data-test] td:nth-child(2)").all_inner_texts())
    assert sites_shown and sites_shown <= set(names)


# --- phone -----------------------------------------------------------------------------------------------


def test_defects_on_a_phone(phone, portal):
    _open_as(phone, DANA, "/reports/defects")
    first = phone.locator("[data-defect]").first
    expect(first).to_be_visible()
    # Date and severity move into the asset's cell; the other columns give way.
    expect(first.locator("th")).to_contain_text(re.compile(r"\d{1,2} \w{3} \d{4}"))
    expect(first.locator("th")).to_contain_text(re.compile("Critical|Non-critical|Non-conformance"))
    for header in ("Date Checked", "Site", "Severity", "Defect"):
        expect(phone.get_by_role("columnheader", name=header)).to_be_hidden()
    button = first.locator("[data-request]").bounding_box()
    assert button["x"] + button["width"] <= 390, "Request a Quote fits on the screen without scrolling"
    site_box, search_box = (
        phone.locator("#filter-site").bounding_box(),
        phone.locator("#report-search").bounding_box(),
    )
    assert site_box["width"] > 300 and search_box["y"] > site_box["y"], "the filters stack on a phone"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1, (
        "nothing pushes the page sideways"
    )
    _shot(phone, "current-defects-phone.png")
