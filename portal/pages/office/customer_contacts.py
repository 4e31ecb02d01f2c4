"""A customer's contact in the back office (``/office/customers/<id>/contacts/new`` and
``/office/customers/<id>/contacts/<contact_id>``): the customer's own contact form, plus the last
sign-in, Send setup email, Reset password, Deactivate and View as customer."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field, form_error, notice
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.view_as import view_as_button
from portal.core.principal import Duty
from portal.services.identity.contacts import DETAIL_LABELS, LIMITS, PAGE_LABELS, ROLE_LABELS
from portal.state.office.customer_contacts import OfficeContactState

S = OfficeContactState
ROUTE = "/office/customers/[customer_id]/contacts"
INPUT_PROPS: dict[str, dict[str, object]] = {
    "first_name": {"required": True},
    "email": {"type": "email"},
    "phone": {"type": "tel"},
    "mobile": {"type": "tel"},
}


def _text(name: str) -> rx.Component:
    ident = f"contact-{name.replace('_', '-')}"
    return field(
        DETAIL_LABELS[name],
        rx.input(
            id=ident,
            name=name,
            default_value=S.values.get(name, ""),
            max_length=LIMITS[name],
            auto_complete="off",
            **INPUT_PROPS.get(name, {}),
        ),
        S.errors.get(name, ""),
        html_for=ident,
    )


def _section(title: str, *children: rx.Component, error_key: str = "") -> rx.Component:
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


def _checkbox(label: str, checked: rx.Var, on_change, ident: str) -> rx.Component:
    return rx.el.label(
        rx.hstack(
            rx.checkbox(checked=checked, on_change=on_change, data_check=ident, aria_label=label),
            rx.text(label, size="2"),
            spacing="2",
            align="center",
        ),
    )


def _roles() -> rx.Component:
    return _section(
        "Roles",
        rx.flex(
            *[
                _checkbox(label, S.flags[key], S.set_flag(key), f"role-{key.split('_')[1]}")
                for key, label in ROLE_LABELS
            ],
            wrap="wrap",
            spacing="4",
        ),
        _checkbox("Primary Contact", S.flags["is_primary"], S.set_flag("is_primary"), "role-primary"),
        error_key="primary",
    )


def _login_actions() -> rx.Component:
    return rx.flex(
        rx.button(
            rx.icon("mail", size=14),
            "Send setup email",
            type="button",
            variant="soft",
            on_click=S.send_setup,
            disabled=S.has_password | S.deactivated,
            id="send-setup",
        ),
        rx.button(
            rx.icon("key-round", size=14),
            "Reset password",
            type="button",
            variant="soft",
            on_click=S.reset_password,
            disabled=~S.has_password | ~S.login_active,
            id="reset-password",
        ),
        rx.button(
            rx.icon("user-x", size=14),
            "Deactivate",
            type="button",
            variant="soft",
            color_scheme="red",
            on_click=S.ask_deactivate,
            disabled=S.deactivated,
            id="contact-deactivate",
        ),
        rx.cond(S.login_active & S.has_password & S.customer_active, view_as_button(S.contact_id)),
        wrap="wrap",
        spacing="2",
        align="center",
    )


def _login() -> rx.Component:
    return _section(
        "Login",
        rx.el.label(
            rx.hstack(
                rx.text("Login Active", size="2", weight="medium"),
                rx.switch(checked=S.login_active, on_change=S.set_login, data_check="login-active"),
                rx.text(rx.cond(S.login_active, "Yes", "No"), size="2"),
                spacing="3",
                align="center",
            ),
        ),
        rx.text(
            "Saving a new login sends the contact a setup email (a link that works once, for 7 days).",
            size="1",
            color_scheme="gray",
        ),
        rx.text(
            "Username: ",
            rx.cond(S.username != "", S.username, "set when the login is first saved"),
            size="2",
            id="contact-username",
        ),
        rx.text("Last sign-in: ", S.last_sign_in, size="2", id="contact-last-sign-in"),
        rx.cond(S.deactivated, rx.badge("Deactivated", color_scheme="gray", id="contact-deactivated")),
        rx.cond(
            S.pending_email != "",
            rx.text(
                "Waiting for ", rx.text.strong(S.pending_email), " to confirm the change of email.", size="2"
            ),
        ),
        rx.cond(~S.is_new, _login_actions()),
        error_key="login",
    )


def _pages() -> rx.Component:
    return _section(
        "Page Access",
        rx.flex(
            *[
                _checkbox(label, S.page_access.contains(key), S.set_page(key), f"page-{key}")
                for key, label in PAGE_LABELS.items()
            ],
            wrap="wrap",
            spacing="4",
        ),
        error_key="pages",
    )


def _site_list(title: str, sites: rx.Var, on_pick, ident: str, icon: str) -> rx.Component:
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
            min_height="100px",
            max_height="260px",
            overflow_y="auto",
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


def _sites() -> rx.Component:
    return _section(
        "Site Access",
        rx.radio_group.root(
            rx.hstack(
                rx.el.label(
                    rx.hstack(
                        rx.radio_group.item(value="all", data_check="sites-all"),
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
        ),
        rx.cond(
            ~S.all_sites,
            rx.grid(
                _site_list("Available Sites", S.available, S.assign_site, "available-sites", "arrow-right"),
                _site_list("Assigned Sites", S.assigned, S.unassign_site, "assigned-sites", "x"),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
        ),
        error_key="sites",
    )


def _confirm() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Deactivate contact"),
            rx.alert_dialog.description(
                "Its sessions end at once, its links stop working and it gets no more mail from the portal."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Deactivate",
                        color_scheme="red",
                        on_click=S.deactivate,
                        id="contact-deactivate-confirm",
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="440px",
        ),
        open=S.confirm_open,
        on_open_change=S.set_confirm_open,
    )


def contact_form(title: rx.Var | str) -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), "Customer", spacing="1", align="center"),
            href=S.customer_href,
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
                        _section(
                            "Details",
                            rx.grid(
                                *[_text(name) for name in DETAIL_LABELS],
                                columns=rx.breakpoints(initial="1", sm="2"),
                                spacing="3",
                                width="100%",
                            ),
                        ),
                        _roles(),
                        _login(),
                        _pages(),
                        _sites(),
                        rx.button("Save", type="submit", disabled=S.busy, loading=S.busy, id="contact-save"),
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
        _confirm(),
        spacing="3",
        width="100%",
        id="office-contact",
    )


@office_page(f"{ROUTE}/new", "New contact", Duty.MANAGE_CUSTOMERS, on_load=[S.load_new])
def office_contact_new() -> rx.Component:
    return contact_form("New contact")


@office_page(f"{ROUTE}/[contact_id]", "Contact", Duty.MANAGE_CUSTOMERS, on_load=[S.load])
def office_contact_edit() -> rx.Component:
    return contact_form(S.values.get("first_name", "") + " " + S.values.get("last_name", ""))
