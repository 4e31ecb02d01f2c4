"""Staff open the portal as one of a customer's contacts, read-only (``/auth/view-as``).

The button is a plain form post, so the route (not the websocket) sets the customer session cookie
for the staff member's browser; the route re-checks the staff session and its duty.
"""

from __future__ import annotations

import reflex as rx

from portal.components.shell import BrowserForm

VIEW_AS_ROUTE = "/auth/view-as"


def view_as_button(contact_id: rx.Var | int, label: str = "View as customer") -> rx.Component:
    """A button that opens the portal, in a new tab, as the contact ``contact_id`` sees it."""
    return BrowserForm.create(
        rx.el.input(type="hidden", name="contact_id", value=contact_id),
        rx.button(
            rx.icon("eye", size=14, aria_hidden="true"), label, type="submit", variant="soft", size="1"
        ),
        method="post",
        action=VIEW_AS_ROUTE,
        target="_blank",
    )
