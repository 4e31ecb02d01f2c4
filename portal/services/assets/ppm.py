"""The Programmed Preventative Maintenance report: a grid of asset type and service level by week.

Weeks before the current one show what the job cards recorded (passed, failed, not tested); the
current week and later ones show how many assets fall due, from each schedule's next due date
carried forward by its interval, or from the due date of the open job the asset is already on.

It must stay quick for a customer with 50,000 assets, so the rows come from two SQL queries of a
few narrow columns and everything after that is numpy and pandas over whole columns: no Python
loop per asset, per record or per cell. The result is a small grid (rows x 53 weeks).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from sqlalchemy import Select, String, TypeCoerce, func, or_, type_coerce
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, select

from portal.core import dates, exports, weeks
from portal.core.principal import Scope
from portal.core.visibility import of_customer, scoped
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Contract,
    Job,
    JobAsset,
    JobStage,
    ServiceLevel,
    ServiceRecord,
    TestResult,
)
from portal.services.sites import sites

# A select narrowed by the grid's filters keeps its columns.
Query = TypeVar("Query", bound="Select[*tuple[Any, ...]]")

MIN_YEAR, MAX_YEAR = dates.EARLIEST.year, dates.LATEST.year
OPEN_STAGES = (JobStage.PENDING, JobStage.PROGRESS)
# A job the asset is on does the schedule's next test when that test falls due by a month after the
# job's due date: a routine visit tests what comes due around it, not next year's inspection.
JOB_REACH_MONTHS = 1

PASSED, UNTESTED, FAILED, FAILED_UNTESTED, DUE, EMPTY = (
    "passed",
    "untested",
    "failed",
    "failed_untested",
    "due",
    "",
)
STATE_LABELS = {
    PASSED: "Passed",
    UNTESTED: "Not tested",
    FAILED: "Failed",
    FAILED_UNTESTED: "Failed, some not tested",
    DUE: "Due",
    EMPTY: "",
}
MEASURES = ("passed", "failed", "untested", "due")
CSV_HEADER = (
    "Asset type / service level",
    "Week",
    "Week start",
    "Week end",
    "State",
    "Passed",
    "Failed",
    "Not tested",
    "Due",
)


@dataclass(frozen=True)
class Filters:
    year: int
    site_id: int | None = None
    contract_id: int | None = None
    expiry: date | None = None  # assets on contracts expiring before this date are left out

    def query(self) -> dict[str, str]:
        """The filters as the report's URL and its CSV link carry them."""
        return {
            "year": str(self.year),
            "site": str(self.site_id or ""),
            "contract": str(self.contract_id or ""),
            "expiry": self.expiry.isoformat() if self.expiry else "",
        }


@dataclass(frozen=True)
class Row:
    asset_type_id: int
    service_level_id: int
    label: str


@dataclass
class Grid:
    year: int
    weeks: list[weeks.Week]
    current: int | None  # the week holding today, when it is one of this year's
    first_future: int  # the first week that shows what is due (past the last week when the year is over)
    rows: list[Row]
    counts: dict[str, np.ndarray] = field(default_factory=dict)  # measure -> rows x weeks
    states: np.ndarray = field(default_factory=lambda: np.empty((0, 0), dtype=object))

    @property
    def empty(self) -> bool:
        return not self.rows

    def cell(self, row: int, week: int) -> dict[str, int | str]:
        col = week - 1
        return {"state": str(self.states[row, col]), **{m: int(self.counts[m][row, col]) for m in MEASURES}}


@dataclass(frozen=True)
class CellDetail:
    label: str
    week: weeks.Week
    future: bool
    state: str
    passed: int
    failed: int
    untested: int
    due: int
    jobs: tuple[tuple[int, str], ...]  # (job number, stage) of the job cards the tests were on


# Filters: read from the browser, then checked against the scope.


def _text(raw: Mapping[str, Any], name: str) -> str:
    """A field as text; a form may carry anything (a number, a list), which is not one of its choices."""
    value = raw.get(name)
    return str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else ""


def _digits(text: str, most: int) -> bool:
    """Plain 0-9 digits, few enough to be a year or an id ("²" is a digit to ``isdigit`` but not to
    ``int``)."""
    return text.isascii() and text.isdigit() and len(text) <= most


def read_filters(raw: Mapping[str, Any], today: date) -> tuple[Filters, dict[str, str]]:
    """The filters from a form or a query string, and an error per field that does not parse."""
    errors: dict[str, str] = {}
    raw = raw if isinstance(raw, Mapping) else {}
    year = weeks.week_of(today)[0]
    text = _text(raw, "year")
    if text:
        if _digits(text, 4) and MIN_YEAR <= int(text) <= MAX_YEAR:
            year = int(text)
        else:
            errors["year"] = f"Enter a year from {MIN_YEAR} to {MAX_YEAR}."
    ids: dict[str, int | None] = {}
    for name in ("site", "contract"):
        text = _text(raw, name)
        ids[name] = None
        if text and text != "all":
            if _digits(text, 10) and 0 < int(text) < 2**31:
                ids[name] = int(text)
            else:
                errors[name] = "Choose one from the list."
    expiry = None
    text = _text(raw, "expiry")
    if text:
        found = dates.read_day(text)
        if isinstance(found, str):
            errors["expiry"] = found
        else:
            expiry = found
    return Filters(year, ids["site"], ids["contract"], expiry), errors


def contract_options(session: Session, scope: Scope) -> list[tuple[int, str]]:
    """The customer's contracts that cover at least one site the contact can see."""
    stmt = scoped(select(Contract.id, Contract.number, Contract.name), scope, Contract)
    rows = session.exec(stmt.order_by(Contract.expiry_date.desc(), Contract.id)).all()
    return [(contract_id, f"{number} {name}".strip()) for contract_id, number, name in rows]


def check_filters(session: Session, scope: Scope, filters: Filters) -> dict[str, str]:
    """Errors for a site or contract the contact may not pick (another customer's, or not its sites)."""
    errors = {}
    if filters.site_id is not None and sites.site_for(session, scope, filters.site_id) is None:
        errors["site"] = "Choose one of your sites."
    if filters.contract_id is not None and filters.contract_id not in dict(contract_options(session, scope)):
        errors["contract"] = "Choose one of your contracts."
    return errors


# The grid.


def _narrow(
    stmt: Query,
    scope: Scope,
    filters: Filters,
    only: tuple[int, int] | None,
    level_col: InstrumentedAttribute[int],
) -> Query:
    stmt = scoped(stmt, scope, Asset)
    if filters.site_id is not None:
        stmt = stmt.where(Asset.site_id == filters.site_id)
    if filters.contract_id is not None:
        stmt = stmt.where(Asset.contract_id == filters.contract_id)
    if filters.expiry is not None:
        # Reached through an asset the contact sees, so not narrowed to contracts covering its sites.
        in_force = select(Contract.id).where(
            of_customer(scope, Contract), Contract.expiry_date >= filters.expiry
        )
        stmt = stmt.where(or_(Asset.contract_id.is_(None), Asset.contract_id.in_(in_force)))
    if only is not None:
        stmt = stmt.where(Asset.asset_type_id == only[0], level_col == only[1])
    return stmt


def _frame(session: Session, stmt: Select[*tuple[Any, ...]], columns: list[str]) -> pd.DataFrame:
    """Rows straight into columns: through Core, not the ORM, and never a pandas row object per row."""
    rows = session.connection().execute(stmt).all()
    data = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    return pd.DataFrame(
        {name: np.asarray(values, dtype=object) for name, values in zip(columns, data, strict=True)}
    )


def _raw(column: InstrumentedAttribute[date | None]) -> TypeCoerce[str]:
    """A date column as the driver hands it over (ISO text on SQLite), which pandas parses in bulk."""
    return type_coerce(column, String)


def _days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values, format="ISO8601").to_numpy(dtype="datetime64[D]")


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Dates moved by whole months, the day kept or clipped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month = days.astype("datetime64[M]")
    offset = (days - month.astype("datetime64[D]")).astype(np.int64)
    target = month + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    moved: np.ndarray = target.astype("datetime64[D]") + np.minimum(offset, length - 1).astype(
        "timedelta64[D]"
    )
    return moved


def _month_index(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype(np.int64)


def _records(
    session: Session,
    scope: Scope,
    filters: Filters,
    only: tuple[int, int] | None,
    start: date,
    end: date,
    year_start: date,
) -> pd.DataFrame:
    """Tests dated (by the job card) in [start, end), counted by type, level, week and result.

    The database counts per day, so what crosses into Python is a few rows per visit, not per test.
    """
    out_cols = ["type", "level", "week", "passed", "failed", "untested"]
    if start >= end:
        return pd.DataFrame(columns=out_cols)
    stmt = _narrow(
        select(
            Asset.asset_type_id,
            ServiceRecord.service_level_id,
            _raw(ServiceRecord.tested_on),
            ServiceRecord.result,
            func.count(),
        )
        .join(Asset, Asset.id == ServiceRecord.asset_id)
        .where(ServiceRecord.tested_on >= start, ServiceRecord.tested_on < end),
        scope,
        filters,
        only,
        ServiceRecord.service_level_id,
    ).group_by(
        Asset.asset_type_id, ServiceRecord.service_level_id, ServiceRecord.tested_on, ServiceRecord.result
    )
    df = _frame(session, stmt, ["type", "level", "tested", "result", "n"])
    if df.empty:
        return pd.DataFrame(columns=out_cols)
    df["week"] = (_days(df["tested"]) - np.datetime64(year_start, "D")).astype(np.int64) // 7 + 1
    out = df.pivot_table(
        index=["type", "level", "week"], columns="result", values="n", aggfunc="sum", fill_value=0
    )
    out = out.reindex(
        columns=[TestResult.PASS.value, TestResult.FAIL.value, TestResult.NOT_TESTED.value], fill_value=0
    )
    out.columns = ["passed", "failed", "untested"]
    return out.reset_index()


def _schedules(
    session: Session, scope: Scope, filters: Filters, only: tuple[int, int] | None
) -> pd.DataFrame:
    """The active assets' schedules, counted by type, level, interval, next due date and the earliest
    due date of an open job the asset is on (assets serviced together share these)."""
    on_job = (
        select(JobAsset.asset_id, func.min(_raw(Job.due_on)).label("job_due"))
        .join(Job, Job.id == JobAsset.job_id)
        .where(of_customer(scope, Job), Job.stage.in_(OPEN_STAGES), Job.due_on.is_not(None))
        .group_by(JobAsset.asset_id)
        .subquery()
    )
    stmt = _narrow(
        select(
            Asset.asset_type_id,
            AssetServiceLevel.service_level_id,
            ServiceLevel.interval_months,
            _raw(AssetServiceLevel.next_due_on),
            on_job.c.job_due,
            func.count(),
        )
        .join(Asset, Asset.id == AssetServiceLevel.asset_id)
        .join(ServiceLevel, ServiceLevel.id == AssetServiceLevel.service_level_id)
        .outerjoin(on_job, on_job.c.asset_id == Asset.id)
        .where(Asset.status == AssetStatus.ACTIVE),
        scope,
        filters,
        only,
        AssetServiceLevel.service_level_id,
    ).group_by(
        Asset.asset_type_id,
        AssetServiceLevel.service_level_id,
        ServiceLevel.interval_months,
        AssetServiceLevel.next_due_on,
        on_job.c.job_due,
    )
    return _frame(session, stmt, ["type", "level", "interval", "next_due", "job_due", "n"])


def due_weeks(
    sched: pd.DataFrame, year_start: date, window_start: date, window_end: date, current: int | None
) -> pd.DataFrame:
    """How many assets fall due per type, level and week inside [window_start, window_end].

    A schedule due before the window (overdue) counts in the current week, when that is shown.
    """
    if sched.empty or window_start > window_end:
        return pd.DataFrame(columns=["type", "level", "week", "due"])
    next_due = _days(sched["next_due"])
    job_due = _days(sched["job_due"])
    interval = np.maximum(sched["interval"].to_numpy(dtype=np.int64), 1)
    types, levels, count = (
        sched["type"].to_numpy(),
        sched["level"].to_numpy(),
        sched["n"].to_numpy(dtype=np.int64),
    )
    on_job = ~np.isnat(job_due)
    reach = add_months(np.where(on_job, job_due, next_due), np.full(len(sched), JOB_REACH_MONTHS))
    taken = on_job & (next_due <= reach)
    first = np.where(taken, job_due, next_due)
    lo, hi = np.datetime64(window_start, "D"), np.datetime64(window_end, "D")
    base = np.datetime64(year_start, "D")

    # The first occurrence: the job's date or the schedule's; overdue ones count now.
    overdue = first < lo
    keep0 = (~overdue & (first <= hi)) | (overdue & (current is not None))
    week0 = np.where(overdue, current or 0, (first - base).astype(np.int64) // 7 + 1)[keep0]
    parts = [pd.DataFrame({"type": types[keep0], "level": levels[keep0], "week": week0, "n": count[keep0]})]

    # Later occurrences: the schedule's own cycle, k intervals on from its next due date.
    months_to_lo = _month_index(np.full(len(sched), lo)) - _month_index(next_due)
    months_to_hi = _month_index(np.full(len(sched), hi)) - _month_index(next_due)
    k_lo = np.maximum(1, months_to_lo // interval)
    k_hi = np.where(months_to_hi >= 0, months_to_hi // interval + 1, 0)
    n = np.maximum(0, k_hi - k_lo + 1)
    idx = np.repeat(np.arange(len(sched)), n)
    if len(idx):
        k = k_lo[idx] + (np.arange(len(idx)) - np.repeat(np.cumsum(n) - n, n))
        when = add_months(next_due[idx], k * interval[idx])
        ok = (when >= lo) & (when <= hi) & (when > first[idx])
        parts.append(
            pd.DataFrame(
                {
                    "type": types[idx][ok],
                    "level": levels[idx][ok],
                    "week": (when[ok] - base).astype(np.int64) // 7 + 1,
                    "n": count[idx][ok],
                }
            )
        )
    due = pd.concat(parts, ignore_index=True)
    return due.groupby(["type", "level", "week"])["n"].sum().rename("due").reset_index()


def _labels(session: Session, keys: pd.DataFrame) -> list[Row]:
    """Rows in the order a reader looks for them: asset type by name, then levels by frequency."""
    if keys.empty:
        return []
    type_ids = sorted({int(t) for t in keys["type"]})
    level_ids = sorted({int(lv) for lv in keys["level"]})
    types = dict(
        session.execute(select(AssetType.id, AssetType.name).where(AssetType.id.in_(type_ids))).all()
    )
    levels = {
        r.id: (r.name, r.sort_order)
        for r in session.execute(
            select(ServiceLevel.id, ServiceLevel.name, ServiceLevel.sort_order).where(
                ServiceLevel.id.in_(level_ids)
            )
        )
    }
    pairs = sorted(
        {(int(t), int(lv)) for t, lv in zip(keys["type"], keys["level"], strict=True)},
        key=lambda p: (types.get(p[0], ""), levels.get(p[1], ("", 0))[1], p),
    )
    return [Row(t, lv, f"{types.get(t, '?')} / {levels.get(lv, ('?', 0))[0]}") for t, lv in pairs]


def compute(
    session: Session,
    scope: Scope,
    filters: Filters,
    today: date,
    only: tuple[int, int] | None = None,
    within: weeks.Week | None = None,
) -> Grid:
    """The report for the filters, as of ``today`` (the contractor's date).

    ``only`` keeps one row and ``within`` reads the records of one week: what a cell's pop-up needs.
    """
    all_weeks = weeks.weeks(filters.year)
    year_start, year_end = weeks.year_span(filters.year)
    this_year, this_week = weeks.week_of(today)
    current = this_week if this_year == filters.year else None
    if this_year < filters.year:
        first_future = 1
    elif this_year > filters.year:
        first_future = len(all_weeks) + 1
    else:
        first_future = this_week
    future_start = year_start + timedelta(weeks=first_future - 1)

    read_from, read_to = year_start, min(future_start, year_end + timedelta(days=1))
    if within is not None:
        read_from, read_to = max(read_from, within.start), min(read_to, within.end + timedelta(days=1))
    past = _records(session, scope, filters, only, read_from, read_to, year_start)
    sched = _schedules(session, scope, filters, only)
    due = due_weeks(sched, year_start, future_start, year_end, current)

    keys = pd.concat([past[["type", "level"]], sched[["type", "level"]]], ignore_index=True).drop_duplicates()
    rows = _labels(session, keys)
    grid = Grid(filters.year, all_weeks, current, first_future, rows)
    shape = (len(rows), len(all_weeks))
    index = pd.MultiIndex.from_tuples(
        [(r.asset_type_id, r.service_level_id) for r in rows], names=["type", "level"]
    )
    columns = pd.RangeIndex(1, len(all_weeks) + 1, name="week")
    for measure, source in (("passed", past), ("failed", past), ("untested", past), ("due", due)):
        if rows and not source.empty:
            table = source.pivot_table(index=["type", "level"], columns="week", values=measure, aggfunc="sum")
            table.index = pd.MultiIndex.from_arrays(
                [
                    table.index.get_level_values(0).astype(np.int64),
                    table.index.get_level_values(1).astype(np.int64),
                ]
            )
            grid.counts[measure] = (
                table.reindex(index=index, columns=columns, fill_value=0).fillna(0).to_numpy(dtype=np.int64)
            )
        else:
            grid.counts[measure] = np.zeros(shape, dtype=np.int64)
    grid.states = cell_states(grid.counts, first_future)
    return grid


def cell_states(counts: dict[str, np.ndarray], first_future: int) -> np.ndarray:
    """The colour rule of every cell at once."""
    passed, failed, untested, due = (counts[m] for m in MEASURES)
    past = (np.arange(passed.shape[1]) + 1 < first_future)[None, :]
    return np.select(
        [
            past & (failed > 0) & (untested > 0),
            past & (failed > 0),
            past & (untested > 0),
            past & (passed > 0),
            ~past & (due > 0),
        ],
        [FAILED_UNTESTED, FAILED, UNTESTED, PASSED, DUE],
        default=EMPTY,
    ).astype(object)


def headline(state: str, cell: Mapping[str, int | str]) -> int:
    """The number a cell shows: passed when green, not tested when yellow, failures when red, else due."""
    return int(
        {
            PASSED: cell["passed"],
            UNTESTED: cell["untested"],
            FAILED: cell["failed"],
            FAILED_UNTESTED: cell["failed"],
            DUE: cell["due"],
        }.get(state, 0)
    )


def cell_detail(
    session: Session,
    scope: Scope,
    filters: Filters,
    today: date,
    asset_type_id: int,
    service_level_id: int,
    week_number: int,
) -> CellDetail | None:
    """One cell recomputed from the database through the scope: nothing the browser sent is trusted
    but which cell it is. None when the week is not one of the year's."""
    if not 1 <= week_number <= weeks.week_count(filters.year):
        return None
    wk = weeks.week(filters.year, week_number)
    grid = compute(session, scope, filters, today, only=(asset_type_id, service_level_id), within=wk)
    if grid.empty:
        return None
    future = week_number >= grid.first_future
    cell = grid.cell(0, week_number)
    jobs: tuple[tuple[int, str], ...] = ()
    if not future:
        stmt = _narrow(
            select(Job.number, Job.stage)
            .distinct()
            .join(ServiceRecord, ServiceRecord.job_id == Job.id)
            .join(Asset, Asset.id == ServiceRecord.asset_id)
            .where(ServiceRecord.tested_on >= wk.start, ServiceRecord.tested_on <= wk.end),
            scope,
            filters,
            (asset_type_id, service_level_id),
            ServiceRecord.service_level_id,
        )
        jobs = tuple(sorted((int(n), str(stage)) for n, stage in session.execute(stmt).all()))
    return CellDetail(
        grid.rows[0].label,
        wk,
        future,
        str(cell["state"]),
        int(cell["passed"]),
        int(cell["failed"]),
        int(cell["untested"]),
        int(cell["due"]),
        jobs,
    )


def grid_csv(grid: Grid) -> Iterator[str]:
    """Every cell of the grid, a line each, as the screen shows it."""

    def lines() -> Iterator[tuple[Any, ...]]:
        for r, row in enumerate(grid.rows):
            for wk in grid.weeks:
                cell = grid.cell(r, wk.number)
                yield (
                    row.label,
                    wk.number,
                    wk.start,
                    wk.end,
                    STATE_LABELS[str(cell["state"])],
                    cell["passed"],
                    cell["failed"],
                    cell["untested"],
                    cell["due"],
                )

    return exports.csv_stream(CSV_HEADER, lines())
