"""The back office's second factor: a TOTP authenticator app, and ten recovery codes for a lost phone.

Every staff sign-in needs one of them after the password; a password reset never touches them.

- A code is accepted once. The staff row keeps the time step of the last accepted code, and a
  code counts only when a conditional UPDATE moves that step forward: of two requests racing with
  the same code (or a code seen over a shoulder), exactly one wins. The app's clock may be one
  step (30 seconds) off either way.
- Recovery codes are random, shown once, stored as SHA-256 digests (each has 50 random bits and
  guessing is throttled, so a slow hash would add nothing), and each is used up by a conditional
  UPDATE, so it too works once.
- Codes are throttled apart from the password (``AttemptKind.STAFF_CODE``, by the staff email):
  five free failures, then the doubling lock of :func:`throttle.failure_delay`. A new password
  does not clear that streak.

What a successful check returns is a :class:`SecondFactor`, and a staff login nonce is issued for
nothing else (``staff.issue_login_nonce``): no path opens a staff session on a password alone.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
import segno
from sqlmodel import Session, delete, func, select, update

from portal.core import clock, events
from portal.models import AttemptKind, RecoveryCode, Staff
from portal.services.identity import principals, throttle, tokens
from portal.services.identity.auth import AuthError

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODE_COUNT = 10
# No 0/O, 1/l/I: a code copied from paper is typed back without guessing.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10  # shown as two groups of five: abcde-fghjk
# How long a checked second factor may wait for its session (the recovery codes are read meanwhile).
FACTOR_LIFETIME = timedelta(minutes=5)

WRONG_CODE = "That code is not right. Check the app and try again."
USED_CODE = "That code was already used. Wait for the next code in the app."
NOT_ENROLLED = "Set up your authenticator app first."
_SECRET = re.compile(r"[A-Z2-7]{32}")


def code_throttled(seconds: int) -> str:
    return f"Too many codes tried. Try again in {seconds} seconds."


@dataclass(frozen=True)
class SecondFactor:
    """Proof that a staff member passed both factors at ``at``: what a login nonce is issued for."""

    staff_id: int
    method: str  # "totp", "recovery" or "enrolment"
    at: datetime


@dataclass(frozen=True)
class Enrolled:
    """A finished enrolment: the proof, and the recovery codes to show once (never stored raw)."""

    factor: SecondFactor
    recovery_codes: list[str]


# --- TOTP ----------------------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh 160-bit base32 secret (what the app stores)."""
    return pyotp.random_base32()


def valid_secret(secret: str) -> bool:
    return isinstance(secret, str) and bool(_SECRET.fullmatch(secret))


def grouped(secret: str) -> str:
    """The secret in groups of four, as it is easiest to type into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def otpauth_uri(secret: str, email: str, issuer: str) -> str:
    """What the QR code holds: the app's account name and issuer, the secret and the step."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer or "Back office")


def qr_data_uri(uri: str) -> str:
    """The QR code as an SVG data URI (the page's images may be ``data:``)."""
    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff"))


def step_at(moment: datetime) -> int:
    return int(moment.timestamp()) // STEP_SECONDS


def code_for(secret: str, moment: datetime | None = None) -> str:
    """The code the app shows at ``moment`` (the demo's ``portal totp`` and the tests)."""
    return pyotp.TOTP(secret).at(step_at(moment or clock.now()) * STEP_SECONDS)


def _digits(code: str) -> str:
    return "".join((code or "").split())[:20]


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The latest step within one either side of now whose code this is, or None."""
    totp = pyotp.TOTP(secret)
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    if not totp.verify(code, for_time=now, valid_window=1):
        return None
    current = step_at(now)
    steps = [
        s for s in (current + 1, current, current - 1) if hmac.compare_digest(totp.generate_otp(s), code)
    ]
    return steps[0] if steps else None


def _take_step(session: Session, staff_id: int, step: int) -> bool:
    """Move the last accepted step forward to ``step``; False when it is already there or beyond."""
    session.flush()
    result = session.exec(
        update(Staff).where(Staff.id == staff_id, Staff.totp_last_step < step).values(totp_last_step=step)
    )
    return result.rowcount == 1


# --- recovery codes ------------------------------------------------------------------------------


def recovery_digest(code: str) -> str:
    """What is stored of a recovery code: the SHA-256 of its letters and digits, lower-cased."""
    plain = "".join(c for c in (code or "").lower() if c.isalnum())[:40]
    return hashlib.sha256(plain.encode("ascii", "replace")).hexdigest()


def new_recovery_codes() -> list[str]:
    """Ten random codes, as shown: ``abcde-fghjk``."""
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    return [f"{raw[:5]}-{raw[5:]}" for raw in codes]


def looks_like_recovery_code(code: str) -> bool:
    plain = "".join(c for c in (code or "").lower() if c.isalnum())
    return len(plain) == RECOVERY_LENGTH and all(c in RECOVERY_ALPHABET for c in plain)


def _replace_recovery_codes(session: Session, staff_id: int, now: datetime) -> list[str]:
    """Ten new codes; earlier ones stop working. Returns the raw codes, which are never stored."""
    session.flush()
    session.exec(delete(RecoveryCode).where(RecoveryCode.staff_id == staff_id))
    codes = new_recovery_codes()
    for code in codes:
        session.add(RecoveryCode(staff_id=staff_id, code_hash=recovery_digest(code), created_at=now))
    session.flush()
    return codes


def _use_recovery_code(session: Session, staff_id: int, code: str, now: datetime) -> bool:
    session.flush()
    result = session.exec(
        update(RecoveryCode)
        .where(
            RecoveryCode.staff_id == staff_id,
            RecoveryCode.code_hash == recovery_digest(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return result.rowcount == 1


def _unused_codes(staff_id: Any) -> Any:
    return select(func.count()).where(RecoveryCode.staff_id == staff_id, RecoveryCode.used_at.is_(None))


def recovery_codes_left(session: Session, staff_id: int) -> int:
    """How many of the staff member's recovery codes still work."""
    return int(session.exec(_unused_codes(staff_id)).one())


def codes_left_column() -> Any:
    """:func:`recovery_codes_left` for each row of a query on ``Staff``: the staff list shows it so
    the owner sees who is about to run out before they are locked out."""
    return _unused_codes(Staff.id).correlate(Staff).scalar_subquery()


# --- checking a code -----------------------------------------------------------------------------


def _signing_in(session: Session, staff_id: int) -> Staff:
    staff = tokens.usable_staff(session, staff_id)
    if staff is None:
        raise AuthError(form="This sign-in has ended. Start again.")
    return staff


def _check_throttle(session: Session, staff: Staff, ip: str, now: datetime) -> None:
    wait = throttle.login_blocked(session, staff.email, ip, now, kind=AttemptKind.STAFF_CODE, counters=None)
    if wait:
        raise AuthError(code=code_throttled(wait))


def _failed(session: Session, staff: Staff, ip: str, now: datetime, message: str, **detail: str) -> AuthError:
    """Record a refused code (commit the session when raising the error this returns)."""
    throttle.record_attempt(session, AttemptKind.STAFF_CODE, staff.email, ip, False, now)
    events.audit(session, principals.member(staff), "code_refused", staff, detail=detail, ip=ip)
    return AuthError(code=message)


def _accepted(session: Session, staff: Staff, ip: str, now: datetime, method: str) -> SecondFactor:
    assert staff.id is not None, "a staff member read from the database"
    throttle.record_attempt(session, AttemptKind.STAFF_CODE, staff.email, ip, True, now)
    events.audit(session, principals.member(staff), "code_accepted", staff, detail={"method": method}, ip=ip)
    return SecondFactor(staff.id, method, now)


def enrol(
    session: Session, staff_id: int, secret: str, code: str, ip: str = "", now: datetime | None = None
) -> Enrolled:
    """Keep the secret once the app shows a right code for it, and make ten recovery codes.

    The staff member has just given its password; the secret was shown to it and nowhere stored
    until now. Enrolling twice is refused by the same conditional UPDATE that stores the secret.
    Commit the session also when this raises (the failure counts)."""
    now = now or clock.now()
    staff = _signing_in(session, staff_id)
    if staff.totp_enrolled_at is not None:
        raise AuthError(form="An authenticator app is already set up for this login.")
    if not valid_secret(secret):
        raise AuthError(form="This set-up has expired. Start again.")
    _check_throttle(session, staff, ip, now)
    step = _matching_step(secret, _digits(code), now)
    if step is None:
        raise _failed(session, staff, ip, now, WRONG_CODE, during="enrolment")
    session.flush()
    stored = session.exec(
        update(Staff)
        .where(Staff.id == staff_id, Staff.totp_enrolled_at.is_(None))
        .values(totp_secret=secret, totp_enrolled_at=now, totp_last_step=step)
    )
    if stored.rowcount != 1:
        raise AuthError(form="An authenticator app is already set up for this login.")
    session.refresh(staff)
    codes = _replace_recovery_codes(session, staff_id, now)
    events.audit(session, principals.member(staff), "mfa_enrolled", staff, ip=ip)
    return Enrolled(_accepted(session, staff, ip, now, "enrolment"), codes)


def verify(
    session: Session, staff_id: int, code: str, ip: str = "", now: datetime | None = None
) -> SecondFactor:
    """The second half of a staff sign-in: a code from the app, or one unused recovery code.

    Commit the session also when this raises (the failure counts)."""
    now = now or clock.now()
    staff = _signing_in(session, staff_id)
    if staff.totp_enrolled_at is None or not valid_secret(staff.totp_secret):
        raise AuthError(form=NOT_ENROLLED)
    _check_throttle(session, staff, ip, now)
    typed = _digits(code)
    if looks_like_recovery_code(typed):
        if not _use_recovery_code(session, staff_id, typed, now):
            raise _failed(session, staff, ip, now, WRONG_CODE, method="recovery")
        return _accepted(session, staff, ip, now, "recovery")
    step = _matching_step(staff.totp_secret, typed, now)
    if step is None:
        raise _failed(session, staff, ip, now, WRONG_CODE, method="totp")
    if not _take_step(session, staff_id, step):
        raise _failed(session, staff, ip, now, USED_CODE, method="totp", reason="replayed")
    return _accepted(session, staff, ip, now, "totp")


def clear(session: Session, staff_id: int) -> None:
    """Forget the staff member's secret, last step and recovery codes: the next sign-in enrols."""
    session.flush()
    session.exec(delete(RecoveryCode).where(RecoveryCode.staff_id == staff_id))
    session.exec(
        update(Staff)
        .where(Staff.id == staff_id)
        .values(totp_secret="", totp_enrolled_at=None, totp_last_step=0)
    )
