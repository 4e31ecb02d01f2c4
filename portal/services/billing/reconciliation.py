"""What a verified Stripe event does to payments and invoices.

A payment whose bank asked the customer to confirm it, or whose row was still PENDING when the
request ended, only learns its outcome here. The caller (the webhook route) has already checked the
signature and recorded the event id, in the same transaction, so a second delivery never gets here.

Only a PENDING payment is changed. A payment the request already settled or failed is left alone,
so the order in which the request and the webhook finish does not matter.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlmodel import Session, select

from portal.core import clock, tenant
from portal.models import InvoiceStatus, Payment, PaymentAllocation, PaymentStatus
from portal.services.billing import charges
from portal.services.billing.gateways import ChargeResult
from portal.services.billing.stripe_gateway import CARD_MESSAGES, NOT_COMPLETED, STRIPE

log = logging.getLogger(__name__)

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


def apply_event(session: Session, event: dict[str, Any]) -> str:
    """Apply one verified event; the answer is for Stripe's dashboard, not for a customer."""
    kind = event.get("type")
    intent = (event.get("data") or {}).get("object") or {}
    if kind not in (SUCCEEDED, FAILED) or not isinstance(intent, dict):
        return "ignored"
    payment = _payment_for(session, intent)
    if payment is None:
        log.warning("stripe event %s for unknown payment intent %s", event.get("id"), intent.get("id"))
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
    charges.fail(session, payment, reason, clock.now(), str(intent.get("id") or ""))
    charges.audit(session, "payment.failed", payment, {"reason": reason, "code": code, "via": "webhook"})
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
    locked = charges.lock(session, invoice_ids)
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
    lines = charges.settle(session, payment, invoices, ChargeResult(True, intent_id), today, clock.now())
    charges.receipt_mail(session, payment, lines, payment.contact_id)
    return "settled"


def _invoice_ids(intent: dict[str, Any]) -> list[int]:
    raw = str((intent.get("metadata") or {}).get("invoice_ids") or "")
    try:
        ids = sorted({int(part) for part in raw.split(",") if part.strip()})
    except ValueError:
        return []
    return ids if len(ids) <= charges.MAX_INVOICES else []


def _mark_only(session: Session, payment: Payment, intent: dict[str, Any], why: str) -> str:
    """Money was taken but cannot be applied safely: record the charge and leave the invoices to staff."""
    payment.status = PaymentStatus.SUCCEEDED
    payment.gateway_ref = str(intent.get("id") or "")[:100]
    payment.completed_at = clock.now()
    charges.assign_receipt(session, payment, tenant.today(session))
    _review(session, payment, why, intent)
    return "recorded for review"


def _review(session: Session, payment: Payment, why: str, intent: dict[str, Any]) -> None:
    log.warning("stripe payment %s needs review: %s", payment.id, why)
    charges.audit(
        session, "payment.needs_review", payment, {"reason": why, "gateway_ref": str(intent.get("id") or "")}
    )
