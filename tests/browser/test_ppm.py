"""Reports > PPM in a real browser: the heatmap for the demo's main site, its cells' pop-ups against the
database, the keyboard table, a limited contact's sites and downloads, and a screenshot for people."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func
from sqlmodel import Session, select

from portal.core import tenant, weeks
from portal.models import Asset, Contact, ContactSite, Customer, Job, ServiceRecord, Site
from portal.services.assets import ppm
from portal.services.identity.principals import scope_for
from portal.state.display import day
from tests.browser.conftest import at, login
from tests.browser.test_quotes_jobs import _cookie_header, _get

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
MAIN_SITE = "Northside Plaza"

# The pixel centre of a heatmap cell, from Plotly's own axes (x is the week, y the row index).
CELL_XY = """([week, row]) => {
  const gd = document.getElementById('ppm-heatmap');
  const L = gd._fullLayout, box = gd.getBoundingClientRect();
  return [box.left + L.xaxis._offset + L.xaxis.l2p(week), box.top + L.yaxis._offset + L.yaxis.l2p(row)];
}"""


def _setting(portal, email: str, site_name: str | None = None):
    """The contact's scope, today, its filters for the main site (or all sites) and the grid it shows."""
    with Session(portal.engine) as s:
        contact = s.exec(select(Contact).where(Contact.email == email)).one()
        scope = scope_for(s, contact.id)
        today = tenant.today(s)
        site_id = None
        if site_name:
            site_id = s.exec(
                select(Site.id).where(Site.customer_id == contact.customer_id, Site.name == site_name)
            ).one()
        filters = ppm.Filters(weeks.week_of(today)[0], site_id)
        grid = ppm.compute(s, scope, filters, today)
    return scope, today, filters, grid


def _sign_in(page, email: str) -> None:
    login(page, email)
    at(page, "/dashboard")
    page.goto("/reports/ppm")


def _open(page, filters: ppm.Filters) -> None:
    query = "&".join(f"{k}={v}" for k, v in filters.query().items() if v)
    page.goto(f"/reports/ppm?{query}")
    expect(page.locator("#ppm-chart")).to_have_attribute("data-runs", re.compile(r"[1-9]"), timeout=30_000)
    expect(page.locator("#ppm-heatmap .heatmaplayer").first).to_be_attached()


def _click_cell(page, week: int, row: int) -> None:
    # A closing dialog leaves the page inert (pointer-events: none) until it has gone.
    page.wait_for_function("getComputedStyle(document.body).pointerEvents !== 'none'")
    x, y = page.evaluate(CELL_XY, [week, row])
    # Plotly clicks the point its last hover found: hover the cell (its label shows) before clicking.
    label = page.locator("#ppm-heatmap .hoverlayer .hovertext")
    page.mouse.move(1, 1)
    expect(label).to_have_count(0)
    # On a busy machine Plotly can miss one move (it hovers on an animation frame): move again.
    for nudge in (0, 1, -1, 2, -2):
        page.mouse.move(x + nudge, y + nudge)
        try:
            expect(label).to_have_count(1, timeout=3_000)
            break
        except AssertionError:
            continue
    expect(label).to_have_count(1)
    page.mouse.down()
    page.mouse.up()


def _recorded(portal, customer_id: int, filters: ppm.Filters, row: ppm.Row, wk: weeks.Week):
    """Results and job numbers of one past cell, counted straight from the records."""
    with Session(portal.engine) as s:
        base = (
            select(ServiceRecord.result, func.count())
            .join(Asset, Asset.id == ServiceRecord.asset_id)
            .where(
                Asset.customer_id == customer_id,
                Asset.site_id == filters.site_id,
                Asset.asset_type_id == row.asset_type_id,
                ServiceRecord.service_level_id == row.service_level_id,
                ServiceRecord.tested_on >= wk.start,
                ServiceRecord.tested_on <= wk.end,
            )
        )
        counts = dict(s.exec(base.group_by(ServiceRecord.result)).all())
        jobs = s.exec(
            select(Job.number)
            .distinct()
            .join(ServiceRecord, ServiceRecord.job_id == Job.id)
            .join(Asset, Asset.id == ServiceRecord.asset_id)
            .where(
                Asset.site_id == filters.site_id,
                Asset.asset_type_id == row.asset_type_id,
                ServiceRecord.service_level_id == row.service_level_id,
                ServiceRecord.tested_on >= wk.start,
                ServiceRecord.tested_on <= wk.end,
            )
        ).all()
    return counts, sorted(jobs)


def _find(grid: ppm.Grid, states: tuple[str, ...]) -> tuple[int, int]:
    for state in states:
        for r in range(len(grid.rows)):
            for wk in grid.weeks:
                if grid.states[r, wk.number - 1] == state:
                    return r, wk.number
    raise AssertionError(f"the demo's main site has no {states} cell this year")


def test_ppm_heatmap_cells_match_the_database(page, portal):
    scope, _today, filters, grid = _setting(portal, "dana@northside.example", MAIN_SITE)
    _sign_in(page, "dana@northside.example")
    _open(page, filters)
    expect(page.locator("#ppm-key")).to_contain_text("At least one failure")
    assert page.locator("#ppm-chart").get_attribute("data-rows") == str(len(grid.rows))

    # A past week with a failure: its numbers and job cards, counted independently from the records.
    r, week = _find(grid, (ppm.FAILED_UNTESTED, ppm.FAILED))
    row, wk = grid.rows[r], grid.weeks[week - 1]
    counts, jobs = _recorded(portal, scope.customer_id, filters, row, wk)
    assert counts.get("fail", 0) > 0
    _click_cell(page, week, r)
    dialog = page.locator("#ppm-cell")
    expect(dialog).to_be_visible()
    expect(dialog).to_have_attribute("data-kind", "past")
    expect(page.locator("#ppm-cell-dates")).to_have_text(f"{day(wk.start)} to {day(wk.end)}")
    expect(page.locator("#ppm-cell-type")).to_have_text(row.label)
    expect(page.locator("#ppm-cell-failed")).to_have_text(str(counts.get("fail", 0)))
    expect(page.locator("#ppm-cell-passed")).to_have_text(str(counts.get("pass", 0)))
    expect(page.locator("#ppm-cell-untested")).to_have_text(str(counts.get("not_tested", 0)))
    expect(page.locator("#ppm-cell-jobs [data-job]")).to_have_text([f"#{n}" for n in jobs])
    expect(page.locator("#ppm-cell-jobs a").first).to_have_attribute(
        "href", re.compile(rf"/jobs\?tab=\w+&q={jobs[0]}")
    )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # A week ahead: the number due.
    r, week = _find(grid, (ppm.DUE,))
    _click_cell(page, week, r)
    expect(dialog).to_have_attribute("data-kind", "future")
    expect(page.locator("#ppm-cell-type")).to_have_text(grid.rows[r].label)
    expect(page.locator("#ppm-cell-due")).to_have_text(str(int(grid.counts["due"][r, week - 1])))
    wk = grid.weeks[week - 1]
    expect(page.locator("#ppm-cell-dates")).to_have_text(f"{day(wk.start)} to {day(wk.end)}")
    page.keyboard.press("Escape")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ppm-report.png"), full_page=True)


def test_the_table_view_opens_a_cell_from_the_keyboard(page, portal):
    _scope, _today, filters, grid = _setting(portal, "dana@northside.example", MAIN_SITE)
    _sign_in(page, "dana@northside.example")
    _open(page, filters)
    page.locator("#ppm-table-toggle").click()
    r, week = _find(grid, (ppm.PASSED,))
    button = page.locator("#ppm-table tbody tr").nth(r).locator(f"button[data-week='{week}']")
    expect(button).to_have_attribute("data-state", "passed")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#ppm-cell-passed")).to_have_text(str(int(grid.counts["passed"][r, week - 1])))
    page.keyboard.press("Escape")
    expect(page.locator("#ppm-cell")).to_be_hidden()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ppm-table.png"), full_page=True)


def test_the_filters_live_in_the_url_and_bad_input_shows_beside_the_field(page, portal):
    _scope, _today, filters, _grid = _setting(portal, "dana@northside.example", MAIN_SITE)
    _sign_in(page, "dana@northside.example")
    _open(page, filters)
    page.locator("#ppm-year").fill("1989")  # before the first year the portal supports
    page.locator("#ppm-search").click()
    expect(page.locator(".field-error")).to_have_text(re.compile("Enter a year"))
    page.locator("#ppm-year").fill(str(filters.year - 1))
    page.locator("#ppm-search").click()
    page.wait_for_url(re.compile(rf"year={filters.year - 1}"))
    page.reload()
    expect(page.locator("#ppm-year")).to_have_value(str(filters.year - 1))
    expect(page.locator("#ppm-site")).to_have_text(MAIN_SITE)


def test_a_limited_contact_sees_only_its_sites_and_downloads_only_them(page, portal):
    scope, _today, _filters, _grid = _setting(portal, "sam@northside.example")
    with Session(portal.engine) as s:
        mine = sorted(
            s.exec(
                select(Site.name)
                .join(ContactSite, ContactSite.site_id == Site.id)
                .where(ContactSite.contact_id == scope.contact_id)
            ).all()
        )
        other = s.exec(
            select(Site.id).where(Site.customer_id == scope.customer_id, Site.id.not_in(scope.site_ids))
        ).first()
        school_site = s.exec(
            select(Site.id)
            .join(Customer, Customer.id == Site.customer_id)
            .where(Customer.name == "St Brigid's College")
        ).first()
    assert len(mine) == 2 and other is not None
    _sign_in(page, "sam@northside.example")
    expect(page.locator("#ppm-chart")).to_have_attribute("data-runs", re.compile(r"[1-9]"), timeout=30_000)
    page.locator("#ppm-site").click()
    options = page.get_by_role("option").all_inner_texts()
    assert sorted(o for o in options if o != "All sites") == mine
    page.keyboard.press("Escape")

    cookie = _cookie_header(page)
    status, body, headers = _get(portal, f"/export/reports/ppm.csv?site={sorted(scope.site_ids)[0]}", cookie)
    assert status == 200 and headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Asset type / service level", "Week"] and len(rows) > 1
    assert _get(portal, f"/export/reports/ppm.csv?site={other}", cookie)[0] == 403
    assert _get(portal, f"/export/reports/ppm.csv?site={school_site}", cookie)[0] == 403
    assert _get(portal, "/export/reports/ppm.csv?year=abc", cookie)[0] == 400
    assert _get(portal, "/export/reports/ppm.csv", "")[0] == 401

    # Through the page, another site's id in the URL is refused beside the field, not shown.
    page.goto(f"/reports/ppm?site={other}")
    expect(page.locator(".field-error")).to_have_text("Choose one of your sites.")


def test_on_a_phone_the_filters_stack_and_the_grid_scrolls_inside_its_box(phone, portal):
    _scope, _today, filters, grid = _setting(portal, "dana@northside.example", MAIN_SITE)
    _sign_in(phone, "dana@northside.example")
    _open(phone, filters)
    year, search = phone.locator("#ppm-year").bounding_box(), phone.locator("#ppm-search").bounding_box()
    assert search["y"] > year["y"] + year["height"], "the Search button sits under the fields"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("#ppm-table-toggle").click()
    expect(phone.locator("#ppm-table tbody tr")).to_have_count(len(grid.rows))
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "ppm-report-phone.png"), full_page=True)
