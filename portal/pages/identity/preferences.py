"""Preferences (Profile): Details with the password change, Attachments, Company information, and a link to
Contacts for a login that manages them."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import fact
from portal.components.forms import auth_card, checking_link, field, form_error, link_refused
from portal.components.links import server_link
from portal.components.shell import page_heading, public_page, template
from portal.components.table import search_form, tabs
from portal.core.principal import DASHBOARD
from portal.pages.identity.auth import password_inputs
from portal.services.identity.profile import LABELS, LIMITS
from portal.state.display import DASH
from portal.state.identity.confirm_email import LOGIN_TO_CONFIRM, ConfirmEmailState
from portal.state.identity.preferences import PreferencesState
from portal.state.public import BrandState

S = PreferencesState


def _input(
    name: str, value: rx.Var, *, required: bool = False, kind: str = "text", auto: str = ""
) -> rx.Component:
    return field(
        LABELS[name] + (" *" if required else ""),
        rx.input(
            id=f"pref-{name}",
            name=name,
            type=kind,
            default_value=value,
            key=S.form_key.to(str) + name,
            max_length=LIMITS[name],
            required=required,
            auto_complete=auto or "off",
            size="3",
        ),
        S.detail_errors.get(name, ""),
        html_for=f"pref-{name}",
    )


def details_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Your details", size="4", as_="h2"),
                rx.grid(
                    _input("first_name", S.first_name, required=True, auto="given-name"),
                    _input("last_name", S.last_name, auto="family-name"),
                    _input("phone", S.phone, kind="tel", auto="tel"),
                    _input("mobile", S.mobile, kind="tel", auto="tel"),
                    _input("position", S.position, auto="organization-title"),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                _input("email", S.email, required=True, kind="email", auto="email"),
                rx.cond(
                    S.pending_email != "",
                    rx.callout(
                        rx.text(
                            "Waiting for confirmation: we sent a link to ",
                            rx.text.strong(S.pending_email),
                            ". Your email stays ",
                            rx.text.strong(S.email),
                            " until you open the link and confirm it, logged in as you.",
                        ),
                        icon="mail",
                        color_scheme="blue",
                        id="pending-email",
                        width="100%",
                    ),
                    rx.text(
                        "A new email address is confirmed by a link we send to it.",
                        size="1",
                        color_scheme="gray",
                    ),
                ),
                rx.data_list.root(
                    fact(
                        "Username", rx.text(rx.cond(S.username != "", S.username, DASH), id="pref-username")
                    ),
                ),
                rx.text("Your username cannot be changed.", size="1", color_scheme="gray"),
                form_error(S.detail_errors.get("form", "")),
                rx.button("Save", type="submit", id="save-details"),
                spacing="4",
                width="100%",
            ),
            on_submit=S.save_details,
            reset_on_submit=False,
        ),
        id="details-card",
    )


def password_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Change password", size="4", as_="h2"),
                field(
                    "Current password",
                    rx.input(
                        id="current",
                        name="current",
                        type="password",
                        auto_complete="current-password",
                        required=True,
                        size="3",
                    ),
                    S.errors.get("current", ""),
                    html_for="current",
                ),
                password_inputs(S),
                form_error(S.errors.get("form", "")),
                rx.button("Change password", type="submit", loading=S.busy, id="change-password"),
                spacing="4",
                width="100%",
            ),
            on_submit=S.change_password,
            reset_on_submit=False,
        ),
    )


def details_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.changed,
            rx.callout(
                "Your password was changed. Other browsers signed in as you have been logged out.",
                icon="circle-check",
                color_scheme="green",
                id="password-changed",
                width="100%",
            ),
        ),
        rx.grid(
            details_form(),
            password_form(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def _file_row(f: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(
            rx.hstack(
                rx.icon("paperclip", size=14),
                server_link(f["name"], href=f["href"], download=True, class_name="attachment-link"),
                align="center",
                spacing="2",
            )
        ),
        rx.table.cell(f["size"], white_space="nowrap"),
        rx.table.cell(f["when"], white_space="nowrap"),
    )


def attachments_tab() -> rx.Component:
    return rx.vstack(
        rx.text(
            "Contracts, agreements and other files we keep for your company.", size="2", color_scheme="gray"
        ),
        search_form(
            S.file_search,
            S.search_files,
            S.clear_file_search,
            "File name",
            label="Search files by name",
            input_ids=("file-search", "file-search-button"),
        ),
        rx.cond(
            S.files.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Name"),
                            rx.table.column_header_cell("Size"),
                            rx.table.column_header_cell("Added"),
                        )
                    ),
                    rx.table.body(rx.foreach(S.files, _file_row)),
                    variant="surface",
                    size="2",
                    width="100%",
                    id="files-table",
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.center(
                rx.text(
                    rx.cond(S.file_search != "", "No file matches your search.", "No files yet."),
                    color_scheme="gray",
                ),
                padding="2em",
                width="100%",
                id="no-files",
            ),
        ),
        rx.cond(
            S.files_capped,
            rx.text(
                "Showing the newest ",
                S.files.length(),
                " of ",
                S.file_total,
                " files: search by name to find others.",
                size="1",
                color_scheme="gray",
            ),
        ),
        spacing="3",
        width="100%",
    )


def _link_or_text(text: rx.Var, href: rx.Var) -> rx.Component:
    return rx.cond(href != "", rx.link(text, href=href, is_external=True, id="contractor-website"), text)


def company_tab() -> rx.Component:
    c, k = S.company, S.contractor
    return rx.grid(
        rx.card(
            rx.vstack(
                rx.heading("Your company", size="4", as_="h2"),
                rx.data_list.root(
                    fact("Name", c["name"]),
                    fact("Business number", c["business_number"]),
                    fact("Address", rx.text(c["address"], white_space="pre-wrap")),
                    fact("Postal address", rx.text(c["postal_address"], white_space="pre-wrap")),
                    fact("Phone", c["phone"]),
                    fact("Email", c["email"]),
                ),
                rx.text(
                    "To change these details, contact us: they are kept with your account.",
                    size="1",
                    color_scheme="gray",
                ),
                spacing="3",
            ),
            id="company-card",
        ),
        rx.card(
            rx.vstack(
                rx.heading("Your contractor", size="4", as_="h2"),
                rx.data_list.root(
                    fact("Name", k["name"]),
                    fact("Phone", k["phone"]),
                    fact("Email", k["email"]),
                    fact("Business number", k["business_number"]),
                    fact("Website", _link_or_text(k["website"], k["website_href"])),
                    fact("Address", rx.text(k["address"], white_space="pre-wrap")),
                ),
                spacing="3",
            ),
            id="contractor-card",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


@template("/preferences", "Preferences", DASHBOARD, on_load=[PreferencesState.load])
def preferences() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Preferences",
            rx.cond(
                S.can_manage_contacts,
                rx.link(
                    rx.button(rx.icon("users", size=16), "Contacts", variant="soft"),
                    href="/preferences/contacts",
                    id="contacts-link",
                ),
            ),
        ),
        tabs(S, [("details", "Details"), ("attachments", "Attachments"), ("company", "Company information")]),
        rx.match(
            S.tab,
            ("attachments", attachments_tab()),
            ("company", company_tab()),
            details_tab(),
        ),
        spacing="4",
        width="100%",
    )


def _confirm_email_body() -> rx.Component:
    c = ConfirmEmailState
    asking = rx.vstack(
        rx.text("Use this address for your portal login?", size="2"),
        rx.text(c.new_email, weight="bold", id="new-email"),
        rx.text(
            "Your username stays as it is; links and notices go to this address from now on.",
            size="1",
            color_scheme="gray",
        ),
        rx.button("Confirm email address", on_click=c.confirm, size="3", width="100%", id="confirm-email"),
        spacing="3",
        width="100%",
    )
    done = rx.vstack(
        rx.callout(
            rx.text("Your email address is now ", rx.text.strong(c.new_email), "."),
            icon="circle-check",
            color_scheme="green",
            id="email-confirmed",
        ),
        rx.link("Go to your portal", href="/dashboard"),
        spacing="3",
    )
    blocked = rx.vstack(
        rx.text("New address: ", rx.text.strong(c.new_email, id="new-email"), size="2"),
        rx.callout(c.error, icon="lock", color_scheme="amber", id="confirm-blocked"),
        rx.cond(
            c.needs_login,
            rx.link(
                rx.button("Log in to confirm", size="3", width="100%"),
                href=LOGIN_TO_CONFIRM,
                id="login-to-confirm",
                width="100%",
            ),
            rx.link("Back to Preferences", href="/preferences"),
        ),
        spacing="3",
        width="100%",
    )
    refused = link_refused(c.error, rx.link("Back to Preferences", href="/preferences"))
    return rx.cond(
        c.checked,
        rx.cond(c.done, done, rx.cond(c.token_ok, rx.cond(c.error != "", blocked, asking), refused)),
        checking_link(),
    )


@public_page(
    "/preferences/confirm-email",
    "Confirm your email address",
    on_load=[BrandState.load, ConfirmEmailState.load],
)
def confirm_email() -> rx.Component:
    return auth_card(_confirm_email_body(), title="Confirm your email address", company=BrandState.company)
