"""Staff open the portal as one of a customer's contacts, read-only (``/auth/view-as``).

The button is a plain form post, so the route (not the websocket) sets the customer session cookie
for the staff member's browser; the route re-checks the staff session and its duty. While such a
view is open the portal's shell shows :func:`view_as_banner` above everything: whom the portal is
shown as, that nothing can be changed, and "End view" (a post, as logout is, that ends this session
only and returns to the customer in the back office).
"""

from __future__ import annotations

import reflex as rx

from portal.state.session import SessionState

VIEW_AS_ROUTE = "/auth/view-as"
END_VIEW_ROUTE = "/auth/end-view"


def view_as_button(contact_id: rx.Var | int, label: str = "View as customer") -> rx.Component:
    """A button that opens the portal, in a new tab, as the contact ``contact_id`` sees it."""
    from portal.components.shell import BrowserForm  # the shell places the banner: no import cycle

    return BrowserForm.create(
        rx.el.input(type="hidden", name="contact_id", value=contact_id),
        rx.button(
            rx.icon("eye", size=14, aria_hidden="true"), label, type="submit", variant="soft", size="1"
        ),
        method="post",
        action=VIEW_AS_ROUTE,
        target="_blank",
    )


def view_as_banner() -> rx.Component:
    """Shown only in a staff member's view of the portal (``SessionState.viewing_as``)."""
    from portal.components.shell import BrowserForm

    return rx.cond(
        SessionState.viewing_as != "",
        rx.box(
            rx.hstack(
                rx.icon("eye", size=16, aria_hidden="true"),
                rx.text(
                    "Viewing as ",
                    rx.text.strong(SessionState.viewing_as),
                    " — read-only",
                    size="2",
                    id="view-as-text",
                ),
                rx.spacer(),
                BrowserForm.create(
                    rx.button("End view", type="submit", size="1", variant="solid", color_scheme="gray"),
                    method="post",
                    action=END_VIEW_ROUTE,
                    id="end-view-form",
                ),
                align="center",
                spacing="2",
                wrap="wrap",
                max_width="1280px",
                margin="0 auto",
                padding_x="1em",
                padding_y="0.4em",
            ),
            role="status",
            id="view-as-banner",
            background_color=rx.color("amber", 4),
            color=rx.color("gray", 12),
            border_bottom=f"1px solid {rx.color('amber', 7)}",
        ),
    )
