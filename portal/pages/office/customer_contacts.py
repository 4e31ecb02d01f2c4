"""A customer's contact in the back office (``/office/customers/<id>/contacts/new`` and
``/office/customers/<id>/contacts/<contact_id>``): the customer's own contact form, plus the last
sign-in, Send setup email, Reset password, Deactivate and View as customer."""

from __future__ import annotations

import reflex as rx

from portal.components import contact_form as cf
from portal.components.office_shell import office_page
from portal.components.view_as import view_as_button
from portal.core.principal import Duty
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
    return cf.text_input(S, name, S.values.get(name, ""), auto_complete="off", **INPUT_PROPS.get(name, {}))


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
    return cf.section(
        S,
        "Login",
        cf.login_switch(S),
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
    return cf.section(S, "Page Access", cf.page_checks(S), error_key="pages")


def _sites() -> rx.Component:
    return cf.section(
        S,
        "Site Access",
        cf.all_sites_choice(S),
        rx.cond(~S.all_sites, cf.site_lists(S, "100px")),
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
    return cf.contact_frame(
        S,
        "Customer",
        S.customer_href,
        title,
        cf.details(S, _text),
        cf.roles(S),
        _login(),
        _pages(),
        _sites(),
        rx.button("Save", type="submit", disabled=S.busy, loading=S.busy, id="contact-save"),
        after=(_confirm(),),
        id="office-contact",
    )


@office_page(f"{ROUTE}/new", "New contact", Duty.MANAGE_CUSTOMERS, on_load=[S.load_new])
def office_contact_new() -> rx.Component:
    return contact_form("New contact")


@office_page(f"{ROUTE}/[contact_id]", "Contact", Duty.MANAGE_CUSTOMERS, on_load=[S.load])
def office_contact_edit() -> rx.Component:
    return contact_form(S.values.get("first_name", "") + " " + S.values.get("last_name", ""))
