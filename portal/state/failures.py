"""What a tab is told when an event fails in a way no handler answered (Reflex's own ``setvar`` with a
forged name, a bug): one plain sentence, never the exception's text, and the details in the log.

A staff member viewing the portal as a contact who presses something that would change a row meets
:class:`~portal.core.principal.ViewOnly`, raised by the database guard or by ``customer_of`` wherever
the handler did not answer it: that is no failure, so the tab is told, politely, that the view is
read-only (the exception's text is ours and names the contact).
"""

import logging

import reflex as rx
from reflex.event import EventSpec

from portal.core.principal import ViewOnly

log = logging.getLogger("portal.events")
SOMETHING_WENT_WRONG = "Something went wrong on our side. Please try again."


def answer(exception: Exception) -> EventSpec:  # no string annotations: Reflex reads them at startup
    if isinstance(exception, ViewOnly):
        log.info("read-only view refused a change: %s", exception)
        return rx.toast.warning(str(exception), id="view-only", position="top-center")
    log.error("event failed", exc_info=(type(exception), exception, exception.__traceback__))
    return rx.toast.error(SOMETHING_WENT_WRONG, id="backend-error", position="top-center")
