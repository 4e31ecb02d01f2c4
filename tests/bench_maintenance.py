"""Current Defects and Test History on the large demo customer, timed in-process.

``figures(database_url)`` returns (figure, value, detail) rows for ``tests/bench.py``. It needs a
database seeded with ``portal seed --demo --size large`` (the customer of facilities@metro.example).
The service calls are the ones the screens make for one page: the list, its count and the summary.
"""

from __future__ import annotations

import statistics
import sys

from portal.core import tenant
from tests.bench_common import Row, large_scope, session, spread, timed, traced

RUNS = 7
CSV_RUNS = 3


def _search_word(session, scope) -> str:
    """A word from the customer's own asset names, so the search finds something on any seed."""
    from sqlmodel import select

    from portal.models import Asset

    name = session.exec(select(Asset.location).where(Asset.customer_id == scope.customer_id).limit(1)).one()
    return name.split(",")[0].split()[0]


def _defect_figures(session, scope, word: str) -> list[Row]:
    from portal.core.lists import PageRequest
    from portal.services.assets import defects

    rows = []
    for label, filters in (
        ("all sites", defects.AssetFilters()),
        (f'search "{word}"', defects.AssetFilters(search=word)),
    ):

        def screen(filters=filters):
            page = defects.list_defects(session, scope, filters, PageRequest())
            defects.severity_counts(session, scope, filters)
            return page

        total = screen().total
        value, detail = spread(timed(screen, RUNS))
        rows.append(
            (
                f"current defects, Metro, {label}, first page + severity counts, in-process",
                value,
                f"{detail}; {total:,} current defects",
            )
        )
    return rows


def _history_figures(session, scope, word: str, today) -> list[Row]:
    from portal.core.lists import PageRequest
    from portal.services.assets import test_history
    from portal.services.assets.defects import AssetFilters

    start, end = test_history.default_range(today)
    cases = [
        ("12 months, all sites", test_history.HistoryFilters(AssetFilters(), start, end), PageRequest()),
        (
            "12 months, all sites, page 100",
            test_history.HistoryFilters(AssetFilters(), start, end),
            PageRequest(page=100),
        ),
        (
            "12 months, all sites, by site",
            test_history.HistoryFilters(AssetFilters(), start, end),
            PageRequest(sort="site", descending=False),
        ),
        (
            f'12 months, search "{word}"',
            test_history.HistoryFilters(AssetFilters(search=word), start, end),
            PageRequest(),
        ),
        (
            "12 months, failures",
            test_history.HistoryFilters(AssetFilters(), start, end, "fail"),
            PageRequest(),
        ),
    ]
    rows = []
    for label, filters, request in cases:

        def screen(filters=filters, request=request):
            return test_history.history_report(session, scope, filters, request)

        total = screen().page.total
        value, detail = spread(timed(screen, RUNS))
        rows.append(
            (
                f"test history, Metro, {label}, page + result counts, in-process",
                value,
                f"{detail}; {total:,} tests",
            )
        )
    return rows


def _csv_figures(session, scope, today) -> list[Row]:
    from portal.services.assets import test_history
    from portal.services.assets.defects import AssetFilters

    start, end = test_history.default_range(today)
    filters = test_history.HistoryFilters(AssetFilters(), start, end)

    def consume() -> tuple[int, int]:
        size = lines = 0
        for chunk in test_history.history_csv(session, scope, filters):
            size += len(chunk.encode())
            lines += chunk.count("\n")
        return size, lines

    samples = timed(consume, CSV_RUNS)
    size, lines = consume()
    _, peak = traced(consume)
    label = f"test history CSV, Metro, 12 months, all sites ({lines - 1:,} rows, {size / 1e6:.1f} MB)"
    return [
        (
            f"{label}, in-process",
            f"p50 {statistics.median(samples):.2f} s",
            f"max {max(samples):.2f} s, n={len(samples)}",
        ),
        (
            f"{label}, peak Python memory",
            f"{peak / 1e6:.1f} MB",
            "tracemalloc over one full export (SQLite's own buffers not counted)",
        ),
    ]


def figures(database_url: str) -> list[Row]:
    """Defects and test history figures for the large demo customer; each part fails on its own."""

    rows: list[Row] = []
    with session(database_url) as db:
        scope = large_scope(db)
        today = tenant.today(db)
        word = _search_word(db, scope)
        for name, part in (
            ("current defects", lambda: _defect_figures(db, scope, word)),
            ("test history", lambda: _history_figures(db, scope, word, today)),
            ("test history CSV", lambda: _csv_figures(db, scope, today)),
        ):
            try:
                rows += part()
            except Exception as exc:  # one broken part must not hide the others' figures
                print(f"bench_maintenance: {name} failed: {exc!r}", file=sys.stderr)
                rows.append((name, "failed", type(exc).__name__))
    return rows


if __name__ == "__main__":
    for figure, value, detail in figures(sys.argv[1]):
        print(f"{figure:<100} {value:>12}  {detail}")
