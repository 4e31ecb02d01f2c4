"""Current Defects and Test History on the large demo customer, timed in-process.

``figures(database_url)`` returns (figure, value, detail) rows for ``tests/bench.py``. It needs a
database seeded with ``portal seed --demo --size large`` (the customer of facilities@metro.example).
The service calls are the ones the screens make for one page: the list, its count and the summary.
"""

from __future__ import annotations

import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LARGE_USER = "facilities@metro.example"
RUNS = 7
CSV_RUNS = 3

Row = tuple[str, str, str]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def _timed(call: Callable[[], object], runs: int = RUNS) -> list[float]:
    call()  # warm the page cache and SQLite's statement cache, as a second visit would
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def _spread(samples: list[float]) -> tuple[str, str]:
    ordered = sorted(samples)
    return f"p50 {_ms(statistics.median(ordered))}", f"max {_ms(ordered[-1])}, n={len(ordered)}"


@contextmanager
def _session(database_url: str) -> Iterator:
    from sqlmodel import Session

    from portal.db import make_engine

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


def _scope(session):
    from sqlmodel import select

    from portal.models import Contact
    from portal.services.access import scope_for

    contact_id = session.exec(select(Contact.id).where(Contact.username == LARGE_USER)).one()
    scope = scope_for(session, contact_id)
    if scope is None:
        raise RuntimeError(f"{LARGE_USER} has no active scope")
    return scope


def _search_word(session, scope) -> str:
    """A word from the customer's own asset names, so the search finds something on any seed."""
    from sqlmodel import select

    from portal.models import Asset

    name = session.exec(select(Asset.location).where(Asset.customer_id == scope.customer_id).limit(1)).one()
    return name.split(",")[0].split()[0]


def _defect_figures(session, scope, word: str) -> list[Row]:
    from portal.services import defects
    from portal.services.listing import PageRequest

    rows = []
    for label, filters in (("all sites", defects.AssetFilters()), (f'search "{word}"', defects.AssetFilters(
            search=word))):
        def screen(filters=filters):
            page = defects.list_defects(session, scope, filters, PageRequest())
            defects.severity_counts(session, scope, filters)
            return page

        total = screen().total
        value, detail = _spread(_timed(screen))
        rows.append((f"current defects, Metro, {label}, first page + severity counts, in-process", value,
                     f"{detail}; {total:,} current defects"))
    return rows


def _history_figures(session, scope, word: str, today) -> list[Row]:
    from portal.services import test_history
    from portal.services.defects import AssetFilters
    from portal.services.listing import PageRequest

    start, end = test_history.default_range(today)
    cases = [
        ("12 months, all sites", test_history.HistoryFilters(AssetFilters(), start, end), PageRequest()),
        ("12 months, all sites, page 100", test_history.HistoryFilters(AssetFilters(), start, end),
         PageRequest(page=100)),
        ("12 months, all sites, by site", test_history.HistoryFilters(AssetFilters(), start, end),
         PageRequest(sort="site", descending=False)),
        (f'12 months, search "{word}"', test_history.HistoryFilters(AssetFilters(search=word), start, end),
         PageRequest()),
        ("12 months, failures", test_history.HistoryFilters(AssetFilters(), start, end, "fail"), PageRequest()),
    ]
    rows = []
    for label, filters, request in cases:
        def screen(filters=filters, request=request):
            return test_history.history_report(session, scope, filters, request)

        total = screen().page.total
        value, detail = _spread(_timed(screen))
        rows.append((f"test history, Metro, {label}, page + result counts, in-process", value,
                     f"{detail}; {total:,} tests"))
    return rows


def _csv_figures(session, scope, today) -> list[Row]:
    from portal.services import test_history
    from portal.services.defects import AssetFilters

    start, end = test_history.default_range(today)
    filters = test_history.HistoryFilters(AssetFilters(), start, end)

    def consume() -> tuple[int, int]:
        size = lines = 0
        for chunk in test_history.history_csv(session, scope, filters):
            size += len(chunk.encode())
            lines += chunk.count("\n")
        return size, lines

    samples = _timed(consume, CSV_RUNS)
    size, lines = consume()
    tracemalloc.start()
    try:
        consume()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    label = f"test history CSV, Metro, 12 months, all sites ({lines - 1:,} rows, {size / 1e6:.1f} MB)"
    return [
        (f"{label}, in-process", f"p50 {statistics.median(samples):.2f} s",
         f"max {max(samples):.2f} s, n={len(samples)}"),
        (f"{label}, peak Python memory", f"{peak / 1e6:.1f} MB",
         "tracemalloc over one full export (SQLite's own buffers not counted)"),
    ]


def figures(database_url: str) -> list[Row]:
    """Defects and test history figures for the large demo customer; each part fails on its own."""
    from portal.services.invoices import contractor_today

    rows: list[Row] = []
    with _session(database_url) as session:
        scope = _scope(session)
        today = contractor_today(session)
        word = _search_word(session, scope)
        for name, part in (("current defects", lambda: _defect_figures(session, scope, word)),
                           ("test history", lambda: _history_figures(session, scope, word, today)),
                           ("test history CSV", lambda: _csv_figures(session, scope, today))):
            try:
                rows += part()
            except Exception as exc:  # one broken part must not hide the others' figures
                print(f"bench_maintenance: {name} failed: {exc!r}", file=sys.stderr)
                rows.append((name, "failed", type(exc).__name__))
    return rows


if __name__ == "__main__":
    for figure, value, detail in figures(sys.argv[1]):
        print(f"{figure:<100} {value:>12}  {detail}")
