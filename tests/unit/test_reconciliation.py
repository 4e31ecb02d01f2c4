"""What a verified Stripe event does to payments and invoices, without the HTTP route in front of it."""

from __future__ import annotations

import secrets

import pytest
from sqlmodel import func, select

from portal.models import (
    AuditEvent,
    IntegrationEvent,
    OutboxMail,
    Payment,
    PaymentAllocation,
    PaymentStatus,
)
from portal.services.billing import reconciliation
from tests.unit import factories as f

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


@pytest.fixture
def pending(session):
    """A PENDING Stripe payment by a contact for one unpaid invoice, as 3-D Secure leaves it."""
    owner = f.customer(session)
    inv = f.invoice(session, f.site(session, owner), 25_000)
    payer = f.contact(session, owner)
    payment = Payment(
        customer_id=owner.id,
        contact_id=payer.id,
        attempt_key=f"rc-{secrets.token_hex(10)}",
        amount_cents=25_000,
        currency="AUD",
        gateway="stripe",
        gateway_ref=f"pi_test_{secrets.token_hex(8)}",
    )
    session.add(payment)
    session.flush()
    return {"payment": payment, "invoice": inv, "payer": payer}


def event(world: dict, kind: str = SUCCEEDED, **intent) -> dict:
    payment, inv = world["payment"], world["invoice"]
    obj = {
        "id": payment.gateway_ref,
        "object": "payment_intent",
        "amount": payment.amount_cents,
        "currency": "aud",
        "metadata": {"invoice_ids": str(inv.id), "attempt_key": payment.attempt_key},
        **intent,
    }
    return {"id": f"evt_{secrets.token_hex(6)}", "type": kind, "data": {"object": obj}}


def count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def recorded(session, world: dict) -> tuple:
    """Everything a settlement writes, to compare before and after a replay."""
    payment, inv = world["payment"], world["invoice"]
    session.refresh(payment)
    session.refresh(inv)
    return (
        payment.status,
        payment.receipt_number,
        inv.status,
        inv.paid_cents,
        count(session, PaymentAllocation, PaymentAllocation.payment_id == payment.id),
        count(session, IntegrationEvent, IntegrationEvent.kind == "payment.received"),
        count(session, AuditEvent, AuditEvent.target_type == "payment", AuditEvent.target_id == payment.id),
        count(session, OutboxMail, OutboxMail.kind == "payment_receipt"),
    )


def test_a_succeeded_event_settles_once_and_its_replay_does_nothing(session, pending):
    succeeded = event(pending)
    assert reconciliation.apply_event(session, succeeded) == "settled"
    after = recorded(session, pending)
    status, receipt, inv_status, paid, allocations, integration, audits, mails = after
    assert (status, inv_status, paid, allocations, integration, mails) == (
        PaymentStatus.SUCCEEDED,
        "paid",
        25_000,
        1,
        1,
        1,
    )
    assert receipt.startswith("R-") and audits == 1
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "payment.received")).one()
    assert (audit.customer_id, audit.contact_id) == (pending["payment"].customer_id, pending["payer"].id)

    assert reconciliation.apply_event(session, succeeded) == "already recorded"
    assert reconciliation.apply_event(session, {**succeeded, "id": "evt_other"}) == "already recorded"
    assert recorded(session, pending) == after


def test_a_payment_is_found_by_its_attempt_key_when_the_intent_id_is_not_recorded(session, pending):
    payment = pending["payment"]
    intent_id = payment.gateway_ref
    payment.gateway_ref = ""
    session.add(payment)
    session.flush()
    assert reconciliation.apply_event(session, event(pending, id=intent_id)) == "settled"
    session.refresh(payment)
    assert (payment.status, payment.gateway_ref) == (PaymentStatus.SUCCEEDED, intent_id)


def test_a_failed_event_fails_the_payment_and_leaves_the_invoice(session, pending):
    failed = event(
        pending, FAILED, last_payment_error={"code": "card_declined", "decline_code": "expired_card"}
    )
    assert reconciliation.apply_event(session, failed) == "failed"
    payment, inv = pending["payment"], pending["invoice"]
    session.refresh(payment)
    session.refresh(inv)
    assert (payment.status, payment.failure_reason, payment.receipt_number) == (
        PaymentStatus.FAILED,
        "Your card has expired.",
        None,
    )
    assert (inv.status, inv.paid_cents) == ("unpaid", 0)
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "payment.failed")).one()
    assert audit.detail == {"reason": "Your card has expired.", "code": "expired_card", "via": "webhook"}
    assert (audit.target_type, audit.target_id, audit.contact_id) == (
        "payment",
        payment.id,
        pending["payer"].id,
    )


def test_a_success_after_a_recorded_failure_is_left_for_review(session, pending):
    reconciliation.apply_event(session, event(pending, FAILED, last_payment_error={"code": "card_declined"}))
    assert reconciliation.apply_event(session, event(pending)) == "already recorded"
    payment, inv = pending["payment"], pending["invoice"]
    session.refresh(payment)
    session.refresh(inv)
    assert (payment.status, inv.status, inv.paid_cents) == (PaymentStatus.FAILED, "unpaid", 0)
    review = session.exec(select(AuditEvent).where(AuditEvent.action == "payment.needs_review")).one()
    assert (
        review.detail["gateway_ref"] == payment.gateway_ref
        and "recorded as failed" in review.detail["reason"]
    )


def test_an_automatic_payment_needing_review_names_the_customer_and_no_contact(session, pending):
    payment = pending["payment"]
    payment.contact_id = None
    payment.is_autopay = True
    session.add(payment)
    session.flush()
    assert reconciliation.apply_event(session, event(pending, amount=1)) == "recorded for review"
    review = session.exec(select(AuditEvent).where(AuditEvent.action == "payment.needs_review")).one()
    assert (review.customer_id, review.contact_id, review.target_id) == (
        payment.customer_id,
        None,
        payment.id,
    )
    assert "actor" not in review.detail


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 24_999},
        {"currency": "usd"},
        {"metadata": {"invoice_ids": ""}},
        {"metadata": {"invoice_ids": "not,numbers"}},
    ],
)
def test_money_that_does_not_match_the_invoices_is_recorded_but_not_applied(session, pending, change):
    assert reconciliation.apply_event(session, event(pending, **change)) == "recorded for review"
    payment, inv = pending["payment"], pending["invoice"]
    session.refresh(payment)
    session.refresh(inv)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.receipt_number.startswith("R-")
    assert (inv.status, inv.paid_cents) == ("unpaid", 0)
    assert count(session, PaymentAllocation) == 0
    assert count(session, AuditEvent, AuditEvent.action == "payment.needs_review") == 1


def test_another_customers_invoice_in_the_metadata_is_not_paid(session, pending):
    theirs = f.invoice(session, f.site(session, f.customer(session, "Other Co")), 25_000)
    out = reconciliation.apply_event(session, event(pending, metadata={"invoice_ids": str(theirs.id)}))
    assert out == "recorded for review"
    session.refresh(theirs)
    assert (theirs.status, theirs.paid_cents) == ("unpaid", 0)


def test_a_refund_or_other_event_is_ignored(session, pending):
    assert reconciliation.apply_event(session, event(pending)) == "settled"
    before = recorded(session, pending)
    for kind in ("charge.refunded", "payment_intent.canceled", "customer.created"):
        assert reconciliation.apply_event(session, event(pending, kind)) == "ignored"
    assert reconciliation.apply_event(
        session, {"id": "evt_x", "type": SUCCEEDED, "data": {"object": "x"}}
    ) == ("ignored")
    assert recorded(session, pending) == before


def test_an_event_for_an_unknown_payment_changes_nothing(session, pending):
    unknown = event(pending, id="pi_unknown", metadata={"attempt_key": "nobody", "invoice_ids": "1"})
    assert reconciliation.apply_event(session, unknown) == "unknown payment"
    payment, inv = pending["payment"], pending["invoice"]
    session.refresh(payment)
    session.refresh(inv)
    assert (payment.status, inv.status) == (PaymentStatus.PENDING, "unpaid")
