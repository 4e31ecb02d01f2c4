"""The PPM report on the large demo customer (50,400 assets over a year, all sites), timed.

``figures(database_url)`` returns (figure, value, detail) rows for ``tests/bench.py``, measured
in-process on a database seeded with ``portal seed --demo --size large``. ``browser_figure(page, url)``
times Search to the redrawn heatmap inside the page, for a page already signed in as that customer.
Run alone: ``python -m tests.bench_ppm sqlite:////tmp/bench-ppm/portal.db``.
"""

from __future__ import annotations

import json
import sys

from portal.core import tenant
from tests.bench_common import Row, large_scope, session, spread, timed, traced

RUNS = 5
BROWSER_RUNS = 6
TIMEOUT_MS = 60_000

# Clicks Search and resolves when Plotly has drawn the new grid (its afterplot event once the run
# counter moved) plus one animation frame: Playwright's own waits would add tens of milliseconds.
SEARCH_TO_HEATMAP = """async (timeout) => new Promise((resolve, reject) => {
  const gd = document.getElementById('ppm-heatmap');
  const chart = document.getElementById('ppm-chart');
  const before = chart.getAttribute('data-runs');
  let t0 = 0;
  const onPlot = () => {
    if (chart.getAttribute('data-runs') === before) return;
    gd.removeListener('plotly_afterplot', onPlot);
    requestAnimationFrame(() => resolve(performance.now() - t0));
  };
  gd.on('plotly_afterplot', onPlot);
  setTimeout(() => reject(new Error('the heatmap was not redrawn')), timeout);
  t0 = performance.now();
  document.getElementById('ppm-search').click();
})"""


def figures(database_url: str) -> list[Row]:
    from sqlalchemy import func
    from sqlmodel import select

    from portal.core import weeks
    from portal.models import Asset
    from portal.services.assets import ppm
    from portal.state.reports.ppm import _cells, figure, table_rows

    with session(database_url) as db:
        scope = large_scope(db)
        today = tenant.today(db)
        assets = db.exec(
            select(func.count()).select_from(Asset).where(Asset.customer_id == scope.customer_id)
        ).one()
        filters = ppm.Filters(weeks.week_of(today)[0])
        grid = ppm.compute(db, scope, filters, today)
        what = (
            f"{assets:,} assets, all sites, {filters.year}: {len(grid.rows)} rows x {len(grid.weeks)} weeks, "
            f"today week {grid.current}"
        )
        compute = spread(timed(lambda: ppm.compute(db, scope, filters, today), RUNS))
        _, peak = traced(lambda: ppm.compute(db, scope, filters, today))
        past_row, past_week = next(
            (
                (r, w)
                for r in range(len(grid.rows))
                for w in range(1, grid.first_future)
                if grid.states[r, w - 1]
            ),
            (0, 1),
        )
        row = grid.rows[past_row]
        cell = spread(
            timed(
                lambda: ppm.cell_detail(
                    db, scope, filters, today, row.asset_type_id, row.service_level_id, past_week
                ),
                RUNS,
            )
        )

    def draw():
        cells = _cells(grid)
        return figure(grid, cells), table_rows(grid, cells)

    drawn = spread(timed(draw, RUNS))
    chart, table = draw()
    size = len(chart.to_json()) + len(json.dumps(table))
    return [
        ("ppm_compute", compute[0], f"{compute[1]}; {what}"),
        ("ppm_compute_peak_memory", f"{peak / 1e6:.1f} MB", "tracemalloc peak during one compute"),
        ("ppm_cell_detail", cell[0], f"{cell[1]}; one past cell recomputed for its pop-up, with job numbers"),
        (
            "ppm_figure",
            drawn[0],
            f"{drawn[1]}; heatmap and table built for the state, {size / 1024:.0f} KB as JSON",
        ),
    ]


def browser_figure(page, url: str) -> Row:
    """Search to a redrawn heatmap, in the page; the year alternates so every run draws a new grid."""
    page.goto(f"{url}/reports/ppm")
    page.wait_for_selector("#ppm-chart[data-runs]:not([data-runs='0'])", timeout=TIMEOUT_MS)
    page.wait_for_selector("#ppm-heatmap .heatmaplayer", state="attached", timeout=TIMEOUT_MS)
    year = int(page.input_value("#ppm-year"))
    samples = []
    for i in range(BROWSER_RUNS + 1):
        page.fill("#ppm-year", str(year - (i + 1) % 2))
        elapsed = page.evaluate(SEARCH_TO_HEATMAP, TIMEOUT_MS) / 1000
        if i:  # the first run warms the page
            samples.append(elapsed)
    p50, detail = spread(samples)
    return (
        "ppm_search_to_heatmap",
        p50,
        f"{detail}; Search to the redrawn heatmap, all sites, years {year - 1}/{year}",
    )


if __name__ == "__main__":
    for name, value, detail in figures(sys.argv[1]):
        print(f"{name:28} {value:>12}  {detail}")
