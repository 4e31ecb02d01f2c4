"""No secret in the state store: Reflex pickles each client's state to ``.states/`` or to Redis.

A person is invited, sets a password, logs out, resets it, logs out and logs in again, on the
default (disk) state manager and on Redis. Every raw secret the browser held on the way (the
invite and reset tokens, each login nonce, each session cookie) is then looked for in every
byte the state manager stored, as it is and URL-encoded.
"""

from __future__ import annotations

import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import redis
from playwright.sync_api import expect

from portal.config import SESSION_COOKIE
from tests.browser.conftest import ROOT, Portal, _serve, at, last_link, login, second_build_folder
from tests.browser.test_sign_in import NEW_PASSWORD, invite

REDIS_URL = "redis://127.0.0.1:6379/5"  # a database of its own, emptied before the run
WORKDIR = ".web-test-redis"
OTHER_PASSWORD = "Second-Harbour-Lights-2032"


@pytest.fixture(scope="module")
def redis_portal(portal, tmp_path_factory) -> Iterator[Portal]:
    """The scaled-out shape's state manager; requests the main portal first to copy its build."""
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not answering at {REDIS_URL}")
    store.flushdb()
    lock = (ROOT / f"{WORKDIR}.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        served = _serve(tmp_path_factory, second_build_folder(WORKDIR), {"REFLEX_REDIS_URL": REDIS_URL})
        yield next(served)
        next(served, None)
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        store.flushdb()


def _session_cookie(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)


def _token(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def _log_out_once_loaded(page) -> None:
    """Log out after the dashboard's own load: a logout racing the page's sign-in check would end in
    the check's redirect (to the login, back to the dashboard) instead of the logout's."""
    expect(page.locator("#dashboard-cards")).to_be_visible()
    page.locator("#logout").click()


def _journey(page, portal: Portal) -> set[str]:
    """Invite, set a password, log out, reset it, log out, log in: every raw secret seen."""
    nonces: list[str] = []

    def note_nonce(request) -> None:
        if "/auth/session" in request.url:
            nonces.extend(parse_qs(urlsplit(request.url).query).get("nonce", []))

    page.on("request", note_nonce)
    seen: set[str] = set()
    email, link = invite(portal, "Stella")
    seen.add(_token(link))
    page.goto(link)
    expect(page.locator("#username")).to_have_value(email)
    assert "token" not in page.url, "the token leaves the address bar before the page loads"
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.locator("#save-password").click()
    at(page, "/dashboard")
    seen.add(_session_cookie(page))
    _log_out_once_loaded(page)
    at(page, "/login?signed_out=1")

    page.goto("/forgot")
    page.locator("#username").fill(email)
    page.locator("#send-reset").click()
    expect(page.locator("#reset-sent")).to_be_visible()
    reset = last_link(portal, email, "/reset")
    seen.add(_token(reset))
    page.goto(reset)
    page.locator("#password").fill(OTHER_PASSWORD)
    page.locator("#confirm").fill(OTHER_PASSWORD)
    page.locator("#save-password").click()
    at(page, "/dashboard")
    seen.add(_session_cookie(page))
    _log_out_once_loaded(page)
    at(page, "/login?signed_out=1")

    login(page, email, OTHER_PASSWORD)
    at(page, "/dashboard")
    expect(page.locator("#user-menu")).to_contain_text("Stella")
    seen.add(_session_cookie(page))
    page.goto("/invoices")  # one more page, so the signed-in state is written again
    expect(page.locator("#user-menu")).to_be_visible()
    assert len(nonces) == 3, "a nonce per sign-in"
    return seen | set(nonces)


def _leaks(stored: list[bytes], secrets: set[str]) -> list[str]:
    forms = {form for s in secrets for form in (s, quote(s, safe=""))}
    return sorted(form[:8] + "..." for form in forms for blob in stored if form.encode() in blob)


def _disk_states(folder: Path) -> list[bytes]:
    return [path.read_bytes() for path in folder.rglob("*") if path.is_file()]


def test_no_secret_reaches_the_state_files_and_they_are_private(browser, portal):
    context = browser.new_context(base_url=portal.url)
    page = context.new_page()
    secrets = _journey(page, portal)
    context.close()
    folder = Path(portal.env["REFLEX_STATES_WORKDIR"])
    time.sleep(3)  # the disk state manager writes after a 2-second debounce
    stored = _disk_states(folder)
    assert len(stored) > 5 and all(len(s) >= 20 for s in secrets)
    assert _leaks(stored, secrets) == []
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700, "other local users cannot list or read states"
    data = Path(portal.env["PORTAL_DATA_DIR"])
    assert stat.S_IMODE(data.stat().st_mode) == 0o700, "nor the database, secret key and files"


def test_the_scan_finds_a_secret_that_is_there(tmp_path):
    """The scan itself can fail: a state file holding a cookie header is caught, raw or encoded."""
    cookie, token = "Zq3" + "x" * 40, "Pw/" + "y" * 40
    (tmp_path / "a.pkl").write_bytes(b"...cookie: portal_session=" + cookie.encode() + b"...")
    (tmp_path / "b.pkl").write_bytes(b"...token%3D" + quote(token, safe="").encode())
    assert _leaks(_disk_states(tmp_path), {cookie, token}) == ["Pw%2Fyyy...", "Zq3xxxxx..."]


def test_no_secret_reaches_redis(browser, redis_portal):
    context = browser.new_context(base_url=redis_portal.url)
    page = context.new_page()
    secrets = _journey(page, redis_portal)
    context.close()
    store = redis.Redis.from_url(REDIS_URL)
    stored = []
    for key in store.scan_iter(count=500):
        kind = store.type(key)
        if kind == b"string":
            stored.append(key + b"=" + (store.get(key) or b""))
        elif kind == b"hash":
            stored.append(key + b"=" + b"".join(k + v for k, v in store.hgetall(key).items()))
        else:
            stored.append(key)
    assert len(stored) > 5, "the Redis state manager stored the states"
    assert _leaks(stored, secrets) == []
    assert os.environ.get("REFLEX_REDIS_URL", "") != REDIS_URL, "the main portal stays on the disk manager"
