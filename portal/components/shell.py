"""One wrapper gives every signed-in page the same shell: menu, user menu and access check.

A page module only describes its own content; ``@template`` registers the route, runs the
sign-in and page-access guard on load, and shows "not available" instead of the content when
the contact's login may not open the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML

from portal.components.forms import auth_card, brand_logo
from portal.components.menu import desktop_menu, drawer_menu
from portal.components.tour import tours, walk_me_through_item
from portal.components.view_as import view_as_banner
from portal.core.principal import ADVANCED_REPORTS
from portal.models import Page
from portal.state.public import BrandState
from portal.state.session import SessionState


@dataclass
class PageSpec:
    route: str
    title: str
    component: Callable[[], rx.Component]
    on_load: list[Any] = field(default_factory=list)
    public: bool = False  # opens without a sign-in (registered by public_page)
    # A back-office page (components/office_shell.py): the duty it needs, "" for any staff member.
    duty: str | None = None


REGISTRY: list[PageSpec] = []


def template(route: str, title: str, page: str, on_load: list[Any] | None = None):
    """Register a signed-in page whose content is shown only to a contact allowed ``page``."""

    def decorator(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def wrapped() -> rx.Component:
            return shell(content(), page)

        REGISTRY.append(
            PageSpec(
                route,
                f"{title} · Customer Portal",
                wrapped,
                [SessionState.guard(page), BrandState.load, *(on_load or [])],
            )
        )
        return wrapped

    return decorator


def page_heading(title: str, *actions: rx.Component) -> rx.Component:
    """The page's h1 with its actions on the right."""
    return rx.hstack(
        rx.heading(title, size="6", as_="h1"),
        rx.spacer(),
        *actions,
        width="100%",
        align="center",
        wrap="wrap",
    )


def public_page(route: str, title: str, on_load: list[Any] | None = None, product: str = "Customer Portal"):
    """Register a page that needs no sign-in (login, invite, password reset)."""

    def decorator(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        REGISTRY.append(PageSpec(route, f"{title} · {product}", content, list(on_load or []), public=True))
        return content

    return decorator


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            brand_logo("28px"),
            rx.text(SessionState.company_name, weight="bold", size="3", class_name="brand-name"),
            align="center",
            spacing="2",
        ),
        href="/dashboard",
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        aria_label="Dashboard",
    )


def _request_buttons(size: str = "2") -> rx.Component:
    return rx.fragment(
        rx.cond(
            SessionState.pages.contains(Page.QUOTES),
            rx.link(rx.button("Request a Quote", size=size, variant="soft"), href="/quotes/request"),
        ),
        rx.cond(
            SessionState.pages.contains(Page.JOBS),
            rx.link(rx.button("Book a Job", size=size), href="/jobs/book"),
        ),
    )


# Logout is a same-origin POST (portal/api/auth_routes.py); the buttons below submit this form.
LOGOUT_FORM = "logout-form"


class BrowserForm(BaseHTML):
    """A <form> the browser itself submits: Reflex's own form always cancels the submit event."""

    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]
    target: rx.Var[str]


def user_menu() -> rx.Component:
    return rx.hstack(
        BrowserForm.create(id=LOGOUT_FORM, method="post", action="/auth/logout", display="none"),
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("circle-user", size=18),
                    rx.text(SessionState.contact_name, class_name="user-name"),
                    rx.icon("chevron-down", size=14),
                    variant="ghost",
                    color_scheme="gray",
                    id="user-menu",
                    # The name is hidden on a narrow screen, and the button would have none left.
                    aria_label=SessionState.contact_name + ": your account",
                ),
            ),
            rx.menu.content(
                rx.box(
                    rx.text(SessionState.customer_name, size="1", color_scheme="gray"), padding="0.3em 0.75em"
                ),
                rx.menu.item(
                    rx.icon("settings", size=14), "Preferences", on_select=rx.redirect("/preferences")
                ),
                walk_me_through_item(),
                rx.menu.separator(),
                rx.menu.item(
                    rx.el.button(
                        rx.icon("log-out", size=14),
                        "Logout",
                        type="submit",
                        form=LOGOUT_FORM,
                        id="logout-item",
                        background="none",
                        border="none",
                        width="100%",
                        font="inherit",
                        cursor="pointer",
                    ),
                    as_child=True,
                    color_scheme="red",
                ),
            ),
            modal=False,
        ),
        rx.icon_button(
            rx.icon("log-out", size=16),
            variant="ghost",
            color_scheme="gray",
            type="submit",
            custom_attrs={"form": LOGOUT_FORM},
            aria_label="Log out",
            title="Log out",
            id="logout",
        ),
        spacing="1",
        align="center",
    )


def side_drawer(trigger_id: str, drawer_id: str, *body: rx.Component) -> rx.Component:
    """The menu a phone opens from the left: a titled drawer with a close button above ``body``."""
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.icon_button(rx.icon("menu"), variant="ghost", aria_label="Open menu", id=trigger_id)
        ),
        rx.drawer.overlay(),
        rx.drawer.portal(
            rx.drawer.content(
                rx.vstack(
                    rx.hstack(
                        rx.drawer.title("Menu", size="3", weight="bold", margin="0"),
                        rx.drawer.close(
                            rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close menu")
                        ),
                        justify="between",
                        align="center",
                        width="100%",
                    ),
                    *body,
                    spacing="3",
                    padding="1.25em",
                    align="stretch",
                    width="100%",
                ),
                background_color=rx.color("gray", 1),
                width="80%",
                max_width="320px",
                height="100%",
                overflow_y="auto",
                id=drawer_id,
            )
        ),
        direction="left",
    )


def mobile_menu() -> rx.Component:
    return side_drawer("menu-open", "menu-drawer", drawer_menu(), rx.separator(), _request_buttons("3"))


def top_bar() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.box(mobile_menu(), class_name="mobile-only"),
            brand(),
            rx.box(desktop_menu(), class_name="desktop-only", flex="1", padding_left="0.75em"),
            rx.spacer(class_name="mobile-only"),
            rx.hstack(_request_buttons(), spacing="2", class_name="desktop-only wide-only"),
            user_menu(),
            align="center",
            spacing="3",
            width="100%",
            max_width="1280px",
            margin="0 auto",
            padding_x="1em",
            height="60px",
        ),
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        background_color=rx.color("gray", 1),
        position="sticky",
        top="0",
        z_index="10",
    )


def not_available() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.icon("lock", size=32, color=rx.color("gray", 9)),
                rx.heading("Not available to your login", size="5", id="not-available"),
                rx.text(
                    rx.cond(
                        SessionState.denied == ADVANCED_REPORTS,
                        "This report is part of the Advanced customer portal, which your contractor has not "
                        "enabled.",
                        "Your login does not include this page. Ask your account's primary contact to give "
                        "you access if you need it.",
                    ),
                    color_scheme="gray",
                    align="center",
                ),
                rx.link(rx.button("Back to the dashboard", variant="soft"), href="/dashboard"),
                align="center",
                spacing="3",
                padding="1.5em",
            ),
            max_width="480px",
        ),
        padding_top="4em",
    )


def loading() -> rx.Component:
    return rx.center(rx.spinner(size="3"), padding="4em", aria_label="Loading")


def frame(body: rx.Component) -> rx.Component:
    """The signed-in frame: skip link, top bar with the menu, and ``body`` as the page's main, in
    the Radix accent nearest the contractor's colour (``services/settings/branding.radix_accent``)."""
    return rx.theme(_frame(body), accent_color=BrandState.radix, has_background=False)


def _frame(body: rx.Component) -> rx.Component:
    return rx.box(
        rx.el.a("Skip to content", href="#main", class_name="skip-link"),
        view_as_banner(),
        top_bar(),
        tours(),
        rx.el.main(
            body,
            id="main",
            max_width="1280px",
            margin="0 auto",
            padding=["1em", "1.25em", "2em"],
        ),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )


def shell(content: rx.Component, page: str) -> rx.Component:
    return frame(
        rx.cond(
            SessionState.granted == page,
            content,
            rx.cond(SessionState.denied == page, not_available(), loading()),
        )
    )


def _not_found_text() -> rx.Component:
    return rx.text(
        "There is no page at this address. It may have moved, or the link may be mistyped.",
        color_scheme="gray",
        align="center",
    )


def not_found() -> rx.Component:
    """An unknown address: the shell and a way back to the dashboard when signed in, else to the login."""
    signed_in = frame(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.icon("map-pin-off", size=32, color=rx.color("gray", 9), aria_hidden="true"),
                    rx.heading("Page not found", size="5", as_="h1"),
                    _not_found_text(),
                    rx.link(
                        rx.button("Back to the dashboard", variant="soft"),
                        href="/dashboard",
                        id="not-found-back",
                    ),
                    align="center",
                    spacing="3",
                    padding="1.5em",
                ),
                max_width="480px",
            ),
            padding_top="4em",
        )
    )
    signed_out = rx.el.main(
        auth_card(
            _not_found_text(),
            rx.link(rx.button("Go to the login", size="3", width="100%"), href="/login", id="not-found-back"),
            title="Page not found",
            company=BrandState.company,
        )
    )
    return rx.cond(SessionState.checked, rx.cond(SessionState.signed_in, signed_in, signed_out), loading())


# Reflex's "404" page answers every unknown address; kept out of REGISTRY, which lists real addresses.
NOT_FOUND = PageSpec(
    "404", "Page not found · Customer Portal", not_found, [BrandState.load, SessionState.probe]
)
