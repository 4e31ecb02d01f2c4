"""One-time tokens for invite, reset and login links.

Only a SHA-256 digest is stored, so a copy of the database (a backup, a support dump) holds
nothing that opens an account. The raw token lives only in the email or the redirect.

A token belongs to a contact or to a staff member (``staff_id``); the ``_staff`` functions deal in
the latter, and a staff member's token never opens a contact's form nor the other way round.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import Session, select, update

from portal.core import clock
from portal.models import Contact, Customer, OneTimeToken, Staff, TokenPurpose

LIFETIMES: dict[TokenPurpose, timedelta] = {
    TokenPurpose.INVITE: timedelta(days=7),
    TokenPurpose.RESET: timedelta(minutes=30),
    TokenPurpose.LOGIN: timedelta(seconds=60),
    TokenPurpose.EMAIL: timedelta(hours=24),  # a new email address, confirmed from its inbox
}

# Raw tokens are 43 characters; anything far longer is not ours and not worth hashing.
MAX_RAW_LENGTH = 200


def new_secret() -> str:
    """256 random bits, URL-safe, so the token can travel in a link unescaped."""
    return secrets.token_urlsafe(32)


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


_DIGEST = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Hashed:
    """A session id or link token already hashed where the request entered the server
    (``portal/api/credentials.py``), so the raw value never reaches Reflex's state store."""

    digest: str


Secret = str | Hashed


def digest_of(secret: Secret | None) -> str | None:
    """The stored form of a secret, or None for anything that cannot be one of ours."""
    if isinstance(secret, Hashed):
        return secret.digest if _DIGEST.fullmatch(secret.digest) else None
    if isinstance(secret, str) and 0 < len(secret) <= MAX_RAW_LENGTH:
        return digest(secret)
    return None


def usable_contact(session: Session, contact_id: int) -> Contact | None:
    """The contact if it may still sign in: a token or session of anyone else opens nothing."""
    contact = session.get(Contact, contact_id)
    if contact is None or not contact.login_active or contact.deactivated_at is not None:
        return None
    customer = session.get(Customer, contact.customer_id)
    if customer is None or not customer.is_active:
        return None
    return contact


def usable_staff(session: Session, staff_id: int) -> Staff | None:
    """The staff member if it may still sign in."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.is_active or staff.deactivated_at is not None:
        return None
    return staff


def void(
    session: Session, contact_id: int, purpose: TokenPurpose | None = None, now: datetime | None = None
) -> int:
    """Void the contact's unused tokens (of one purpose, or all), so an older link stops working."""
    return _void(session, OneTimeToken.contact_id == contact_id, purpose, now)


def void_staff(
    session: Session, staff_id: int, purpose: TokenPurpose | None = None, now: datetime | None = None
) -> int:
    return _void(session, OneTimeToken.staff_id == staff_id, purpose, now)


def _void(
    session: Session, owner: ColumnElement[bool], purpose: TokenPurpose | None, now: datetime | None
) -> int:
    stmt = (
        update(OneTimeToken)
        .where(
            owner,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.voided_at.is_(None),
        )
        .values(voided_at=now or clock.now())
    )
    if purpose is not None:
        stmt = stmt.where(OneTimeToken.purpose == TokenPurpose(purpose))
    session.flush()
    return session.exec(stmt).rowcount


def issue(
    session: Session,
    contact_id: int,
    purpose: TokenPurpose,
    now: datetime | None = None,
    *,
    new_email: str = "",
) -> str:
    """A new token for the contact; returns the raw value, which is never stored.

    A new invite, reset or email link voids the earlier ones, so only the latest email works. Login
    nonces are left alone: they live a minute and two browsers signing in at once must not
    cancel each other. ``new_email`` is the address an email link confirms.
    """
    purpose = TokenPurpose(purpose)
    if purpose != TokenPurpose.LOGIN:
        void(session, contact_id, purpose, now)
    return _issue(
        session, OneTimeToken(contact_id=contact_id, purpose=purpose, new_email=new_email, token_hash=""), now
    )


def issue_staff(session: Session, staff_id: int, purpose: TokenPurpose, now: datetime | None = None) -> str:
    """A staff member's invite, reset or login link, by the same rules as :func:`issue`."""
    purpose = TokenPurpose(purpose)
    if purpose != TokenPurpose.LOGIN:
        void_staff(session, staff_id, purpose, now)
    return _issue(session, OneTimeToken(staff_id=staff_id, purpose=purpose, token_hash=""), now)


def _issue(session: Session, row: OneTimeToken, now: datetime | None) -> str:
    now = now or clock.now()
    raw = new_secret()
    row.token_hash = digest(raw)
    row.created_at = now
    row.expires_at = now + LIFETIMES[TokenPurpose(row.purpose)]
    session.add(row)
    session.flush()
    return raw


def _live(hashed: str, purpose: TokenPurpose, now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        OneTimeToken.token_hash == hashed,
        OneTimeToken.purpose == TokenPurpose(purpose),
        OneTimeToken.used_at.is_(None),
        OneTimeToken.voided_at.is_(None),
        OneTimeToken.expires_at > now,
    )


def live_token(
    session: Session, raw: Secret | None, purpose: TokenPurpose, now: datetime | None = None
) -> OneTimeToken | None:
    """The live token row itself (what an email link confirms), without using it up."""
    hashed = digest_of(raw)
    if hashed is None:
        return None
    return session.exec(select(OneTimeToken).where(*_live(hashed, purpose, now or clock.now()))).first()


def peek(
    session: Session, raw: Secret | None, purpose: TokenPurpose, now: datetime | None = None
) -> Contact | None:
    """The contact a live token belongs to, without using it up (to show the form behind a link)."""
    token = live_token(session, raw, purpose, now)
    if token is None or token.contact_id is None:
        return None
    return usable_contact(session, token.contact_id)


def peek_staff(
    session: Session, raw: Secret | None, purpose: TokenPurpose, now: datetime | None = None
) -> Staff | None:
    """The staff member a live token belongs to, without using it up."""
    token = live_token(session, raw, purpose, now)
    if token is None or token.staff_id is None:
        return None
    return usable_staff(session, token.staff_id)


def consume(
    session: Session, raw: Secret | None, purpose: TokenPurpose, now: datetime | None = None
) -> Contact | None:
    """Use the token up and return its contact; None when it is not live.

    The conditional UPDATE is the guard: of two submits racing with the same token, the database
    lets exactly one of them change the row, and only that one gets a contact.
    """
    token = _use(session, raw, purpose, now)
    if token is None or token.contact_id is None:
        return None
    return usable_contact(session, token.contact_id)


def consume_staff(
    session: Session, raw: Secret | None, purpose: TokenPurpose, now: datetime | None = None
) -> Staff | None:
    """Use the token up and return its staff member, by the same guard as :func:`consume`."""
    token = _use(session, raw, purpose, now)
    if token is None or token.staff_id is None:
        return None
    return usable_staff(session, token.staff_id)


def _use(
    session: Session, raw: Secret | None, purpose: TokenPurpose, now: datetime | None
) -> OneTimeToken | None:
    hashed = digest_of(raw)
    if hashed is None:
        return None
    now = now or clock.now()
    session.flush()
    result = session.exec(update(OneTimeToken).where(*_live(hashed, purpose, now)).values(used_at=now))
    if result.rowcount != 1:
        return None
    return session.exec(select(OneTimeToken).where(OneTimeToken.token_hash == hashed)).one()
