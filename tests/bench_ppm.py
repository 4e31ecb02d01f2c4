"""The PPM report on the large demo customer (50,400 assets over a year, all sites), timed.

``figures(database_url)`` returns (figure, value, detail) rows for ``tests/bench.py``, measured
in-process on a database seeded with ``portal seed --demo --size large``. ``browser_figure(page, url)``
times Search to the redrawn heatmap inside the page, for a page already signed in as that customer.
Run alone: ``python tests/bench_ppm.py sqlite:////tmp/bench-ppm/portal.db``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LARGE_USER = "facilities@metro.example"
RUNS = 5
BROWSER_RUNS = 6
TIMEOUT_MS = 60_000

Row = tuple[str, str, str]

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


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def _timed(call: Callable[[], object], runs: int = RUNS) -> list[float]:
    call()  # warm SQLite's page cache, as a second Search would find it
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


def figures(database_url: str) -> list[Row]:
    from sqlalchemy import func
    from sqlmodel import select

    from portal.models import Asset, Contact
    from portal.services import ppm, weeks
    from portal.services.access import scope_for
    from portal.services.invoices import contractor_today
    from portal.state.ppm import _cells, figure, table_rows

    with _session(database_url) as session:
        contact_id = session.exec(select(Contact.id).where(Contact.username == LARGE_USER)).one()
        scope = scope_for(session, contact_id)
        today = contractor_today(session)
        assets = session.exec(select(func.count()).select_from(Asset).where(Asset.customer_id == scope.customer_id)).one()
        filters = ppm.Filters(weeks.week_of(today)[0])
        grid = ppm.compute(session, scope, filters, today)
        what = (f"{assets:,} assets, all sites, {filters.year}: {len(grid.rows)} rows x {len(grid.weeks)} weeks, "
                f"today week {grid.current}")
        compute = _spread(_timed(lambda: ppm.compute(session, scope, filters, today)))
        tracemalloc.start()
        ppm.compute(session, scope, filters, today)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        past_row, past_week = next(((r, w) for r in range(len(grid.rows)) for w in range(1, grid.first_future)
                                    if grid.states[r, w - 1]), (0, 1))
        row = grid.rows[past_row]
        cell = _spread(_timed(lambda: ppm.cell_detail(session, scope, filters, today, row.asset_type_id,
                                                      row.service_level_id, past_week)))
    def draw():
        cells = _cells(grid)
        return figure(grid, cells), table_rows(grid, cells)

    drawn = _spread(_timed(draw))
    chart, table = draw()
    size = len(chart.to_json()) + len(json.dumps(table))
    return [
        ("ppm_compute", compute[0], f"{compute[1]}; {what}"),
        ("ppm_compute_peak_memory", f"{peak / 1e6:.1f} MB", "tracemalloc peak during one compute"),
        ("ppm_cell_detail", cell[0], f"{cell[1]}; one past cell recomputed for its pop-up, with job numbers"),
        ("ppm_figure", drawn[0], f"{drawn[1]}; heatmap and table built for the state, {size / 1024:.0f} KB as JSON"),
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
    p50, spread = _spread(samples)
    return ("ppm_search_to_heatmap", p50, f"{spread}; Search to the redrawn heatmap, all sites, years {year - 1}/{year}")


if __name__ == "__main__":
    for name, value, detail in figures(sys.argv[1]):
        print(f"{name:28} {value:>12}  {detail}")
