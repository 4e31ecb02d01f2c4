"""The PPM grid: each cell colour rule, what falls due in the weeks ahead, the filters and the scope."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import numpy as np
import pytest

from portal.core import weeks
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Contract,
    ContractSite,
    JobAsset,
    JobStage,
    ServiceLevel,
    ServiceRecord,
    TestResult,
)
from portal.services.assets import ppm
from portal.services.identity.principals import scope_for
from tests import frozen
from tests.unit import factories as f

TODAY = date(2026, 6, 17)  # a Wednesday in week 24 (15 to 21 June 2026)
THIS_WEEK = 24


def monday(week: int, year: int = 2026) -> date:
    return weeks.week(year, week).start


@pytest.fixture
def world(session):
    """A customer with two sites, a monthly and a six-monthly level, and another customer beside it."""
    owner = f.customer(session, "Northside")
    main, annex = f.site(session, owner, "Main"), f.site(session, owner, "Annex")
    other = f.customer(session, "Elsewhere")
    far = f.site(session, other, "Far away")
    kind = _add(session, AssetType(name="Exit Sign"))
    monthly = _add(session, ServiceLevel(name="Monthly", interval_months=1, sort_order=10))
    six = _add(session, ServiceLevel(name="Six Monthly", interval_months=6, sort_order=30))
    everyone = f.contact(session, owner)
    return {
        "owner": owner,
        "main": main,
        "annex": annex,
        "other": other,
        "far": far,
        "kind": kind,
        "monthly": monthly,
        "six": six,
        "scope": scope_for(session, everyone.id),
    }


def _add(session, row):
    session.add(row)
    session.flush()
    return row


def _asset(
    session, site, kind, level=None, due: date | None = None, contract=None, status=AssetStatus.ACTIVE
) -> Asset:
    row = _add(
        session,
        Asset(
            customer_id=site.customer_id,
            site_id=site.id,
            asset_type_id=kind.id,
            contract_id=contract.id if contract else None,
            number=f"A{f._numbers.__next__()}",
            status=status,
        ),
    )
    if level is not None:
        _add(session, AssetServiceLevel(asset_id=row.id, service_level_id=level.id, next_due_on=due or TODAY))
    return row


def _tested(session, asset, level, on: date, result: TestResult, job=None) -> None:
    _add(
        session,
        ServiceRecord(
            asset_id=asset.id,
            service_level_id=level.id,
            due_on=on,
            tested_on=on,
            result=result,
            job_id=job.id if job else None,
        ),
    )


def _results(session, world, level, week: int, *results: TestResult, job=None) -> None:
    for i, result in enumerate(results):
        asset = _asset(session, world["main"], world["kind"])
        _tested(session, asset, level, monday(week) + timedelta(days=i % 7), result, job)


def _grid(session, world, scope=None, **filters) -> ppm.Grid:
    return ppm.compute(session, scope or world["scope"], ppm.Filters(2026, **filters), TODAY)


def _row(grid: ppm.Grid, level) -> int:
    return next(i for i, r in enumerate(grid.rows) if r.service_level_id == level.id)


P, F, N = TestResult.PASS, TestResult.FAIL, TestResult.NOT_TESTED


def test_each_past_cell_colour_rule(session, world):
    six = world["six"]
    _results(session, world, six, 2, P, P, P)
    _results(session, world, six, 3, P, P, N)
    _results(session, world, six, 4, P, P, F)
    _results(session, world, six, 5, F, F, N, P)
    _results(session, world, six, 6, N, N)
    grid = _grid(session, world)
    r = _row(grid, six)
    cells = {w: grid.cell(r, w) for w in (1, 2, 3, 4, 5, 6)}
    assert cells[1]["state"] == ppm.EMPTY
    assert cells[2] == {"state": ppm.PASSED, "passed": 3, "failed": 0, "untested": 0, "due": 0}
    assert cells[3]["state"] == ppm.UNTESTED and ppm.headline(ppm.UNTESTED, cells[3]) == 1
    assert cells[4]["state"] == ppm.FAILED and ppm.headline(ppm.FAILED, cells[4]) == 1
    assert cells[5]["state"] == ppm.FAILED_UNTESTED
    assert (cells[5]["failed"], cells[5]["untested"], cells[5]["passed"]) == (2, 1, 1)
    assert ppm.headline(ppm.FAILED_UNTESTED, cells[5]) == 2
    assert cells[6]["state"] == ppm.UNTESTED and ppm.headline(ppm.UNTESTED, cells[6]) == 2


def test_the_red_cell_with_untested_gets_a_yellow_bubble_in_the_heatmap(session, world):
    from portal.state.reports.ppm import COLOURS, figure, table_rows

    _results(session, world, world["six"], 5, F, N, N)
    grid = _grid(session, world)
    fig = figure(grid)
    bubbles = [t for t in fig.data if t.type == "scatter"]
    assert len(bubbles) == 1
    assert list(bubbles[0].text) == ["2"] and bubbles[0].marker.color == COLOURS[ppm.UNTESTED]
    assert round(bubbles[0].x[0]) == 5 and round(bubbles[0].y[0]) == _row(grid, world["six"])
    assert fig.layout.shapes[0].x0 == THIS_WEEK - 0.5, "a red line before the current week"
    cell = table_rows(grid)[_row(grid, world["six"])]["cells"][4]
    assert (cell["state"], cell["text"], cell["bubble"]) == (ppm.FAILED_UNTESTED, "1", "2")


def test_tests_in_the_current_week_do_not_make_it_a_past_cell(session, world):
    _results(session, world, world["six"], THIS_WEEK, F)
    grid = _grid(session, world)
    assert grid.current == THIS_WEEK == grid.first_future
    assert grid.empty, "a record of this week is not history yet"


def test_cell_states_of_whole_arrays():
    counts = {m: np.array([[0, 0, 0, 0, 0, 0]]) for m in ppm.MEASURES}
    counts["passed"][0, :] = [2, 1, 1, 0, 5, 0]
    counts["failed"][0, :] = [0, 0, 3, 1, 0, 0]
    counts["untested"][0, :] = [0, 4, 0, 2, 0, 0]
    counts["due"][0, :] = [9, 0, 0, 0, 0, 7]
    states = ppm.cell_states(counts, first_future=5)
    assert list(states[0]) == [ppm.PASSED, ppm.UNTESTED, ppm.FAILED, ppm.FAILED_UNTESTED, ppm.EMPTY, ppm.DUE]


def test_due_weeks_from_the_schedule_and_its_interval(session, world):
    six, monthly = world["six"], world["monthly"]
    _asset(session, world["main"], world["kind"], six, date(2026, 7, 1))  # week 26, then 1 Jan 2027 (week 52)
    _asset(session, world["main"], world["kind"], six, date(2026, 7, 2))
    _asset(session, world["main"], world["kind"], monthly, date(2026, 6, 10))  # overdue: now, then the 10th
    grid = _grid(session, world)
    due = grid.counts["due"]
    r6, r1 = _row(grid, six), _row(grid, monthly)
    assert due[r6, 26 - 1] == 2 and grid.states[r6, 26 - 1] == ppm.DUE
    assert due[r6, 52 - 1] == 2, "1 and 2 January 2027 are in 2026's week 52"
    assert due[r6].sum() == 4
    assert due[r1, THIS_WEEK - 1] == 1, "overdue counts in the current week"
    expected = {weeks.week_of(date(2026, m, 10))[1] for m in range(7, 13)}
    assert {w + 1 for w in np.nonzero(due[r1])[0]} == expected | {THIS_WEEK}
    assert due[:, : THIS_WEEK - 1].sum() == 0, "nothing is due in past weeks"


def test_the_run_day_opens_its_own_week_with_overdue_and_next_services(session, world):
    """On the frozen day (a 53rd week that runs into the next year, New Year's Day, a leap day...):
    the default year is the one whose weeks hold today, the current week holds today, an overdue
    schedule counts in it and its next service lands in the week holding its next due date."""
    today = frozen.TODAY
    filters, errors = ppm.read_filters({}, today)
    assert not errors and filters.year == weeks.week_of(today)[0]
    monthly = world["monthly"]
    _asset(session, world["main"], world["kind"], monthly, today - timedelta(days=3))
    grid = ppm.compute(session, world["scope"], filters, today)
    assert len(grid.weeks) == weeks.week_count(filters.year)
    current = grid.weeks[grid.current - 1]
    assert current.start <= today <= current.end
    due = grid.counts["due"][_row(grid, monthly)]
    assert due[grid.current - 1] == 1, "overdue counts in the current week"
    after = ppm.add_months(np.array([today - timedelta(days=3)], dtype="datetime64[D]"), np.array([1]))[0]
    next_due = after.astype(date)
    if weeks.week_of(next_due)[0] == filters.year:
        assert due[weeks.week_of(next_due)[1] - 1] == 1
    assert due[: grid.current - 1].sum() == 0


def test_an_asset_on_an_open_job_is_due_on_the_jobs_due_date(session, world):
    six = world["six"]
    on_job = _asset(session, world["main"], world["kind"], six, date(2026, 6, 25))  # week 25 on its own
    later = _asset(session, world["main"], world["kind"], six, date(2026, 11, 2))  # far beyond the job
    closed = _asset(session, world["main"], world["kind"], six, date(2026, 7, 8))  # week 27
    job = f.job_with(session, world["main"], stage=JobStage.PROGRESS, due_on=date(2026, 7, 3))  # week 26
    done = f.job_with(session, world["main"], stage=JobStage.COMPLETE, due_on=date(2026, 6, 20))
    for asset, j in ((on_job, job), (later, job), (closed, done)):
        _add(session, JobAsset(job_id=j.id, asset_id=asset.id))
    grid = _grid(session, world)
    due = grid.counts["due"][_row(grid, six)]
    assert due[25 - 1] == 0 and due[26 - 1] == 1, "moved to the job's due date"
    assert due[weeks.week_of(date(2026, 11, 2))[1] - 1] == 1, "a job does not take a test due months later"
    assert due[27 - 1] == 1, "a completed job does not move anything"
    assert due[weeks.week_of(date(2026, 12, 25))[1] - 1] == 1, "the cycle goes on from the schedule"


def test_removed_assets_keep_their_history_but_are_not_due(session, world):
    six = world["six"]
    gone = _asset(session, world["main"], world["kind"], six, date(2026, 7, 1), status=AssetStatus.REMOVED)
    _tested(session, gone, six, monday(3), P)
    grid = _grid(session, world)
    r = _row(grid, six)
    assert grid.states[r, 3 - 1] == ppm.PASSED and grid.counts["due"][r].sum() == 0


def test_a_past_year_is_all_records_and_a_future_year_all_due(session, world):
    six = world["six"]
    asset = _asset(session, world["main"], world["kind"], six, date(2027, 2, 1))
    _tested(session, asset, six, date(2025, 3, 5), F)
    past = ppm.compute(session, world["scope"], ppm.Filters(2025), TODAY)
    assert past.current is None and past.first_future == 53
    assert (
        past.states[0, weeks.week_of(date(2025, 3, 5))[1] - 1] == ppm.FAILED and past.counts["due"].sum() == 0
    )
    ahead = ppm.compute(session, world["scope"], ppm.Filters(2027), TODAY)
    assert ahead.first_future == 1 and ahead.counts["due"][0, weeks.week_of(date(2027, 2, 1))[1] - 1] == 1


def test_contract_and_expiry_filters(session, world):
    owner, six = world["owner"], world["six"]
    ending = _add(
        session,
        Contract(
            customer_id=owner.id,
            number="C-1",
            name="Old",
            start_date=date(2024, 1, 1),
            expiry_date=date(2026, 3, 31),
        ),
    )
    running = _add(
        session,
        Contract(
            customer_id=owner.id,
            number="C-2",
            name="New",
            start_date=date(2025, 1, 1),
            expiry_date=date(2027, 12, 31),
        ),
    )
    _asset(session, world["main"], world["kind"], six, date(2026, 7, 1), contract=ending)
    _asset(session, world["main"], world["kind"], six, date(2026, 7, 1), contract=running)
    _asset(session, world["main"], world["kind"], six, date(2026, 7, 1))

    def due(**filters) -> int:
        return int(_grid(session, world, **filters).counts["due"].sum()) // 2  # each asset is due twice

    assert due() == 3
    assert due(contract_id=ending.id) == 1
    assert due(contract_id=running.id) == 1
    assert due(expiry=date(2026, 6, 1)) == 2, "no contract chosen: assets off contract stay, the lapsed go"
    assert due(contract_id=ending.id, expiry=date(2026, 6, 1)) == 0
    assert due(contract_id=running.id, expiry=date(2026, 6, 1)) == 1
    assert due(expiry=date(2028, 1, 1)) == 1, "only the asset with no contract"


def test_scope_limits_rows_options_and_filters(session, world):
    six, owner = world["six"], world["owner"]
    _asset(session, world["main"], world["kind"], six, date(2026, 7, 1))
    annex_asset = _asset(session, world["annex"], world["kind"], six, date(2026, 7, 1))
    _tested(session, annex_asset, six, monday(3), F)
    theirs = _asset(session, world["far"], world["kind"], six, date(2026, 7, 1))
    _tested(session, theirs, six, monday(4), F)
    covering = _add(
        session,
        Contract(
            customer_id=owner.id,
            number="C-9",
            name="Annex",
            start_date=TODAY,
            expiry_date=TODAY + timedelta(days=300),
        ),
    )
    _add(session, ContractSite(contract_id=covering.id, site_id=world["annex"].id))
    foreign = _add(
        session,
        Contract(
            customer_id=world["other"].id,
            number="X-1",
            name="Theirs",
            start_date=TODAY,
            expiry_date=TODAY + timedelta(days=300),
        ),
    )

    everyone = _grid(session, world)
    assert everyone.counts["due"].sum() == 4 and everyone.states[0, 4 - 1] == ppm.EMPTY
    limited = scope_for(session, f.contact(session, owner, sites=[world["main"]]).id)
    mine = _grid(session, world, limited)
    assert mine.counts["due"].sum() == 2 and mine.counts["failed"].sum() == 0
    assert _grid(session, world, limited, site_id=world["annex"].id).empty

    assert ppm.check_filters(session, limited, ppm.Filters(2026, site_id=world["annex"].id)) == {
        "site": "Choose one of your sites."
    }
    assert "site" in ppm.check_filters(session, world["scope"], ppm.Filters(2026, site_id=world["far"].id))
    assert "contract" in ppm.check_filters(session, world["scope"], ppm.Filters(2026, contract_id=foreign.id))
    assert ppm.contract_options(session, world["scope"]) == [(covering.id, "C-9 Annex")]
    assert ppm.contract_options(session, limited) == []
    assert "contract" in ppm.check_filters(session, limited, ppm.Filters(2026, contract_id=covering.id))


def test_cell_detail_is_recomputed_with_its_job_numbers(session, world):
    six = world["six"]
    job = f.job_with(session, world["main"], stage=JobStage.ARCHIVE)
    _results(session, world, six, 5, F, N, P, job=job)
    _asset(session, world["main"], world["kind"], six, date(2026, 7, 1))
    scope, filters = world["scope"], ppm.Filters(2026)
    past = ppm.cell_detail(session, scope, filters, TODAY, world["kind"].id, six.id, 5)
    assert past is not None and not past.future and past.week == weeks.week(2026, 5)
    assert (past.failed, past.untested, past.passed, past.jobs) == (1, 1, 1, ((job.number, "archive"),))
    assert past.label == "Exit Sign / Six Monthly" and past.state == ppm.FAILED_UNTESTED
    ahead = ppm.cell_detail(session, scope, filters, TODAY, world["kind"].id, six.id, 26)
    assert ahead is not None and ahead.future and ahead.due == 1 and ahead.jobs == ()
    assert ppm.cell_detail(session, scope, filters, TODAY, world["kind"].id, six.id, 53) is None
    assert ppm.cell_detail(session, scope, filters, TODAY, world["kind"].id, world["monthly"].id, 5) is None
    limited = scope_for(session, f.contact(session, world["owner"], sites=[world["annex"]]).id)
    assert ppm.cell_detail(session, limited, filters, TODAY, world["kind"].id, six.id, 5) is None


def test_read_filters_reports_each_bad_field():
    filters, errors = ppm.read_filters({}, date(2026, 1, 2))
    assert filters == ppm.Filters(2025) and errors == {}, "2 January 2026 is in 2025's last week"
    filters, errors = ppm.read_filters(
        {"year": "2024", "site": "7", "contract": "all", "expiry": "2026-05-01"}, TODAY
    )
    assert filters == ppm.Filters(2024, 7, None, date(2026, 5, 1)) and errors == {}
    _, errors = ppm.read_filters(
        {"year": "1989", "site": "x", "contract": "-1", "expiry": "31/05/2026"}, TODAY
    )
    assert set(errors) == {"year", "site", "contract", "expiry"}
    _, errors = ppm.read_filters({"year": "²", "site": "²", "expiry": "9999-12-31"}, TODAY)
    assert errors == {
        "year": "Enter a year from 1990 to 2100.",
        "site": "Choose one from the list.",
        "expiry": "Choose a date between 1990 and 2100.",
    }, "the years and dates the portal supports"
    _, errors = ppm.read_filters(None, TODAY)  # type: ignore[arg-type]
    assert errors == {}, "a form of null is a form with nothing chosen"


def test_csv_has_every_cell_and_escapes_formulas(session, world):
    kind = _add(session, AssetType(name="=HYPERLINK(1)"))
    _asset(session, world["main"], kind, world["six"], date(2026, 7, 1))
    grid = _grid(session, world)
    rows = list(csv.reader(io.StringIO("".join(ppm.grid_csv(grid)).lstrip("\ufeff"))))
    assert tuple(rows[0]) == ppm.CSV_HEADER and len(rows) == 1 + len(grid.rows) * 52
    due = [r for r in rows[1:] if r[4] == "Due"]
    assert due[0][0] == "'=HYPERLINK(1) / Six Monthly" and due[0][1:4] == ["26", "2026-06-29", "2026-07-05"]
    assert due[0][8] == "1"


def test_add_months_clips_to_the_end_of_the_month():
    days = np.array(["2026-01-31", "2024-01-31", "2026-03-15"], dtype="datetime64[D]")
    out = ppm.add_months(days, np.array([1, 1, 12]))
    assert [str(d) for d in out] == ["2026-02-28", "2024-02-29", "2027-03-15"]
