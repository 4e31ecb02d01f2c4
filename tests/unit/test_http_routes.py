"""The HTTP routes: the session cookie swap, logout, attachment downloads and response headers."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal import db
from portal.api import auth_routes, files
from portal.api.auth_routes import safe_next
from portal.api.headers import security_headers
from portal.config import SESSION_COOKIE
from portal.models import Attachment, AttachmentOwner, LoginSession
from portal.services.files.storage import storage_path
from portal.services.identity import auth, tokens
from tests.unit import factories as f


@pytest.fixture
def client(committed, monkeypatch):
    """The routes against the test database; what they commit is deleted after each test."""
    engine = committed
    monkeypatch.setattr(db, "engine", lambda: engine)
    app = security_headers(Starlette(routes=[*auth_routes.routes, *files.routes]))
    return TestClient(app, base_url="http://portal.test", follow_redirects=False)


def _committed(engine, build):
    with Session(engine, expire_on_commit=False) as s:
        result = build(s)
        s.commit()
        return result


def _sign_in(client, engine, contact_id: int) -> str:
    nonce = _committed(engine, lambda s: auth.issue_login_nonce(s, contact_id))
    resp = client.get("/auth/session", params={"nonce": nonce, "next": "/jobs"})
    assert resp.status_code == 303
    return resp.cookies[SESSION_COOKIE]


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/quotes", "/quotes"),
        ("/quotes?tab=actioned", "/quotes?tab=actioned"),
        ("//evil.example/x", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
        ("", "/dashboard"),
        (None, "/dashboard"),
    ],
)
def test_next_is_only_ever_a_local_path(target, expected):
    assert safe_next(target) == expected


def test_unknown_nonce_sets_no_cookie(client):
    resp = client.get("/auth/session", params={"nonce": "made-up"})
    assert resp.status_code == 303 and resp.headers["location"] == "/login?expired=1"
    assert "set-cookie" not in resp.headers


def test_nonce_becomes_an_httponly_cookie_once(client, engine):
    who = _committed(engine, lambda s: f.contact(s, f.customer(s)))
    nonce = _committed(engine, lambda s: auth.issue_login_nonce(s, who.id))
    resp = client.get("/auth/session", params={"nonce": nonce, "next": "//evil.example"})
    assert resp.status_code == 303 and resp.headers["location"] == "/dashboard"
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert resp.headers["cache-control"] == "no-store"
    raw = resp.cookies[SESSION_COOKIE]
    with Session(engine) as s:
        stored = s.exec(select(LoginSession).where(LoginSession.contact_id == who.id)).one()
    assert stored.id_hash == tokens.digest(raw) and raw not in stored.id_hash
    again = client.get("/auth/session", params={"nonce": nonce})
    assert again.headers["location"] == "/login?expired=1", "a nonce works once"


def _live(engine, contact_id: int) -> bool:
    with Session(engine) as s:
        return (
            s.exec(select(LoginSession).where(LoginSession.contact_id == contact_id)).one().revoked_at is None
        )


def test_logout_revokes_the_session_and_clears_the_cookie(client, engine):
    who = _committed(engine, lambda s: f.contact(s, f.customer(s)))
    raw = _sign_in(client, engine, who.id)
    own = auth_routes.settings().public_url
    resp = client.post("/auth/logout", cookies={SESSION_COOKIE: raw}, headers={"Origin": own})
    assert resp.status_code == 303 and resp.headers["location"] == "/login?signed_out=1"
    assert (
        f'{SESSION_COOKIE}=""' in resp.headers["set-cookie"]
        or "max-age=0" in resp.headers["set-cookie"].lower()
    )
    assert resp.headers["clear-site-data"] == '"storage"', "the tab's Reflex token goes too"
    assert not _live(engine, who.id)


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("get", {}),  # a link or an image on another site
        ("get", {"Origin": auth_routes.settings().public_url}),
        ("post", {"Origin": "https://evil.example"}),  # a form on another site
        ("post", {"Sec-Fetch-Site": "cross-site"}),
        ("post", {"Sec-Fetch-Site": "same-site"}),  # a sibling subdomain is another site's page too
        ("post", {"Sec-Fetch-Site": "cross-site", "Origin": auth_routes.settings().public_url}),
        ("post", {"Origin": "null"}),
        ("post", {}),
    ],
)
def test_logout_from_another_site_signs_nobody_out(client, engine, method, headers):
    who = _committed(engine, lambda s: f.contact(s, f.customer(s)))
    raw = _sign_in(client, engine, who.id)
    resp = getattr(client, method)("/auth/logout", cookies={SESSION_COOKIE: raw}, headers=headers)
    assert resp.status_code in (303, 403) and "set-cookie" not in resp.headers
    assert _live(engine, who.id)


def test_logout_from_the_portals_own_page_without_an_origin_header(client, engine):
    who = _committed(engine, lambda s: f.contact(s, f.customer(s)))
    raw = _sign_in(client, engine, who.id)
    headers = {"Sec-Fetch-Site": "same-origin", "Origin": "null"}  # what Chromium sends under no-referrer
    resp = client.post("/auth/logout", cookies={SESSION_COOKIE: raw}, headers=headers)
    assert resp.status_code == 303 and not _live(engine, who.id)


def _attachment_world(engine, fast_settings):
    def build(s):
        mine, theirs = f.customer(s, "Mine"), f.customer(s, "Theirs")
        here, there = f.site(s, mine, "Here"), f.site(s, mine, "There")
        q = f.quote(s, here)
        key = secrets.token_hex(16)
        path = storage_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 tiny")
        att = Attachment(
            customer_id=mine.id,
            owner_type=AttachmentOwner.QUOTE,
            owner_id=q.id,
            name="scope.pdf",
            content_type="application/pdf",
            size_bytes=13,
            storage_key=key,
        )
        s.add(att)
        s.flush()
        return {
            "attachment": att.id,
            "full": f.contact(s, mine).id,
            "other_site": f.contact(s, mine, sites=[there]).id,
            "no_quotes": f.contact(s, mine, pages=["jobs"]).id,
            "other_customer": f.contact(s, theirs).id,
        }

    return _committed(engine, build)


def test_attachment_download_checks_customer_site_and_page(client, engine, fast_settings):
    world = _attachment_world(engine, fast_settings)
    url = f"/files/attachments/{world['attachment']}"
    assert client.get(url).status_code == 401
    for who in ("other_site", "no_quotes", "other_customer"):
        raw = _sign_in(client, engine, world[who])
        assert client.get(url, cookies={SESSION_COOKIE: raw}).status_code == 404, who
    raw = _sign_in(client, engine, world["full"])
    resp = client.get(url, cookies={SESSION_COOKIE: raw})
    assert resp.status_code == 200 and resp.content == b"%PDF-1.4 tiny"
    assert resp.headers["content-disposition"].startswith("attachment")
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert client.get("/files/attachments/abc", cookies={SESSION_COOKIE: raw}).status_code == 404


def test_every_response_carries_security_headers(client):
    resp = client.get("/auth/session")
    assert resp.headers["x-frame-options"] == "DENY"
    assert resp.headers["referrer-policy"] == "no-referrer"


def test_upload_bodies_over_the_cap_are_refused_while_they_arrive(fast_settings, monkeypatch):
    import dataclasses

    from starlette.responses import PlainTextResponse

    from portal import config
    from portal.api.limits import body_cap, upload_cap

    monkeypatch.setattr(
        config, "settings", lambda: dataclasses.replace(fast_settings, upload_limit_bytes=1000)
    )

    async def echo(scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await PlainTextResponse(str(len(body)))(scope, receive, send)

    client = TestClient(upload_cap(echo))
    cap = body_cap()
    assert client.post("/_upload", content=b"x" * 10).text == "10"
    assert client.post("/_upload", content=b"x" * (cap + 1)).status_code == 413

    def chunks():
        for _ in range(cap // 4096 + 2):
            yield b"y" * 4096

    assert client.post("/_upload", content=chunks()).status_code == 413, "no content-length: counted"
    assert client.post("/elsewhere", content=b"x" * (cap + 1)).status_code == 200


# --- Content-Security-Policy ----------------------------------------------------------------------

PAGE = (
    b'<!DOCTYPE html><html><head><script>window.a = 1;</script><script src="/assets/x.js"></script>'
    b'<script type="module" async="">import "/assets/m.js";</script></head>'
    b'<body><p>caf\xc3\xa9</p><script>$RC("B:1","S:1")</script></body></html>'
)
PAGE_SCRIPTS = ["window.a = 1;", 'import "/assets/m.js";', '$RC("B:1","S:1")']


def _sha(text: str) -> str:
    import base64
    import hashlib

    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _policy(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


@pytest.fixture
def built(tmp_path):
    """A build folder like Reflex's: a prerendered page with its gzip sidecar, a script, a CSV."""
    import gzip

    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_bytes(PAGE)
    (tmp_path / "login" / "index.html.gz").write_bytes(gzip.compress(PAGE))
    (tmp_path / "app.js").write_text("console.log(1)")
    return tmp_path


def _frontend(directory):
    from reflex.utils.precompressed_staticfiles import PrecompressedStaticFiles

    return security_headers(PrecompressedStaticFiles(directory=directory, html=True, encodings=["gzip"]))


def test_a_page_names_exactly_its_inline_scripts_by_hash(built):
    client = TestClient(_frontend(built), base_url="http://127.0.0.1:3000")
    for encoding in ("identity", "gzip", "br, zstd, gzip;q=0.5"):
        resp = client.get("/login/", headers={"accept-encoding": encoding})
        assert resp.status_code == 200 and resp.content == PAGE, encoding
        assert resp.headers.get("content-encoding", "identity") in ("identity", "gzip"), (
            "never one it cannot read"
        )
        policy = _policy(resp.headers["content-security-policy"])
        assert policy["script-src"] == ["'self'", *[_sha(s) for s in PAGE_SCRIPTS], "'unsafe-eval'"], encoding
        assert resp.headers["x-frame-options"] == "DENY"


def test_the_page_policy_is_strict(built, fast_settings):
    resp = TestClient(_frontend(built)).get("/login/")
    policy = _policy(resp.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["frame-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", "wss://portal.example.test"]
    assert "'unsafe-inline'" not in policy["script-src"] and "https:" not in " ".join(policy["script-src"])


def test_a_revalidated_page_keeps_its_cached_policy(built):
    client = TestClient(_frontend(built))
    first = client.get("/login/")
    again = client.get("/login/", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert "content-security-policy" not in again.headers, "a 304 would replace the page's hashes with none"


def test_a_page_sent_by_path_is_hashed_too(built):
    """Granian lets Starlette send a file by its path (pathsend); the wrapper still reads the page."""
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    app = _frontend(built)
    sent: list[dict] = []

    async def run():
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/login/",
            "raw_path": b"/login/",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"host", b"portal.test")],
            "scheme": "http",
            "server": ("portal.test", 80),
            "http_version": "1.1",
            "extensions": {"http.response.pathsend": {}},
        }

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message):
            sent.append(message)

        await app(scope, receive, send)

    with ThreadPoolExecutor(1) as thread:  # its own loop: in the whole suite Playwright runs one here
        thread.submit(anyio.run, run).result()
    start = dict(sent[0]["headers"])
    assert sent[1] == {"type": "http.response.body", "body": PAGE, "more_body": False}
    assert all(_sha(s) in start[b"content-security-policy"].decode() for s in PAGE_SCRIPTS)


def test_downloads_and_other_answers_get_a_policy_that_runs_nothing(built, client):
    for resp in (TestClient(_frontend(built)).get("/app.js"), client.get("/auth/session")):
        policy = _policy(resp.headers["content-security-policy"])
        assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]


def test_with_stripe_the_page_may_load_stripe_js_and_call_stripe(built, fast_settings, monkeypatch):
    import dataclasses

    from portal import config

    cfg = dataclasses.replace(
        fast_settings, payment_gateway="stripe", stripe_js_url="https://js.stripe.com/v3/"
    )
    monkeypatch.setattr(config, "settings", lambda: cfg)
    policy = _policy(TestClient(_frontend(built)).get("/login/").headers["content-security-policy"])
    assert {"https://js.stripe.com", "https://*.js.stripe.com"} <= set(policy["script-src"])
    assert {"https://js.stripe.com", "https://hooks.stripe.com"} <= set(policy["frame-src"])
    assert "https://api.stripe.com" in policy["connect-src"]

    standin = dataclasses.replace(
        cfg, stripe_js_url="http://127.0.0.1:4999/stripe.js", stripe_api_base="http://127.0.0.1:4999"
    )
    monkeypatch.setattr(config, "settings", lambda: standin)
    policy = _policy(TestClient(_frontend(built)).get("/login/").headers["content-security-policy"])
    assert (
        "http://127.0.0.1:4999" in policy["script-src"] and "http://127.0.0.1:4999" in policy["connect-src"]
    )
    assert "https://js.stripe.com" not in policy["script-src"], (
        "only the script the portal is configured with"
    )
