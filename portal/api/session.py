"""The signed-in scope of an HTTP request, from the same cookie the websocket carries, and the
answers every download route shares."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import StreamingResponse

from portal.config import SESSION_COOKIE, STAFF_COOKIE
from portal.core import clock, exports
from portal.core.principal import Scope, StaffMember
from portal.db import unit_of_work
from portal.services.identity.principals import signed_in_scope, signed_in_staff


def scope_from_request(session: Session, request: Request) -> Scope | None:
    return signed_in_scope(session, request.cookies.get(SESSION_COOKIE, ""))


def staff_from_request(session: Session, request: Request) -> StaffMember | None:
    """The staff member behind the back office's cookie; a customer's cookie is None here."""
    return signed_in_staff(session, request.cookies.get(STAFF_COOKIE, ""))


def request_scope(request: Request) -> Scope | None:
    """The scope in a short transaction of its own (call it in a thread: it reads the database)."""
    with unit_of_work() as session:
        return scope_from_request(session, request)


def csv_response(body: Iterator[str], name: str, scope: Scope) -> StreamingResponse:
    """A streamed CSV download named after what it holds and the office's today, never cached by a shared
    proxy."""
    today = clock.today(scope.timezone)
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{exports.filename(name, today)}"',
            "Cache-Control": "private, no-store",
        },
    )
