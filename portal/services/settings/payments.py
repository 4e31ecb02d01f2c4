"""Settings > Payments: which gateway takes cards and whether it is wired up, read-only.

Keys are configuration (``PORTAL_STRIPE_*``), never settings in the database, so the screen only
says whether each is present; of the publishable key (public by design) at most its last four
characters are shown, and nothing at all of a secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from portal import config
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import WebhookEvent


@dataclass(frozen=True)
class GatewayStatus:
    gateway: str  # "sandbox" or "stripe"
    secret_key_set: bool
    webhook_secret_set: bool
    publishable_key_end: str  # the last 4 characters, or ""
    webhook_last_received: datetime | None


def gateway_status(session: Session, staff: StaffMember) -> GatewayStatus:
    require_duty(staff, Duty.MANAGE_SETTINGS)
    settings = config.settings()
    publishable = settings.stripe_publishable_key or ""
    last = session.scalar(select(func.max(WebhookEvent.received_at)))
    return GatewayStatus(
        gateway="stripe" if settings.payment_gateway == "stripe" else "sandbox",
        secret_key_set=bool(settings.stripe_secret_key),
        webhook_secret_set=bool(settings.stripe_webhook_secret),
        publishable_key_end=publishable[-4:] if len(publishable) >= 8 else "",
        webhook_last_received=last,
    )
