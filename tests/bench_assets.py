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
import time
from collections.abc import Callable, Iterator

from tests.bench_common import Row, large_scope, session, spread, timed, traced

RUNS = 20
CSV_RUNS = 3


def _figure(name: str, detail: str, work: Callable[[], object]) -> Row:
    """One figure of the screen's steady state: each is one service call, named with what it covers."""
    value, spread_detail = spread(timed(work, RUNS))
    return name, value, f"{spread_detail}; {detail}"


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


def _screen(session, scope, site_id: int, search: str) -> int:
    """What one load of the screen asks: the counts, then the first page of each group a search opens."""
    from portal.services.assets import assets
    from portal.state.assets.assets import OPEN_ON_SEARCH

    groups = assets.asset_groups(session, scope, site_id, search)
    for group in groups[:OPEN_ON_SEARCH] if search else []:
        assets.group_page(session, scope, site_id, group.type_id, search)
    return sum(g.count for g in groups)


def _csv_figures(label: str, export: Callable[[], Iterator[str]]) -> list[Row]:
    """Timed runs without tracemalloc (it slows allocation several-fold), then one traced run for the peak."""
    samples, size = [], 0
    for _ in range(CSV_RUNS):
        start = time.perf_counter()
        size = sum(len(chunk.encode()) for chunk in export())
        samples.append(time.perf_counter() - start)
    rows = sum(1 for _ in csv.reader(io.StringIO("".join(export())))) - 1
    _, peak = traced(lambda: sum(1 for _chunk in export()))
    value, detail = spread(samples)
    return [
        (f"asset_csv, {label}, in-process", value, f"{detail}; {size / 1e6:.2f} MB, {rows:,} rows"),
        (
            f"asset_csv peak Python memory, {label}",
            f"{peak / 1e6:.1f} MB",
            "tracemalloc over one full export (SQLite's own buffers not counted)",
        ),
    ]


def figures(database_url: str) -> list[Row]:
    from sqlmodel import func, select

    from portal.models import ServiceRecord
    from portal.services.assets import assets

    with session(database_url) as db:
        scope = large_scope(db)
        site_id, site_name, total = _biggest_site(db, scope)
        label = f"Metro's biggest site ({site_name}, {total:,} assets)"
        groups = assets.asset_groups(db, scope, site_id)
        biggest = max(groups, key=lambda g: g.count)
        first = assets.group_page(db, scope, site_id, biggest.type_id)
        # A place on the site ("Level 1", "Ground floor"): it hits a slice of several types, as people search.
        term = first.rows[0].location.split(",")[0][:40]
        hits = _screen(db, scope, site_id, term)
        busiest = db.exec(
            select(ServiceRecord.asset_id, func.count(ServiceRecord.id))
            .where(ServiceRecord.asset_id.in_([r.id for r in first.rows]))
            .group_by(ServiceRecord.asset_id)
            .order_by(func.count(ServiceRecord.id).desc())
        ).first()
        asset_id, tests = busiest if busiest else (first.rows[0].id, 0)
        rows = [
            _figure(
                f"assets group counts, {label}",
                f"{len(groups)} types in one GROUP BY",
                lambda: assets.asset_groups(db, scope, site_id),
            ),
            _figure(
                f"assets first page of the biggest group, {label}",
                f"{biggest.name}: 25 of {biggest.count:,}, with next due dates",
                lambda: assets.group_page(db, scope, site_id, biggest.type_id),
            ),
            _figure(
                f'assets search "{term}", {label}',
                f"{hits:,} hits; counts plus the first page of up to 3 opened groups",
                lambda: _screen(db, scope, site_id, term),
            ),
            _figure(
                f"asset pop-up, {label}",
                f"details, service levels, {tests} tests and transfers",
                lambda: assets.asset_detail(db, scope, asset_id),
            ),
        ]
        rows += _csv_figures(label, lambda: assets.asset_csv(db, scope, site_id))
    return rows


if __name__ == "__main__":
    import sys

    for figure in figures(sys.argv[1]):
        print(" | ".join(figure))
