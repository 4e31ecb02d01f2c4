"""Test History: the date range, status, the shared filters, order, pages, scope and the CSV download."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied
from portal.models import Asset, Job, ServiceLevel, ServiceRecord, TestResult
from portal.services.assets import defects
from portal.services.assets import test_history as th
from portal.services.assets.defects import AssetFilters
from portal.services.assets.test_history import HistoryFilters
from tests import frozen
from tests.unit import factories as f
from tests.unit.test_defects_report import (
    World,
    add_asset,
    build_world,
    committed_build,
    read_csv,
    route_client,
    scope_of,
    sign_in,
)

START, END = date(2026, 1, 1), date(2026, 3, 31)
PASS, FAIL, NOT_TESTED = TestResult.PASS, TestResult.FAIL, TestResult.NOT_TESTED


def add_level(s: Session, name: str = "Six Monthly") -> ServiceLevel:
    row = ServiceLevel(name=name, interval_months=6)
    s.add(row)
    s.flush()
    return row


def add_test(
    s: Session,
    on: Asset,
    level: ServiceLevel,
    tested_on: date,
    result: TestResult = PASS,
    technician: str = "Mia Nguyen",
    notes: str = "",
    job: Job | None = None,
) -> ServiceRecord:
    row = ServiceRecord(
        asset_id=on.id,
        service_level_id=level.id,
        job_id=job.id if job else None,
        due_on=tested_on,
        tested_on=tested_on,
        result=result,
        technician=technician,
        notes=notes,
    )
    s.add(row)
    s.flush()
    return row


def history(
    s: Session,
    who,
    start: date = START,
    end: date = END,
    status: str = "all",
    request: PageRequest | None = None,
    **chosen,
) -> th.HistoryReport:
    scope = scope_of(s, who)
    assets = defects.asset_filters(s, scope, chosen.get("site"), chosen.get("type"), chosen.get("q", ""))
    filters = HistoryFilters(assets, start, end, status) if assets is not None else None
    return th.history_report(s, scope, filters, request or PageRequest(size=100))


def ids(report: th.HistoryReport) -> list[int]:
    return [r.id for r in report.page.rows]


@pytest.fixture
def world(session) -> World:
    return build_world(session)


@pytest.fixture
def client(committed, monkeypatch):
    return route_client(committed, monkeypatch)


@pytest.fixture
def level(session) -> ServiceLevel:
    return add_level(session)


# --- range and status -----------------------------------------------------------------------------


def test_the_range_includes_both_ends_and_nothing_outside(session, world, level):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    before = add_test(session, sign, level, START - timedelta(days=1))
    first = add_test(session, sign, level, START)
    last = add_test(session, sign, level, END)
    after = add_test(session, sign, level, END + timedelta(days=1))
    report = history(session, world.full)
    assert ids(report) == [last.id, first.id]
    assert report.page.total == 2
    one_day = history(session, world.full, START, START)
    assert ids(one_day) == [first.id]
    assert before.id not in ids(report) and after.id not in ids(report)


def test_status_filters_the_rows_but_the_summary_counts_every_result(session, world, level):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    made = {
        result: [add_test(session, sign, level, START + timedelta(days=n), result) for n in range(count)]
        for result, count in ((PASS, 3), (FAIL, 2), (NOT_TESTED, 1))
    }
    for result in (PASS, FAIL, NOT_TESTED):
        report = history(session, world.full, status=result.value)
        assert sorted(ids(report)) == sorted(r.id for r in made[result])
        assert {r.result for r in report.page.rows} == {result.value}
        assert report.page.total == len(made[result])
        assert report.counts == {"pass": 3, "fail": 2, "not_tested": 1}
    assert history(session, world.full).page.total == 6


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "all"),
        (None, "all"),
        ("all", "all"),
        ("pass", "pass"),
        ("fail", "fail"),
        ("not_tested", "not_tested"),
        ("PASS", None),
        ("passed", None),
        ("' or 1=1", None),
    ],
)
def test_status_from_the_browser(raw, expected):
    assert th.status_filter(raw) == expected


def test_default_range_is_the_last_twelve_months():
    assert th.default_range(date(2026, 11, 23)) == (date(2025, 11, 24), date(2026, 11, 23))
    assert th.default_range(date(2028, 2, 29)) == (date(2027, 3, 1), date(2028, 2, 29))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-01-01", "2026-03-31", (date(2026, 1, 1), date(2026, 3, 31), {})),
        ("2026-01-01", "2026-01-01", (date(2026, 1, 1), date(2026, 1, 1), {})),
        ("", "", (date(2025, 11, 24), date(2026, 11, 23), {})),
        (
            "2026-04-01",
            "2026-03-31",
            (date(2026, 4, 1), date(2026, 3, 31), {"end": "The To date must be on or after the From date."}),
        ),
        ("01/02/2026", "2026-03-31", (None, date(2026, 3, 31), {"start": "Enter a date as DD/MM/YYYY."})),
        (
            "2026-02-30",
            "2026-13-01",
            (None, None, {"start": "Enter a date as DD/MM/YYYY.", "end": "Enter a date as DD/MM/YYYY."}),
        ),
        (
            "1066-10-14",
            "2026-03-31",
            (None, date(2026, 3, 31), {"start": "Choose a date between 1990 and 2100."}),
        ),
        (
            "2026-01-01",
            "9999-12-31",
            (date(2026, 1, 1), None, {"end": "Choose a date between 1990 and 2100."}),
        ),
    ],
)
def test_parse_range(start, end, expected):
    assert th.parse_range(start, end, date(2026, 11, 23)) == expected


# --- shared filters and search ------------------------------------------------------------------


@pytest.fixture
def spread(session, world, level):
    job = f.job(session, world.north)
    return {
        "north-sign": add_test(
            session,
            add_asset(session, world.north, world.signs, "NS-100", "Exit sign", "Plant room"),
            level,
            START,
            technician="Jack O'Brien",
            notes="Battery flat",
            job=job,
        ).id,
        "north-ext": add_test(
            session,
            add_asset(session, world.north, world.extinguishers, "NE-200", "CO2 extinguisher", "Kitchen"),
            level,
            START,
            FAIL,
        ).id,
        "south-sign": add_test(
            session,
            add_asset(session, world.south, world.signs, "SS-300", "Running man", "Car park"),
            level,
            START,
            NOT_TESTED,
        ).id,
        "other": add_test(
            session,
            add_asset(session, world.other_site, world.signs, "OS-1", "Exit sign", "Chapel"),
            level,
            START,
        ).id,
    }


def test_site_and_type_filters(session, world, spread):
    assert set(ids(history(session, world.full))) == {
        spread["north-sign"],
        spread["north-ext"],
        spread["south-sign"],
    }
    assert set(ids(history(session, world.full, site=world.north.id))) == {
        spread["north-sign"],
        spread["north-ext"],
    }
    assert set(ids(history(session, world.full, type=world.signs.id))) == {
        spread["north-sign"],
        spread["south-sign"],
    }
    report = history(session, world.full, site=world.north.id, type=world.signs.id)
    assert ids(report) == [spread["north-sign"]]
    assert report.counts == {"pass": 1, "fail": 0, "not_tested": 0}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ns-100", ["north-sign"]),
        ("co2", ["north-ext"]),
        ("car park", ["south-sign"]),
        ("exit", ["north-sign"]),
        (
            "Battery",
            [],
        ),  # notes are not searched (see the service: it keeps a search over a year of tests fast)
        ("O'Brien", []),
        ("%", []),
    ],
)
def test_search_looks_in_the_asset_number_name_and_location(session, world, spread, text, expected):
    assert ids(history(session, world.full, q=text)) == [spread[k] for k in expected]


def test_a_row_carries_what_the_report_shows(session, world, spread):
    [row] = history(session, world.full, q="NS-100").page.rows
    assert (
        row.tested_on,
        row.site_name,
        row.asset_number,
        row.asset_name,
        row.location,
        row.type_name,
        row.level_name,
        row.result,
        row.technician,
        row.notes,
    ) == (
        START,
        "North Tower",
        "NS-100",
        "Exit sign",
        "Plant room",
        "Exit Sign",
        "Six Monthly",
        "pass",
        "Jack O'Brien",
        "Battery flat",
    )
    assert row.job_number is not None
    [untested] = history(session, world.full, q="SS-300").page.rows
    assert untested.job_number is None


# --- order and pages -------------------------------------------------------------------------------


def test_newest_first_and_other_sorts(session, world, level):
    a = add_asset(session, world.north, world.signs, "B-2")
    b = add_asset(session, world.south, world.extinguishers, "A-1")
    early = add_test(session, a, level, START, technician="Zed")
    late = add_test(session, b, level, END, FAIL, technician="Amy")
    assert ids(history(session, world.full)) == [late.id, early.id]
    assert ids(history(session, world.full, request=PageRequest(sort="date", descending=False))) == [
        early.id,
        late.id,
    ]
    assert ids(history(session, world.full, request=PageRequest(sort="asset", descending=False))) == [
        late.id,
        early.id,
    ]
    assert ids(history(session, world.full, request=PageRequest(sort="site", descending=False))) == [
        early.id,
        late.id,
    ]
    assert ids(history(session, world.full, request=PageRequest(sort="technician", descending=False))) == [
        late.id,
        early.id,
    ]
    assert ids(history(session, world.full, request=PageRequest(sort="result", descending=False))) == [
        late.id,
        early.id,
    ]
    assert ids(history(session, world.full, request=PageRequest(sort="nonsense"))) == [late.id, early.id]


def test_pages_cover_every_test_once_in_order(session, world, level):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    made = [add_test(session, sign, level, START + timedelta(days=n % 3)) for n in range(23)]
    seen: list[int] = []
    for number in (1, 2, 3):
        report = history(session, world.full, request=PageRequest(page=number, size=10))
        assert (report.page.total, report.page.pages, report.page.page) == (23, 3, number)
        seen += ids(report)
    assert sorted(seen) == sorted(r.id for r in made)
    expected = sorted(made, key=lambda r: (r.tested_on, r.id), reverse=True)
    assert seen == [r.id for r in expected]
    past = history(session, world.full, request=PageRequest(page=50, size=10))
    assert (past.page.page, len(past.page.rows)) == (3, 3)
    by_site = history(session, world.full, request=PageRequest(sort="site", page=3, size=10))
    assert len(by_site.page.rows) == 3, "a sort that needs the display joins pages the same"


def test_status_paging_takes_its_total_from_that_status(session, world, level):
    sign = add_asset(session, world.north, world.signs, "EX-1")
    for n in range(12):
        add_test(session, sign, level, START + timedelta(days=n), FAIL if n % 4 == 0 else PASS)
    report = history(session, world.full, status="fail", request=PageRequest(size=10))
    assert (report.page.total, report.page.pages, len(report.page.rows)) == (3, 1, 3)


# --- scope --------------------------------------------------------------------------------------------


def test_a_limited_contact_sees_only_its_sites(session, world, spread):
    report = history(session, world.limited)
    assert set(ids(report)) == {spread["north-sign"], spread["north-ext"]}
    assert report.counts == {"pass": 1, "fail": 1, "not_tested": 0}


@pytest.mark.parametrize("raw", ["south", "other", "99999999999", "-1", "abc"])
def test_a_site_the_contact_cannot_see_gives_nothing(session, world, spread, raw):
    site = {"south": world.south.id, "other": world.other_site.id}.get(raw, raw)
    report = history(session, world.limited, site=site)
    assert (report.page.rows, report.page.total, sum(report.counts.values())) == ([], 0, 0)


def test_another_customer_sees_only_its_own(session, world, spread):
    assert ids(history(session, world.other_contact)) == [spread["other"]]


def test_the_reports_page_is_required(session, world):
    scope = scope_of(session, world.no_reports)
    filters = HistoryFilters(AssetFilters(), START, END)
    with pytest.raises(AccessDenied):
        th.history_report(session, scope, filters, PageRequest())
    with pytest.raises(AccessDenied):
        th.history_csv(session, scope, filters)


# --- CSV ------------------------------------------------------------------------------------------------


def test_csv_has_every_filtered_test_with_formulas_escaped(session, world, level):
    sign = add_asset(session, world.north, world.signs, "EX-1", "Exit sign", "Stair 2")
    job = f.job(session, world.north)
    add_test(session, sign, level, START, FAIL, "@Liam", "=cmd|' /C calc'!A0", job=job)
    add_test(session, sign, level, START + timedelta(days=1), NOT_TESTED, "Mia", 'No access, "locked"')
    add_test(session, add_asset(session, world.south, world.signs, "SS-1"), level, START, PASS)

    filters = HistoryFilters(AssetFilters(site_id=world.north.id), START, END)
    rows = read_csv("".join(th.history_csv(session, scope_of(session, world.full), filters)))

    assert rows[0] == th.CSV_HEADER
    assert rows[1] == [
        "2026-01-02",
        "North Tower",
        "EX-1",
        "Exit sign",
        "Stair 2",
        "Exit Sign",
        "Six Monthly",
        "Not tested",
        "Mia",
        'No access, "locked"',
        "",
    ]
    assert rows[2] == [
        "2026-01-01",
        "North Tower",
        "EX-1",
        "Exit sign",
        "Stair 2",
        "Exit Sign",
        "Six Monthly",
        "Fail",
        "'@Liam",
        "'=cmd|' /C calc'!A0",
        str(job.number),
    ]
    assert len(rows) == 3
    only_fail = HistoryFilters(AssetFilters(), START, END, "fail")
    rows = read_csv("".join(th.history_csv(session, scope_of(session, world.full), only_fail)))
    assert [r[7] for r in rows[1:]] == ["Fail"]


# --- the download route -----------------------------------------------------------------------------

URL = "/export/reports/test-history.csv"


@pytest.fixture
def routed(committed):
    def build(s):
        w = build_world(s)
        lvl = add_level(s)
        add_test(s, add_asset(s, w.north, w.signs, "NS-1"), lvl, date(2026, 2, 1), FAIL, notes="North test")
        add_test(s, add_asset(s, w.south, w.signs, "SS-1"), lvl, date(2026, 2, 2), PASS, notes="South test")
        add_test(
            s, add_asset(s, w.other_site, w.signs, "OS-1"), lvl, date(2026, 2, 3), notes="Other customer"
        )
        return w

    return committed_build(committed, build)


def _notes(resp) -> list[str]:
    assert resp.status_code == 200, resp.text
    return [r[9] for r in read_csv(resp.text)[1:]]


def test_route_needs_a_login_and_the_reports_page(client, committed, routed):
    assert client.get(URL).status_code == 401
    assert client.get(URL, cookies=sign_in(client, committed, routed.no_reports.id)).status_code == 403


def test_route_streams_the_filtered_tests(client, committed, routed):
    cookies = sign_in(client, committed, routed.full.id)
    query = {"from": "2026-01-01", "to": "2026-12-31"}
    resp = client.get(URL, params=query, cookies=cookies)
    assert resp.headers["content-disposition"] == (
        f'attachment; filename="test-history-2026-01-01-to-2026-12-31-{frozen.TODAY.isoformat()}.csv"'
    )
    assert resp.headers["cache-control"] == "private, no-store"
    assert _notes(resp) == ["South test", "North test"]
    assert _notes(client.get(URL, params=query | {"status": "fail"}, cookies=cookies)) == ["North test"]
    assert _notes(client.get(URL, params=query | {"site": routed.south.id}, cookies=cookies)) == [
        "South test"
    ]
    assert _notes(client.get(URL, params={"from": "2026-02-02", "to": "2026-02-02"}, cookies=cookies)) == [
        "South test"
    ]


def test_route_refuses_bad_filters_and_sites_out_of_scope(client, committed, routed):
    limited = sign_in(client, committed, routed.limited.id)
    query = {"from": "2026-01-01", "to": "2026-12-31"}
    assert _notes(client.get(URL, params=query, cookies=limited)) == ["North test"]
    assert client.get(URL, params=query | {"site": routed.south.id}, cookies=limited).status_code == 404
    assert client.get(URL, params=query | {"site": routed.other_site.id}, cookies=limited).status_code == 404
    assert (
        client.get(URL, params={"from": "2026-12-31", "to": "2026-01-01"}, cookies=limited).status_code == 400
    )
    assert client.get(URL, params={"from": "yesterday"}, cookies=limited).status_code == 400
    assert client.get(URL, params=query | {"status": "broken"}, cookies=limited).status_code == 400
