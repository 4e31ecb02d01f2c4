"""The session cookie lives here, not in Reflex state, so that page scripts can never read it.

The login handler checks the password and hands the browser a one-time nonce; the browser then
loads ``/auth/session`` which swaps the nonce for an HttpOnly, SameSite=Lax cookie. The next
websocket carries that cookie, and so does every download route.

The back office has its own pair (``/auth/staff-session``, ``/auth/staff-logout``) and its own
cookie: a staff nonce is issued only once both factors are checked, and a customer's nonce opens no
staff session (nor a staff nonce a customer's).

Logout takes a POST from one of the portal's own pages: a plain link (or an image, or a GET from
another site) to ``/auth/logout`` would otherwise sign anyone out who followed it. Its answer
clears the tab's stored Reflex token too (``Clear-Site-Data``), so the next person in the tab
starts with fresh state.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from portal.config import SESSION_COOKIE, STAFF_COOKIE, settings
from portal.db import unit_of_work
from portal.services.identity import auth, sessions, staff


def safe_next(target: str | None, default: str = "/dashboard") -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative ``//evil``."""
    if not target:
        return default
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return default
    return target


def _client(request: Request) -> tuple[str, str]:
    ip = request.client.host if request.client else ""
    return ip, request.headers.get("user-agent", "")[:300]


def _exchange(nonce: str, ip: str, user_agent: str) -> str | None:
    with unit_of_work() as session:
        return auth.exchange_login_nonce(session, nonce, ip=ip, user_agent=user_agent)


def _revoke(raw: str) -> None:
    with unit_of_work() as session:
        sessions.revoke(session, raw, reason="logout")


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _exchange_staff(nonce: str, ip: str, user_agent: str) -> str | None:
    with unit_of_work() as session:
        return staff.exchange_login_nonce(session, nonce, ip=ip, user_agent=user_agent)


def _signed_in(cookie: str, raw: str, target: str) -> Response:
    response = RedirectResponse(target, status_code=303)
    cfg = settings()
    response.set_cookie(
        cookie,
        raw,
        max_age=cfg.session_absolute_hours * 3600,
        path="/",
        secure=cfg.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return _no_store(response)


async def start_session(request: Request) -> Response:
    ip, user_agent = _client(request)
    raw = await run_in_threadpool(_exchange, request.query_params.get("nonce", ""), ip, user_agent)
    if not raw:
        return _no_store(RedirectResponse("/login?expired=1", status_code=303))
    return _signed_in(SESSION_COOKIE, raw, safe_next(request.query_params.get("next")))


async def start_staff_session(request: Request) -> Response:
    ip, user_agent = _client(request)
    raw = await run_in_threadpool(_exchange_staff, request.query_params.get("nonce", ""), ip, user_agent)
    if not raw:
        return _no_store(RedirectResponse("/office/login?expired=1", status_code=303))
    return _signed_in(STAFF_COOKIE, raw, safe_next(request.query_params.get("next"), "/office"))


def same_origin(request: Request) -> bool:
    """A request sent by one of the portal's own pages.

    Browsers say so in ``Sec-Fetch-Site``; Origin is the fallback for those that do not, and is
    ``null`` on a form post from a page whose referrer policy is ``no-referrer`` (ours), so it
    cannot be the first test.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    return request.headers.get("origin") in settings().origins


async def _sign_out(request: Request, cookie: str, home: str, login: str) -> Response:
    if request.method != "POST":
        return _no_store(RedirectResponse(home, status_code=303))
    if not same_origin(request):
        return PlainTextResponse("Log out from the portal's own pages.", status_code=403)
    if raw := request.cookies.get(cookie):
        await run_in_threadpool(_revoke, raw)
    response = RedirectResponse(f"{login}?signed_out=1", status_code=303)
    response.delete_cookie(cookie, path="/", secure=settings().cookie_secure, httponly=True, samesite="lax")
    response.headers["Clear-Site-Data"] = '"storage"'
    return _no_store(response)


async def end_session(request: Request) -> Response:
    return await _sign_out(request, SESSION_COOKIE, "/dashboard", "/login")


async def end_staff_session(request: Request) -> Response:
    return await _sign_out(request, STAFF_COOKIE, "/office", "/office/login")


routes = [
    Route("/auth/session", start_session, methods=["GET"]),
    Route("/auth/logout", end_session, methods=["GET", "POST"]),
    Route("/auth/staff-session", start_staff_session, methods=["GET"]),
    Route("/auth/staff-logout", end_staff_session, methods=["GET", "POST"]),
]
