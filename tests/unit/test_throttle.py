"""Throttling: growing per-account delay, hourly account cap, per-address limits."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlmodel import select

from portal.core import clock
from portal.models import AttemptKind, Contact, Credential, Customer, LoginAttempt
from portal.services.identity import throttle

_serial = itertools.count()


def make_account(session, username: str) -> Credential:
    customer = Customer(name="Harbour Body Corporate")
    session.add(customer)
    session.flush()
    contact = Contact(
        customer_id=customer.id,
        first_name="Jane",
        email=f"j{next(_serial)}@example.com",
        login_active=True,
        username=username,
    )
    session.add(contact)
    session.flush()
    credential = Credential(
        contact_id=contact.id, password_hash="x", changed_at=clock.now() - timedelta(days=30)
    )
    session.add(credential)
    session.flush()
    return credential


def fail(session, username, ip, at, credential=None):
    throttle.record_attempt(session, AttemptKind.LOGIN, username, ip, False, now=at)
    if credential is not None:
        throttle.register_failure(session, credential, now=at)


def test_delay_schedule():
    expected = [0] * 5 + [30, 60, 120, 240, 480, 900]
    assert [throttle.failure_delay(n).total_seconds() for n in range(1, 12)] == expected
    assert throttle.failure_delay(10_000) == timedelta(minutes=15)


@pytest.mark.parametrize("known", [True, False], ids=["real account", "unknown name"])
def test_five_failures_are_free_then_the_delay_doubles(session, known):
    credential = make_account(session, "jane") if known else None
    t = clock.now()
    for _ in range(5):
        assert throttle.login_blocked(session, "jane", "198.51.100.1", now=t) == 0
        fail(session, "jane", "198.51.100.1", t, credential)
        t += timedelta(seconds=1)
    assert throttle.login_blocked(session, "jane", "198.51.100.1", now=t) == 0
    for expected in (30, 60, 120, 240, 480, 900, 900):
        fail(session, "jane", "198.51.100.1", t, credential)
        assert throttle.login_blocked(session, "JANE ", "198.51.100.2", now=t) == expected
        assert (
            throttle.login_blocked(session, "jane", "198.51.100.2", now=t + timedelta(seconds=expected)) == 0
        )
        t += timedelta(seconds=expected)


def test_credential_counters_follow_failures(session):
    credential = make_account(session, "jane")
    t = clock.now()
    for _ in range(6):
        throttle.register_failure(session, credential, now=t)
    assert credential.failed_count == 6
    assert credential.locked_until == t + timedelta(seconds=30)
    throttle.clear_failures(session, credential)
    assert (credential.failed_count, credential.locked_until, credential.last_failed_at) == (0, None, None)


def test_credential_lock_applies_even_without_attempt_rows(session):
    credential = make_account(session, "jane")
    t = clock.now()
    credential.locked_until = t + timedelta(seconds=90)
    session.add(credential)
    session.flush()
    assert throttle.login_blocked(session, "jane", "198.51.100.1", now=t) == 90


def test_a_good_login_ends_the_streak(session):
    t = clock.now()
    for i in range(6):
        fail(session, "jane", f"10.0.0.{i}", t)
    assert throttle.login_blocked(session, "jane", "10.0.1.1", now=t) == 30
    throttle.record_attempt(
        session, AttemptKind.LOGIN, "jane", "10.0.1.1", True, now=t + timedelta(seconds=30)
    )
    fail(session, "jane", "10.0.1.1", t + timedelta(seconds=31))
    assert throttle.login_blocked(session, "jane", "10.0.1.1", now=t + timedelta(seconds=31)) == 0


def test_a_password_change_ends_the_streak(session):
    credential = make_account(session, "jane")
    t = clock.now()
    for i in range(8):
        fail(session, "jane", f"10.0.0.{i}", t)
    assert throttle.login_blocked(session, "jane", "10.0.1.1", now=t) > 0
    credential.changed_at = t
    session.add(credential)
    session.flush()
    assert throttle.login_blocked(session, "jane", "10.0.1.1", now=t) == 0


def _spread_failures(session, count, start, step):
    for i in range(count):
        session.add(
            LoginAttempt(
                kind=AttemptKind.LOGIN, username="jane", ip=f"10.1.{i // 250}.{i % 250}", at=start + i * step
            )
        )
    session.flush()


def test_hundred_failures_an_hour_block_until_the_hour_passes(session):
    now = clock.now()
    start = now - timedelta(minutes=10)
    _spread_failures(session, 100, start, timedelta(seconds=6))
    wait = throttle.login_blocked(session, "jane", "192.0.2.1", now=now)
    assert wait == 50 * 60  # the oldest of the 100 leaves the hour 50 minutes from now
    assert wait > throttle.MAX_DELAY.total_seconds()


def test_ninety_nine_failures_an_hour_only_cost_the_growing_delay(session):
    now = clock.now()
    _spread_failures(session, 99, now - timedelta(minutes=10), timedelta(seconds=6))
    assert throttle.login_blocked(session, "jane", "192.0.2.1", now=now) <= 15 * 60


def test_thirty_attempts_per_address_in_ten_minutes(session):
    t = clock.now()
    for i in range(29):
        throttle.record_attempt(session, AttemptKind.LOGIN, f"user{i}", "203.0.113.7", i % 2 == 0, now=t)
    assert throttle.login_blocked(session, "someone", "203.0.113.7", now=t) == 0
    throttle.record_attempt(session, AttemptKind.LOGIN, "user29", "203.0.113.7", False, now=t)
    assert throttle.login_blocked(session, "someone", "203.0.113.7", now=t) == 600
    assert throttle.login_blocked(session, "someone", "203.0.113.8", now=t) == 0
    assert throttle.login_blocked(session, "someone", "203.0.113.7", now=t + timedelta(minutes=10)) == 0


def test_reset_requests_per_address(session):
    t = clock.now()
    for i in range(9):
        throttle.record_attempt(session, AttemptKind.RESET, f"user{i}", "203.0.113.7", False, now=t)
    assert throttle.reset_allowed(session, "203.0.113.7", now=t)
    throttle.record_attempt(session, AttemptKind.RESET, "user9", "203.0.113.7", False, now=t)
    assert not throttle.reset_allowed(session, "203.0.113.7", now=t)
    assert throttle.reset_allowed(session, "203.0.113.8", now=t)
    assert throttle.reset_allowed(session, "203.0.113.7", now=t + timedelta(hours=1))


def test_reset_mails_per_account(session):
    t = clock.now()
    for i in range(4):
        throttle.record_attempt(session, AttemptKind.RESET, "jane", f"10.0.0.{i}", True, now=t)
    throttle.record_attempt(session, AttemptKind.RESET, "jane", "10.0.0.9", False, now=t)
    assert throttle.reset_allowed(session, "10.0.1.1", account="jane", now=t)
    throttle.record_attempt(session, AttemptKind.RESET, "jane", "10.0.0.5", True, now=t)
    assert not throttle.reset_allowed(session, "10.0.1.1", account="Jane", now=t)
    assert throttle.reset_allowed(session, "10.0.1.1", account="bob", now=t)
    assert throttle.reset_allowed(session, "10.0.1.1", account="jane", now=t + timedelta(hours=1))


def test_record_attempt_normalises(session):
    row = throttle.record_attempt(session, AttemptKind.LOGIN, "  Jane@Example.COM ", "1" * 80, False)
    assert row.username == "jane@example.com"
    assert len(row.ip) == 64


def test_prune_deletes_only_old_rows(session):
    now = clock.now()
    throttle.record_attempt(session, AttemptKind.LOGIN, "old", "10.0.0.1", False, now=now - timedelta(days=2))
    throttle.record_attempt(
        session, AttemptKind.LOGIN, "new", "10.0.0.1", False, now=now - timedelta(hours=2)
    )
    assert throttle.prune(session, timedelta(days=1), now=now) == 1
    assert session.exec(select(LoginAttempt.username)).all() == ["new"]


def test_prune_refuses_to_cut_into_the_lookback(session):
    with pytest.raises(ValueError):
        throttle.prune(session, timedelta(minutes=30))
