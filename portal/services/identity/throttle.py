"""Slowing down password guessing, per account and per address.

Per account: five failures in a row are free (people mistype), then every further failure locks
the account for a delay that doubles from 30 seconds up to 15 minutes, and no account takes more
than 100 failures in a rolling hour. Per address (configurable, for offices behind one NAT):
30 login attempts per 10 minutes, 10 reset requests per hour. A reset mail goes to an account at most 5 times
an hour.

The delays are worked out from the ``login_attempt`` rows by the name that was typed, and for a
real account also from its password counters (a contact's ``credential``, a staff member's own
row). Both give the same answer inside the lookback, so an unknown username is throttled exactly
like a real one and the "too many attempts" answer does not reveal which accounts exist. Only
attempts that actually checked a password are recorded; a refused attempt costs the attacker
time but does not lengthen the lock further.

The back office's logins run under the same rules with attempt kinds of their own
(``STAFF_LOGIN``, ``STAFF_RESET``; ``STAFF_CODE`` for a second-factor code, which has no counters),
so a staff email and a customer username never share a streak or an address's allowance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import Session, select

from portal import config
from portal.core import clock
from portal.models import AttemptKind, Contact, Credential, LoginAttempt, Staff

FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(minutes=15)
ACCOUNT_FAILURES = (100, timedelta(hours=1))
IP_WINDOWS = {"login": timedelta(minutes=10), "reset": timedelta(hours=1)}
ACCOUNT_RESET_MAILS = (5, timedelta(hours=1))
# How far back failures in a row are counted from attempt rows; prune must keep at least this.
STREAK_LOOKBACK = timedelta(hours=24)

# An account's password and its failure counters: the same columns on both tables.
Counters = Credential | Staff
# The counters of the account a typed name names, or None (no such account, or no counters kept).
CounterLookup = Callable[[Session, str], Counters | None]


def normalize(username: str | None) -> str:
    return (username or "").strip().lower()[:254]


def failure_delay(failures: int) -> timedelta:
    """The lock that follows the given number of failures in a row."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES - 1, 16)
    factor: int = 2**doublings
    return min(FIRST_DELAY * factor, MAX_DELAY)


def record_attempt(
    session: Session,
    kind: AttemptKind,
    username: str,
    ip: str,
    succeeded: bool,
    now: datetime | None = None,
) -> LoginAttempt:
    row = LoginAttempt(
        kind=AttemptKind(kind),
        username=normalize(username),
        ip=(ip or "")[:64],
        succeeded=succeeded,
        at=now or clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def register_failure(session: Session, counters: Counters, now: datetime | None = None) -> None:
    now = now or clock.now()
    counters.failed_count += 1
    counters.last_failed_at = now
    delay = failure_delay(counters.failed_count)
    if delay:
        counters.locked_until = now + delay
    session.add(counters)
    session.flush()


def clear_failures(session: Session, counters: Counters) -> None:
    """Forget the failures: after a good login, or after a reset proves the owner holds the mailbox."""
    counters.failed_count = 0
    counters.last_failed_at = None
    counters.locked_until = None
    session.add(counters)
    session.flush()


def _seconds(wait: timedelta) -> int:
    return max(0, math.ceil(wait.total_seconds()))


def _limit_wait(
    session: Session,
    filters: list[ColumnElement[bool]],
    limit: int,
    window: timedelta,
    since: datetime,
    now: datetime,
) -> int:
    """Seconds until fewer than ``limit`` matching attempts remain in the rolling window."""
    start = max(now - window, since)
    nth_latest = session.exec(
        select(LoginAttempt.at)
        .where(*filters, LoginAttempt.at > start)
        .order_by(LoginAttempt.at.desc())
        .offset(limit - 1)
        .limit(1)
    ).first()
    return 0 if nth_latest is None else _seconds(nth_latest + window - now)


def credential_by_username(session: Session, username: str) -> Credential | None:
    """A customer login's counters, by the username typed at the portal's login."""
    if not username:
        return None
    return session.exec(
        select(Credential)
        .join(Contact, Contact.id == Credential.contact_id)
        .where(Contact.username == username)
    ).first()


def _cleared_at(
    session: Session, kind: AttemptKind, username: str, counters: Counters | None, now: datetime
) -> datetime:
    """Failures before this moment no longer count: the last good login or password change."""
    last_success = session.exec(
        select(func.max(LoginAttempt.at)).where(
            LoginAttempt.kind == kind,
            LoginAttempt.username == username,
            LoginAttempt.succeeded.is_(True),
        )
    ).one()
    moments = [now - STREAK_LOOKBACK]
    if last_success is not None:
        moments.append(last_success)
    if counters is not None:
        moments.append(counters.changed_at)
    return max(moments)


def login_blocked(
    session: Session,
    username: str,
    ip: str,
    now: datetime | None = None,
    *,
    kind: AttemptKind = AttemptKind.LOGIN,
    counters: CounterLookup | None = credential_by_username,
) -> int:
    """Seconds to wait before this login may be tried; 0 when it may be tried now.

    ``kind`` picks whose attempts count (a customer's login, a staff member's password or code);
    ``counters`` finds the account's password counters by the typed name (None: the attempt rows
    alone decide, as for a second-factor code, which a new password must not unlock)."""
    now = now or clock.now()
    name = normalize(username)
    limit, window = config.settings().login_limit_per_ip, IP_WINDOWS["login"]
    waits = [
        _limit_wait(
            session,
            [LoginAttempt.kind == kind, LoginAttempt.ip == (ip or "")[:64]],
            limit,
            window,
            now - window,
            now,
        )
    ]
    account = counters(session, name) if counters is not None and name else None
    if account is not None and account.locked_until is not None:
        waits.append(_seconds(account.locked_until - now))
    since = _cleared_at(session, kind, name, account, now)
    failures = [
        LoginAttempt.kind == kind,
        LoginAttempt.username == name,
        LoginAttempt.succeeded.is_(False),
    ]
    streak, last_failure = session.exec(
        select(func.count(), func.max(LoginAttempt.at)).where(*failures, LoginAttempt.at > since)
    ).one()
    if streak:
        waits.append(_seconds(last_failure + failure_delay(streak) - now))
    limit, window = ACCOUNT_FAILURES
    waits.append(_limit_wait(session, failures, limit, window, since, now))
    return max(waits)


def reset_allowed(
    session: Session,
    ip: str,
    account: str | None = None,
    now: datetime | None = None,
    *,
    kind: AttemptKind = AttemptKind.RESET,
) -> bool:
    """Whether a reset request from this address may go ahead, and (given the account's key)
    whether one more reset mail may go to that account this hour."""
    now = now or clock.now()
    limit, window = config.settings().reset_limit_per_ip, IP_WINDOWS["reset"]
    by_ip = [LoginAttempt.kind == kind, LoginAttempt.ip == (ip or "")[:64]]
    if _limit_wait(session, by_ip, limit, window, now - window, now):
        return False
    if account is None:
        return True
    limit, window = ACCOUNT_RESET_MAILS
    sent = [
        LoginAttempt.kind == kind,
        LoginAttempt.username == normalize(account),
        LoginAttempt.succeeded.is_(True),
    ]
    return not _limit_wait(session, sent, limit, window, now - window, now)


def prune(session: Session, older_than: timedelta = STREAK_LOOKBACK, now: datetime | None = None) -> int:
    """Delete attempt rows older than ``older_than``; refuses to cut into the streak lookback."""
    if older_than < STREAK_LOOKBACK:
        raise ValueError(f"attempts are needed for {STREAK_LOOKBACK}; refusing to prune younger rows")
    cutoff = (now or clock.now()) - older_than
    session.flush()
    result = session.exec(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    return result.rowcount
