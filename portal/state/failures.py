"""What a tab is told when an event fails in a way no handler answered (Reflex's own ``setvar`` with a
forged name, a bug): one plain sentence, never the exception's text, and the details in the log."""

import logging

import reflex as rx
from reflex.event import EventSpec

log = logging.getLogger("portal.events")
SOMETHING_WENT_WRONG = "Something went wrong on our side. Please try again."


def answer(exception: Exception) -> EventSpec:  # no string annotations: Reflex reads them at startup
    log.error("event failed", exc_info=(type(exception), exception, exception.__traceback__))
    return rx.toast.error(SOMETHING_WENT_WRONG, id="backend-error", position="top-center")
