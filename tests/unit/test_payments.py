"""Paying invoices, the automatic payment run, the saved card: money right once, cards never kept."""

from __future__ import annotations

import inspect
import logging
import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import JSON, String, Text, column, delete, table, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select as sa_select
from sqlmodel import Session, func, select

from portal.core.months import add_months
from portal.core.principal import AccessDenied
from portal.models import (
    AuditEvent,
    AutopayRun,
    Contact,
    Customer,
    IntegrationEvent,
    Invoice,
    Job,
    OutboxMail,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    SavedCard,
    Site,
)
from portal.services.billing import autopay, cards, charges, saved_cards
from portal.services.billing.cards import CardInput
from portal.services.billing.gateways import SandboxGateway
from portal.services.identity import principals
from tests.frozen import TODAY
from tests.unit import factories as f

GOOD = "4242 4242 4242 4242"
DECLINE = "4000000000000002"


class SpyGateway:
    """The sandbox, counting every charge so a test can say "nothing was charged"."""

    name = "sandbox"

    def __init__(self):
        self.inner = SandboxGateway()
        self.calls: list[tuple[int, str]] = []
        self._lock = threading.Lock()

    def charge(self, amount_cents, currency, card, idempotency_key, description):
        with self._lock:
            self.calls.append((amount_cents, idempotency_key))
        return self.inner.charge(amount_cents, currency, card, idempotency_key, description)

    def charge_saved(self, amount_cents, currency, token, idempotency_key, description):
        with self._lock:
            self.calls.append((amount_cents, idempotency_key))
        return self.inner.charge_saved(amount_cents, currency, token, idempotency_key, description)

    def save_card(self, card):
        return self.inner.save_card(card)


def card(number: str = GOOD, cvv: str = "123") -> CardInput:
    return CardInput(name="Pat Lee", number=number, exp_month=12, exp_year=TODAY.year + 3, cvv=cvv)


_keys = iter(range(10**6))


def key() -> str:
    return f"attempt-{next(_keys):08d}-abcdef"


@pytest.fixture
def world(session):
    owner = f.customer(session)
    where = f.site(session, owner)
    payer = f.contact(session, owner)
    accounts = f.contact(session, owner, email="accounts@acme.example")
    accounts.is_invoice_contact = True
    session.add(accounts)
    session.flush()
    scope = principals.scope_for(session, payer.id)
    return {"owner": owner, "site": where, "payer": payer, "scope": scope}


def pay(session, world, ids, gw, number=GOOD, attempt=None, cvv="123"):
    return charges.pay_invoices(session, world["scope"], ids, card(number, cvv), attempt or key(), gw, TODAY)


def count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


# Paying invoices.


def test_pay_one_invoice(session, world):
    inv = f.invoice(session, world["site"], 12_345)
    gw = SpyGateway()
    out = pay(session, world, [inv.id], gw)
    assert out.ok, out.message
    assert re.fullmatch(rf"R-{TODAY:%Y%m%d}-[A-Z0-9]{{6}}", out.receipt_number)
    assert out.amount_cents == 12_345 and out.invoices == [(inv.number, 12_345)]
    assert gw.calls == [(12_345, gw.calls[0][1])]
    session.refresh(inv)
    assert (inv.status, inv.paid_cents, inv.balance_cents, inv.paid_on) == ("paid", 12_345, 0, TODAY)
    payment = session.exec(select(Payment).where(Payment.receipt_number == out.receipt_number)).one()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.gateway_ref.startswith("ch_sandbox_")
    assert (payment.card_brand, payment.card_last4, payment.contact_id) == ("visa", "4242", world["payer"].id)
    assert count(session, PaymentAllocation, PaymentAllocation.payment_id == payment.id) == 1
    event = session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "payment.received")).one()
    assert event.payload["invoices"] == [{"number": inv.number, "amount_cents": 12_345}]
    assert count(session, AuditEvent, AuditEvent.action == "payment.received") == 1
    receipt = session.exec(select(OutboxMail).where(OutboxMail.kind == "payment_receipt")).one()
    assert receipt.to_address == "accounts@acme.example"
    assert out.receipt_number in receipt.body_text and "$123.45" in receipt.body_text
    assert str(inv.number) in receipt.body_text and "4242 4242" not in receipt.body_text


def test_pay_three_invoices_charges_the_sum_of_the_balances(session, world):
    invs = [
        f.invoice(session, world["site"], 10_000),
        f.invoice(session, world["site"], 5_050, paid=1_000),
        f.invoice(session, world["site"], 1),
    ]
    gw = SpyGateway()
    out = pay(session, world, [i.id for i in invs], gw)
    assert out.ok
    assert out.amount_cents == 10_000 + 4_050 + 1 == gw.calls[0][0]
    assert sorted(out.invoices) == sorted(
        [(invs[0].number, 10_000), (invs[1].number, 4_050), (invs[2].number, 1)]
    )
    for inv in invs:
        session.refresh(inv)
        assert inv.status == "paid" and inv.balance_cents == 0


def test_the_amount_cannot_come_from_the_client(session, world):
    assert not {"amount", "amount_cents", "total"} & set(inspect.signature(charges.pay_invoices).parameters)
    inv = f.invoice(session, world["site"], 20_000, paid=19_999)
    gw = SpyGateway()
    assert pay(session, world, [inv.id, str(inv.id)], gw).amount_cents == 1
    assert gw.calls[0][0] == 1


def test_the_receipt_goes_to_the_payer_when_there_is_no_invoice_contact(session):
    owner = f.customer(session)
    payer = f.contact(session, owner, email="payer@acme.example")
    world = {"scope": principals.scope_for(session, payer.id)}
    inv = f.invoice(session, f.site(session, owner), 500)
    assert pay(session, world, [inv.id], SpyGateway()).ok
    assert session.exec(select(OutboxMail.to_address).where(OutboxMail.kind == "payment_receipt")).all() == [
        "payer@acme.example"
    ]


@pytest.mark.parametrize("forged", ["other", "missing", "text", "huge", "negative"])
def test_an_invoice_outside_the_scope_is_refused_and_nothing_charged(session, world, forged):
    mine = f.invoice(session, world["site"], 1_000)
    other_site = f.site(session, f.customer(session, "Other Co"))
    theirs = f.invoice(session, other_site, 1_000)
    bad = {
        "other": theirs.id,
        "missing": theirs.id + 1000,
        "text": "1 or 1=1",
        "huge": 2**40,
        "negative": -1,
    }[forged]
    gw = SpyGateway()
    out = pay(session, world, [mine.id, bad], gw)
    assert not out.ok and out.field_errors == {"form": charges.NOT_AVAILABLE}
    assert gw.calls == [] and count(session, Payment) == 0
    session.refresh(mine)
    session.refresh(theirs)
    assert mine.paid_cents == 0 and theirs.paid_cents == 0


def test_a_site_limited_contact_cannot_pay_another_sites_invoice(session, world):
    other_site = f.site(session, world["owner"], "Warehouse")
    limited = f.contact(session, world["owner"], sites=[world["site"]])
    gw = SpyGateway()
    out = charges.pay_invoices(
        session,
        principals.scope_for(session, limited.id),
        [f.invoice(session, other_site, 700).id],
        card(),
        key(),
        gw,
        TODAY,
    )
    assert not out.ok and gw.calls == []


def test_without_the_invoices_page_paying_is_denied(session, world):
    clerk = f.contact(session, world["owner"], pages=["quotes"])
    inv = f.invoice(session, world["site"], 700)
    with pytest.raises(AccessDenied):
        charges.pay_invoices(
            session, principals.scope_for(session, clerk.id), [inv.id], card(), key(), SpyGateway(), TODAY
        )


def test_a_job_moves_to_archive_when_its_last_invoice_is_paid(session, world):
    from portal.models import JobStage
    from portal.services.work import jobs

    job = f.job_with(session, world["site"], stage=JobStage.INVOICED)
    deposit, balance = (f.invoice(session, world["site"], cents) for cents in (3_000, 7_000))
    for inv in (deposit, balance):
        inv.job_id = job.id
    other = f.job_with(session, world["site"], stage=JobStage.INVOICED)
    untouched = f.invoice(session, world["site"], 500)
    untouched.job_id = other.id
    session.add_all([deposit, balance, untouched])
    session.flush()
    assert pay(session, world, [deposit.id], SpyGateway()).ok
    assert session.get(Job, job.id).stage == JobStage.INVOICED, "one invoice is still owed"
    assert pay(session, world, [balance.id], SpyGateway()).ok
    assert (session.get(Job, job.id).stage, session.get(Job, job.id).status_text) == (
        JobStage.ARCHIVE,
        jobs.STATUS_TEXT[JobStage.ARCHIVE],
    )
    assert session.get(Job, other.id).stage == JobStage.INVOICED


def test_an_invoice_already_paid_is_refused(session, world):
    paid = f.invoice(session, world["site"], 1_000, paid=1_000)
    gw = SpyGateway()
    out = pay(session, world, [paid.id], gw)
    assert not out.ok and out.message == f"Invoice {paid.number} is already paid."
    assert gw.calls == [] and count(session, Payment) == 0


def test_an_empty_selection_and_a_bad_attempt_key_are_refused(session, world):
    inv = f.invoice(session, world["site"], 1_000)
    gw = SpyGateway()
    assert pay(session, world, [], gw).message == charges.NO_INVOICES
    for bad in ("short", "x" * 65, "has spaces in it!!", None):
        out = charges.pay_invoices(session, world["scope"], [inv.id], card(), bad, gw, TODAY)
        assert out.message == charges.BAD_ATTEMPT
    assert gw.calls == [] and count(session, Payment) == 0


def test_card_errors_are_field_errors_and_nothing_is_charged(session, world):
    inv = f.invoice(session, world["site"], 1_000)
    gw = SpyGateway()
    out = pay(session, world, [inv.id], gw, number="4242424242424241", cvv="12")
    assert not out.ok and set(out.field_errors) == {"number", "cvv"}
    assert gw.calls == [] and count(session, Payment) == 0


def test_the_same_attempt_key_twice_is_one_payment_and_one_charge(session, world):
    inv = f.invoice(session, world["site"], 4_200)
    gw = SpyGateway()
    attempt = key()
    first = pay(session, world, [inv.id], gw, attempt=attempt)
    again = pay(session, world, [inv.id], gw, attempt=attempt)
    assert first.ok and again.ok
    assert again.receipt_number == first.receipt_number and again.invoices == first.invoices
    assert len(gw.calls) == 1 and count(session, Payment) == 1
    session.refresh(inv)
    assert inv.paid_cents == 4_200


def test_an_attempt_key_of_another_customer_reveals_nothing(session, world):
    inv = f.invoice(session, world["site"], 4_200)
    attempt = key()
    assert pay(session, world, [inv.id], SpyGateway(), attempt=attempt).ok
    other = f.customer(session, "Other Co")
    stranger = f.contact(session, other)
    out = charges.pay_invoices(
        session,
        principals.scope_for(session, stranger.id),
        [f.invoice(session, f.site(session, other), 99).id],
        card(),
        attempt,
        SpyGateway(),
        TODAY,
    )
    assert not out.ok and out.receipt_number == "" and out.message == charges.BAD_ATTEMPT


def test_a_concurrent_unique_key_clash_returns_the_first_payment(session, world, monkeypatch):
    """The race a lookup cannot see: the row appears between the lookup and the insert."""
    inv = f.invoice(session, world["site"], 3_000)
    attempt = key()
    first = pay(session, world, [inv.id], SpyGateway(), attempt=attempt)
    second_inv = f.invoice(session, world["site"], 50)
    monkeypatch.setattr(
        charges,
        "_by_key",
        lambda s, k, calls=iter([None]): (
            next(calls, None) or s.exec(select(Payment).where(Payment.attempt_key == k)).first()
        ),
    )
    gw = SpyGateway()
    again = pay(session, world, [second_inv.id], gw, attempt=attempt)
    assert again.ok and again.receipt_number == first.receipt_number
    assert gw.calls == [] and count(session, Payment) == 1


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (DECLINE, "Your card was declined."),
        ("4000000000009995", "Your card has insufficient funds."),
        ("4000000000000069", "Your card has expired."),
        ("4000000000000127", "Your card's security code is incorrect."),
        ("5555555555554444", "Use a test card number in the sandbox."),
    ],
)
def test_a_decline_records_a_failed_payment_and_leaves_the_balance(session, world, number, reason):
    inv = f.invoice(session, world["site"], 8_000, paid=500)
    gw = SpyGateway()
    attempt = key()
    out = pay(session, world, [inv.id], gw, number=number, attempt=attempt)
    assert not out.ok and out.message == reason and out.receipt_number == ""
    session.refresh(inv)
    assert (inv.status, inv.paid_cents) == ("unpaid", 500)
    payment = session.exec(select(Payment)).one()
    assert (payment.status, payment.failure_reason, payment.receipt_number) == ("failed", reason, None)
    assert count(session, PaymentAllocation) == 0 and count(session, IntegrationEvent) == 0
    assert count(session, OutboxMail, OutboxMail.kind == "payment_receipt") == 0
    retried = pay(session, world, [inv.id], gw, number=number, attempt=attempt)
    assert retried.message == reason and len(gw.calls) == 1


def test_an_invoice_paid_while_waiting_for_the_lock_is_refused(session, world, monkeypatch):
    inv = f.invoice(session, world["site"], 6_000)
    real = charges._payable

    def paid_by_someone_else_meanwhile(s, scope, ids):
        found = real(s, scope, ids)
        s.execute(update(Invoice).where(Invoice.id == inv.id).values(paid_cents=6_000, status="paid"))
        return found

    monkeypatch.setattr(charges, "_payable", paid_by_someone_else_meanwhile)
    gw = SpyGateway()
    out = pay(session, world, [inv.id], gw)
    assert not out.ok and out.message == f"Invoice {inv.number} is already paid."
    assert gw.calls == []
    assert session.exec(select(Payment.status)).one() == PaymentStatus.FAILED


# Automatic payments.


def test_add_months_clamps_to_the_month_length():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)
    assert add_months(date(2026, 8, 15), 6) == date(2027, 2, 15)


def test_autopay_run_twice_charges_once_per_due_date(session, world):
    ri = f.recurring_invoice(session, world["site"], 11_000, frequency="quarterly")
    f.saved_card(session, world["owner"])
    due_on = ri.next_due_on
    gw = SpyGateway()
    first = autopay.autopay_run(session, gw, TODAY)
    second = autopay.autopay_run(session, gw, TODAY)
    ri.next_due_on = due_on  # a second worker that read the recurring invoice before the first advanced it
    session.add(ri)
    session.flush()
    third = autopay.autopay_run(session, gw, TODAY)
    assert (first.charged, second.due, third.skipped, third.charged) == (1, 0, 1, 0)
    assert gw.calls == [(11_000, f"autopay-{ri.id}-{due_on.isoformat()}")]
    run = session.exec(select(AutopayRun)).one()
    inv = session.get(Invoice, run.invoice_id)
    assert (run.status, inv.status, inv.total_cents, inv.recurring_invoice_id) == (
        "succeeded",
        "paid",
        11_000,
        ri.id,
    )
    payment = session.get(Payment, run.payment_id)
    assert payment.is_autopay and payment.status == "succeeded" and payment.receipt_number
    session.refresh(ri)
    assert ri.last_paid_on == TODAY
    assert session.exec(select(OutboxMail.to_address).where(OutboxMail.kind == "payment_receipt")).all() == [
        "accounts@acme.example"
    ]


def test_autopay_advances_by_the_frequency(session, world):
    ri = f.recurring_invoice(session, world["site"], frequency="monthly", next_due_on=date(2026, 1, 31))
    f.saved_card(session, world["owner"])
    autopay.autopay_run(session, SpyGateway(), date(2026, 2, 1))
    session.refresh(ri)
    assert ri.next_due_on == date(2026, 2, 28)


def test_a_failed_autopay_is_recorded_and_mailed(session, world):
    ri = f.recurring_invoice(session, world["site"], 9_900)
    f.saved_card(session, world["owner"], handle="tok_sandbox_decline_abc")
    due_on = ri.next_due_on
    summary = autopay.autopay_run(session, SpyGateway(), TODAY)
    assert (summary.failed, summary.charged) == (1, 0)
    run = session.exec(select(AutopayRun)).one()
    assert run.status == "failed" and run.error == "Your card was declined."
    inv = session.get(Invoice, run.invoice_id)
    assert inv.status == "unpaid" and inv.paid_cents == 0
    assert session.get(Payment, run.payment_id).status == "failed"
    mailed = session.exec(select(OutboxMail).where(OutboxMail.kind == "autopay_failed")).one()
    assert mailed.to_address == "accounts@acme.example" and "declined" in mailed.body_text
    session.refresh(ri)
    assert ri.next_due_on == add_months(due_on, 1) and ri.last_paid_on is None


def test_autopay_invoices_without_charging_when_there_is_no_current_card_or_it_is_off(session, world):
    """A customer without a card (or with automatic payment off) is still billed: the invoice is
    issued for them to pay and the run says why nothing was charged; one not yet due waits."""
    no_card = f.recurring_invoice(session, world["site"])
    later = f.recurring_invoice(session, world["site"], next_due_on=TODAY + timedelta(days=1))
    off = f.recurring_invoice(session, world["site"], autopay=False)
    old = f.saved_card(session, world["owner"])
    old.replaced_at = old.created_at
    session.add(old)
    session.flush()
    gw = SpyGateway()
    summary = autopay.autopay_run(session, gw, TODAY)
    assert (summary.due, summary.failed, summary.invoiced, summary.charged) == (2, 1, 1, 0) and gw.calls == []
    runs = {r.recurring_invoice_id: r for r in session.exec(select(AutopayRun)).all()}
    assert set(runs) == {no_card.id, off.id}
    assert (runs[no_card.id].status, runs[no_card.id].error) == ("failed", autopay.NO_CARD)
    assert (runs[off.id].status, runs[off.id].error) == ("pending", autopay.AUTOPAY_OFF)
    for run in runs.values():
        inv = session.get(Invoice, run.invoice_id)
        assert inv.status == "unpaid" and run.payment_id is None
    session.refresh(later)
    assert later.next_due_on == TODAY + timedelta(days=1)
    assert count(session, Payment) == 0
    mailed = session.exec(select(OutboxMail.to_address).where(OutboxMail.kind == "invoice_issued")).all()
    assert mailed == ["accounts@acme.example"] * 2  # each invoice, to pay by hand


# The saved card and cancelling autopay.


def test_change_card_replaces_the_old_one(session, world):
    old = f.saved_card(session, world["owner"], last4="1111")
    new = saved_cards.change_card(session, world["scope"], card(), SpyGateway(), TODAY)
    session.refresh(old)
    assert old.replaced_at is not None and new.replaced_at is None
    assert saved_cards.current_card(session, world["owner"].id).id == new.id
    assert (new.brand, new.last4, new.exp_year, new.name_on_card) == (
        "visa",
        "4242",
        TODAY.year + 3,
        "Pat Lee",
    )
    assert new.gateway_token.startswith("tok_sandbox_")


def test_change_card_refuses_bad_or_declined_cards_and_keeps_the_old_one(session, world):
    old = f.saved_card(session, world["owner"])
    with pytest.raises(saved_cards.CardError) as bad:
        saved_cards.change_card(session, world["scope"], card(cvv="1"), SpyGateway(), TODAY)
    assert set(bad.value.field_errors) == {"cvv"}
    with pytest.raises(saved_cards.CardError) as declined:
        saved_cards.change_card(session, world["scope"], card(DECLINE), SpyGateway(), TODAY)
    assert declined.value.field_errors == {"form": "Your card was declined."}
    session.refresh(old)
    assert old.replaced_at is None and count(session, SavedCard) == 1


def test_cancel_autopay_through_the_scope_only(session, world):
    mine = f.recurring_invoice(session, world["site"])
    other_site = f.site(session, f.customer(session, "Other Co"))
    theirs = f.recurring_invoice(session, other_site)
    warehouse = f.recurring_invoice(session, f.site(session, world["owner"], "Warehouse"))
    limited = principals.scope_for(session, f.contact(session, world["owner"], sites=[world["site"]]).id)
    assert autopay.cancel_autopay(session, world["scope"], theirs.id) is None
    assert autopay.cancel_autopay(session, limited, warehouse.id) is None
    assert autopay.cancel_autopay(session, world["scope"], "nope") is None
    done = autopay.cancel_autopay(session, world["scope"], mine.id)
    assert done.id == mine.id and done.autopay is False and done.autopay_cancelled_at is not None
    for row in (theirs, warehouse):
        session.refresh(row)
        assert row.autopay is True and row.autopay_cancelled_at is None
    assert count(session, AuditEvent, AuditEvent.action == "autopay.cancelled") == 1


# No card number anywhere.

CARD_LIKE = re.compile(r"(?<![0-9A-Za-z])\d[\d -]{11,24}\d(?![0-9A-Za-z])")


def card_numbers_in(text: str) -> list[str]:
    found = []
    for match in CARD_LIKE.finditer(text):
        digits = cards.digits_of(match.group())
        if 13 <= len(digits) <= 19 and cards.luhn_ok(digits):
            found.append(digits)
    return found


def test_the_scanner_finds_a_card_number():
    assert card_numbers_in('{"note": "4242 4242 4242 4242"}') == ["4242424242424242"]
    assert card_numbers_in("tok_sandbox_4242424242424242a R-20260101-ABC123") == []


def test_no_card_number_reaches_the_database_or_the_log(session, world, caplog):
    caplog.set_level(logging.DEBUG)
    gw = SpyGateway()
    invs = [f.invoice(session, world["site"], 1_000 + n) for n in range(3)]
    assert pay(session, world, [invs[0].id], gw).ok
    assert not pay(session, world, [invs[1].id], gw, number=DECLINE).ok
    assert not pay(session, world, [invs[2].id], gw, number="5555 5555 5555 4444").ok
    assert not pay(session, world, [invs[2].id], gw, number="4242424242424241").ok
    saved_cards.change_card(session, world["scope"], card(), gw, TODAY)
    saved_cards.change_card(session, world["scope"], card("4000000000000341"), gw, TODAY)
    f.recurring_invoice(session, world["site"])
    autopay.autopay_run(session, gw, TODAY)
    session.flush()

    leaks = []
    conn = session.connection()
    for table_name in sa_inspect(conn).get_table_names():
        texts = [
            c["name"]
            for c in sa_inspect(conn).get_columns(table_name)
            if isinstance(c["type"], (String, Text, JSON)) or "JSON" in str(c["type"]).upper()
        ]
        for name in texts:
            for value in conn.execute(sa_select(sa_column(table_name, name))).scalars():
                if value is not None:
                    leaks += [(table_name, name) for _ in card_numbers_in(str(value))]
    assert count(session, Payment) == 4 and count(session, SavedCard) == 2
    assert leaks == []
    assert card_numbers_in(caplog.text) == []


def sa_column(table_name: str, name: str):
    return table(table_name, column(name)).c[name]


# Concurrency: twenty payers, committed data, separate connections (PostgreSQL only).


@pytest.fixture
def committed_invoice(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers")
    with Session(engine, expire_on_commit=False) as s:
        owner = f.customer(s, "Race Co")
        where = f.site(s, owner)
        payer = f.contact(s, owner)
        inv = f.invoice(s, where, 25_000)
        s.commit()
    yield {"owner": owner, "payer": payer, "invoice": inv}
    with Session(engine) as s:
        payment_ids = sa_select(Payment.id).where(Payment.customer_id == owner.id)
        s.execute(delete(PaymentAllocation).where(PaymentAllocation.payment_id.in_(payment_ids)))
        s.execute(delete(AuditEvent).where(AuditEvent.customer_id == owner.id))
        s.execute(delete(IntegrationEvent).where(IntegrationEvent.customer_id == owner.id))
        s.execute(delete(OutboxMail).where(OutboxMail.to_address == payer.email))
        s.execute(delete(Payment).where(Payment.customer_id == owner.id))
        s.execute(delete(Invoice).where(Invoice.customer_id == owner.id))
        s.execute(delete(Contact).where(Contact.customer_id == owner.id))
        s.execute(delete(Site).where(Site.customer_id == owner.id))
        s.execute(delete(Customer).where(Customer.id == owner.id))
        s.commit()


def test_twenty_simultaneous_payments_of_one_invoice_make_one_payment(engine, committed_invoice):
    gw = SpyGateway()
    inv_id = committed_invoice["invoice"].id
    start = threading.Barrier(20)
    outcomes, errors = [], []

    def attempt(n: int) -> None:
        try:
            with Session(engine, expire_on_commit=False) as s:
                scope = principals.scope_for(s, committed_invoice["payer"].id)
                start.wait()
                out = charges.pay_invoices(
                    s, scope, [inv_id], card(), f"race-{n:04d}-0123456789ab", gw, TODAY
                )
                s.commit()
                outcomes.append(out)
        except Exception as exc:  # collected: a thread's exception would otherwise vanish
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(o.ok for o in outcomes) == 1 and len(gw.calls) == 1
    with Session(engine) as s:
        inv = s.get(Invoice, inv_id)
        assert (inv.paid_cents, inv.status) == (25_000, "paid")
        owner_id = committed_invoice["owner"].id
        statuses = s.exec(select(Payment.status).where(Payment.customer_id == owner_id)).all()
        assert statuses.count(PaymentStatus.SUCCEEDED) == 1
        assert (
            s.exec(
                select(func.count())
                .select_from(PaymentAllocation)
                .where(PaymentAllocation.invoice_id == inv_id)
            ).one()
            == 1
        )


def test_automatic_payments_lists_only_autopay_rows_in_the_scope(session):
    from portal.services.billing.autopay import automatic_payments, cancel_autopay

    owner = f.customer(session, "Autopay Owner")
    here, there = f.site(session, owner, "Here"), f.site(session, owner, "There")
    mine = f.recurring_invoice(session, here, autopay=True)
    f.recurring_invoice(session, here, autopay=False)
    hidden = f.recurring_invoice(session, there, autopay=True)
    full = principals.scope_for(session, f.contact(session, owner).id)
    limited = principals.scope_for(session, f.contact(session, owner, sites=[here]).id)
    assert {r.id for r in automatic_payments(session, full)} == {mine.id, hidden.id}
    assert [r.id for r in automatic_payments(session, limited)] == [mine.id]
    assert cancel_autopay(session, limited, hidden.id) is None
    cancel_autopay(session, full, mine.id)
    assert [r.id for r in automatic_payments(session, full)] == [hidden.id]


def test_a_gateway_that_refuses_card_numbers_fails_the_payment_cleanly(session, world):
    from portal.services.billing.gateways import GatewayError

    class FormOnlyGateway(SandboxGateway):
        def charge(self, *args, **kwargs):
            raise GatewayError("Card details must be collected by the processor's own form.")

    inv = f.invoice(session, world["site"], 5_000)
    out = pay(session, world, [inv.id], FormOnlyGateway())
    assert not out.ok and "own form" in out.message
    session.refresh(inv)
    assert inv.status == "unpaid" and inv.paid_cents == 0
    assert session.exec(select(Payment).where(Payment.status == PaymentStatus.FAILED)).all()


def test_the_stripe_setting_builds_the_stripe_adapter(fast_settings, monkeypatch):
    import dataclasses

    from portal import config
    from portal.services.billing.gateways import get_gateway
    from portal.services.billing.stripe_gateway import StripeGateway

    chosen = dataclasses.replace(fast_settings, payment_gateway="stripe", stripe_secret_key="sk_test_x")
    monkeypatch.setattr(config, "settings", lambda: chosen)
    assert isinstance(get_gateway(), StripeGateway)


# Paying through the processor's hosted card form (Stripe): the portal holds only a PaymentMethod id.


@pytest.fixture
def stripe_gw():
    from portal.services.billing.stripe_gateway import StripeGateway
    from tests.stripe_standin import stripe_standin

    with stripe_standin() as (base, seen):
        yield StripeGateway("sk_test_fake", api_base=base, max_network_retries=0), seen


def pay_hosted(session, world, ids, gw, pm="pm_card_visa", attempt=None):
    return charges.pay_invoices_hosted(session, world["scope"], ids, pm, attempt or key(), gw, TODAY)


def test_hosted_payment_charges_the_server_side_amount_and_keeps_stripes_card_facts(
    session, world, stripe_gw
):
    gw, seen = stripe_gw
    invs = [f.invoice(session, world["site"], 10_000), f.invoice(session, world["site"], 2_500, paid=500)]
    attempt = key()
    out = pay_hosted(session, world, [i.id for i in invs], gw, attempt=attempt)
    assert out.ok, out.message
    assert out.amount_cents == 12_000
    intent = next(r for r in seen if r["path"] == "/v1/payment_intents")
    assert intent["form"]["amount"] == ["12000"] and intent["headers"]["Idempotency-Key"] == attempt
    payment = session.exec(select(Payment).where(Payment.attempt_key == attempt)).one()
    assert (payment.gateway, payment.gateway_ref, payment.card_brand, payment.card_last4) == (
        "stripe",
        "pi_pm_card_visa",
        "visa",
        "4242",
    )
    assert (payment.card_exp_month, payment.card_exp_year) == (12, 2031)
    for inv in invs:
        session.refresh(inv)
        assert inv.status == "paid"
    # The same attempt again (a double click): the first outcome, no second charge.
    again = pay_hosted(session, world, [i.id for i in invs], gw, attempt=attempt)
    assert again.ok and again.receipt_number == out.receipt_number
    assert sum(1 for r in seen if r["path"] == "/v1/payment_intents") == 1


@pytest.mark.parametrize(
    ("pm", "message"),
    [
        ("pm_card_chargeDeclined", "Your card was declined."),
        ("pm_card_chargeDeclinedInsufficientFunds", "Your card has insufficient funds."),
        ("pm_card_threeDSecure2Required", "Your bank needs you to confirm this payment."),
    ],
)
def test_hosted_decline_records_nothing_paid(session, world, stripe_gw, pm, message):
    gw, _ = stripe_gw
    inv = f.invoice(session, world["site"], 4_000)
    out = pay_hosted(session, world, [inv.id], gw, pm=pm)
    assert not out.ok and out.message == message
    session.refresh(inv)
    assert (inv.status, inv.paid_cents) == ("unpaid", 0)
    assert count(session, PaymentAllocation) == 0


@pytest.mark.parametrize("pm", ["", "4242424242424242", "pm_", "pm_x'; drop", None, 42])
def test_hosted_payment_refuses_anything_but_a_payment_method_id_without_calling_stripe(
    session, world, stripe_gw, pm
):
    gw, seen = stripe_gw
    inv = f.invoice(session, world["site"], 4_000)
    out = pay_hosted(session, world, [inv.id], gw, pm=pm)
    assert not out.ok and out.message == cards.HOSTED_CARD_MISSING
    assert seen == [] and count(session, Payment) == 0


def test_hosted_payment_with_an_unknown_payment_method_or_the_sandbox_is_refused(session, world, stripe_gw):
    gw, _ = stripe_gw
    inv = f.invoice(session, world["site"], 4_000)
    unknown = pay_hosted(session, world, [inv.id], gw, pm="pm_nobody_knows")
    assert not unknown.ok and count(session, Payment) == 0
    sandbox = pay_hosted(session, world, [inv.id], SpyGateway())
    assert not sandbox.ok and sandbox.message == cards.HOSTED_NOT_AVAILABLE


def test_hosted_payment_of_another_customers_invoice_is_refused(session, world, stripe_gw):
    gw, seen = stripe_gw
    other = f.customer(session, "Other Pty Ltd")
    theirs = f.invoice(session, f.site(session, other), 9_999)
    out = pay_hosted(session, world, [theirs.id], gw)
    assert not out.ok and out.message == charges.NOT_AVAILABLE
    assert not any(r["path"] == "/v1/payment_intents" for r in seen)


def test_change_card_through_the_hosted_form_joins_the_same_stripe_customer(session, world, stripe_gw):
    gw, seen = stripe_gw
    first = saved_cards.change_card_hosted(session, world["scope"], "Pat Lee", "pm_card_visa", gw)
    assert (first.gateway, first.brand, first.last4, first.name_on_card) == (
        "stripe",
        "visa",
        "4242",
        "Pat Lee",
    )
    customer = first.gateway_token.partition(":")[0]
    assert customer.startswith("cus_") and [r["path"] for r in seen].count("/v1/customers") == 1
    second = saved_cards.change_card_hosted(session, world["scope"], "Pat Lee", "pm_card_chargeDeclined", gw)
    assert second.gateway_token == f"{customer}:pm_card_chargeDeclined"
    attach = [r for r in seen if r["path"].endswith("/attach")][-1]
    assert attach["form"]["customer"] == [customer] and [r["path"] for r in seen].count("/v1/customers") == 1
    session.refresh(first)
    assert (
        first.replaced_at is not None and saved_cards.current_card(session, world["owner"].id).id == second.id
    )


@pytest.mark.parametrize(
    ("name", "pm", "field"),
    [
        ("", "pm_card_visa", "name"),
        ("Pat Lee", "4242424242424242", "form"),
        ("Pat Lee", "", "form"),
    ],
)
def test_change_card_hosted_refuses_bad_input_without_calling_stripe(
    session, world, stripe_gw, name, pm, field
):
    gw, seen = stripe_gw
    with pytest.raises(saved_cards.CardError) as refused:
        saved_cards.change_card_hosted(session, world["scope"], name, pm, gw)
    assert field in refused.value.field_errors and seen == []
    assert saved_cards.current_card(session, world["owner"].id) is None


def test_change_card_hosted_needs_a_hosted_gateway(session, world):
    with pytest.raises(saved_cards.CardError) as refused:
        saved_cards.change_card_hosted(session, world["scope"], "Pat Lee", "pm_card_visa", SpyGateway())
    assert refused.value.field_errors == {"form": cards.HOSTED_NOT_AVAILABLE}
