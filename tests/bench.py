"""``make bench``: the portal's figures as a table (how to measure: ../shared/BENCHMARKS.md).

Benchmarks report, they do not judge: slow figures never fail the build. The script exits 1 only
when it could not measure anything at all; a part that fails shows as "failed" in the table and its
reason goes to stderr, so one broken part does not hide the others.
"""

from __future__ import annotations

import argparse
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from itertools import pairwise
from pathlib import Path

from tests.browser.conftest import (
    BIN,
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_PASSWORD,
    ROOT,
    free_port,
    wait_until_up,
)

DEMO_USER = "dana@northside.example"
LARGE_USER = "facilities@metro.example"
LOGIN_RUNS = 10
LOAD_RUNS = 8
BUILD_RUNS = 20
# A fresh venv, pip install and npm install of the whole frontend: minutes, not seconds.
MAKE_DEMO_TIMEOUT = 1800
# Reflex's disk state manager writes a client's state 2 s after its last event (debounce), checking
# at most every 2 s; waiting longer than both makes sure a load's state is on disk.
STATE_WRITE_WAIT = 5.0
FILLED = """() => {
  const v = [...document.querySelectorAll('.stat-value')];
  return v.length > 0 && v.every(e => e.textContent.trim() !== '');
}"""

Row = tuple[str, str, str]  # figure, value, detail


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _spread(samples: list[float]) -> tuple[str, str]:
    """Median as the value, p95 and the count as the detail (p95 of a few runs is near the max)."""
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    return f"p50 {_ms(statistics.median(samples))}", f"p95 {_ms(p95)}, n={len(samples)}"


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
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PORTAL_", "REFLEX_", "MAKE", "MFLAGS")) and k not in ("DATABASE_URL", "VIRTUAL_ENV")}
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
    proc = subprocess.Popen(["make", "demo", f"PORT={port}"], cwd=clone, env=_clone_env(url), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)

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
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=clone, check=True, text=True,
                              capture_output=True).stdout.strip()
        return [_make_demo(clone, f"cold make demo, fresh clone of {head}"),
                _make_demo(clone, "warm make demo, same clone")]
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
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    for name in ("PORTAL_BCRYPT_ROUNDS", "PORTAL_TEST_DATABASE_URL", "REFLEX_REDIS_URL"):
        env.pop(name, None)
    return env


def seed_large(env: dict[str, str]) -> Row:
    subprocess.run([str(BIN / "portal"), "migrate"], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    start = time.perf_counter()
    subprocess.run([str(BIN / "portal"), "seed", "--demo", "--size", "large"], env=env, cwd=ROOT, check=True,
                   capture_output=True, text=True)
    return "portal seed --demo --size large", f"{time.perf_counter() - start:.1f} s", "fresh database, SQLite"


def dashboard_build(database_url: str) -> Row:
    from sqlmodel import Session, select

    from portal.db import make_engine
    from portal.models import Contact
    from portal.services import dashboard
    from portal.services.access import scope_for

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            contact_id = session.exec(select(Contact.id).where(Contact.username == LARGE_USER)).one()
            scope = scope_for(session, contact_id)
            samples = []
            for _ in range(BUILD_RUNS):
                start = time.perf_counter()
                dashboard.build(session, scope, date.today())
                samples.append(time.perf_counter() - start)
    finally:
        engine.dispose()
    value, detail = _spread(samples)
    return "dashboard.build, large customer, in-process", value, detail


@contextmanager
def served(env: dict[str, str], url: str, log: Path) -> Iterator[None]:
    with log.open("w") as fh:
        proc = subprocess.Popen([str(BIN / "portal"), "serve", "--port", url.rsplit(":", 1)[1]], env=env, cwd=ROOT,
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_until_up(url, proc, log)
        yield
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
    value, detail = _spread(samples)
    return ("login round trip, click to first card", value,
            f"{detail}; perf_counter around Playwright, which adds ~60 ms of its own")


def first_loads(browser, url: str, states: Path, who: str, username: str) -> list[Row]:
    with _context(browser, url) as context:
        _log_in(context.new_page(), username)
        cookies = context.cookies()
    samples = []
    for _ in range(LOAD_RUNS):
        with _context(browser, url, cookies) as context:
            samples.append(_open_dashboard(context.new_page()))
    value, detail = _spread(samples)
    rows = [(f"dashboard first load, {who}", value, f"{detail}; goto to cards filled, signed-in fresh context")]

    time.sleep(STATE_WRITE_WAIT)  # earlier clients' delayed writes must not count as this one's
    before = set(states.glob("*.pkl"))
    received: list[int] = []

    def on_frame(payload: str | bytes) -> None:
        received.append(len(payload.encode() if isinstance(payload, str) else payload))

    with _context(browser, url, cookies) as context:
        page = context.new_page()
        page.on("websocket", lambda ws: ws.on("framereceived", on_frame))
        _open_dashboard(page)
        page.wait_for_timeout(STATE_WRITE_WAIT * 1000)
    written = [p.stat().st_size for p in states.glob("*.pkl") if p not in before]
    rows.append((f"websocket bytes received, first load, {who}", f"{sum(received) / 1024:.1f} KB",
                 f"{len(received)} frames"))
    rows.append((f"state per client, {who}", f"{sum(written) / 1024:.1f} KB" if written else "n/a",
                 f"{len(written)} substate files (disk state manager)" if written else "no state file written"))
    return rows


def browser_figures(env: dict[str, str], url: str, data: Path) -> list[Row]:
    from playwright.sync_api import sync_playwright

    states = data / "states"
    with served(env, url, data / "server.log"), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            return [login_round_trip(browser, url),
                    *first_loads(browser, url, states, "demo customer", DEMO_USER),
                    *first_loads(browser, url, states, "large customer", LARGE_USER)]
        finally:
            browser.close()


# -- the table -----------------------------------------------------------------------------------------

def _attempt(label: str, measure: Callable[[], list[Row]]) -> list[Row]:
    try:
        return measure()
    except Exception as exc:  # a failed part is reported, the others still run
        reason = getattr(exc, "stderr", None) or str(exc)
        print(f"\n{label} failed:\n{reason}", file=sys.stderr)
        return [(label, "failed", (str(exc).strip().splitlines() or [type(exc).__name__])[0][:80])]


def served_figures() -> list[Row]:
    data = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    url = f"http://127.0.0.1:{free_port()}"
    env = _portal_env(data, url)
    try:
        rows = _attempt("seed", lambda: [seed_large(env)])
        if rows[0][1] == "failed":
            return rows
        rows += _attempt("dashboard.build", lambda: [dashboard_build(env["DATABASE_URL"])])
        return rows + _attempt("portal serve and browser", lambda: browser_figures(env, url, data))
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
    p.add_argument("--skip-cold", action="store_true",
                   help="skip the cold and warm `make demo` on a fresh clone (takes minutes)")
    args = p.parse_args(argv)
    rows = [] if args.skip_cold else _attempt("make demo", make_demo_figures)
    rows += _attempt("served portal", served_figures)
    print()
    print_table(rows)
    return 0 if any(value != "failed" for _, value, _ in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
