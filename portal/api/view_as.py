"""``POST /auth/view-as``: a staff member opens the portal, in a new tab, as one of a customer's contacts.

A plain form post (``components/view_as.view_as_button``), so this route, not the websocket, sets
the customer cookie: the staff cookie is checked again here with the duty, and only a post from the
portal's own pages is taken (as logout: a form on another site must not open views). The session it
opens is read-only (``services/identity/view_as.py``); the staff member's own back-office cookie is
left as it was.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from portal.api.auth_routes import _client, _no_store, _signed_in, same_origin
from portal.api.session import staff_from_request
from portal.config import SESSION_COOKIE, settings
from portal.core.principal import Duty
from portal.db import unit_of_work
from portal.services.identity import view_as
from portal.services.identity.view_as import ViewAsError

MAX_FORM_BYTES = 2_000


def _problem(message: str, status: int) -> Response:
    """A small page the new tab shows instead of the portal (the text is ours, never the browser's)."""
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>View as customer</title></head>"
        f"<body><main><h1>View as customer</h1><p role='alert'>{message}</p>"
        "<p><a href='/office/customers'>Back to customers</a></p></main></body></html>"
    )
    return _no_store(HTMLResponse(body, status_code=status))


def _open(request: Request, contact_id: str, ip: str, user_agent: str) -> str | Response:
    with unit_of_work() as session:
        staff = staff_from_request(session, request)
        if staff is None:
            return _no_store(RedirectResponse(f"/office/login?next={quote('/office/customers')}", 303))
        if not staff.has(Duty.VIEW_AS_CUSTOMER):
            return _problem("Your role may not view the portal as a customer.", 403)
        try:
            return view_as.open_view(session, staff, contact_id, ip=ip, user_agent=user_agent)
        except ViewAsError as refused:
            return _problem(str(refused), 404)


async def start_view(request: Request) -> Response:
    if not same_origin(request):
        return _problem("Open the view from the back office's own pages.", 403)
    length = request.headers.get("content-length") or "0"
    if not length.isdigit() or int(length) > MAX_FORM_BYTES:
        return _problem("That request was not understood.", 400)
    try:
        form = await request.form(max_files=0, max_fields=10)
        contact_id = str(form.get("contact_id") or "")[:20]
    except Exception:  # a body that is no form: nothing to open
        return _problem("That request was not understood.", 400)
    ip, user_agent = _client(request)
    opened = await run_in_threadpool(_open, request, contact_id, ip, user_agent)
    if isinstance(opened, Response):
        return opened
    return _signed_in(SESSION_COOKIE, opened, "/dashboard")


def _end(raw: str) -> int | None:
    """End the view behind the cookie; the customer it showed, or None when it was no view (a
    contact's own session is left alone: "End view" is not its logout)."""
    with unit_of_work() as session:
        return view_as.end_view(session, raw)


async def end_view(request: Request) -> Response:
    if not same_origin(request):
        return _problem("End the view from the portal's own pages.", 403)
    customer_id = await run_in_threadpool(_end, request.cookies.get(SESSION_COOKIE, ""))
    if customer_id is None:
        return _no_store(RedirectResponse("/dashboard", status_code=303))
    response = RedirectResponse(f"/office/customers/{customer_id}", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=settings().cookie_secure, httponly=True, samesite="lax"
    )
    response.headers["Clear-Site-Data"] = '"storage"'
    return _no_store(response)


routes = [
    Route("/auth/view-as", start_view, methods=["POST"]),
    Route("/auth/end-view", end_view, methods=["POST"]),
]
