"""Stripe's webhook: how a charge that finished after the customer's request ended gets recorded.

The signature is checked before anything is read (a forged "succeeded" event would otherwise mark
invoices paid), with a five-minute tolerance so a captured delivery cannot be replayed later. Stripe
delivers at least once, so the event id is recorded first, in the same transaction as the change: a
second delivery finds the id and does nothing, and a delivery that fails rolls back both and is
retried by Stripe. What the event does to payments and invoices is
:mod:`portal.services.billing.reconciliation`.
"""

from __future__ import annotations

import json
from typing import Any

import stripe
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from portal import config
from portal.db import unit_of_work
from portal.models.messaging import WebhookEvent
from portal.services.billing import reconciliation
from portal.services.billing.stripe_gateway import STRIPE

TOLERANCE_SECONDS = 300
MAX_BODY = 256 * 1024


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
    """Record one verified delivery once; the answer is for Stripe's dashboard, not for a customer."""
    with unit_of_work() as session:
        try:
            with session.begin_nested():
                session.add(WebhookEvent(gateway=STRIPE, event_id=event["id"][:100]))
                session.flush()
        except IntegrityError:
            return "duplicate"
        return reconciliation.apply_event(session, event)


routes = [Route("/webhooks/stripe", stripe_webhook, methods=["POST"])]
