"""``make bench``: the portal's figures as a table (how to measure: ../shared/BENCHMARKS.md).

Benchmarks report, they do not judge: slow figures never fail the build. The script exits 1 only
when it could not measure anything at all; a part that fails shows as "failed" in the table and its
reason goes to stderr, so one broken part does not hide the others.
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

from portal.core import clock
from tests.bench_common import LARGE_USER, Row, large_scope, ms, p95, session, spread, timed, traced
from tests.browser.conftest import (
    BIN,
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_PASSWORD,
    ROOT,
    free_port,
    wait_until_up,
)

T = TypeVar("T")
DEMO_USER = "dana@northside.example"
LOGIN_RUNS = 10
LOAD_RUNS = 8
BUILD_RUNS = 20
ROUND_TRIPS = 40
WARM_UPS = 2
CSV_RUNS = 3
STATEMENT_RUNS = 5
STATEMENT_RANGES = 6  # the portal keeps 4 computed statements per process
# The bench's own build folder: the browser tests hold .web-test and `make demo` uses .web, and a
# build running in either would otherwise swap files under this server (or this one under theirs).
WEB_WORKDIR = ROOT / ".web-bench"
WEB_LOCK = ROOT / ".web-bench.lock"
# A first build in a fresh WEB_WORKDIR runs npm install there; on a busy 2-core box that is minutes.
SERVE_TIMEOUT = 900
# A fresh venv, pip install and npm install of the whole frontend: minutes, not seconds.
MAKE_DEMO_TIMEOUT = 1800
# Reflex's disk state manager writes a client's state 2 s after its last event (debounce), checking
# at most every 2 s; waiting longer than both makes sure a load's state is on disk.
STATE_WRITE_WAIT = 5.0
FILLED = """() => {
  const v = [...document.querySelectorAll('.stat-value')];
  return v.length > 0 && v.every(e => e.textContent.trim() !== '');
}"""

# Reflex 0.10.1, Chromium headless, 2 cores: a bare Reflex list of 20,000 rows, one page in state
# (BENCHMARKS.md). Measured elsewhere, so a ratio to them is only as good as the two machines' likeness.
REF_FIRST_LOAD = 0.67
REF_WS_BYTES = 6.3 * 1024
REF_STATE_BYTES = 3 * 1024
REF_PAGE_P50 = 0.0195
REF_PAGE_P95 = 0.0335
REF_SQL_PAGE = 0.0024

# Times one event in the page itself: Playwright's own click/wait adds ~60 ms, more than the event.
ROUND_TRIP = """async ({act, target, term, watch, read, timeout}) => {
  const text = () => document.querySelector(read)?.textContent ?? '';
  const watched = document.querySelector(watch);
  if (!watched) throw new Error(`nothing matches ${watch}`);
  const before = text();
  let observer, timer;
  const changed = new Promise((resolve, reject) => {
    observer = new MutationObserver(() => {
      if (text() !== before) { observer.disconnect(); clearTimeout(timer); resolve(); }
    });
    timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error(`${read} still read "${before}" after ${timeout} ms`));
    }, timeout);
    observer.observe(watched, {subtree: true, childList: true, characterData: true});
  });
  const setValue = (selector, value) => Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')
    .set.call(document.querySelector(selector), value);
  let start;
  if (act === 'search') {
    setValue(target, term);
    start = performance.now();
    document.querySelector(target).form.requestSubmit();
  } else if (act === 'range') {
    setValue('#start', term[0]);
    setValue('#end', term[1]);
    start = performance.now();
    document.querySelector(target).form.requestSubmit();
  } else {
    start = performance.now();
    document.querySelector(target).click();
  }
  await changed;
  await new Promise(r => requestAnimationFrame(r));
  return performance.now() - start;
}"""
ROUND_TRIP_TIMEOUT_MS = 15_000
# A 5-year statement is computed whole on every submit: seconds, not milliseconds.
STATEMENT_TIMEOUT_MS = 120_000
FIRST_ROW = "#list-table tbody tr"
# Installed before the page's own scripts, so the time counts from the navigation's start.
FIRST_ROW_CLOCK = """(() => {
  const observer = new MutationObserver(() => {
    if (document.querySelector('#list-table tbody tr')) {
      observer.disconnect();
      requestAnimationFrame(() => { window.__firstRow = performance.now(); });
    }
  });
  observer.observe(document, {childList: true, subtree: true});
})();"""


@dataclass(frozen=True)
class QuotesPlan:
    """What the quotes figures run on, decided from the seeded data rather than assumed."""

    tab: str
    counts: dict[str, int]
    terms: tuple[str, str]
    hits: tuple[int, int]

    @property
    def total(self) -> int:
        return self.counts[self.tab]

    @property
    def label(self) -> str:
        return f"Metro, {self.tab} tab, {self.total:,} quotes"


def _x(ours: float, reference: float) -> str:
    return f"{ours / reference:.1f}x"


def _load() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def _stop(proc: subprocess.Popen) -> None:
    """Stop the whole process group: make, reflex, node and uvicorn all run in it."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=20)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


# -- 1. make demo on a fresh clone -------------------------------------------------------------------


def _clone_env(url: str) -> dict[str, str]:
    """The environment of someone who just cloned: no venv of ours, no portal or make settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PORTAL_", "REFLEX_", "MAKE", "MFLAGS"))
        and k not in ("DATABASE_URL", "VIRTUAL_ENV")
    }
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) != BIN)
    env["PORTAL_PUBLIC_URL"] = url
    return env


def _make_demo(clone: Path, label: str) -> Row:
    """Time ``make demo`` until /login answers, split at the commands make echoes."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = clone.parent / f"{clone.name}-make-demo-{port}.log"
    log.touch()  # wait_until_up reads it if make stops before the first line
    marks: dict[str, float] = {}
    start = time.perf_counter()
    proc = subprocess.Popen(
        ["make", "demo", f"PORT={port}"],
        cwd=clone,
        env=_clone_env(url),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def copy_output() -> None:
        with log.open("w") as fh:
            for line in proc.stdout:
                if found := re.search(r"/portal (migrate|seed|serve)\b", line):
                    marks.setdefault(found.group(1), time.perf_counter() - start)
                fh.write(line)
                fh.flush()

    reader = threading.Thread(target=copy_output, daemon=True)
    reader.start()
    try:
        wait_until_up(url, proc, log, timeout=MAKE_DEMO_TIMEOUT)
        total = time.perf_counter() - start
    finally:
        _stop(proc)
        reader.join(timeout=10)
    edges = [0.0, marks.get("migrate"), marks.get("seed"), marks.get("serve"), total]
    phases = zip(["install", "migrate", "seed", "build+serve"], pairwise(edges), strict=True)
    parts = [f"{name} {b - a:.1f} s" for name, (a, b) in phases if a is not None and b is not None]
    return label, f"{total:.1f} s", ", ".join(parts)


def make_demo_figures(source: Path = ROOT) -> list[Row]:
    """Cold: clone, fresh venv, pip and npm installs (this machine's pip/npm caches still apply).
    Warm: the same clone again, where nothing is reinstalled or seeded twice."""
    workdir = Path(tempfile.mkdtemp(prefix="portal-bench-clone-"))
    clone = workdir / "portal"
    try:
        subprocess.run(["git", "clone", "--quiet", str(source), str(clone)], check=True, capture_output=True)
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=clone, check=True, text=True, capture_output=True
        ).stdout.strip()
        return [
            _make_demo(clone, f"cold make demo, fresh clone of {head}"),
            _make_demo(clone, "warm make demo, same clone"),
        ]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# -- 2-5. a served portal with the large demo ---------------------------------------------------------


def _portal_env(data: Path, url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'portal.db'}",
        "PORTAL_PUBLIC_URL": url,
        # Every login comes from 127.0.0.1; bcrypt keeps its real cost so the login figure is real.
        "PORTAL_LOGIN_LIMIT_PER_IP": "1000",
        # Our own states folder: the checkout's .states is shared with whoever else serves from it.
        "REFLEX_STATES_WORKDIR": str(data / "states"),
        "REFLEX_WEB_WORKDIR": str(WEB_WORKDIR),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    for name in ("PORTAL_BCRYPT_ROUNDS", "PORTAL_TEST_DATABASE_URL", "REFLEX_REDIS_URL"):
        env.pop(name, None)
    return env


def seed_large(env: dict[str, str]) -> Row:
    subprocess.run(
        [str(BIN / "portal"), "migrate"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    start = time.perf_counter()
    subprocess.run(
        [str(BIN / "portal"), "seed", "--demo", "--size", "large"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return "portal seed --demo --size large", f"{time.perf_counter() - start:.1f} s", "fresh database, SQLite"


def dashboard_build(database_url: str) -> Row:
    from portal.services.reports import dashboard

    with session(database_url) as db:
        scope = large_scope(db)
        samples = timed(lambda: dashboard.build(db, scope, clock.today()), BUILD_RUNS)
    value, detail = spread(samples)
    return "dashboard.build, large customer, in-process", value, detail


@contextmanager
def served(env: dict[str, str], url: str, log: Path) -> Iterator[subprocess.Popen]:
    """Serve from WEB_WORKDIR, waiting for a second bench on the machine to finish with it first."""
    from tests import bench_live

    with WEB_LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with log.open("w") as fh:
            proc = subprocess.Popen(
                [str(BIN / "portal"), "serve", "--port", url.rsplit(":", 1)[1]],
                # The server counts its SQL statements for the live figures (tests/bench_probe).
                env=env | bench_live.probe_env(log.parent),
                cwd=ROOT,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            wait_until_up(url, proc, log, timeout=SERVE_TIMEOUT)
            yield proc
        finally:
            _stop(proc)


@contextmanager
def _context(browser, url: str, cookies: list | None = None):
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(60_000)
    if cookies:
        context.add_cookies(cookies)
    try:
        yield context
    finally:
        context.close()


def _log_in(page, username: str) -> float:
    """Seconds from clicking Login to the first dashboard card, across /auth/session's 303."""
    page.goto("/login")
    page.wait_for_load_state("networkidle")
    page.locator("#username").fill(username)
    page.locator("#password").fill(DEMO_PASSWORD)
    start = time.perf_counter()
    page.locator("#login").click()
    page.locator("[data-card]").first.wait_for(state="visible")
    return time.perf_counter() - start


def _open_dashboard(page) -> float:
    start = time.perf_counter()
    page.goto("/dashboard")
    page.locator("[data-card]").first.wait_for(state="visible")
    page.wait_for_function(FILLED)
    return time.perf_counter() - start


def login_round_trip(browser, url: str) -> Row:
    samples = []
    for _ in range(LOGIN_RUNS):
        with _context(browser, url) as context:
            samples.append(_log_in(context.new_page(), DEMO_USER))
    value, detail = spread(samples)
    return (
        "login round trip, click to first card",
        value,
        f"{detail}; perf_counter around Playwright, which adds ~60 ms of its own",
    )


def _cookies_of(browser, url: str, username: str) -> list:
    with _context(browser, url) as context:
        _log_in(context.new_page(), username)
        return context.cookies()


def _footprint(browser, url: str, cookies: list, states: Path, who: str, open_page: Callable) -> list[Row]:
    """Websocket bytes and state files of one fresh client opening a page, and nothing else's."""
    time.sleep(STATE_WRITE_WAIT)  # earlier clients' delayed writes must not count as this one's
    before = set(states.glob("*.pkl"))
    received: list[int] = []

    def on_frame(payload: str | bytes) -> None:
        received.append(len(payload.encode() if isinstance(payload, str) else payload))

    with _context(browser, url, cookies) as context:
        page = context.new_page()
        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
        open_page(page)
        page.wait_for_timeout(STATE_WRITE_WAIT * 1000)
    written = [p.stat().st_size for p in states.glob("*.pkl") if p not in before]
    return [
        (
            f"websocket bytes received, first load, {who}",
            f"{sum(received) / 1024:.1f} KB",
            f"{len(received)} frames",
        ),
        (
            f"state per client, {who}",
            f"{sum(written) / 1024:.1f} KB" if written else "n/a",
            f"{len(written)} substate files (disk state manager)" if written else "no state file written",
        ),
    ]


def first_loads(browser, url: str, states: Path, who: str, username: str) -> list[Row]:
    cookies = _cookies_of(browser, url, username)
    samples = []
    for _ in range(LOAD_RUNS):
        with _context(browser, url, cookies) as context:
            samples.append(_open_dashboard(context.new_page()))
    value, detail = spread(samples)
    rows = [
        (f"dashboard first load, {who}", value, f"{detail}; goto to cards filled, signed-in fresh context")
    ]
    return rows + _footprint(browser, url, cookies, states, who, _open_dashboard)


# -- the quotes list of the large customer --------------------------------------------------------------


def quotes_plan(database_url: str) -> QuotesPlan:
    """The tab with the most rows, and two search words (from site names) whose counts differ.

    The search figure waits for the result count to change, so the two words must not give the
    same count, or the wait would never end.
    """
    from sqlmodel import select

    from portal.core.lists import PageRequest
    from portal.models import Site
    from portal.services.work.quotes import QUOTE_TABS, list_quotes

    today = clock.today()
    with session(database_url) as db:
        scope = large_scope(db)
        counts = {tab: list_quotes(db, scope, tab, PageRequest(size=10), today).total for tab in QUOTE_TABS}
        tab = max(counts, key=counts.get)
        names = db.exec(
            select(Site.name).where(Site.customer_id == scope.customer_id).order_by(Site.name)
        ).all()
        found: dict[int, str] = {}
        for word in dict.fromkeys(name.split()[0] for name in names):
            hits = list_quotes(db, scope, tab, PageRequest(search=word, size=10), today).total
            if 0 < hits < counts[tab] and hits not in found:
                found[hits] = word
            if len(found) == 2:
                break
    if len(found) < 2:
        raise RuntimeError(f"no two site words give different search counts on the {tab} tab")
    (hits_a, word_a), (hits_b, word_b) = found.items()
    return QuotesPlan(tab, counts, (word_a, word_b), (hits_a, hits_b))


def _list_page_figures(
    database_url: str,
    what: str,
    label: str,
    pages: tuple[int, ...],
    searches: tuple[tuple[str, int], ...],
    list_page: Callable,
) -> list[Row]:
    """Deep pages too: OFFSET makes the database walk past every earlier row.

    ``list_page(session, scope, request)`` is one screen's list call; ``searches`` pairs a term with its hits.
    """
    from portal.core.lists import PageRequest

    cases = [(f"page {k:,}", PageRequest(page=k, size=25)) for k in dict.fromkeys(pages)]
    cases += [(f'search "{t}" ({n:,} hits)', PageRequest(search=t, size=25)) for t, n in searches]
    rows = []
    with session(database_url) as db:
        scope = large_scope(db)
        for name, request in cases:
            samples = timed(lambda request=request: list_page(db, scope, request), BUILD_RUNS)
            value, detail = spread(samples)
            rows.append(
                (
                    f"{what}, {label}, {name}, in-process",
                    value,
                    f"{detail}; ref SQL for one page p50 {ms(REF_SQL_PAGE)}: "
                    f"{_x(statistics.median(samples), REF_SQL_PAGE)}",
                )
            )
    return rows


def list_quotes_figures(database_url: str, plan: QuotesPlan) -> list[Row]:
    from portal.services.work.quotes import list_quotes

    today = clock.today()
    last = -(-plan.total // 25)
    return _list_page_figures(
        database_url,
        "list_quotes",
        plan.label,
        (1, 2, max(1, last // 2), last),
        tuple(zip(plan.terms, plan.hits, strict=True)),
        lambda db, scope, request: list_quotes(db, scope, plan.tab, request, today),
    )


def _csv_rows(text: str) -> int:
    return sum(1 for _ in csv.reader(io.StringIO(text))) - 1


def _export_figures(name: str, label: str, export: Callable[[], Iterator[str]]) -> list[Row]:
    """Timed runs without tracemalloc (it slows allocation several-fold), then one traced run for the peak."""

    def consume() -> int:
        return sum(len(chunk.encode()) for chunk in export())

    samples, size = [], 0
    for _ in range(CSV_RUNS):
        start = time.perf_counter()
        size = consume()
        samples.append(time.perf_counter() - start)
    text = "".join(export())
    rows = _csv_rows(text)
    del text
    _, peak = traced(consume)
    return [
        (
            f"{name}, {label}, in-process",
            f"p50 {statistics.median(samples):.2f} s",
            f"max {max(samples):.2f} s, n={len(samples)}; {size / 1e6:.1f} MB, {rows:,} rows",
        ),
        (
            f"{name} peak Python memory, {label}",
            f"{peak / 1e6:.1f} MB",
            f"tracemalloc over one full export of {size / 1e6:.1f} MB (SQLite's own buffers not counted)",
        ),
    ]


def quote_csv_figures(database_url: str, plan: QuotesPlan) -> list[Row]:
    from portal.services.work.quotes import quote_csv

    today = clock.today()
    with session(database_url) as db:
        scope = large_scope(db)
        return _export_figures(
            "quote_csv", plan.label, lambda: quote_csv(db, scope, plan.tab, "", "", True, today)
        )


def _open_list(page, path: str) -> None:
    page.goto(path)
    page.locator(FIRST_ROW).first.wait_for(state="visible")


def _list_first_loads(
    browser, url: str, states: Path, cookies: list, what: str, path: str, label: str
) -> list[Row]:
    in_page, around = [], []
    for _ in range(LOAD_RUNS):
        with _context(browser, url, cookies) as context:
            context.add_init_script(FIRST_ROW_CLOCK)
            page = context.new_page()
            start = time.perf_counter()
            _open_list(page, path)
            around.append(time.perf_counter() - start)
            page.wait_for_function("() => window.__firstRow !== undefined")
            in_page.append(page.evaluate("window.__firstRow") / 1000)
    value, detail = spread(in_page)
    rows = [
        (
            f"{what} first load, {label}",
            value,
            f"{detail}; navigation start to first row painted, in-page; Playwright goto to visible "
            f"p50 {ms(statistics.median(around))}; ref {REF_FIRST_LOAD:.2f} s: "
            f"{_x(statistics.median(in_page), REF_FIRST_LOAD)}",
        )
    ]
    footprint = _footprint(browser, url, cookies, states, f"{what}, {label}", lambda p: _open_list(p, path))
    for (name, value, detail), ref in zip(footprint, (REF_WS_BYTES, REF_STATE_BYTES), strict=True):
        with suppress(ValueError):
            detail += f"; ref {ref / 1024:.1f} KB: {_x(float(value.split()[0]) * 1024, ref)}"
        rows.append((name, value, detail))
    return rows


def quotes_first_loads(browser, url: str, states: Path, cookies: list, plan: QuotesPlan) -> list[Row]:
    return _list_first_loads(browser, url, states, cookies, "quotes", f"/quotes?tab={plan.tab}", plan.label)


class _Trips:
    """Round trips on one page, cycling through its steps (each must change what it watches).

    One step at a time, so two lists can take turns and share whatever load the machine has.
    The first WARM_UPS are not counted.
    """

    def __init__(self, page, steps: list[dict]):
        self.page, self.steps, self.done, self.samples = page, steps, 0, []

    def run(self) -> None:
        step = {"term": "", "timeout": ROUND_TRIP_TIMEOUT_MS, **self.steps[self.done % len(self.steps)]}
        took = self.page.evaluate(ROUND_TRIP, step) / 1000
        if self.done >= WARM_UPS:
            self.samples.append(took)
        self.done += 1


PAGE_STEPS = [
    {"act": "click", "target": target, "watch": "#list-table tbody", "read": f"{FIRST_ROW}:first-child"}
    for target in ("#next-page", "#prev-page")
]


def _small_list(browser, url: str, stack: ExitStack, path: str) -> tuple[object, int]:
    """The demo customer's list at 10 a page: the same screen and event as Metro's, on a few rows."""
    context = stack.enter_context(_context(browser, url, _cookies_of(browser, url, DEMO_USER)))
    page = context.new_page()
    _open_list(page, path)
    page.locator("#page-size").click()
    page.get_by_role("option", name="10", exact=True).click()
    page.wait_for_function("() => /^1–10 of \\d+$/.test(document.querySelector('#result-count').textContent)")
    total = int(page.locator("#result-count").inner_text().rsplit(" of ", 1)[1])
    if total <= 10:
        raise RuntimeError(f"the demo customer has {total} rows at {path}, one page of 10")
    return page, total


@dataclass(frozen=True)
class ListTrips:
    """One list's round trips: which screen, and the search steps that must each change what they read."""

    what: str
    tab: str
    label: str
    search_steps: list[dict]
    search_note: str
    # The demo customer's list that gives the floor, when its own has one page only (5 sites).
    floor_path: str = ""

    @property
    def path(self) -> str:
        return f"/{self.what}?tab={self.tab}"


def _list_round_trips(browser, url: str, cookies: list, trips: ListTrips) -> list[Row]:
    """Metro's page switches alternate with the demo customer's, the in-run floor BENCHMARKS.md asks for."""
    rows: list[Row] = []
    with ExitStack() as stack:
        page = stack.enter_context(_context(browser, url, cookies)).new_page()
        _open_list(page, trips.path)
        metro, floor, small_total = _Trips(page, PAGE_STEPS), None, 0
        try:
            small_page, small_total = _small_list(browser, url, stack, trips.floor_path or trips.path)
            floor = _Trips(small_page, PAGE_STEPS)
        except Exception as exc:  # Metro's figures still stand without their floor
            rows += _failed(f"{trips.what} next/prev page, demo customer (in-run floor)", exc)
        load_before = _load()
        for _ in range(WARM_UPS + ROUND_TRIPS):
            metro.run()
            if floor is not None:
                floor.run()
        search = _Trips(page, trips.search_steps)
        for _ in range(WARM_UPS + ROUND_TRIPS):
            search.run()
        load_after = _load()
    p50, tail = statistics.median(metro.samples), p95(metro.samples)
    value, detail = spread(metro.samples)
    detail += (
        f"; in-page click to first row changed + 1 frame; ref p50 {REF_PAGE_P50 * 1000:.1f} ms / "
        f"p95 {REF_PAGE_P95 * 1000:.1f} ms: {_x(p50, REF_PAGE_P50)} / {_x(tail, REF_PAGE_P95)}"
    )
    if floor is not None:
        detail += (
            f"; in-run floor below: {_x(p50, statistics.median(floor.samples))} / "
            f"{_x(tail, p95(floor.samples))}"
        )
    rows.insert(0, (f"{trips.what} next/prev page, {trips.label}", value, detail))
    if floor is not None:
        value, detail = spread(floor.samples)
        rows.append(
            (
                f"{trips.what} next/prev page, demo customer, {trips.tab} tab, {small_total} {trips.what}"
                if not trips.floor_path
                else f"{trips.what} floor: demo customer's {trips.floor_path}, {small_total} rows",
                value,
                f"{detail}; 10 per page, taking turns with Metro's: the in-run floor",
            )
        )
    value, detail = spread(search.samples)
    rows.append((f"{trips.what} search round trip, {trips.label}", value, f"{detail}; {trips.search_note}"))
    rows.append(
        (
            f"load average during the {trips.what} round trips",
            f"{load_before} -> {load_after}",
            f"1/5/15 min, {os.cpu_count()} cores",
        )
    )
    return rows


def quotes_round_trips(browser, url: str, cookies: list, plan: QuotesPlan) -> list[Row]:
    terms = " / ".join(f'"{t}" ({n:,})' for t, n in zip(plan.terms, plan.hits, strict=True))
    steps = [
        {
            "act": "search",
            "target": "#list-search",
            "term": term,
            "watch": "#result-count",
            "read": "#result-count",
        }
        for term in plan.terms
    ]
    return _list_round_trips(
        browser,
        url,
        cookies,
        ListTrips(
            "quotes",
            plan.tab,
            plan.label,
            steps,
            f"requestSubmit to result count changed + 1 frame, alternating {terms}",
        ),
    )


def _csv_over_http(url: str, cookies: list, path: str, label: str, expected: str) -> Row:
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
    request = urllib.request.Request(f"{url}{path}", headers={"Cookie": cookie})
    first, last, body = [], [], b""
    for _ in range(CSV_RUNS):
        chunks = []
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as response:
            while chunk := response.read1(1 << 16):
                if not chunks:
                    first.append(time.perf_counter() - start)
                chunks.append(chunk)
        last.append(time.perf_counter() - start)
        body = b"".join(chunks)
    rows = _csv_rows(body.decode("utf-8-sig"))
    return (
        f"GET {path.split('?')[0]}, {label}",
        f"p50 {statistics.median(last):.2f} s",
        f"to last byte, n={len(last)}; first byte p50 {ms(statistics.median(first))}; "
        f"{len(body) / 1e6:.1f} MB, {rows:,} rows ({expected})",
    )


def quote_csv_over_http(url: str, cookies: list, plan: QuotesPlan) -> list[Row]:
    return [
        _csv_over_http(
            url, cookies, f"/export/quotes.csv?tab={plan.tab}", plan.label, f"expected {plan.total:,}"
        )
    ]


# -- the invoices and the statement of the large customer -----------------------------------------------


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class InvoicesPlan:
    """What the invoices and statement figures run on, decided from the seeded data rather than assumed."""

    total: int
    terms: tuple[str, str]
    hits: tuple[int, int]
    ranges: tuple[tuple[date, date], ...]
    closings: tuple[int, ...]

    @property
    def label(self) -> str:
        return f"Metro, all tab, {self.total:,} invoices"

    @property
    def years(self) -> str:
        start, end = self.ranges[0]
        return f"Metro, 5 years {start} to {end}"


def invoices_plan(database_url: str) -> InvoicesPlan:
    """Two invoice numbers whose searches show different first rows, and 5-year statement ranges
    with different closing balances: each round trip waits for what it reads to change.
    """
    from portal.core.lists import PageRequest
    from portal.services.billing import statements
    from portal.services.billing.invoices import list_invoices

    today = clock.today()
    with session(database_url) as db:
        scope = large_scope(db)
        total = list_invoices(db, scope, "all", PageRequest(size=25), today).total
        last = -(-total // 25)
        # Neither from page 1: the searches start from it, and a search must change its first row.
        terms = tuple(
            str(list_invoices(db, scope, "all", PageRequest(page=k, size=25), today).rows[0].number)
            for k in (max(2, last // 3), max(2, 2 * last // 3))
        )
        found = [list_invoices(db, scope, "all", PageRequest(search=t, size=25), today) for t in terms]
        # More ranges than the portal keeps computed statements of, so each date search computes afresh.
        ends = tuple(today - timedelta(days=30 * k) for k in range(STATEMENT_RANGES))
        ranges = tuple((_years_before(end, 5), end) for end in ends)
        closings = tuple(
            statements.statement(db, scope, a, b, today).closing_balance_cents for a, b in ranges
        )
    if len({f.rows[0].id for f in found if f.rows}) < 2:
        raise RuntimeError(f"searches for {terms} do not show two different first rows")
    if any(a == b for a, b in pairwise((*closings, closings[0]))):
        raise RuntimeError(f"two successive statements of {ranges} close on the same balance")
    return InvoicesPlan(total, terms, (found[0].total, found[1].total), ranges, closings)


def list_invoices_figures(database_url: str, plan: InvoicesPlan) -> list[Row]:
    from portal.services.billing.invoices import list_invoices

    today = clock.today()
    last = -(-plan.total // 25)
    return _list_page_figures(
        database_url,
        "list_invoices",
        plan.label,
        (1, max(1, last // 2), last),
        tuple(zip(plan.terms, plan.hits, strict=True)),
        lambda db, scope, request: list_invoices(db, scope, "all", request, today),
    )


def statement_figures(database_url: str, plan: InvoicesPlan) -> list[Row]:
    """Timed runs without tracemalloc, then one traced run for the peak, as for the CSV exports."""
    from portal.services.billing import statements

    today = clock.today()
    start, end = plan.ranges[0]
    with session(database_url) as db:
        scope = large_scope(db)
        samples = timed(lambda: statements.statement(db, scope, start, end, today), STATEMENT_RUNS)
        computed, peak = traced(lambda: statements.statement(db, scope, start, end, today))
        lines = computed.line_count
    value, detail = spread(samples)
    return [
        (f"statements.statement, {plan.years}, in-process", value, f"{detail}; {lines:,} lines"),
        (
            f"statements.statement peak Python memory, {plan.years}",
            f"{peak / 1e6:.1f} MB",
            "tracemalloc over one statement (numpy/pandas buffers are traced; SQLite's are not)",
        ),
    ]


def invoice_csv_figures(database_url: str, plan: InvoicesPlan) -> list[Row]:
    from portal.services.billing.invoices import invoice_csv

    today = clock.today()
    with session(database_url) as db:
        scope = large_scope(db)
        return _export_figures(
            "invoice_csv", plan.label, lambda: invoice_csv(db, scope, "all", "", "", True, today)
        )


def invoices_first_loads(browser, url: str, states: Path, cookies: list, plan: InvoicesPlan) -> list[Row]:
    return _list_first_loads(browser, url, states, cookies, "invoices", "/invoices?tab=all", plan.label)


def invoices_round_trips(browser, url: str, cookies: list, plan: InvoicesPlan) -> list[Row]:
    """The search reads the first row: two invoice numbers can well find the same count."""
    terms = " / ".join(f'"{t}" ({n:,})' for t, n in zip(plan.terms, plan.hits, strict=True))
    steps = [
        {
            "act": "search",
            "target": "#list-search",
            "term": term,
            "watch": "#list-table tbody",
            "read": f"{FIRST_ROW}:first-child",
        }
        for term in plan.terms
    ]
    return _list_round_trips(
        browser,
        url,
        cookies,
        ListTrips(
            "invoices",
            "all",
            plan.label,
            steps,
            f"requestSubmit to first row changed + 1 frame, alternating invoice numbers {terms}",
        ),
    )


def statement_round_trips(browser, url: str, cookies: list, plan: InvoicesPlan) -> list[Row]:
    """Date searches cycle through more ranges than the portal keeps computed, so each one computes
    the 5-year statement; page switches then page through the last one, which is kept.

    Opened on the last range, so that every submit, the first included, changes the closing balance.
    """
    last_start, last_end = plan.ranges[-1]
    with _context(browser, url, cookies) as context:
        page = context.new_page()
        page.goto(f"/invoices/statement?start={last_start}&end={last_end}")
        page.wait_for_function(
            "() => (document.querySelector('#closing')?.textContent ?? '').trim() !== ''",
            timeout=STATEMENT_TIMEOUT_MS,
        )
        steps = [
            {
                "act": "range",
                "target": "#statement-search",
                "term": [str(s), str(e)],
                "watch": "#closing",
                "read": "#closing",
                "timeout": STATEMENT_TIMEOUT_MS,
            }
            for s, e in plan.ranges
        ]
        searches = _Trips(page, steps)
        for _ in range(WARM_UPS + STATEMENT_RUNS):
            searches.run()
        pages = _Trips(
            page,
            [
                {
                    "act": "click",
                    "target": target,
                    "watch": "#statement-lines tbody",
                    "read": "#statement-lines tbody tr:first-child",
                }
                for target in ("#statement-next", "#statement-prev")
            ],
        )
        for _ in range(WARM_UPS + ROUND_TRIPS):
            pages.run()
    value, detail = spread(searches.samples)
    rows = [
        (
            f"statement date search round trip, {plan.years}",
            value,
            f"{detail}; requestSubmit of #statement-search to #closing changed + 1 frame, cycling through "
            f"{len(plan.ranges)} ranges ending a month apart (each computed afresh)",
        )
    ]
    value, detail = spread(pages.samples)
    rows.append(
        (
            f"statement next/prev page of lines, {plan.years}",
            value,
            f"{detail}; click to first line changed + 1 frame; the computed statement is reused",
        )
    )
    return rows


def invoice_exports_over_http(url: str, cookies: list, plan: InvoicesPlan) -> list[Row]:
    start, end = plan.ranges[0]
    return [
        _csv_over_http(url, cookies, "/export/invoices.csv?tab=all", plan.label, f"expected {plan.total:,}"),
        _csv_over_http(
            url,
            cookies,
            f"/export/statement.csv?start={start}&end={end}",
            plan.years,
            "opening, lines, closing",
        ),
    ]


def browser_figures(
    env: dict[str, str], url: str, data: Path, plan: QuotesPlan | None, invoices: InvoicesPlan | None
) -> list[Row]:
    from playwright.sync_api import sync_playwright

    states = data / "states"
    with served(env, url, data / "server.log") as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            rows = _attempt("login", lambda: [login_round_trip(browser, url)])
            rows += _attempt("live screens", lambda: live_in_browser(browser, url, env, data, server.pid))
            rows += _attempt(
                "demo dashboard", lambda: first_loads(browser, url, states, "demo customer", DEMO_USER)
            )
            rows += _attempt(
                "large dashboard", lambda: first_loads(browser, url, states, "large customer", LARGE_USER)
            )
            if plan is None and invoices is None:
                return rows
            cookies = _cookies_of(browser, url, LARGE_USER)
            if plan is not None:
                rows += _attempt(
                    "quotes first load", lambda: quotes_first_loads(browser, url, states, cookies, plan)
                )
                rows += _attempt(
                    "quotes round trips", lambda: quotes_round_trips(browser, url, cookies, plan)
                )
                rows += _attempt("quotes CSV over HTTP", lambda: quote_csv_over_http(url, cookies, plan))
            if invoices is not None:
                rows += _attempt(
                    "invoices first load",
                    lambda: invoices_first_loads(browser, url, states, cookies, invoices),
                )
                rows += _attempt(
                    "invoices round trips", lambda: invoices_round_trips(browser, url, cookies, invoices)
                )
                rows += _attempt(
                    "statement round trips", lambda: statement_round_trips(browser, url, cookies, invoices)
                )
                rows += _attempt(
                    "invoice and statement CSV over HTTP",
                    lambda: invoice_exports_over_http(url, cookies, invoices),
                )
            rows += _attempt("PPM report in the browser", lambda: ppm_in_browser(browser, url, cookies))
            rows += _attempt("sites and tasks lists", lambda: lists_in_browser(browser, url, cookies, env))
            return rows
        finally:
            browser.close()


def asset_and_report_figures(database_url: str) -> list[Row]:
    """The asset register, maintenance reports and back office on the large data, each by its own module."""
    from tests import bench_assets, bench_import, bench_maintenance, bench_office, bench_ppm

    rows = _attempt("assets", lambda: bench_assets.figures(database_url))
    rows += _attempt("back office", lambda: bench_office.figures(database_url))
    rows += _attempt("customer import", bench_import.figures)  # a fresh database of its own
    rows += _attempt("PPM report", lambda: bench_ppm.figures(database_url))
    return rows + _attempt("defects and test history", lambda: bench_maintenance.figures(database_url))


def ppm_in_browser(browser, url: str, cookies: list) -> list[Row]:
    from tests import bench_ppm

    with _context(browser, url, cookies) as context:
        return [bench_ppm.browser_figure(context.new_page(), url)]


def lists_in_browser(browser, url: str, cookies: list, env: dict[str, str]) -> list[Row]:
    from tests import bench_lists

    return bench_lists.browser_figures(browser, url, cookies, env["DATABASE_URL"])


def live_in_browser(browser, url: str, env: dict[str, str], data: Path, server_pid: int) -> list[Row]:
    from tests import bench_live

    return bench_live.browser_figures(browser, url, env["DATABASE_URL"], data, server_pid)


# -- the table -----------------------------------------------------------------------------------------


def _failed(label: str, exc: Exception) -> list[Row]:
    reason = getattr(exc, "stderr", None) or str(exc)
    print(f"\n{label} failed:\n{reason}", file=sys.stderr)
    return [(label, "failed", (str(exc).strip().splitlines() or [type(exc).__name__])[0][:80])]


def _attempt(label: str, measure: Callable[[], list[Row]]) -> list[Row]:
    try:
        return measure()
    except Exception as exc:  # a failed part is reported, the others still run
        return _failed(label, exc)


def _planned(
    database_url: str,
    label: str,
    make_plan: Callable[[str], T],
    parts: dict[str, Callable[[str, T], list[Row]]],
) -> tuple[T | None, list[Row]]:
    """The plan decided from the data and the figures of the parts that run on it. Without a plan
    its parts are skipped (one failure row for the plan); the caller's other parts still run."""
    try:
        plan = make_plan(database_url)
    except Exception as exc:  # reported as a row, like any other failed part
        return None, _failed(label, exc)
    rows: list[Row] = []
    for name, measure in parts.items():
        rows += _attempt(name, lambda measure=measure: measure(database_url, plan))
    return plan, rows


def served_figures() -> list[Row]:
    data = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    url = f"http://127.0.0.1:{free_port()}"
    env = _portal_env(data, url)
    try:
        rows = _attempt("seed", lambda: [seed_large(env)])
        if rows[0][1] == "failed":
            return rows
        rows += _attempt("dashboard.build", lambda: [dashboard_build(env["DATABASE_URL"])])
        plan, measured = _planned(
            env["DATABASE_URL"],
            "quotes list (choosing tab and search words)",
            quotes_plan,
            {"list_quotes": list_quotes_figures, "quote_csv": quote_csv_figures},
        )
        rows += measured
        invoices, measured = _planned(
            env["DATABASE_URL"],
            "invoices list (choosing search numbers and statement ranges)",
            invoices_plan,
            {
                "list_invoices": list_invoices_figures,
                "statement": statement_figures,
                "invoice_csv": invoice_csv_figures,
            },
        )
        rows += measured
        rows += asset_and_report_figures(env["DATABASE_URL"])
        return rows + _attempt(
            "portal serve and browser", lambda: browser_figures(env, url, data, plan, invoices)
        )
    finally:
        shutil.rmtree(data, ignore_errors=True)


def print_table(rows: list[Row]) -> None:
    widths = [max(len(r[i]) for r in [("figure", "value", "detail"), *rows]) for i in range(3)]
    for i, row in enumerate([("figure", "value", "detail"), *rows]):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    p.add_argument(
        "--skip-cold",
        action="store_true",
        help="skip the cold and warm `make demo` on a fresh clone (takes minutes)",
    )
    args = p.parse_args(argv)
    rows = [] if args.skip_cold else _attempt("make demo", make_demo_figures)
    rows += _attempt("served portal", served_figures)
    print()
    print_table(rows)
    return 0 if any(value != "failed" for _, value, _ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
