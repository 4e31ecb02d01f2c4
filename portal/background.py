"""Work the server does on a timer: sending queued mail, and the automatic payment run.

Both are safe with several workers: mail rows are claimed, and an automatic payment is keyed by
recurring invoice and due date, so a second worker's run finds nothing left to charge.
"""

from __future__ import annotations

import asyncio
import logging

from portal.config import settings
from portal.core import tenant
from portal.db import unit_of_work
from portal.services.billing import autopay
from portal.services.billing.gateways import get_gateway
from portal.services.messaging import mail

log = logging.getLogger(__name__)
MAIL_EVERY_SECONDS = 5
AUTOPAY_EVERY_SECONDS = 3600


def _deliver() -> int:
    with unit_of_work() as session:
        return mail.deliver_pending(session)


async def deliver_mail_forever() -> None:
    """With the outbox backend the table is the delivery, so there is nothing to do."""
    if settings().mail_backend != "smtp":
        return
    while True:
        try:
            await asyncio.to_thread(_deliver)
        except Exception:  # a bad SMTP server must not stop the loop
            log.exception("mail delivery failed; will retry")
        await asyncio.sleep(MAIL_EVERY_SECONDS)


def run_autopay() -> autopay.RunSummary:
    with unit_of_work() as session:
        return autopay.autopay_run(session, get_gateway(), tenant.today(session))


async def autopay_forever() -> None:
    while True:
        try:
            summary = await asyncio.to_thread(run_autopay)
            if summary.due:
                log.info("automatic payments: %s charged, %s failed", summary.charged, summary.failed)
        except Exception:  # the next hour tries again
            log.exception("automatic payment run failed")
        await asyncio.sleep(AUTOPAY_EVERY_SECONDS)
