"""The back office's shell: its own menu, user menu and duty check, as ``shell.py`` is the portal's.

A screen module describes only its content; ``@office_page`` registers the route, runs the staff
sign-in and duty guard on load, and shows "not available" when the staff member's role lacks the
duty. The menu shows an area only to a role with its duty. Hiding protects nothing by itself:
each handler asks ``OfficeSession._staff(duty)`` again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import reflex as rx

from portal.components.shell import REGISTRY, BrowserForm, PageSpec, loading, side_drawer
from portal.core.principal import Duty
from portal.state.office.session import ANY_STAFF, OfficeSession

PRODUCT = "Back office"
OFFICE_LOGOUT_FORM = "office-logout-form"


class Area(NamedTuple):
    label: str
    href: str
    duty: Duty
    icon: str


MENU: tuple[Area, ...] = (
    Area("Inbox", "/office/inbox", Duty.READ_INBOX, "inbox"),
    Area("Quotes", "/office/quotes", Duty.ACTION_QUOTES, "file-text"),
    Area("Jobs", "/office/jobs", Duty.SCHEDULE_JOBS, "briefcase"),
    Area("My day", "/office/day", Duty.RECORD_TESTS, "clipboard-check"),
    Area("Invoices", "/office/invoices", Duty.INVOICE_JOBS, "receipt"),
    Area("Payments", "/office/payments", Duty.TAKE_PAYMENTS, "wallet"),
    Area("Recurring", "/office/recurring", Duty.BILL_RECURRING, "repeat"),
    Area("Customers", "/office/customers", Duty.MANAGE_CUSTOMERS, "building-2"),
    Area("Documents", "/office/documents", Duty.MANAGE_CUSTOMERS, "folder-open"),
    Area("Outbox", "/office/outbox", Duty.READ_OUTBOX, "mail"),
    Area("Settings", "/office/settings", Duty.MANAGE_SETTINGS, "settings"),
    Area("Staff", "/office/staff", Duty.MANAGE_STAFF, "users"),
)


def office_page(route: str, title: str, duty: Duty | str = ANY_STAFF, on_load: list[Any] | None = None):
    """Register a back-office page whose content is shown only to staff with ``duty``."""
    key = str(duty)

    def decorator(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def wrapped() -> rx.Component:
            return office_frame(
                rx.cond(
                    OfficeSession.granted == key,
                    content(),
                    rx.cond(OfficeSession.denied == key, not_for_your_role(), loading()),
                )
            )

        REGISTRY.append(
            PageSpec(
                route,
                f"{title} · {PRODUCT}",
                wrapped,
                [OfficeSession.guard(key), *(on_load or [])],
                duty=key,
            )
        )
        return wrapped

    return decorator


def _badge(area: Area) -> rx.Component:
    """The Inbox's count of what is not handled yet; other areas show none."""
    if area.duty != Duty.READ_INBOX:
        return rx.fragment()
    return rx.cond(
        OfficeSession.inbox_count > 0,
        rx.badge(
            OfficeSession.inbox_count,
            color_scheme="red",
            variant="solid",
            high_contrast=True,  # white on plain red solid fails axe's contrast
            radius="full",
            id="inbox-count",
        ),
    )


def _menu_link(area: Area) -> rx.Component:
    return rx.cond(
        OfficeSession.duties.contains(area.duty.value),
        rx.link(
            rx.hstack(
                rx.icon(area.icon, size=16, aria_hidden="true"),
                rx.text(area.label),
                _badge(area),
                spacing="2",
                align="center",
            ),
            href=area.href,
            underline="none",
            color_scheme="gray",
            high_contrast=True,
            padding="0.4em 0.6em",
            border_radius="6px",
            class_name="office-menu-link",
        ),
    )


def office_menu(direction: str = "row") -> rx.Component:
    return rx.el.nav(
        rx.flex(*[_menu_link(area) for area in MENU], direction=direction, gap="1", wrap="wrap"),
        aria_label="Back office",
    )


def _user_menu() -> rx.Component:
    return rx.hstack(
        BrowserForm.create(id=OFFICE_LOGOUT_FORM, method="post", action="/auth/staff-logout", display="none"),
        rx.text(OfficeSession.staff_name, size="2", weight="medium", class_name="user-name", id="staff-name"),
        rx.badge(OfficeSession.role, variant="soft", id="staff-role"),
        rx.icon_button(
            rx.icon("log-out", size=16),
            variant="ghost",
            color_scheme="gray",
            type="submit",
            custom_attrs={"form": OFFICE_LOGOUT_FORM},
            aria_label="Log out",
            title="Log out",
            id="office-logout",
        ),
        spacing="2",
        align="center",
    )


def office_frame(body: rx.Component) -> rx.Component:
    """Skip link, the back office's top bar, and ``body`` as the page's main."""
    return rx.box(
        rx.el.a("Skip to content", href="#main", class_name="skip-link"),
        rx.el.header(
            rx.hstack(
                rx.box(
                    side_drawer("office-menu-open", "office-menu-drawer", office_menu("column")),
                    class_name="mobile-only",
                ),
                rx.link(
                    rx.hstack(
                        rx.icon("building-2", size=20, aria_hidden="true"),
                        rx.text(PRODUCT, weight="bold"),
                        align="center",
                        spacing="2",
                    ),
                    href="/office",
                    underline="none",
                    color_scheme="gray",
                    high_contrast=True,
                ),
                rx.box(office_menu(), class_name="desktop-only", flex="1", padding_left="0.75em"),
                rx.spacer(class_name="mobile-only"),
                _user_menu(),
                align="center",
                spacing="3",
                width="100%",
                max_width="1280px",
                margin="0 auto",
                padding_x="1em",
                height="60px",
            ),
            border_bottom=f"1px solid {rx.color('gray', 5)}",
            background_color=rx.color("accent", 2),
            position="sticky",
            top="0",
            z_index="10",
        ),
        rx.el.main(body, id="main", max_width="1280px", margin="0 auto", padding=["0.75em", "1.25em", "2em"]),
        min_height="100vh",
        background_color=rx.color("gray", 2),
    )


def not_for_your_role() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.icon("lock", size=32, color=rx.color("gray", 9), aria_hidden="true"),
                rx.heading("Not available to your role", size="5", as_="h1", id="not-available"),
                rx.text(
                    "Ask the business owner if you need this screen.", color_scheme="gray", align="center"
                ),
                rx.link(rx.button("Back office home", variant="soft"), href="/office"),
                align="center",
                spacing="3",
                padding="1.5em",
            ),
            max_width="480px",
        ),
        padding_top="4em",
    )
