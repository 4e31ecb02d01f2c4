"""Assets > View Assets on the large demo customer: what one screen's queries and the site CSV cost.

``figures(database_url)`` runs in-process against a database seeded with
``portal seed --demo --size large`` and returns (figure, value, detail) rows for ``make bench``.
It measures the biggest site of the large customer (facilities@metro.example), where a careless
screen would load thousands of assets: the group counts, the first page of the biggest group, a
search, one asset's pop-up, and the site's CSV (time, then peak Python memory in one traced run).
"""

from __future__ import annotations

import csv
import io
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LARGE_USER = "facilities@metro.example"
RUNS = 20
CSV_RUNS = 3

Figure = tuple[str, str, str]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


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


def _timed(name: str, detail: str, work: Callable[[], object], runs: int = RUNS) -> Figure:
    work()  # warm the page cache and the statement cache: the figure is the steady state
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    return name, f"p50 {_ms(statistics.median(samples))}", f"p95 {_ms(p95)}, n={runs}; {detail}"


def _biggest_site(session, scope) -> tuple[int, str, int]:
    from sqlmodel import func, select

    from portal.models import Asset, Site

    return session.exec(
        select(Site.id, Site.name, func.count(Asset.id))
        .join(Asset, Asset.site_id == Site.id)
        .where(Site.customer_id == scope.customer_id)
        .group_by(Site.id, Site.name)
        .order_by(func.count(Asset.id).desc(), Site.id)
    ).first()


def _metro_scope(session):
    from sqlmodel import select

    from portal.models import Contact
    from portal.services.access import scope_for

    contact_id = session.exec(select(Contact.id).where(Contact.username == LARGE_USER)).one()
    scope = scope_for(session, contact_id)
    if scope is None:
        raise RuntimeError(f"{LARGE_USER} has no active scope")
    return scope


def _screen(session, scope, site_id: int, search: str) -> int:
    """What one load of the screen asks: the counts, then the first page of each group a search opens."""
    from portal.services import assets
    from portal.state.assets import OPEN_ON_SEARCH

    groups = assets.asset_groups(session, scope, site_id, search)
    for group in groups[:OPEN_ON_SEARCH] if search else []:
        assets.group_page(session, scope, site_id, group.type_id, search)
    return sum(g.count for g in groups)


def _csv_figures(label: str, export: Callable[[], Iterator[str]]) -> list[Figure]:
    """Timed runs without tracemalloc (it slows allocation several-fold), then one traced run for the peak."""
    samples, size = [], 0
    for _ in range(CSV_RUNS):
        start = time.perf_counter()
        size = sum(len(chunk.encode()) for chunk in export())
        samples.append(time.perf_counter() - start)
    rows = sum(1 for _ in csv.reader(io.StringIO("".join(export())))) - 1
    tracemalloc.start()
    try:
        for _chunk in export():
            pass
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return [
        (f"asset_csv, {label}, in-process", f"p50 {_ms(statistics.median(samples))}",
         f"max {_ms(max(samples))}, n={CSV_RUNS}; {size / 1e6:.2f} MB, {rows:,} rows"),
        (f"asset_csv peak Python memory, {label}", f"{peak / 1e6:.1f} MB",
         "tracemalloc over one full export (SQLite's own buffers not counted)"),
    ]


def figures(database_url: str) -> list[Figure]:
    from sqlmodel import func, select

    from portal.models import ServiceRecord
    from portal.services import assets

    with _session(database_url) as session:
        scope = _metro_scope(session)
        site_id, site_name, total = _biggest_site(session, scope)
        label = f"Metro's biggest site ({site_name}, {total:,} assets)"
        groups = assets.asset_groups(session, scope, site_id)
        biggest = max(groups, key=lambda g: g.count)
        first = assets.group_page(session, scope, site_id, biggest.type_id)
        # A place on the site ("Level 1", "Ground floor"): it hits a slice of several types, as people search.
        term = first.rows[0].location.split(",")[0][:40]
        hits = _screen(session, scope, site_id, term)
        busiest = session.exec(
            select(ServiceRecord.asset_id, func.count(ServiceRecord.id))
            .where(ServiceRecord.asset_id.in_([r.id for r in first.rows]))
            .group_by(ServiceRecord.asset_id)
            .order_by(func.count(ServiceRecord.id).desc())
        ).first()
        asset_id, tests = busiest if busiest else (first.rows[0].id, 0)
        rows = [
            _timed(f"assets group counts, {label}", f"{len(groups)} types in one GROUP BY",
                   lambda: assets.asset_groups(session, scope, site_id)),
            _timed(f"assets first page of the biggest group, {label}",
                   f"{biggest.name}: 25 of {biggest.count:,}, with next due dates",
                   lambda: assets.group_page(session, scope, site_id, biggest.type_id)),
            _timed(f'assets search "{term}", {label}',
                   f"{hits:,} hits; counts plus the first page of up to 3 opened groups",
                   lambda: _screen(session, scope, site_id, term)),
            _timed(f"asset pop-up, {label}", f"details, service levels, {tests} tests and transfers",
                   lambda: assets.asset_detail(session, scope, asset_id)),
        ]
        rows += _csv_figures(label, lambda: assets.asset_csv(session, scope, site_id))
    return rows


if __name__ == "__main__":
    import sys

    for figure in figures(sys.argv[1]):
        print(" | ".join(figure))
