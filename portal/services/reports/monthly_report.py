"""Monthly Report: for one site, month by month, the jobs, the tests and the defects.

Counts are grouped by day in SQL and bucketed into months here, so the query is the same on
SQLite and PostgreSQL and a busy site returns at most a few hundred rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, func
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, select

from portal.core import exports
from portal.core.principal import Scope
from portal.core.visibility import of_customer, visible
from portal.models import Asset, Defect, Job, ServiceRecord, TestResult
from portal.services.reports.advanced_reports import allowed, month_index, months_from, report_sites, window

FIELDS = (
    "jobs_opened",
    "jobs_completed",
    "passed",
    "failed",
    "not_tested",
    "defects_found",
    "defects_rectified",
)


@dataclass
class MonthRow:
    month: date
    jobs_opened: int = 0
    jobs_completed: int = 0
    passed: int = 0
    failed: int = 0
    not_tested: int = 0
    defects_found: int = 0
    defects_rectified: int = 0


@dataclass
class MonthlyReport:
    site_id: int | None
    site_name: str
    months: list[MonthRow]

    def total(self, name: str) -> int:
        return sum(getattr(m, name) for m in self.months)


def _bucket(months: list[MonthRow], name: str, rows: Iterable[tuple[date | None, int]]) -> None:
    """Add per-day counts ``(day, n)`` to the month each day falls in."""
    first = months[0].month
    for day, n in rows:
        if day is None:  # a column that may be empty; the window's bounds already leave those out
            continue
        i = month_index(first, day)
        if 0 <= i < len(months):
            setattr(months[i], name, getattr(months[i], name) + n)


def _by_day(
    session: Session,
    column: InstrumentedAttribute[date | None],
    customer_col: ColumnElement[bool],
    site_col: InstrumentedAttribute[int],
    site_id: int,
    start: date,
    end: date,
    *extra: ColumnElement[bool],
) -> Sequence[tuple[date | None, int]]:
    stmt = (
        select(column, func.count())
        .where(customer_col, site_col == site_id, column >= start, column < end, *extra)
        .group_by(column)
    )
    return session.exec(stmt).all()


def monthly_report(session: Session, scope: Scope, site_id: object, last_month: date) -> MonthlyReport:
    """The 12 months up to ``last_month`` at one of the contact's sites (an empty report otherwise)."""
    allowed(scope)
    first, end = window(last_month)
    months = [MonthRow(m) for m in months_from(first)]
    sites = report_sites(session, scope, site_id) if site_id not in (None, "", "all") else {}
    if not sites:
        return MonthlyReport(None, "", months)
    sid, name = next(iter(sites.items()))
    mine = visible(scope, Job)
    for column, label in ((Job.requested_on, "jobs_opened"), (Job.completed_on, "jobs_completed")):
        _bucket(months, label, _by_day(session, column, mine, Job.site_id, sid, first, end))
    # A test belongs to the site of the job card it was done on (the asset may have moved since).
    tested_at = func.coalesce(Job.site_id, Asset.site_id)
    tests = session.exec(
        select(ServiceRecord.tested_on, ServiceRecord.result, func.count())
        .join(Asset, Asset.id == ServiceRecord.asset_id)
        .outerjoin(Job, Job.id == ServiceRecord.job_id)
        .where(
            of_customer(scope, Asset),  # the asset may have moved to a site the contact does not see
            tested_at == sid,
            ServiceRecord.tested_on >= first,
            ServiceRecord.tested_on < end,
        )
        .group_by(ServiceRecord.tested_on, ServiceRecord.result)
    ).all()
    for result, label in (
        (TestResult.PASS, "passed"),
        (TestResult.FAIL, "failed"),
        (TestResult.NOT_TESTED, "not_tested"),
    ):
        _bucket(months, label, [(d, n) for d, r, n in tests if r == result])
    owned = visible(scope, Defect)
    for column, label in ((Defect.found_on, "defects_found"), (Defect.rectified_on, "defects_rectified")):
        _bucket(months, label, _by_day(session, column, owned, Defect.site_id, sid, first, end))
    return MonthlyReport(sid, name, months)


HEADER = (
    "Site",
    "Month",
    "Jobs opened",
    "Jobs completed",
    "Tests passed",
    "Tests failed",
    "Not tested",
    "Defects found",
    "Defects rectified",
)


def monthly_csv(session: Session, scope: Scope, site_id: object, last_month: date) -> Iterator[str]:
    report = monthly_report(session, scope, site_id, last_month)
    rows = (
        [report.site_name, m.month.strftime("%Y-%m"), *(getattr(m, f) for f in FIELDS)]
        for m in (report.months if report.site_id else [])
    )
    yield from exports.csv_stream(HEADER, rows)
