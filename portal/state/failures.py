"""What a tab is told when an event fails in a way no handler answered (Reflex's own ``setvar`` with a
forged name, a bug): one plain sentence, never the exception's text, and the details in the log."""

from __future__ import annotations

import logging

import reflex as rx

log = logging.getLogger("portal.events")
SOMETHING_WENT_WRONG = "Something went wrong on our side. Please try again."


def answer(exception: Exception) -> rx.event.EventSpec:
    log.error("event failed", exc_info=(type(exception), exception, exception.__traceback__))
    return rx.toast.error(SOMETHING_WENT_WRONG, id="backend-error", position="top-center")
