"""Login sessions: hashed ids, idle and absolute expiry, and revocation."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from portal import config
from portal.core import clock
from portal.models import LoginSession
from portal.services.identity import sessions, tokens
from tests.unit import factories as f


def row_of(session, raw) -> LoginSession:
    row = session.exec(select(LoginSession).where(LoginSession.id_hash == tokens.digest(raw))).one()
    session.refresh(row)
    return row


def test_defaults_are_30_minutes_idle_and_12_hours_absolute(fast_settings):
    assert fast_settings.session_idle_minutes == 30
    assert fast_settings.session_absolute_hours == 12


def test_start_stores_only_the_hash(session):
    contact = f.person(session)
    t0 = clock.now()
    raw = sessions.start(session, contact.id, ip="203.0.113.9", user_agent="Firefox", now=t0)
    assert len(raw) >= 43
    row = row_of(session, raw)
    assert row.contact_id == contact.id
    assert row.expires_at == t0 + timedelta(hours=12)
    assert (row.ip, row.user_agent) == ("203.0.113.9", "Firefox")
    for table in SQLModel.metadata.sorted_tables:
        for values in session.execute(sa_select(table)).all():
            assert not any(raw in str(v) for v in values)


def test_overlong_client_details_are_cut_to_fit(session):
    contact = f.person(session)
    raw = sessions.start(session, contact.id, ip="1" * 100, user_agent="U" * 1000)
    row = row_of(session, raw)
    assert len(row.ip) == 64 and len(row.user_agent) == 300


def test_resolve_finds_the_session(session):
    contact = f.person(session)
    raw = sessions.start(session, contact.id)
    assert sessions.resolve(session, raw).contact_id == contact.id


@pytest.mark.parametrize("raw", ["", None, "unknown", "x" * 5000])
def test_unknown_ids_resolve_to_nothing(session, raw):
    f.person(session)
    assert sessions.resolve(session, raw) is None


def test_idle_for_30_minutes_ends_the_session(session):
    contact = f.person(session)
    t0 = clock.now()
    raw = sessions.start(session, contact.id, now=t0)
    assert sessions.resolve(session, raw, now=t0 + timedelta(minutes=30)) is not None
    t1 = t0 + timedelta(minutes=30)
    assert sessions.resolve(session, raw, now=t1 + timedelta(minutes=30, seconds=1)) is None
    row = row_of(session, raw)
    assert row.revoked_at is not None and row.revoked_reason == "idle"
    assert sessions.resolve(session, raw, now=t1 + timedelta(minutes=31)) is None


def test_activity_keeps_the_session_alive_until_12_hours(session):
    contact = f.person(session)
    t0 = clock.now()
    raw = sessions.start(session, contact.id, now=t0)
    t = t0
    while t + timedelta(minutes=20) < t0 + timedelta(hours=12):
        t += timedelta(minutes=20)
        assert sessions.resolve(session, raw, now=t) is not None
    assert sessions.resolve(session, raw, now=t0 + timedelta(hours=12)) is None
    assert row_of(session, raw).revoked_reason == "expired"


def test_last_seen_is_written_only_when_it_moved_more_than_30_seconds(session):
    contact = f.person(session)
    t0 = clock.now()
    raw = sessions.start(session, contact.id, now=t0)
    sessions.resolve(session, raw, now=t0 + timedelta(seconds=20))
    assert row_of(session, raw).last_seen_at == t0
    sessions.resolve(session, raw, now=t0 + timedelta(seconds=45))
    assert row_of(session, raw).last_seen_at == t0 + timedelta(seconds=45)


def test_idle_setting_is_read_from_config(session, monkeypatch, fast_settings):
    monkeypatch.setattr(
        config, "settings", lambda: dataclasses.replace(fast_settings, session_idle_minutes=5)
    )
    contact = f.person(session)
    t0 = clock.now()
    raw = sessions.start(session, contact.id, now=t0)
    assert sessions.resolve(session, raw, now=t0 + timedelta(minutes=6)) is None


def test_logout_revokes_one_session(session):
    contact = f.person(session)
    mine, other = sessions.start(session, contact.id), sessions.start(session, contact.id)
    assert sessions.revoke(session, mine) is True
    assert sessions.resolve(session, mine) is None
    assert row_of(session, mine).revoked_reason == "logout"
    assert sessions.resolve(session, other) is not None
    assert sessions.revoke(session, mine) is False
    assert sessions.revoke(session, "nonsense") is False


def test_revoke_all_ends_every_session_of_that_contact_only(session):
    contact, neighbour = f.person(session), f.person(session)
    raws = [sessions.start(session, contact.id) for _ in range(3)]
    theirs = sessions.start(session, neighbour.id)
    assert sessions.revoke_all(session, contact.id, "password_change") == 3
    assert all(sessions.resolve(session, raw) is None for raw in raws)
    assert {row_of(session, raw).revoked_reason for raw in raws} == {"password_change"}
    assert sessions.resolve(session, theirs) is not None


@pytest.mark.parametrize("change", [{"login_active": False}, {"deactivated_at": clock.now()}])
def test_contact_that_may_not_sign_in_has_no_session(session, change):
    contact = f.person(session)
    raw = sessions.start(session, contact.id)
    for key, value in change.items():
        setattr(contact, key, value)
    session.add(contact)
    session.flush()
    assert sessions.resolve(session, raw) is None
