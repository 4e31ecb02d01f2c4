"""Stripe's webhook route against the test database, with events signed here the way Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from itertools import count

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal import config, db
from portal.api import webhooks
from portal.models import AuditEvent, Invoice, Payment, PaymentAllocation, PaymentStatus, Site
from portal.models.messaging import WebhookEvent
from tests.unit import factories as f

SECRET = "whsec_test_secret"
_numbers = count(1)


class _WithStripe:
    """The test settings plus the webhook secret the lead is adding to Settings."""

    stripe_webhook_secret = SECRET

    def __init__(self, base):
        self._base = base

    def __getattr__(self, name):
        return getattr(self._base, name)


@pytest.fixture
def client(committed, monkeypatch, fast_settings):
    engine = committed
    monkeypatch.setattr(db, "engine", lambda: engine)
    monkeypatch.setattr(config, "settings", lambda: _WithStripe(fast_settings))
    return TestClient(Starlette(routes=webhooks.routes), base_url="http://portal.test")


def _pending(engine, total: int = 25_000) -> dict:
    """A committed PENDING Stripe payment for one unpaid invoice, as the pay flow leaves it after 3-D
    Secure."""
    with Session(engine, expire_on_commit=False) as s:
        owner = f.customer(s)
        inv = f.invoice(s, f.site(s, owner), total)
        ref = f"pi_test_{secrets.token_hex(8)}"
        pay = Payment(
            customer_id=owner.id,
            attempt_key=f"wh-{secrets.token_hex(10)}",
            amount_cents=total,
            currency="AUD",
            gateway="stripe",
            gateway_ref=ref,
        )
        s.add(pay)
        s.commit()
        return {"payment": pay.id, "invoice": inv.id, "ref": ref, "amount": total}


def _event(world: dict, kind: str = "payment_intent.succeeded", **intent) -> tuple[str, str]:
    event_id = f"evt_test_{next(_numbers)}_{secrets.token_hex(6)}"
    obj = {
        "id": world["ref"],
        "object": "payment_intent",
        "amount": world["amount"],
        "currency": "aud",
        "status": "succeeded",
        "metadata": {"invoice_ids": str(world["invoice"])},
        **intent,
    }
    return event_id, json.dumps({"id": event_id, "object": "event", "type": kind, "data": {"object": obj}})


def _signed(payload: str, at: int | None = None, secret: str = SECRET) -> dict:
    t = int(time.time()) if at is None else at
    v1 = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={t},v1={v1}", "Content-Type": "application/json"}


def _state(engine, world: dict) -> tuple[str, str, int, int]:
    with Session(engine) as s:
        pay = s.get(Payment, world["payment"])
        inv = s.get(Invoice, world["invoice"])
        allocations = len(
            s.exec(select(PaymentAllocation).where(PaymentAllocation.payment_id == pay.id)).all()
        )
        return pay.status, inv.status, inv.paid_cents, allocations


def _seen(engine, event_id: str) -> int:
    with Session(engine) as s:
        return len(s.exec(select(WebhookEvent).where(WebhookEvent.event_id == event_id)).all())


def test_a_signed_success_settles_the_pending_payment(client, engine):
    world = _pending(engine)
    event_id, payload = _event(world)
    resp = client.post("/webhooks/stripe", content=payload, headers=_signed(payload))
    assert resp.status_code == 200 and resp.text == "settled"
    assert _state(engine, world) == (PaymentStatus.SUCCEEDED, "paid", world["amount"], 1)
    with Session(engine) as s:
        assert s.get(Payment, world["payment"]).receipt_number.startswith("R-")
    assert _seen(engine, event_id) == 1


def test_a_settled_last_invoice_moves_its_job_to_archive(client, engine):
    from portal.models import Job, JobStage

    world = _pending(engine)
    with Session(engine) as s:
        inv = s.get(Invoice, world["invoice"])
        job = f.job_with(s, s.get(Site, inv.site_id), stage=JobStage.INVOICED)
        inv.job_id = job.id
        s.add(inv)
        s.commit()
        job_id = job.id
    event_id, payload = _event(world)
    assert client.post("/webhooks/stripe", content=payload, headers=_signed(payload)).text == "settled"
    with Session(engine) as s:
        assert s.get(Job, job_id).stage == JobStage.ARCHIVE


def test_a_bad_signature_is_refused_and_changes_nothing(client, engine):
    world = _pending(engine)
    event_id, payload = _event(world)
    for headers in (
        _signed(payload, secret="whsec_someone_else"),
        {"Content-Type": "application/json"},
        _signed(payload.replace("succeeded", "succeeded ")),
    ):
        resp = client.post("/webhooks/stripe", content=payload, headers=headers)
        assert resp.status_code == 400
    assert _state(engine, world) == (PaymentStatus.PENDING, "unpaid", 0, 0)
    assert _seen(engine, event_id) == 0


def test_an_event_older_than_five_minutes_is_refused(client, engine):
    world = _pending(engine)
    event_id, payload = _event(world)
    resp = client.post(
        "/webhooks/stripe", content=payload, headers=_signed(payload, at=int(time.time()) - 301)
    )
    assert resp.status_code == 400
    assert _state(engine, world) == (PaymentStatus.PENDING, "unpaid", 0, 0)
    assert _seen(engine, event_id) == 0


def test_the_same_event_twice_changes_things_once(client, engine):
    world = _pending(engine)
    event_id, payload = _event(world)
    first = client.post("/webhooks/stripe", content=payload, headers=_signed(payload))
    with Session(engine) as s:
        receipt = s.get(Payment, world["payment"]).receipt_number
        audits = len(
            s.exec(
                select(AuditEvent).where(
                    AuditEvent.target_id == world["payment"], AuditEvent.target_type == "payment"
                )
            ).all()
        )
    second = client.post("/webhooks/stripe", content=payload, headers=_signed(payload))
    assert (first.text, second.status_code, second.text) == ("settled", 200, "duplicate")
    assert _state(engine, world) == (PaymentStatus.SUCCEEDED, "paid", world["amount"], 1)
    assert _seen(engine, event_id) == 1
    with Session(engine) as s:
        assert s.get(Payment, world["payment"]).receipt_number == receipt
        assert (
            len(
                s.exec(
                    select(AuditEvent).where(
                        AuditEvent.target_id == world["payment"], AuditEvent.target_type == "payment"
                    )
                ).all()
            )
            == audits
        )


def test_a_failed_intent_marks_the_payment_failed_and_leaves_the_invoice(client, engine):
    world = _pending(engine)
    _, payload = _event(
        world,
        "payment_intent.payment_failed",
        status="requires_payment_method",
        last_payment_error={"code": "card_declined", "decline_code": "insufficient_funds"},
    )
    resp = client.post("/webhooks/stripe", content=payload, headers=_signed(payload))
    assert resp.status_code == 200 and resp.text == "failed"
    assert _state(engine, world) == (PaymentStatus.FAILED, "unpaid", 0, 0)
    with Session(engine) as s:
        assert s.get(Payment, world["payment"]).failure_reason == "Your card has insufficient funds."


def test_a_success_for_a_different_amount_is_recorded_but_not_applied(client, engine):
    world = _pending(engine)
    _, payload = _event(world, amount=world["amount"] - 1)
    resp = client.post("/webhooks/stripe", content=payload, headers=_signed(payload))
    assert resp.text == "recorded for review"
    assert _state(engine, world) == (PaymentStatus.SUCCEEDED, "unpaid", 0, 0)


def test_a_payment_already_recorded_is_left_alone(client, engine):
    world = _pending(engine)
    _, failed = _event(world, "payment_intent.payment_failed", last_payment_error={"code": "card_declined"})
    client.post("/webhooks/stripe", content=failed, headers=_signed(failed))
    _, late = _event(world)
    resp = client.post("/webhooks/stripe", content=late, headers=_signed(late))
    assert resp.status_code == 200 and resp.text == "already recorded"
    assert _state(engine, world) == (PaymentStatus.FAILED, "unpaid", 0, 0)
