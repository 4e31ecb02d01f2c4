"""Work the server does on a timer: sending queued mail when an SMTP server is configured."""

from __future__ import annotations

import asyncio
import logging

from portal.config import settings
from portal.db import unit_of_work
from portal.services import mail

log = logging.getLogger(__name__)
MAIL_EVERY_SECONDS = 5


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
