"""Signed-in browsers: an opaque random id in an HttpOnly cookie, its hash in the database.

Hashing the id means a leaked table cannot be replayed as cookies. Idle and absolute expiry bound
how long a forgotten or stolen cookie stays useful; revocation ends it at once.

Customers' and staff members' sessions share the table and these rules; each row names one owner,
and a customer's cookie never resolves as a staff session nor the other way round (the ``_staff``
functions), so neither side's screens open for the other's login.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import Session, select, update

from portal import config
from portal.core import clock
from portal.models import LoginSession
from portal.services.identity.tokens import (
    Secret,
    digest,
    digest_of,
    new_secret,
    usable_contact,
    usable_staff,
)

# Touching last_seen_at on every websocket event would be a write per click; a coarser clock
# costs at most this much of the idle allowance.
TOUCH_INTERVAL = timedelta(seconds=30)
# A staff member's view of the portal as a contact is for a look, not a working day.
VIEW_LENGTH = timedelta(hours=1)


def start(
    session: Session, contact_id: int, ip: str = "", user_agent: str = "", now: datetime | None = None
) -> str:
    """A new session for the contact; returns the raw id for the cookie (it is never stored)."""
    return _start(session, LoginSession(contact_id=contact_id, id_hash=""), ip, user_agent, now)


def start_staff(
    session: Session, staff_id: int, ip: str = "", user_agent: str = "", now: datetime | None = None
) -> str:
    """A new back-office session, opened only after both factors; returns the raw id for the cookie."""
    return _start(session, LoginSession(staff_id=staff_id, id_hash=""), ip, user_agent, now)


def start_view(
    session: Session,
    contact_id: int,
    viewer_staff_id: int,
    ip: str = "",
    user_agent: str = "",
    now: datetime | None = None,
) -> str:
    """A read-only session as the contact for a staff member (``services/identity/view_as.py``): it
    names the viewer, so the scope it resolves to is read-only, and lasts ``VIEW_LENGTH``. Nothing of
    the contact's own sign-in (its last sign-in time) is touched."""
    row = LoginSession(contact_id=contact_id, viewer_staff_id=viewer_staff_id, id_hash="")
    return _start(session, row, ip, user_agent, now, VIEW_LENGTH)


def _start(
    session: Session,
    row: LoginSession,
    ip: str,
    user_agent: str,
    now: datetime | None,
    length: timedelta | None = None,
) -> str:
    now = now or clock.now()
    raw = new_secret()
    row.id_hash = digest(raw)
    row.created_at = row.last_seen_at = now
    row.expires_at = now + (length or timedelta(hours=config.settings().session_absolute_hours))
    row.ip = (ip or "")[:64]
    row.user_agent = (user_agent or "")[:300]
    session.add(row)
    session.flush()
    return raw


def _find(session: Session, raw: Secret | None) -> LoginSession | None:
    hashed = digest_of(raw)
    if hashed is None:
        return None
    return session.exec(select(LoginSession).where(LoginSession.id_hash == hashed)).first()


def _end(session: Session, row: LoginSession, reason: str, now: datetime) -> None:
    row.revoked_at = now
    row.revoked_reason = reason[:40]
    session.add(row)
    session.flush()


def resolve(session: Session, raw: Secret | None, now: datetime | None = None) -> LoginSession | None:
    """The live customer session behind a cookie, or None; a session found expired is revoked on the spot."""
    row = _live(session, raw, now)
    if row is None or row.contact_id is None or usable_contact(session, row.contact_id) is None:
        return None
    return _touch(session, row, now)


def resolve_staff(session: Session, raw: Secret | None, now: datetime | None = None) -> LoginSession | None:
    """The live back-office session behind a cookie, or None (a customer's session is None here)."""
    row = _live(session, raw, now)
    if row is None or row.staff_id is None or usable_staff(session, row.staff_id) is None:
        return None
    return _touch(session, row, now)


def _live(session: Session, raw: Secret | None, now: datetime | None) -> LoginSession | None:
    row = _find(session, raw)
    if row is None or row.revoked_at is not None:
        return None
    now = now or clock.now()
    if now >= row.expires_at:
        _end(session, row, "expired", now)
        return None
    if now - row.last_seen_at > timedelta(minutes=config.settings().session_idle_minutes):
        _end(session, row, "idle", now)
        return None
    return row


def _touch(session: Session, row: LoginSession, now: datetime | None) -> LoginSession:
    now = now or clock.now()
    if now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
        session.add(row)
        session.flush()
    return row


def revoke(session: Session, raw: Secret | None, reason: str = "logout", now: datetime | None = None) -> bool:
    """End one session (logout); False when there was no live session behind the id."""
    row = _find(session, raw)
    if row is None or row.revoked_at is not None:
        return False
    _end(session, row, reason, now or clock.now())
    return True


def revoke_all(
    session: Session,
    contact_id: int,
    reason: str,
    now: datetime | None = None,
    *,
    keep: Secret | None = None,
) -> int:
    """End every live session of the contact, so a changed password also locks out old cookies.

    ``keep`` is the session the change was made in, when it stays signed in (a confirmed email)."""
    return _revoke_where(session, LoginSession.contact_id == contact_id, reason, now, keep)


def revoke_all_staff(session: Session, staff_id: int, reason: str, now: datetime | None = None) -> int:
    """End every live back-office session of the staff member (new password, deactivation)."""
    return _revoke_where(session, LoginSession.staff_id == staff_id, reason, now, None)


def _revoke_where(
    session: Session, owner: ColumnElement[bool], reason: str, now: datetime | None, keep: Secret | None
) -> int:
    session.flush()
    stmt = (
        update(LoginSession)
        .where(owner, LoginSession.revoked_at.is_(None))
        .values(revoked_at=now or clock.now(), revoked_reason=reason[:40])
    )
    if (kept := digest_of(keep)) is not None:
        stmt = stmt.where(LoginSession.id_hash != kept)
    return session.exec(stmt).rowcount
