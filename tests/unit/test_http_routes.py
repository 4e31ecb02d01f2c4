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
from portal.services import auth, tokens
from portal.services.files import storage_path
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


def test_logout_revokes_the_session_and_clears_the_cookie(client, engine):
    who = _committed(engine, lambda s: f.contact(s, f.customer(s)))
    raw = _sign_in(client, engine, who.id)
    resp = client.get("/auth/logout", cookies={SESSION_COOKIE: raw})
    assert resp.status_code == 303 and resp.headers["location"] == "/login?signed_out=1"
    assert f'{SESSION_COOKIE}=""' in resp.headers["set-cookie"] or "max-age=0" in resp.headers["set-cookie"].lower()
    with Session(engine) as s:
        assert s.exec(select(LoginSession).where(LoginSession.contact_id == who.id)).one().revoked_at is not None


def _attachment_world(engine, fast_settings):
    def build(s):
        mine, theirs = f.customer(s, "Mine"), f.customer(s, "Theirs")
        here, there = f.site(s, mine, "Here"), f.site(s, mine, "There")
        q = f.quote(s, here)
        key = secrets.token_hex(16)
        path = storage_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 tiny")
        att = Attachment(customer_id=mine.id, owner_type=AttachmentOwner.QUOTE, owner_id=q.id, name="scope.pdf",
                         content_type="application/pdf", size_bytes=13, storage_key=key)
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

    monkeypatch.setattr(config, "settings", lambda: dataclasses.replace(fast_settings, upload_limit_bytes=1000))

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
