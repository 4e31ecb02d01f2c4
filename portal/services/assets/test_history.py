"""Reports > Test History: every test of the contact's equipment in a date range, with its result.

A large customer has hundreds of thousands of tests, so the range, site, type, status and search
all run in SQL and the screen holds one page. The pass / fail / not tested summary counts the same
filters except Status, so it shows the spread a status filter picks from. A test belongs to the
site its asset is registered at, which is also what the scope limits a contact by.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from portal.core import dates, exports
from portal.core.lists import Page, PageRequest, ordered, search_filter, shorten
from portal.core.principal import Scope
from portal.core.visibility import scoped
from portal.models import Asset, AssetType, Job, ServiceLevel, ServiceRecord, Site, TestResult
from portal.services.assets.defects import PAGE, AssetFilters, narrowed

ALL = "all"
STATUSES = (ALL, *(r.value for r in TestResult))
RESULT_LABELS: dict[str, str] = {
    TestResult.PASS: "Pass",
    TestResult.FAIL: "Fail",
    TestResult.NOT_TESTED: "Not tested",
}
DEFAULT_SORT = "date"
LIST_NOTES_CHARS = 120


@dataclass(frozen=True)
class HistoryFilters:
    assets: AssetFilters
    start: date
    end: date
    status: str = ALL


def default_range(today: date) -> tuple[date, date]:
    """The last twelve months up to today: the day after the same date a year ago, to today."""
    try:
        a_year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        a_year_ago = today.replace(year=today.year - 1, day=28)
    return date.fromordinal(a_year_ago.toordinal() + 1), today


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def parse_range(raw_start: Any, raw_end: Any, today: date) -> tuple[date | None, date | None, dict[str, str]]:
    """From and To as typed (blank means the default twelve months), with a message per bad field."""
    default_start, default_end = default_range(today)
    return dates.read_range(
        default_start.isoformat() if _blank(raw_start) else raw_start,
        default_end.isoformat() if _blank(raw_end) else raw_end,
    )


def status_filter(raw: Any) -> str | None:
    """The Status filter from the browser: one of :data:`STATUSES` (blank means all), else None."""
    value = str(raw or "").strip() or ALL
    return value if value in STATUSES else None


def result_label(value: str) -> str:
    return RESULT_LABELS.get(value, str(value).replace("_", " ").capitalize())


@dataclass(frozen=True)
class TestRow:
    __test__ = False  # not a pytest class

    id: int
    tested_on: date
    site_name: str
    asset_number: str
    asset_name: str
    location: str
    type_name: str
    level_name: str
    result: str
    technician: str
    notes: str
    job_number: int | None


SORTS: dict[str, Any] = {
    "date": ServiceRecord.tested_on,
    "site": Site.name,
    "asset": Asset.number,
    "type": AssetType.name,
    "level": ServiceLevel.name,
    "result": ServiceRecord.result,
    "technician": ServiceRecord.technician,
    "job": Job.number,
}
# Sorts on the test's own columns need none of the display joins to find a page's ids.
NARROW_SORTS = ("date", "asset", "result", "technician")
COLUMNS = (
    ServiceRecord.id,
    ServiceRecord.tested_on,
    Site.name,
    Asset.number,
    Asset.name,
    Asset.location,
    AssetType.name,
    ServiceLevel.name,
    ServiceRecord.result,
    ServiceRecord.technician,
    ServiceRecord.notes,
    Job.number,
)


def _tests(scope: Scope, filters: HistoryFilters, *columns: Any, with_status: bool = True) -> Any:
    """The scoped tests in range and filters, joined to their asset, selecting ``columns``."""
    stmt = (
        select(*(columns or (ServiceRecord.id,)))
        .join(Asset, Asset.id == ServiceRecord.asset_id)
        .where(ServiceRecord.tested_on >= filters.start, ServiceRecord.tested_on <= filters.end)
    )
    stmt = narrowed(scoped(stmt, scope, Asset), filters.assets, Asset.site_id)
    if with_status and filters.status != ALL:
        stmt = stmt.where(ServiceRecord.result == filters.status)
    # Only the asset's columns: SQLite then matches the text once per asset, before reading any
    # tests, where adding the notes or technician made a search over 140,000 tests four times slower.
    found = search_filter(filters.assets.search, Asset.number, Asset.name, Asset.location)
    return stmt.where(found) if found is not None else stmt


def _display(stmt: Any) -> Any:
    """The joins that only add what a row shows: site, type and level names, and the job number."""
    return (
        stmt.outerjoin(Job, Job.id == ServiceRecord.job_id)
        .join(Site, Site.id == Asset.site_id)
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .join(ServiceLevel, ServiceLevel.id == ServiceRecord.service_level_id)
    )


def history_query(scope: Scope, filters: HistoryFilters) -> Any:
    """The report's rows, unordered: the download streams them all."""
    return _display(_tests(scope, filters, *COLUMNS))


def _row(r: Sequence[Any], limit: int | None = None) -> TestRow:
    rid, tested_on, site_name, number, name, location, type_name, level, result, technician, notes, job = r
    return TestRow(
        id=rid,
        tested_on=tested_on,
        site_name=site_name,
        asset_number=number,
        asset_name=name,
        location=location,
        type_name=type_name,
        level_name=level,
        result=str(result),
        technician=technician,
        notes=shorten(notes, limit) if limit else notes,
        job_number=job,
    )


def result_counts(session: Session, scope: Scope, filters: HistoryFilters | None) -> dict[str, int]:
    """Pass, fail and not tested counts for every filter but Status (every result present, zeros too)."""
    scope.require(PAGE)
    counts = {r.value: 0 for r in TestResult}
    if filters is None:
        return counts
    stmt = _tests(scope, filters, ServiceRecord.result, func.count(), with_status=False).group_by(
        ServiceRecord.result
    )
    for result, n in session.exec(stmt).all():
        counts[str(result)] = int(n)
    return counts


@dataclass
class HistoryReport:
    page: Page[TestRow]
    counts: dict[str, int]  # by result, for every filter but Status


def _page_ids(
    session: Session, scope: Scope, filters: HistoryFilters, request: PageRequest, page: int
) -> list[int]:
    """The ids of one page, found with only the columns the filters and sort need.

    Sorting 140,000 narrow rows and joining the display tables to the 25 that are kept is several
    times faster than sorting the full rows, and far faster still on a deep page.
    """
    key = request.sort if request.sort in SORTS else DEFAULT_SORT
    stmt = _tests(scope, filters, ServiceRecord.id)
    if key not in NARROW_SORTS:
        stmt = _display(stmt)
    stmt = ordered(stmt, SORTS, key, request.descending, DEFAULT_SORT, ServiceRecord.id)
    return list(session.exec(stmt.limit(request.size).offset((page - 1) * request.size)).all())


def history_report(
    session: Session, scope: Scope, filters: HistoryFilters | None, request: PageRequest
) -> HistoryReport:
    """One page of tests and the result counts; the total comes from the counts, so it costs no extra
    query."""
    scope.require(PAGE)
    request = request.clean()
    counts = result_counts(session, scope, filters)
    if filters is None:
        return HistoryReport(Page(rows=[], total=0, page=1, size=request.size), counts)
    total = sum(counts.values()) if filters.status == ALL else counts[filters.status]
    page = min(request.page, max(1, math.ceil(total / request.size)))
    rows: list[TestRow] = []
    if total:
        ids = _page_ids(session, scope, filters, request, page)
        # The ids came through the scope and filters; this only fetches what their rows show.
        shown = _display(select(*COLUMNS).join(Asset, Asset.id == ServiceRecord.asset_id))
        found = {
            r[0]: _row(r, LIST_NOTES_CHARS) for r in session.exec(shown.where(ServiceRecord.id.in_(ids)))
        }
        rows = [found[i] for i in ids if i in found]
    return HistoryReport(Page(rows=rows, total=total, page=page, size=request.size), counts)


CSV_HEADER = [
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


def history_csv(
    session: Session, scope: Scope, filters: HistoryFilters, sort: str = "", descending: bool = True
) -> Iterator[str]:
    """Every test the filters find, in the screen's order, streamed without a row limit.

    The access check runs now, not on the first chunk, so a refused download fails before any response.
    """
    scope.require(PAGE)
    request = PageRequest(sort=sort, descending=descending).clean()
    stmt = ordered(
        history_query(scope, filters), SORTS, request.sort, request.descending, DEFAULT_SORT, ServiceRecord.id
    )

    def rows() -> Iterator[list[Any]]:
        for r in session.exec(stmt.execution_options(yield_per=exports.STREAM_BATCH)):
            t = _row(r)
            yield [
                t.tested_on,
                t.site_name,
                t.asset_number,
                t.asset_name,
                t.location,
                t.type_name,
                t.level_name,
                result_label(t.result),
                t.technician,
                t.notes,
                t.job_number,
            ]

    return exports.csv_stream(CSV_HEADER, rows())
