"""The signed-in scope of an HTTP request, from the same cookie the websocket carries."""

from __future__ import annotations

from sqlmodel import Session
from starlette.requests import Request

from portal.config import SESSION_COOKIE
from portal.services.access import Scope, signed_in_scope


def scope_from_request(session: Session, request: Request) -> Scope | None:
    return signed_in_scope(session, request.cookies.get(SESSION_COOKIE, ""))
