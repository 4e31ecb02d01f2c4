"""Raw secrets stop at the edge of the server: Reflex's state store only ever sees their digests.

Reflex copies the websocket's request headers, Cookie included, and each page's URL, query
included, into the client's state, which it pickles to ``.states/`` or Redis. A session id or a
link token found there could be replayed. So, before a request reaches Reflex's own endpoints,
the Cookie header is rewritten to hold only the SHA-256 digests of the session id and of the link
token (the form in which the database keeps them, so the digest opens nothing when sent back as a
cookie); and an invite or reset link's token is moved from the URL into an HttpOnly cookie by a
redirect, before the page, and so its state, ever sees it.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.config import SESSION_COOKIE, STAFF_COOKIE, settings
from portal.services.identity.tokens import Hashed, digest_of

LINK_COOKIE = "portal_link"
SESSION_DIGEST = "portal_session_digest"
STAFF_DIGEST = "portal_staff_session_digest"
LINK_DIGEST = "portal_link_digest"
# The pages an emailed link opens with ``?token=``; the token must not stay in their URL.
LINK_PAGES = ("/setup", "/reset", "/preferences/confirm-email", "/office/setup", "/office/reset")
LINK_COOKIE_SECONDS = 3600
# Reflex's websocket (and its polling fallback) and its upload endpoint build state from headers.
REFLEX_ENDPOINTS = ("/_event", "/_upload")


def read_cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header or "")
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def digest_cookie_header(header: str) -> str:
    """The only cookies Reflex gets: digests of ours, never raw values, never a client's own digests."""
    cookies = read_cookies(header)
    kept = {
        SESSION_DIGEST: digest_of(cookies.get(SESSION_COOKIE)),
        STAFF_DIGEST: digest_of(cookies.get(STAFF_COOKIE)),
        LINK_DIGEST: digest_of(cookies.get(LINK_COOKIE)),
    }
    return "; ".join(f"{name}={value}" for name, value in kept.items() if value)


def _rewrite_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    cookie = b"; ".join(value for name, value in headers if name.lower() == b"cookie")
    kept = [(name, value) for name, value in headers if name.lower() != b"cookie"]
    digested = digest_cookie_header(cookie.decode("latin-1"))
    return [*kept, (b"cookie", digested.encode("latin-1"))] if digested else kept


def _link_redirect(scope: Scope) -> RedirectResponse | None:
    """``/setup?token=...`` -> ``/setup`` with the token in a short-lived HttpOnly cookie."""
    if scope["type"] != "http" or scope.get("method") != "GET":
        return None
    path = scope["path"].rstrip("/")
    if path not in LINK_PAGES:
        return None
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    token = next((value for name, value in query if name == "token"), None)
    if token is None:
        return None
    rest = urlencode([(name, value) for name, value in query if name != "token"])
    response = RedirectResponse(path + (f"?{rest}" if rest else ""), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if digest_of(token) is None:  # not one of ours: the page will say the link has expired
        response.delete_cookie(LINK_COOKIE, path="/")
        return response
    response.set_cookie(
        LINK_COOKIE,
        token,
        max_age=LINK_COOKIE_SECONDS,
        path="/",
        secure=settings().cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


def hashed_cookie(cookie_header: str, name: str) -> Hashed | None:
    """A digest the rewritten Cookie header carries to a handler (SESSION_DIGEST or LINK_DIGEST)."""
    value = read_cookies(cookie_header).get(name, "")
    return Hashed(value) if value else None


def guard_credentials(app: ASGIApp) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"].startswith(REFLEX_ENDPOINTS):
            scope = {**scope, "headers": _rewrite_headers(list(scope.get("headers", [])))}
        elif (redirect := _link_redirect(scope)) is not None:
            await redirect(scope, receive, send)
            return
        await app(scope, receive, send)

    return wrapped
