"""Preferences > Profile > Contacts: the list with who can do what, Create Contact, one contact's form."""

from __future__ import annotations

import reflex as rx

from portal.components import contact_form as cf
from portal.components.shell import page_heading, template
from portal.components.table import PHONE_HIDE, Column, list_screen, options_menu, scroll_region
from portal.models import Page
from portal.services.identity.contacts import PAGE_LABELS
from portal.state.display import DASH
from portal.state.identity.contacts import LIST_ROUTE, ContactFormState, ContactsState

COLUMNS = [
    Column("name", "Name", "name", min_width="150px", card="title"),
    Column("email", "Email", "email", phone=False),
    Column("roles", "Contact For", phone=False),
    Column("primary", "Primary"),
    Column("login", "Login Active", "login"),
    Column("username", "Username", "username", phone=False),
    Column("last_sign_in", "Last Sign-in", phone=False),
    Column("options", "", card="options"),
]


def _back_to_preferences() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=14), "Preferences", spacing="1", align="center"),
        href="/preferences",
        size="2",
    )


def contact_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.link(row["name"], href=f"{LIST_ROUTE}/{row['id']}", data_contact=row["name"]),
                rx.cond(row["position"] != DASH, rx.text(row["position"], size="1", color_scheme="gray")),
                spacing="0",
            )
        ),
        rx.table.cell(row["email"], class_name=PHONE_HIDE),
        rx.table.cell(row["roles"], class_name=PHONE_HIDE),
        rx.table.cell(rx.cond(row["primary"] == "yes", rx.badge("Primary", color_scheme="blue"), "")),
        rx.table.cell(
            rx.badge(
                row["login"], color_scheme=rx.cond(row["active"] == "yes", "grass", "gray"), variant="soft"
            )
        ),
        rx.table.cell(row["username"], class_name=PHONE_HIDE),
        rx.table.cell(row["last_sign_in"], white_space="nowrap", class_name=PHONE_HIDE),
        rx.table.cell(
            options_menu(
                row["name"],
                rx.menu.item(
                    rx.icon("pencil", size=14),
                    "Edit",
                    on_select=rx.redirect(f"{LIST_ROUTE}/{row['id']}"),
                ),
                rx.cond(
                    row["active"] == "yes",
                    rx.fragment(
                        rx.menu.item(
                            rx.icon("key-round", size=14),
                            "Reset Password",
                            on_select=ContactsState.reset_password(row["id"]),
                            data_action="reset-password",
                        ),
                        rx.cond(
                            row["setup"] == "yes",
                            rx.menu.item(
                                rx.icon("mail", size=14),
                                "Send Setup Email",
                                on_select=ContactsState.send_setup(row["id"]),
                                data_action="send-setup",
                            ),
                        ),
                    ),
                ),
            )
        ),
    )


def _tick(granted: rx.Var, label: str) -> rx.Component:
    return rx.table.cell(
        rx.flex(
            rx.cond(
                granted == "yes",
                rx.icon(
                    "check", size=16, color=rx.color("grass", 10), aria_label=f"{label}: yes", role="img"
                ),
                rx.text("—", color_scheme="gray", aria_label=f"{label}: no"),
            ),
            justify="center",
        ),
        data_page_access=granted,
    )


def access_grid() -> rx.Component:
    """Every contact of this page against every page, with its sites: who can do what at a glance."""

    def grid_row(row: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(row["name"]),
            *[_tick(row[f"page_{key}"], label) for key, label in PAGE_LABELS.items()],
            rx.table.cell(row["sites"], text_align="center", white_space="nowrap"),
            data_grid_contact=row["name"],
            opacity=rx.cond(row["active"] == "yes", "1", "0.55"),
        )

    return rx.card(
        rx.vstack(
            rx.heading("Access overview", size="4", as_="h2"),
            rx.text(
                "Pages and sites each login may open. Contacts without an active login are dimmed.",
                size="2",
                color_scheme="gray",
            ),
            scroll_region(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Contact"),
                            *[
                                rx.table.column_header_cell(label, text_align="center")
                                for label in PAGE_LABELS.values()
                            ],
                            rx.table.column_header_cell("Site Access", text_align="center"),
                        )
                    ),
                    rx.table.body(rx.foreach(ContactsState.rows, grid_row)),
                    size="1",
                    variant="surface",
                    width="100%",
                    id="access-grid",
                ),
                "Access overview",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


@template(LIST_ROUTE, "Contacts", Page.CONTACTS, on_load=[ContactsState.load])
def contacts_list() -> rx.Component:
    return rx.vstack(
        _back_to_preferences(),
        page_heading(
            "Contacts",
            rx.link(
                rx.button(rx.icon("user-plus", size=16), "Create Contact", id="create-contact"),
                href=f"{LIST_ROUTE}/new",
            ),
        ),
        *list_screen(
            ContactsState,
            [("all", "All"), ("logins", "Logins")],
            "Search name, email, position or username",
            COLUMNS,
            contact_row,
            "No contacts yet.",
        ),
        access_grid(),
        spacing="4",
        width="100%",
    )


# --- one contact --------------------------------------------------------------------------------

S = ContactFormState


# What each detail's input adds to a plain text box.
INPUT_PROPS: dict[str, dict[str, object]] = {
    "first_name": {"required": True, "auto_complete": "off"},
    "last_name": {"auto_complete": "off"},
    "email": {"type": "email", "auto_complete": "off"},
    "phone": {"type": "tel"},
    "mobile": {"type": "tel"},
}


def _text(name: str) -> rx.Component:
    return cf.text_input(S, name, getattr(S, name), size="2", **INPUT_PROPS.get(name, {}))


def details() -> rx.Component:
    return cf.details(S, _text)


def roles() -> rx.Component:
    return cf.roles(S, rx.text("Contact for", size="2", weight="medium"))


def login() -> rx.Component:
    return cf.section(
        S,
        "Login",
        cf.login_switch(S),
        rx.text(
            "A login needs an email address. Saving a new login sends the contact a setup email "
            "(a link that works once, for 7 days).",
            size="1",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.text("Username", size="2", weight="medium"),
            rx.text(
                rx.cond(S.username != "", S.username, "Set when the login is first saved"),
                size="2",
                id="contact-username",
            ),
            spacing="3",
            align="center",
        ),
        rx.text("Usernames cannot be changed here.", size="1", color_scheme="gray"),
        rx.cond(
            S.pending_email != "",
            rx.text(
                "Waiting for ",
                rx.text.strong(S.pending_email),
                " to confirm the change of email: a login's email changes when the link mailed to "
                "the new address is followed.",
                size="2",
                id="contact-pending-email",
            ),
        ),
        rx.cond(
            ~S.is_new,
            rx.hstack(
                rx.button(
                    rx.icon("mail", size=14),
                    "Send Setup Email",
                    type="button",
                    variant="soft",
                    on_click=S.send_setup,
                    disabled=~S.login_active | S.has_password,
                    id="send-setup",
                ),
                rx.menu.root(
                    rx.menu.trigger(
                        rx.button(
                            "Options",
                            rx.icon("chevron-down", size=14),
                            type="button",
                            variant="soft",
                            id="login-options",
                        )
                    ),
                    rx.menu.content(
                        rx.menu.item(
                            rx.icon("key-round", size=14),
                            "Reset Password",
                            on_select=S.reset_password,
                            disabled=~S.login_active,
                            id="reset-password",
                        )
                    ),
                ),
                spacing="2",
            ),
        ),
        error_key="login",
    )


def page_access() -> rx.Component:
    return cf.section(
        S,
        "Page Access",
        rx.text(
            "Pages this contact's login may open. You can give only pages your own login has.",
            size="1",
            color_scheme="gray",
        ),
        cf.page_checks(S, lambda key: ~S.grantable.contains(key) & ~S.page_access.contains(key)),
        error_key="pages",
    )


def site_access() -> rx.Component:
    return cf.section(
        S,
        "Site Access",
        cf.all_sites_choice(S, ~S.may_give_all_sites),
        rx.cond(
            ~S.all_sites,
            rx.vstack(
                rx.text("Click a site to move it between the lists.", size="1", color_scheme="gray"),
                cf.site_lists(S, "120px"),
                rx.cond(
                    S.unseen_sites > 0,
                    rx.text(
                        "Also assigned: ",
                        S.unseen_sites,
                        " site(s) your login does not include. They stay assigned.",
                        size="1",
                        color_scheme="gray",
                        id="unseen-sites",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
        ),
        error_key="sites",
    )


def contact_form(title: rx.Var | str) -> rx.Component:
    return cf.contact_frame(
        S,
        "Contacts",
        LIST_ROUTE,
        title,
        details(),
        roles(),
        login(),
        page_access(),
        site_access(),
        rx.hstack(
            rx.button(
                "Save",
                type="submit",
                on_click=S.set_finish(False),
                disabled=S.busy,
                loading=S.busy,
                id="contact-save",
            ),
            rx.button(
                "Save and Finish",
                type="submit",
                variant="soft",
                on_click=S.set_finish(True),
                disabled=S.busy,
                id="contact-save-finish",
            ),
            rx.link(rx.button("Cancel", type="button", variant="ghost"), href=LIST_ROUTE),
            spacing="2",
        ),
    )


@template(f"{LIST_ROUTE}/new", "Create Contact", Page.CONTACTS, on_load=[ContactFormState.load_new])
def contact_new() -> rx.Component:
    return contact_form("Create Contact")


@template(f"{LIST_ROUTE}/[contact_id]", "Contact", Page.CONTACTS, on_load=[ContactFormState.load])
def contact_edit() -> rx.Component:
    return contact_form(S.first_name + " " + S.last_name)
