"""The pieces of a contact's form that the customer's Contacts screen and the back office's contact
screen share: sections with their error line, the role, page and site choices, the login switch and
the frame around the form. Each takes the screen's state class, so one layout serves both and the
element ids the tests and the user rely on stay the same."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from portal.components.forms import field, form_error, notice
from portal.components.shell import page_heading
from portal.services.identity.contacts import DETAIL_LABELS, LIMITS, PAGE_LABELS, ROLE_LABELS


def text_input(S: Any, name: str, default_value: rx.Var, **props: Any) -> rx.Component:
    """One detail's text box (``contact-first-name`` and so on) with its label and error."""
    ident = f"contact-{name.replace('_', '-')}"
    return field(
        DETAIL_LABELS[name],
        rx.input(id=ident, name=name, default_value=default_value, max_length=LIMITS[name], **props),
        S.errors.get(name, ""),
        html_for=ident,
    )


def section(S: Any, title: str, *children: rx.Component, error_key: str = "") -> rx.Component:
    """A card with a heading; ``error_key`` names the form error shown under it."""
    error = S.errors.get(error_key, "")
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4", as_="h2"),
            *children,
            rx.cond(
                error != "",
                rx.text(error, size="2", color_scheme="red", role="alert", class_name="field-error"),
            )
            if error_key
            else rx.fragment(),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def checkbox(
    label: str, checked: rx.Var, on_change: Any, ident: str, disabled: rx.Var | bool = False
) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            # Radix's checkbox is a button, which the label around it does not name (axe: button-name).
            rx.checkbox(
                checked=checked, on_change=on_change, data_check=ident, disabled=disabled, aria_label=label
            ),
            rx.text(label, size="2"),
            spacing="2",
            align="center",
        ),
    )


def details(S: Any, text: Any) -> rx.Component:
    """The Details card: ``text(name)`` draws one detail's box."""
    return section(
        S,
        "Details",
        rx.grid(
            *[text(name) for name in DETAIL_LABELS],
            columns=rx.breakpoints(initial="1", sm="2"),
            spacing="3",
            width="100%",
        ),
    )


def roles(S: Any, *lead: rx.Component) -> rx.Component:
    """The Roles card: what the contact is contact for, and Primary Contact."""
    return section(
        S,
        "Roles",
        *lead,
        rx.flex(
            *[
                checkbox(label, S.flags[key], S.set_flag(key), f"role-{key.split('_')[1]}")
                for key, label in ROLE_LABELS
            ],
            wrap="wrap",
            spacing="4",
        ),
        checkbox("Primary Contact", S.flags["is_primary"], S.set_flag("is_primary"), "role-primary"),
        error_key="primary",
    )


def login_switch(S: Any) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.text("Login Active", size="2", weight="medium"),
            rx.switch(checked=S.login_active, on_change=S.set_login, data_check="login-active"),
            rx.text(rx.cond(S.login_active, "Yes", "No"), size="2"),
            spacing="3",
            align="center",
        ),
    )


def site_list(
    title: str, sites: rx.Var, on_pick: Any, ident: str, icon: str, min_height: str
) -> rx.Component:
    """A list of sites as buttons; clicking one moves it to the other list."""
    return rx.vstack(
        rx.text(title, size="2", weight="medium", id=f"{ident}-label"),
        rx.box(
            rx.cond(
                sites.length() > 0,
                rx.vstack(
                    rx.foreach(
                        sites,
                        lambda s: rx.button(
                            s["name"],
                            rx.icon(icon, size=14),
                            type="button",
                            variant="ghost",
                            on_click=on_pick(s["id"]),
                            data_site=s["name"],
                            justify_content="space-between",
                            width="100%",
                        ),
                    ),
                    spacing="1",
                    width="100%",
                ),
                rx.text("None", size="2", color_scheme="gray"),
            ),
            id=ident,
            aria_labelledby=f"{ident}-label",
            role="group",
            border=f"1px solid {rx.color('gray', 6)}",
            border_radius="6px",
            padding="0.5em",
            min_height=min_height,
            max_height="260px",
            overflow_y="auto",
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


def site_lists(S: Any, min_height: str) -> rx.Component:
    """Available Sites beside Assigned Sites."""
    return rx.grid(
        site_list(
            "Available Sites", S.available, S.assign_site, "available-sites", "arrow-right", min_height
        ),
        site_list("Assigned Sites", S.assigned, S.unassign_site, "assigned-sites", "x", min_height),
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="3",
        width="100%",
    )


def all_sites_choice(S: Any, all_disabled: rx.Var | None = None) -> rx.Component:
    """All sites or Assigned sites only; ``all_disabled`` when this login may not give all sites."""
    extra = {} if all_disabled is None else {"disabled": all_disabled}
    return rx.radio_group.root(
        rx.hstack(
            rx.el.label(
                rx.hstack(
                    rx.radio_group.item(value="all", data_check="sites-all", **extra),
                    rx.text("All sites", size="2"),
                    spacing="2",
                    align="center",
                )
            ),
            rx.el.label(
                rx.hstack(
                    rx.radio_group.item(value="some", data_check="sites-some"),
                    rx.text("Assigned sites only", size="2"),
                    spacing="2",
                    align="center",
                )
            ),
            spacing="4",
        ),
        value=rx.cond(S.all_sites, "all", "some"),
        on_change=lambda v: S.set_all_sites(v == "all"),
        aria_label="Site access",
    )


def contact_frame(
    S: Any,
    back: str,
    back_href: Any,
    title: rx.Var | str,
    *body: rx.Component,
    after: tuple[rx.Component, ...] = (),
    **props: Any,
) -> rx.Component:
    """The link back, "That contact is not available.", a spinner while loading, and the form:
    heading, notice, form error, then ``body`` (the cards and buttons)."""
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), back, spacing="1", align="center"),
            href=back_href,
            size="2",
        ),
        rx.cond(
            S.missing,
            rx.callout(
                "That contact is not available.",
                icon="triangle-alert",
                color_scheme="amber",
                id="contact-missing",
            ),
            rx.cond(
                S.loaded,
                rx.form(
                    rx.vstack(
                        page_heading(title),
                        notice(S.notice),
                        form_error(S.errors.get("form", "")),
                        *body,
                        spacing="4",
                        width="100%",
                        max_width="900px",
                    ),
                    on_submit=S.save,
                    reset_on_submit=False,
                    key=S.form_key.to_string(),
                    width="100%",
                ),
                rx.center(rx.spinner(), padding="3em"),
            ),
        ),
        *after,
        spacing="3",
        width="100%",
        **props,
    )


def page_checks(S: Any, disabled: Callable[[str], rx.Var | bool] = lambda _key: False) -> rx.Component:
    """One box a page the contact's login may open; ``disabled(key)`` greys one out."""
    return rx.flex(
        *[
            checkbox(label, S.page_access.contains(key), S.set_page(key), f"page-{key}", disabled(key))
            for key, label in PAGE_LABELS.items()
        ],
        wrap="wrap",
        spacing="4",
    )
