"""Stripe's webhook: how a charge that finished after the customer's request ended gets recorded.

A payment whose bank asked the customer to confirm it, or whose row was still PENDING when the
request ended, only learns its outcome here. The signature is checked before anything is read (a
forged "succeeded" event would otherwise mark invoices paid), with a five-minute tolerance so a
captured delivery cannot be replayed later. Stripe delivers at least once, so the event id is
recorded first, in the same transaction as the change: a second delivery finds the id and does
nothing, and a delivery that fails rolls back both and is retried by Stripe.

Only a PENDING payment is changed. A payment the request already settled or failed is left alone,
so the order in which the request and the webhook finish does not matter.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal import config
from portal.core import clock, tenant
from portal.db import unit_of_work
from portal.models import AuditEvent, InvoiceStatus, Payment, PaymentAllocation, PaymentStatus
from portal.models.messaging import WebhookEvent
from portal.services.billing import payments
from portal.services.billing.gateways import ChargeResult
from portal.services.billing.stripe_gateway import CARD_MESSAGES, NOT_COMPLETED, STRIPE

log = logging.getLogger(__name__)

TOLERANCE_SECONDS = 300
MAX_BODY = 256 * 1024
SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


def webhook_secret() -> str:
    return config.settings().stripe_webhook_secret


async def stripe_webhook(request: Request) -> Response:
    secret = webhook_secret()
    if not secret:
        return PlainTextResponse("Stripe webhooks are not configured.", status_code=503)
    payload = await request.body()
    if len(payload) > MAX_BODY:
        return PlainTextResponse("Too large.", status_code=413)
    try:
        stripe.Webhook.construct_event(
            payload, request.headers.get("stripe-signature", ""), secret, tolerance=TOLERANCE_SECONDS
        )
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError):
        return PlainTextResponse("Invalid signature.", status_code=400)
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"]:
        return PlainTextResponse("Not an event.", status_code=400)
    outcome = await run_in_threadpool(handle_event, event)
    return PlainTextResponse(outcome)


def handle_event(event: dict[str, Any]) -> str:
    """Record one verified delivery; the answer is for Stripe's dashboard, not for a customer."""
    with unit_of_work() as session:
        try:
            with session.begin_nested():
                session.add(WebhookEvent(gateway=STRIPE, event_id=event["id"][:100]))
                session.flush()
        except IntegrityError:
            return "duplicate"
        kind = event.get("type")
        intent = (event.get("data") or {}).get("object") or {}
        if kind not in (SUCCEEDED, FAILED) or not isinstance(intent, dict):
            return "ignored"
        payment = _payment_for(session, intent)
        if payment is None:
            log.warning("stripe event %s for unknown payment intent %s", event["id"], intent.get("id"))
            return "unknown payment"
        if payment.status != PaymentStatus.PENDING:
            if kind == SUCCEEDED and payment.status == PaymentStatus.FAILED:
                _review(
                    session,
                    payment,
                    "charge succeeded at Stripe but the payment was recorded as failed",
                    intent,
                )
            return "already recorded"
        if kind == FAILED:
            return _failed(session, payment, intent)
        return _succeeded(session, payment, intent)


def _payment_for(session: Session, intent: dict[str, Any]) -> Payment | None:
    """By the intent id, else by the attempt key the adapter put in the intent's metadata."""
    intent_id = str(intent.get("id") or "")
    query = select(Payment).where(Payment.gateway == STRIPE).with_for_update()
    if intent_id:
        found = session.exec(query.where(Payment.gateway_ref == intent_id[:100])).first()
        if found is not None:
            return found
    key = str((intent.get("metadata") or {}).get("attempt_key") or "")
    return session.exec(query.where(Payment.attempt_key == key)).first() if key else None


def _failed(session: Session, payment: Payment, intent: dict[str, Any]) -> str:
    error = intent.get("last_payment_error") or {}
    code = str(error.get("decline_code") or error.get("code") or "")
    reason = CARD_MESSAGES.get(code, NOT_COMPLETED)
    payments.fail(session, payment, reason, clock.now(), str(intent.get("id") or ""))
    payments.audit(session, "payment.failed", payment, {"reason": reason, "code": code, "via": "webhook"})
    return "failed"


def _succeeded(session: Session, payment: Payment, intent: dict[str, Any]) -> str:
    """Settle the invoices named in the intent's metadata, but only when the money matches them exactly."""
    intent_id = str(intent.get("id") or "")
    if (
        intent.get("amount") != payment.amount_cents
        or str(intent.get("currency", "")).lower() != payment.currency.lower()
    ):
        return _mark_only(session, payment, intent, "amount or currency differs from the payment")
    has_allocations = (
        session.exec(select(PaymentAllocation.id).where(PaymentAllocation.payment_id == payment.id)).first()
        is not None
    )
    invoice_ids = _invoice_ids(intent)
    if has_allocations or not invoice_ids:
        return _mark_only(session, payment, intent, "no invoices to apply the payment to")
    locked = payments.lock(session, invoice_ids)
    invoices = sorted(locked.values(), key=lambda inv: inv.number)
    payable = (
        len(invoices) == len(invoice_ids)
        and all(
            inv.customer_id == payment.customer_id and inv.status == InvoiceStatus.UNPAID for inv in invoices
        )
        and sum(inv.balance_cents for inv in invoices) == payment.amount_cents
    )
    if not payable:
        return _mark_only(session, payment, intent, "the invoices no longer match the payment")
    today = tenant.today(session)
    lines = payments.settle(session, payment, invoices, ChargeResult(True, intent_id), today, clock.now())
    payments.receipt_mail(session, payment, lines, payment.contact_id)
    return "settled"


def _invoice_ids(intent: dict[str, Any]) -> list[int]:
    raw = str((intent.get("metadata") or {}).get("invoice_ids") or "")
    try:
        ids = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        return []
    return ids if len(ids) <= payments.MAX_INVOICES else []


def _mark_only(session: Session, payment: Payment, intent: dict[str, Any], why: str) -> str:
    """Money was taken but cannot be applied safely: record the charge and leave the invoices to staff."""
    payment.status = PaymentStatus.SUCCEEDED
    payment.gateway_ref = str(intent.get("id") or "")[:100]
    payment.completed_at = clock.now()
    payments.assign_receipt(session, payment, tenant.today(session))
    _review(session, payment, why, intent)
    return "recorded for review"


def _review(session: Session, payment: Payment, why: str, intent: dict[str, Any]) -> None:
    log.warning("stripe payment %s needs review: %s", payment.id, why)
    session.add(
        AuditEvent(
            action="payment.needs_review",
            customer_id=payment.customer_id,
            contact_id=payment.contact_id,
            target_type="payment",
            target_id=payment.id,
            detail={"reason": why, "gateway_ref": str(intent.get("id") or "")},
        )
    )
    session.flush()


routes = [Route("/webhooks/stripe", stripe_webhook, methods=["POST"])]
