"""Serve the real portal once per test process and drive it with Debian's Chromium.

The server is built and started exactly as ``make demo`` does it (migrate, seed the demo,
``portal serve``), against a throw-away data folder, so the browser tests exercise what a
customer gets. Tests read the same database to check what was stored.

``make test`` runs these tests in two pytest-xdist processes, a test file at a time (``--dist
loadfile``, so a module's own second server is built once): each has its own served portal, data
folder and build folder (the frontend bakes its server's port in), so a test never sees another
process's rows, and no test may depend on which tests ran before it. (``--dist loadgroup`` does not
work with pytest 9.2 and xdist 3.8: xdist's group suffix no longer reaches the test ids.)
"""

from __future__ import annotations

import fcntl
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from portal.db import make_engine
from tests import frozen

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "Demo-Portal-2026"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Portal:
    url: str
    engine: Engine
    env: dict[str, str]
    log: Path

    def run_cli(self, *args: str) -> str:
        out = subprocess.run(
            [str(BIN / "portal"), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return out.stdout


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 420) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"portal exited early ({proc.returncode}):\n{log.read_text()[-4000:]}")
        try:
            with (
                urllib.request.urlopen(f"{url}/ping", timeout=2) as r1,
                urllib.request.urlopen(f"{url}/login", timeout=2) as r2,
            ):  # noqa: S310
                if r1.status == 200 and r2.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    raise RuntimeError(f"portal did not start in {timeout}s:\n{log.read_text()[-4000:]}")


def worker_folder(name: str) -> Path:
    """The build folder ``name`` of this test process: ``name`` itself without xdist or in its first
    worker, ``name-gw1`` in the second, so that two processes' servers never share a build."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return ROOT / (name if worker in ("", "gw0") else f"{name}-{worker}")


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Held while a server uses ``folder``: another run on the machine waits for it."""
    lock = folder.with_name(f"{folder.name}.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Iterator[Portal]:
    """One served portal, with the demo's data, per test process."""
    folder = worker_folder(".web-test")
    with build_lock(folder):
        yield from _serve(tmp_path_factory, second_build_folder(folder.name))


@pytest.fixture(scope="session")
def empty_portal(tmp_path_factory) -> Iterator[Portal]:
    """A portal as a contractor first gets it: ``portal migrate`` and nothing seeded (no contractor,
    customer or staff row), served from a build folder of its own."""
    folder = worker_folder(".web-test-empty")
    with build_lock(folder):
        yield from _serve(tmp_path_factory, second_build_folder(folder.name), seed=False)


def _serve(
    tmp_path_factory,
    web_workdir: Path = ROOT / ".web-test",
    extra_env: dict[str, str] | None = None,
    *,
    seed: bool = True,
) -> Iterator[Portal]:
    data = tmp_path_factory.mktemp("portal-data")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PORTAL_DATA_DIR": str(data),
        "DATABASE_URL": f"sqlite:///{data / 'portal.db'}",
        "PORTAL_PUBLIC_URL": url,
        "PORTAL_BCRYPT_ROUNDS": "4",
        # Every test signs in from 127.0.0.1; the per-address limits have their own unit tests.
        "PORTAL_LOGIN_LIMIT_PER_IP": "1000",
        "PORTAL_RESET_LIMIT_PER_IP": "1000",
        # A small upload limit, so an oversized file is cheap to make in a test.
        "PORTAL_UPLOAD_LIMIT_MB": "1",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        # Its own build folder, so a `make demo` running beside the tests cannot swap files under it.
        "REFLEX_WEB_WORKDIR": str(web_workdir),
        "REFLEX_STATES_WORKDIR": str(data / "states"),
        # The server reads the test run's frozen clock, so both agree on today and on expiry times.
        "PORTAL_CLOCK_SHIFT_SECONDS": str(frozen.shift_seconds()),
    }
    env.pop("PORTAL_TEST_DATABASE_URL", None)
    env.pop("REFLEX_REDIS_URL", None)
    env.update(extra_env or {})
    log = data / "server.log"
    subprocess.run([str(BIN / "portal"), "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
    if seed:
        subprocess.run(
            [str(BIN / "portal"), "seed", "--demo"], env=env, cwd=ROOT, check=True, capture_output=True
        )
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [str(BIN / "portal"), "serve", "--port", str(port), "--loglevel", "info"],
            env=env,
            cwd=ROOT,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(url, proc, log)
        engine = make_engine(env["DATABASE_URL"])
        yield Portal(url=url, engine=engine, env=env, log=log)
        engine.dispose()
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)


def second_build_folder(name: str) -> Path:
    """A build folder for a second, differently configured server, seeded from the first one's.

    The frontend bakes its server's port in, so a second server needs its own build; copying the
    first folder (``node_modules`` hard-linked, never written by a build) saves the npm install.
    The copy is made only from a finished install (Reflex writes its marker file last): while the
    first folder is still installing, as on a fresh clone, the second server installs its own.
    """
    source, target = ROOT / ".web-test", ROOT / name
    installed = (source / "reflex.install_frontend_packages.cached").exists()
    if target != source and installed and not (target / "node_modules").exists():
        target.mkdir(exist_ok=True)
        subprocess.run(["cp", "-al", str(source / "node_modules"), str(target / "node_modules")], check=True)
        for entry in source.iterdir():
            if entry.name not in ("node_modules", "build"):
                subprocess.run(["cp", "-a", str(entry), str(target / entry.name)], check=True)
    return target


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, portal):
    context = browser.new_context(base_url=portal.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def empty_page(browser, empty_portal):
    """A desktop browser tab on the empty portal (see ``empty_portal``)."""
    context = browser.new_context(base_url=empty_portal.url, viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def phone(browser, portal):
    context = browser.new_context(
        base_url=portal.url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def login(page, username: str, password: str = DEMO_PASSWORD, next_path: str = "") -> None:
    page.goto("/login" + (f"?next={next_path}" if next_path else ""))
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("#login").click()


def at(page, path: str) -> None:
    """Wait until the browser shows ``path`` (the static server adds a trailing slash)."""
    base, _, query = path.partition("?")
    pattern = re.escape(base.rstrip("/")) + "/?" + (r"\?" + re.escape(query) if query else "") + "$"
    page.wait_for_url(re.compile(pattern))


def last_link(portal: Portal, to: str, path: str) -> str:
    """The newest link of a given kind mailed to an address (read from the outbox)."""
    from sqlmodel import Session, select

    from portal.models import OutboxMail

    with Session(portal.engine) as s:
        rows = s.exec(
            select(OutboxMail).where(OutboxMail.to_address == to).order_by(OutboxMail.id.desc())
        ).all()
    for row in rows:
        found = re.search(rf"https?://\S+{re.escape(path)}\?token=[\w\-]+", row.body_text)
        if found:
            return found.group(0)
    raise AssertionError(f"no {path} link mailed to {to}")


def office_cookie(page, portal: Portal, role: str = "owner", email: str = "") -> int:
    """Sign this browser context in to the back office as a staff member of ``role`` (created when
    missing), by a session made in the database: the sign-in screens, MFA included, have their own
    tests. Returns the staff id."""
    from sqlmodel import Session, select

    from portal.config import STAFF_COOKIE
    from portal.models import Role, Staff
    from portal.services.identity import sessions

    email = email or f"{role}@office.test"
    with Session(portal.engine) as s:
        staff = s.exec(select(Staff).where(Staff.email == email)).first()
        if staff is None:
            staff = Staff(email=email, name=f"{role.title()} Tester", role=Role(role))
            s.add(staff)
            s.flush()
        assert staff.id is not None
        raw = sessions.start_staff(s, staff.id)
        staff_id = staff.id
        s.commit()
    page.context.add_cookies(
        [{"name": STAFF_COOKIE, "value": raw, "url": portal.url, "httpOnly": True, "sameSite": "Lax"}]
    )
    return staff_id


OWNER_PASSWORD = "Harbour-Lights-42"


def owner_signs_up(page, portal: Portal, email: str, name: str = "Olive Owner") -> str:
    """What a contractor does first on a new portal, through its screens: ``portal create-staff
    --role owner`` prints a setup link; the owner follows it, chooses a password, signs in, sets up
    an authenticator app from the key typed out on the page (the code computed here, as the app
    would), confirms the recovery codes are saved, and ends on the back office's home page.
    Returns the app's secret, for a later sign-in's code."""
    import pyotp

    from portal.core import clock

    printed = portal.run_cli("create-staff", "--email", email, "--role", "owner", "--name", name)
    link = re.search(r"https?://\S+/office/setup\?token=[\w\-]+", printed)
    assert link, f"no setup link in what create-staff printed:\n{printed}"
    page.goto(link.group(0))
    at(page, "/office/setup")
    assert page.locator("#name").input_value() == name
    page.locator("#password").fill(OWNER_PASSWORD)
    page.locator("#confirm").fill(OWNER_PASSWORD)
    page.locator("#save-password").click()
    at(page, "/office/login?password_set=1")
    page.locator("#email").fill(email)
    page.locator("#password").fill(OWNER_PASSWORD)
    page.locator("#password").press("Enter")
    key = page.locator("#enrol-secret")
    key.wait_for()
    secret = key.inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).at(clock.now()))
    page.locator("#code").press("Enter")
    page.locator("#recovery-codes").wait_for()
    assert page.locator("#recovery-codes li").count() == 10
    page.locator("#codes-saved").click()
    page.locator("#office-home").wait_for()
    return secret
