"""Writes that meet: an office signing in at the same moment, two tabs paying one invoice.

These run the screens' own transaction code (``portal.state.identity.login._login``,
``portal.state.billing.payment._pay``) from threads on separate connections with committed data, on
SQLite (the default) and, when ``PORTAL_TEST_DATABASE_URL`` is set, on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from sqlmodel import Session, select

from portal import db
from portal.models import Customer, Invoice, LoginAttempt, Payment, PaymentStatus
from portal.services.billing import charges
from portal.services.identity import auth, principals
from portal.state.billing import payment as payment_state
from portal.state.identity import login as login_state
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.test_payments import SpyGateway, card

PASSWORD = "Office-Monday-2026"


@pytest.fixture
def shared_db(committed, monkeypatch):
    """The screens' unit_of_work on the test database, so threads commit for real."""
    monkeypatch.setattr(db, "engine", lambda: committed)
    return committed


def together(count: int, work: Callable[[int], object]) -> tuple[list[object], list[BaseException]]:
    """Run ``work(n)`` in ``count`` threads released at the same moment; results and exceptions."""
    start = threading.Barrier(count)
    results: list[object] = []
    errors: list[BaseException] = []

    def run(n: int) -> None:
        start.wait()
        try:
            results.append(work(n))
        except BaseException as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


def _office(engine, people: int) -> list[str]:
    with Session(engine, expire_on_commit=False) as s:
        owner = f.customer(s, "Monday Morning Pty Ltd")
        names = []
        for n in range(people):
            contact = f.contact(s, owner, email=f"staff{n}@monday.example")
            raw = auth.send_invite(s, contact.id)
            auth.accept_invite(s, raw, f"staff{n}@monday.example", PASSWORD, PASSWORD)
            names.append(f"staff{n}@monday.example")
        s.commit()
    return names


@pytest.mark.parametrize("people", [10, 20])
def test_an_office_signing_in_at_the_same_moment_all_get_in(shared_db, people):
    names = _office(shared_db, people)
    # One address for all of them: an office behind one router.
    nonces, errors = together(people, lambda n: login_state._login(names[n], PASSWORD, "203.0.113.9"))
    assert errors == []
    assert len(nonces) == people and all(isinstance(x, str) and len(x) > 20 for x in nonces)
    with Session(shared_db) as s:
        ok = s.exec(select(LoginAttempt).where(LoginAttempt.username.in_(names))).all()
        assert sorted(a.username for a in ok if a.succeeded) == sorted(names)


def test_a_wrong_password_among_them_is_still_refused_and_remembered(shared_db):
    names = _office(shared_db, 4)

    def attempt(n: int) -> str:
        try:
            return login_state._login(names[n], PASSWORD if n else "Wrong-Password-9", "203.0.113.9")
        except auth.AuthError as exc:
            return exc.field_errors["form"]

    answers, errors = together(4, attempt)
    assert errors == []
    assert answers.count(auth.LOGIN_FAILED) == 1
    with Session(shared_db) as s:
        failed = s.exec(select(LoginAttempt).where(LoginAttempt.username == names[0])).one()
        assert not failed.succeeded


def _invoice(engine, cents: int = 25_000):
    with Session(engine, expire_on_commit=False) as s:
        owner = f.customer(s, "Two Tabs Pty Ltd")
        where = f.site(s, owner)
        payer = f.contact(s, owner)
        inv = f.invoice(s, where, cents)
        s.commit()
        scope = principals.scope_for(s, payer.id)
    return scope, inv


@pytest.mark.parametrize("tabs", [2, 20])
def test_tabs_paying_one_invoice_make_one_payment_and_the_others_are_told_its_receipt(
    shared_db, monkeypatch, tabs
):
    gateway = SpyGateway()
    monkeypatch.setattr(payment_state, "get_gateway", lambda: gateway)
    scope, inv = _invoice(shared_db)
    outcomes, errors = together(
        tabs, lambda n: payment_state._pay(scope, [inv.id], card(), f"tab-{n:04d}-0123456789abcdef")
    )
    assert errors == []
    paid = [o for o in outcomes if o.ok]
    assert len(paid) == 1 and len(gateway.calls) == 1, "one payment, one charge"
    receipt = paid[0].receipt_number
    told = {o.message for o in outcomes if not o.ok}
    assert told == {f"Invoice {inv.number} has just been paid, receipt {receipt}."}
    with Session(shared_db) as s:
        row = s.get(Invoice, inv.id)
        assert (row.paid_cents, row.status) == (25_000, "paid")
        statuses = s.exec(select(Payment.status).where(Payment.customer_id == scope.customer_id)).all()
        assert statuses.count(PaymentStatus.SUCCEEDED) == 1


def test_a_payment_long_ago_is_named_without_just(session):
    from datetime import timedelta

    from portal.core import clock

    owner = f.customer(session)
    where = f.site(session, owner)
    scope = principals.scope_for(session, f.contact(session, owner).id)
    inv = f.invoice(session, where, 1_000)
    first = charges.pay_invoices(
        session, scope, [inv.id], card(), "first-attempt-0123456789", SpyGateway(), TODAY
    )
    later = clock.now() + charges.JUST_NOW + timedelta(minutes=1)
    assert charges.paid_answer(session, session.get(Invoice, inv.id), later) == (
        f"Invoice {inv.number} is already paid, receipt {first.receipt_number}."
    )


def test_a_read_only_unit_of_work_refuses_to_write(shared_db):
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError), db.unit_of_work(read_only=True) as s:
        s.add(f.customer(s, "Never saved"))
    with db.unit_of_work(read_only=True) as s:
        assert s.exec(select(Customer).where(Customer.name == "Never saved")).all() == []


def test_an_unexpected_failure_answers_instead_of_spinning(monkeypatch):
    """What a tab gets when the payment's transaction fails outright: an answer, and no new key."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy.exc import OperationalError

    def locked(*_args):
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    attempt = payment_state._attempt(locked, None, [1], card(), "key")
    with ThreadPoolExecutor(1) as thread:  # its own loop: Playwright may be running one in this thread
        assert thread.submit(asyncio.run, attempt).result() is None
    assert "cannot be charged twice" in payment_state.TRY_AGAIN


def _streams(scope) -> dict[str, Iterator[str]]:
    """Every download that streams from an open unit of work, started as its route starts it."""
    from portal.api import advanced_reports, assets, exports, maintenance_reports
    from portal.core.lists import PageRequest
    from portal.models import PortalTier
    from portal.services.assets import defects
    from portal.services.work import quotes

    return {
        "quotes": exports._stream(quotes.QUOTES, scope, "outstanding", PageRequest()),
        "statement": exports._statement_stream(scope, TODAY.replace(day=1), TODAY),
        "assets": assets._stream(scope, next(iter(scope.site_ids or [0])), ""),
        "defects": maintenance_reports._stream(defects.defect_csv, scope, defects.AssetFilters()),
        "monthly": advanced_reports._stream(
            advanced_reports.CSVS["monthly"], replace(scope, tier=PortalTier.ADVANCED), "", ""
        ),
    }


@pytest.mark.parametrize("name", ["quotes", "statement", "assets", "defects", "monthly"])
def test_a_download_still_streaming_holds_no_write_lock(shared_db, name):
    """A download's transaction stays open while its rows go out; a writer must not wait for it.

    Reflex runs a screen's handler on the event loop, which also sends the download's next rows:
    a handler waiting for a lock the download holds stalled both for the whole busy timeout.
    """
    with Session(shared_db, expire_on_commit=False) as s:
        owner = f.customer(s, "Streaming Pty Ltd")
        where = f.site(s, owner)
        for _ in range(3):
            f.quote(s, where)
        contact = f.contact(s, owner, email="stream@example.com")
        s.commit()
        scope = principals.scope_for(s, contact.id)
    stream = _streams(scope)[name]
    try:
        assert next(stream)
        if shared_db.dialect.name == "sqlite":
            # A connection of its own, outside the pool, so its short wait is nobody else's.
            writer = sqlite3.connect(str(shared_db.url.database), timeout=0.2, isolation_level=None)
            try:
                writer.execute("BEGIN IMMEDIATE")
                writer.execute("ROLLBACK")
            finally:
                writer.close()
        else:
            with db.unit_of_work() as s:
                s.add(f.customer(s, "Written beside a download"))
    finally:
        stream.close()
