"""Live screens in the browser: how soon a back-office change reaches a customer's open list, and
what idle connected customers cost the server.

(a) A quote of the demo customer is priced again ``CHANGES`` times, each committed by this process
through the office's service and audit trail (as another worker's change would be); the time runs
from the commit to the moment the open list's row shows the new price (in-page MutationObserver +
one frame, read against the same wall clock). The in-run reference is the same list fetched again
by the user (a search submitted, in-page), which is what a live change costs on top of the wait
for the watcher's next poll (once a second).

(b) ``IDLE_CLIENTS`` dashboard tabs of the demo customer stay connected and idle; the server's SQL
statements per second (counted inside its processes by ``tests/bench_probe``) and CPU seconds per
second (``/proc``, the server's process group) over ``WINDOW`` seconds, beside the same figures with
no client connected.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from pathlib import Path

from portal.services import live
from tests.bench_common import Row, ms, session, spread

DEMO_USER = "dana@northside.example"
CHANGES = 20
IDLE_CLIENTS = 100
WINDOW = 10.0  # seconds each idle figure is measured over
SETTLE = 4.0  # seconds after the last tab loaded: the state store's debounced writes are done
PROBE = Path(__file__).parent / "bench_probe"

# Resolves with the wall-clock moment (ms) the watched text changes, one frame after.
WATCH = """(selector) => {
  const read = () => document.querySelector(selector)?.textContent ?? '';
  const before = read();
  window.__changed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${selector} unchanged after 15 s`)), 15000);
    const observer = new MutationObserver(() => {
      if (read() !== before) {
        observer.disconnect();
        clearTimeout(timer);
        requestAnimationFrame(() => resolve(performance.timeOrigin + performance.now()));
      }
    });
    const options = {subtree: true, childList: true, characterData: true};
    observer.observe(document.querySelector('#list-table'), options);
  });
}"""


def probe_env(data: Path) -> dict[str, str]:
    """What the served portal's environment needs for its processes to count their statements."""
    path = os.pathsep.join(p for p in (str(PROBE), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "PORTAL_BENCH_PROBE": str(data / "probe")}


def _statements(folder: Path) -> int:
    return sum(int(f.read_text() or 0) for f in folder.glob("statements-*") if f.suffix != ".tmp")


def _cpu_seconds(group: int) -> float:
    """User + system CPU of every process in the server's process group."""
    ticks = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while read
            continue
        if int(fields[2]) == group:  # pgrp
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _idle_cost(folder: Path, group: int) -> tuple[float, float]:
    """Statements per second and CPU seconds per second over one window."""
    time.sleep(1.0)  # a write of the probe files lands inside the window, not at its edge
    s0, c0, t0 = _statements(folder), _cpu_seconds(group), time.perf_counter()
    time.sleep(WINDOW)
    s1, c1, t1 = _statements(folder), _cpu_seconds(group), time.perf_counter()
    return (s1 - s0) / (t1 - t0), (c1 - c0) / (t1 - t0)


def _plan(database_url: str) -> tuple[int, int, int]:
    """A priced, undecided quote of the demo customer (priced again each time), the number of
    another of its actioned quotes (the reference's other search), and the staff member's id."""
    from sqlmodel import select

    from portal.models import Contact, Quote, QuoteDecision, QuoteStage, Role, Staff

    with session(database_url) as db:
        customer = db.exec(select(Contact.customer_id).where(Contact.username == DEMO_USER)).one()
        actioned = db.exec(
            select(Quote.id, Quote.number, Quote.decision)
            .where(Quote.customer_id == customer, Quote.stage == QuoteStage.ACTIONED)
            .order_by(Quote.id)
        ).all()
        target = next(q for q in actioned if q[2] == QuoteDecision.NONE)
        other = next(q for q in actioned if q[0] != target[0])
        staff = db.exec(select(Staff).where(Staff.email == "bench@office.test")).first()
        if staff is None:
            staff = Staff(email="bench@office.test", name="Bench Office", role=Role.OFFICE)
            db.add(staff)
            db.commit()
        return target[0], other[1], staff.id  # type: ignore[return-value]


def _price(database_url: str, staff_id: int, quote_id: int, cents: int) -> float:
    """Price the quote again, as the office does; the wall-clock moment (ms) it was committed."""
    from sqlmodel import select

    from portal.core import clock, events
    from portal.core.principal import StaffMember
    from portal.models import AuditEvent, Quote, Role
    from portal.services.work import pricing

    staff = StaffMember(staff_id=staff_id, name="Bench Office", role=Role.OFFICE)
    with session(database_url) as db:
        written = len(db.exec(select(AuditEvent.id).where(AuditEvent.staff_id == staff_id)).all())
        lines = [pricing.LineInput("other", "Bench line", 1, cents)]
        pricing.price_quote(
            db, staff, quote_id, lines, pricing.default_valid_until(db, clock.today()), clock.today()
        )
        pricing.send_quote(db, staff, quote_id, clock.today())
        if len(db.exec(select(AuditEvent.id).where(AuditEvent.staff_id == staff_id)).all()) == written:
            quote = db.get(Quote, quote_id)
            events.audit(db, staff, "quote.priced", quote, customer_id=quote.customer_id if quote else None)
        db.commit()
    return time.time() * 1000


def change_latency(browser, url: str, cookies: list, database_url: str) -> list[Row]:
    from tests.bench import ROUND_TRIP, ROUND_TRIP_TIMEOUT_MS, _context

    quote_id, other_number, staff_id = _plan(database_url)
    with session(database_url) as db:
        from portal.models import Quote

        number = db.get(Quote, quote_id).number  # type: ignore[union-attr]
    samples: list[float] = []
    with _context(browser, url, cookies) as context:
        page = context.new_page()
        page.goto(f"/quotes?tab=actioned&q={number}")
        page.locator("#list-table tbody tr").first.wait_for(state="visible")
        phases = random.Random(12)  # the same waits in every run
        for i in range(CHANGES + 1):
            page.evaluate(WATCH, "#list-table tbody")
            # A change lands anywhere between two polls, as the office's do; right after the last
            # one shows, every change would wait a whole poll.
            time.sleep(phases.uniform(0, live.POLL_SECONDS))
            committed = _price(database_url, staff_id, quote_id, 10_000 + 100 * i)
            shown = page.evaluate("window.__changed")
            if i:  # the first one warms the watcher (it starts with the first follower)
                samples.append((shown - committed) / 1000)
        reference = []
        for i in range(CHANGES + 2):
            step = {
                "act": "search",
                "target": "#list-search",
                "term": str(other_number if i % 2 == 0 else number),
                "watch": "#list-table tbody",
                "read": "#list-table tbody tr:first-child",
                "timeout": ROUND_TRIP_TIMEOUT_MS,
            }
            took = page.evaluate(ROUND_TRIP, step) / 1000
            if i >= 2:
                reference.append(took)
    value, detail = spread(samples)
    ratio = statistics.median(samples) / statistics.median(reference)
    return [
        (
            "live: back-office change to the customer's open list",
            value,
            f"{detail}; commit (at a random moment between polls) to row changed + 1 frame, "
            f"the watcher polls every {live.POLL_SECONDS:g} s; "
            f"{ratio:.0f}x the user's own refetch (p50), max {ms(max(samples))}",
        ),
        (
            "live reference: the same list fetched again by the user",
            *spread(reference),
        ),
    ]


def idle_cost(browser, url: str, cookies: list, probe: Path, group: int) -> list[Row]:
    from tests.bench import FILLED, _context

    none_sql, none_cpu = _idle_cost(probe, group)
    start = time.perf_counter()
    with _context(browser, url, cookies) as context:
        pages = []
        for _ in range(IDLE_CLIENTS):
            page = context.new_page()
            page.goto("/dashboard", wait_until="commit")
            pages.append(page)
        for page in pages:
            page.wait_for_function(FILLED, timeout=180_000)
        opened = time.perf_counter() - start
        time.sleep(SETTLE)
        idle_sql, idle_cpu = _idle_cost(probe, group)
    return [
        (
            "live: server cost, no client connected",
            f"{none_sql:.1f} SQL/s",
            f"{none_cpu:.3f} CPU s/s, over {WINDOW:.0f} s",
        ),
        (
            f"live: server cost, {IDLE_CLIENTS} idle dashboards connected",
            f"{idle_sql:.1f} SQL/s",
            f"{idle_cpu:.3f} CPU s/s, over {WINDOW:.0f} s ({IDLE_CLIENTS} tabs opened in {opened:.0f} s); "
            "the watcher's poll: 1 read-only transaction a second per worker (3 statements on SQLite)",
        ),
    ]


def browser_figures(browser, url: str, database_url: str, data: Path, server_pid: int) -> list[Row]:
    """Both parts, each attempted on its own, with the demo customer's own login."""
    from tests.bench import _attempt, _cookies_of

    cookies = _cookies_of(browser, url, DEMO_USER)
    rows = _attempt("live change latency", lambda: change_latency(browser, url, cookies, database_url))
    return rows + _attempt(
        "live idle clients", lambda: idle_cost(browser, url, cookies, data / "probe", os.getpgid(server_pid))
    )


def main() -> int:
    """``python -m tests.bench_live``: these figures alone, on the small demo (no large seed)."""
    import shutil
    import subprocess
    import tempfile

    from playwright.sync_api import sync_playwright

    from tests.bench import BIN, CHROMIUM, CHROMIUM_ARGS, ROOT, _portal_env, print_table, served
    from tests.browser.conftest import free_port, second_build_folder

    second_build_folder(".web-bench")  # node_modules from the browser tests' build, when there is one
    data = Path(tempfile.mkdtemp(prefix="portal-bench-live-"))
    url = f"http://127.0.0.1:{free_port()}"
    env = _portal_env(data, url)
    try:
        for step in (["migrate"], ["seed", "--demo"]):
            subprocess.run([str(BIN / "portal"), *step], env=env, cwd=ROOT, check=True, capture_output=True)
        with served(env, url, data / "server.log") as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                rows = browser_figures(browser, url, env["DATABASE_URL"], data, server.pid)
            finally:
                browser.close()
        print_table(rows)
        return 0 if any(value != "failed" for _, value, _ in rows) else 1
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
