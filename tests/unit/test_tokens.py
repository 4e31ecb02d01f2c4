"""One-time tokens: hashed at rest, single use, short-lived, and only the newest link works."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, delete, select

from portal.core import clock
from portal.models import Contact, Customer, OneTimeToken, TokenPurpose
from portal.services.identity import tokens
from tests.unit import factories as f


def all_stored_values(session):
    """Every value in every table, as text."""
    for table in SQLModel.metadata.sorted_tables:
        for row in session.execute(sa_select(table)).all():
            yield from (str(v) for v in row)


def test_secret_has_at_least_128_bits_and_differs_each_time():
    a, b = tokens.new_secret(), tokens.new_secret()
    assert a != b
    assert len(a) >= 43  # 32 bytes in base64url
    assert tokens.digest(a) != tokens.digest(b)
    assert len(tokens.digest(a)) == 64


def test_only_the_hash_is_stored(session):
    contact = f.person(session)
    raw = tokens.issue(session, contact.id, TokenPurpose.INVITE)
    row = session.exec(select(OneTimeToken).where(OneTimeToken.contact_id == contact.id)).one()
    assert row.token_hash == tokens.digest(raw)
    assert not any(raw in value for value in all_stored_values(session))


def test_peek_does_not_consume_and_consume_is_single_use(session):
    contact = f.person(session)
    raw = tokens.issue(session, contact.id, TokenPurpose.RESET)
    assert tokens.peek(session, raw, TokenPurpose.RESET).id == contact.id
    assert tokens.peek(session, raw, TokenPurpose.RESET).id == contact.id
    assert tokens.consume(session, raw, TokenPurpose.RESET).id == contact.id
    assert tokens.consume(session, raw, TokenPurpose.RESET) is None
    assert tokens.peek(session, raw, TokenPurpose.RESET) is None


def test_double_submit_after_both_saw_the_form(session):
    """Two submits that both peeked see the token live; only one may use it."""
    contact = f.person(session)
    raw = tokens.issue(session, contact.id, TokenPurpose.INVITE)
    first_view = tokens.peek(session, raw, TokenPurpose.INVITE)
    second_view = tokens.peek(session, raw, TokenPurpose.INVITE)
    assert first_view is not None and second_view is not None
    results = [tokens.consume(session, raw, TokenPurpose.INVITE) for _ in range(2)]
    assert [r is not None for r in results] == [True, False]


@pytest.mark.parametrize(
    ("purpose", "lifetime"),
    [
        (TokenPurpose.INVITE, timedelta(days=7)),
        (TokenPurpose.RESET, timedelta(minutes=30)),
        (TokenPurpose.LOGIN, timedelta(seconds=60)),
    ],
)
def test_expiry(session, purpose, lifetime):
    contact = f.person(session)
    t0 = clock.now()
    raw = tokens.issue(session, contact.id, purpose, now=t0)
    just_before = t0 + lifetime - timedelta(seconds=1)
    assert tokens.peek(session, raw, purpose, now=just_before) is not None
    assert tokens.peek(session, raw, purpose, now=t0 + lifetime) is None
    assert tokens.consume(session, raw, purpose, now=t0 + lifetime) is None
    assert tokens.consume(session, raw, purpose, now=just_before) is not None


@pytest.mark.parametrize("purpose", [TokenPurpose.INVITE, TokenPurpose.RESET])
def test_new_token_voids_the_older_one(session, purpose):
    contact = f.person(session)
    old = tokens.issue(session, contact.id, purpose)
    new = tokens.issue(session, contact.id, purpose)
    assert tokens.peek(session, old, purpose) is None
    assert tokens.consume(session, old, purpose) is None
    assert tokens.consume(session, new, purpose).id == contact.id


def test_new_token_leaves_other_purposes_and_contacts_alone(session):
    contact, other = f.person(session), f.person(session)
    invite = tokens.issue(session, contact.id, TokenPurpose.INVITE)
    other_reset = tokens.issue(session, other.id, TokenPurpose.RESET)
    tokens.issue(session, contact.id, TokenPurpose.RESET)
    assert tokens.peek(session, invite, TokenPurpose.INVITE) is not None
    assert tokens.peek(session, other_reset, TokenPurpose.RESET) is not None


def test_login_nonces_do_not_cancel_each_other(session):
    contact = f.person(session)
    first = tokens.issue(session, contact.id, TokenPurpose.LOGIN)
    second = tokens.issue(session, contact.id, TokenPurpose.LOGIN)
    assert tokens.consume(session, first, TokenPurpose.LOGIN) is not None
    assert tokens.consume(session, second, TokenPurpose.LOGIN) is not None


def test_wrong_purpose_finds_nothing(session):
    contact = f.person(session)
    raw = tokens.issue(session, contact.id, TokenPurpose.LOGIN)
    assert tokens.peek(session, raw, TokenPurpose.RESET) is None
    assert tokens.consume(session, raw, TokenPurpose.INVITE) is None
    assert tokens.consume(session, raw, TokenPurpose.LOGIN) is not None


@pytest.mark.parametrize("raw", ["", None, "x" * 10_000, "not-a-token"])
def test_garbage_finds_nothing(session, raw):
    f.person(session)
    assert tokens.peek(session, raw, TokenPurpose.INVITE) is None
    assert tokens.consume(session, raw, TokenPurpose.INVITE) is None


@pytest.mark.parametrize(
    "change",
    [
        {"login_active": False},
        {"deactivated_at": clock.now()},
    ],
)
def test_contact_that_may_not_sign_in_gets_nothing(session, change):
    contact = f.person(session)
    raw = tokens.issue(session, contact.id, TokenPurpose.RESET)
    for key, value in change.items():
        setattr(contact, key, value)
    session.add(contact)
    session.flush()
    assert tokens.peek(session, raw, TokenPurpose.RESET) is None
    assert tokens.consume(session, raw, TokenPurpose.RESET) is None


def test_inactive_customer_gets_nothing(session):
    contact = f.person(session)
    raw = tokens.issue(session, contact.id, TokenPurpose.RESET)
    customer = session.get(Customer, contact.customer_id)
    customer.is_active = False
    session.add(customer)
    session.flush()
    assert tokens.peek(session, raw, TokenPurpose.RESET) is None


def test_void_stops_every_outstanding_token(session):
    contact = f.person(session)
    raws = {p: tokens.issue(session, contact.id, p) for p in TokenPurpose}
    assert tokens.void(session, contact.id) == len(TokenPurpose)
    assert all(tokens.peek(session, raw, p) is None for p, raw in raws.items())


def test_racing_submits_on_two_connections_only_one_wins(engine):
    """Two requests in their own transactions: the second waits for the first's lock and then
    finds the token used. A read-then-write check would let both through."""
    with Session(engine) as setup:
        contact = f.person(setup)
        raw = tokens.issue(setup, contact.id, TokenPurpose.INVITE)
        setup.commit()
        ids = (contact.id, contact.customer_id)
    try:
        with Session(engine) as first, Session(engine) as second:
            winner = tokens.consume(first, raw, TokenPurpose.INVITE)
            winner_id = winner.id if winner else None
            result = {}
            racer = threading.Thread(
                target=lambda: result.update(b=tokens.consume(second, raw, TokenPurpose.INVITE))
            )
            racer.start()
            time.sleep(0.5)
            assert racer.is_alive(), "the second submit should be waiting for the first's lock"
            first.commit()
            racer.join(20)
            second.commit()
        assert winner_id == ids[0]
        assert result == {"b": None}
    finally:
        with Session(engine) as cleanup:
            cleanup.exec(delete(OneTimeToken).where(OneTimeToken.contact_id == ids[0]))
            cleanup.exec(delete(Contact).where(Contact.id == ids[0]))
            cleanup.exec(delete(Customer).where(Customer.id == ids[1]))
            cleanup.commit()
