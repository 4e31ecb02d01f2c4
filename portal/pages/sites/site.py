"""A site's page and Create New Site: tabs Details, Contacts and Attachments, Save and Save and Finish.

The Details form stays mounted while another tab is shown, so Save and Finish (below the tabs, tied
to the form by its id) saves the details from any tab before going back to the list.
"""

from __future__ import annotations

import reflex as rx

from portal.components.detail import attachments_list
from portal.components.form_dialog import contact_fields, form_dialog
from portal.components.forms import form_error
from portal.components.shell import template
from portal.components.site_form import site_fields
from portal.components.table import PHONE_HIDE, search_form
from portal.models import Page
from portal.services.sites.site_contacts import LIMITS as CONTACT_LIMITS
from portal.services.sites.site_contacts import MAX_PER_SITE
from portal.services.sites.site_files import MAX_SHOWN
from portal.state.sites.site import SiteState
from portal.state.sites.site_files import UPLOAD_ID

S = SiteState
FORM_ID = "site-form"
ON_PHONE = rx.breakpoints(initial="block", md="none")


def details_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading(rx.cond(S.is_new, "New Site Details", "Site Details"), size="4", as_="h2"),
            site_fields("site", S.errors, S.values),
            rx.button(
                rx.icon("save", size=16),
                "Save",
                type="submit",
                loading=S.busy,
                on_click=S.finish_next(False),
                id="site-save",
            ),
            spacing="4",
            width="100%",
        ),
        id=FORM_ID,
        key=S.form_key,
        on_submit=S.save,
        reset_on_submit=False,
    )


def contact_dialog() -> rx.Component:
    return form_dialog(
        title=S.contact_title,
        description=rx.dialog.description("A person to call about this site.", size="2", color_scheme="gray"),
        body=[
            contact_fields("contact", S.contact_values, S.contact_errors, CONTACT_LIMITS),
            form_error(S.contact_errors.get("form", "")),
        ],
        submit=rx.button("Save", type="submit", loading=S.contact_busy, id="contact-save"),
        key=S.contact_key,
        on_submit=S.save_contact,
        is_open=S.contact_open,
        on_open_change=S.set_contact_open,
        dialog_id="contact-dialog",
        max_width="560px",
        high_contrast=False,
    )


def remove_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Remove site contact"),
            rx.alert_dialog.description(
                rx.text("Remove ", rx.text.strong(S.remove_name), " from this site's contacts?"),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Remove", color_scheme="red", on_click=S.remove_contact, id="contact-remove-confirm"
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="440px",
            id="remove-dialog",
        ),
        open=S.remove_open,
        on_open_change=S.set_remove_open,
    )


def _linked(text: rx.Var, href: rx.Var) -> rx.Component:
    """A phone number or email as a link; the href is built (and percent-encoded) by the state."""
    return rx.cond(href != "", rx.link(text, href=href), rx.text(text))


def contact_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(row["name"], weight="medium"),
                rx.text(row["position"], size="1", color_scheme="gray"),
                rx.text(row["mobile"] + " " + row["email"], size="1", color_scheme="gray", display=ON_PHONE),
                spacing="0",
            )
        ),
        rx.table.cell(_linked(row["phone"], row["phone_href"]), class_name=PHONE_HIDE),
        rx.table.cell(_linked(row["mobile"], row["mobile_href"]), class_name=PHONE_HIDE),
        rx.table.cell(_linked(row["email"], row["mailto"]), class_name=PHONE_HIDE),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    rx.icon("pencil", size=14),
                    "Edit",
                    variant="soft",
                    size="1",
                    on_click=S.edit_contact(row["id"]),
                    aria_label="Edit " + row["name"],
                    data_edit_contact=row["id"],
                ),
                rx.button(
                    rx.icon("trash-2", size=14),
                    "Remove",
                    variant="soft",
                    color_scheme="red",
                    size="1",
                    on_click=S.ask_remove(row["id"]),
                    aria_label="Remove " + row["name"],
                    data_remove_contact=row["id"],
                ),
                spacing="2",
                wrap="wrap",
            )
        ),
    )


def contacts_tab() -> rx.Component:
    def header(label: str, phone: bool = True) -> rx.Component:
        return rx.table.column_header_cell(label, **({} if phone else {"class_name": PHONE_HIDE}))

    return rx.vstack(
        rx.hstack(
            rx.heading("Site contacts", size="4", as_="h2"),
            rx.spacer(),
            rx.button(
                rx.icon("user-plus", size=16), "Create Contact", on_click=S.new_contact, id="contact-new"
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            S.contacts.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            header("Name"),
                            header("Phone", phone=False),
                            header("Mobile", phone=False),
                            header("Email", phone=False),
                            header(""),
                        )
                    ),
                    rx.table.body(rx.foreach(S.contacts, contact_row)),
                    variant="surface",
                    size="2",
                    width="100%",
                    id="site-contacts",
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.text("No contacts at this site yet.", color_scheme="gray", size="2", id="no-site-contacts"),
        ),
        rx.cond(
            S.contacts_more,
            rx.text(
                f"Showing the first {MAX_PER_SITE} contacts by name.",
                size="2",
                color_scheme="gray",
                id="contacts-more",
            ),
        ),
        contact_dialog(),
        remove_dialog(),
        spacing="3",
        width="100%",
    )


def attachments_tab() -> rx.Component:
    return rx.vstack(
        search_form(
            S.file_search,
            S.search_files,
            S.clear_file_search,
            "File name",
            label="Search files by name",
            input_ids=("file-search", "file-search-button"),
            name="file_q",
            width="280px",
        ),
        rx.cond(
            S.files_more,
            rx.text(
                f"Showing the newest {MAX_SHOWN} files: search by name to find an older one.",
                size="2",
                color_scheme="gray",
                id="files-more",
            ),
        ),
        attachments_list(S, UPLOAD_ID),
        spacing="3",
        width="100%",
    )


SITE_PANEL = "site-panel"


def _tab(value: str, label: str) -> rx.Component:
    # The tabs' content sits in one card below them (SITE_PANEL), not in Radix's own tab panels.
    return rx.tabs.trigger(
        label,
        value=value,
        data_tab=value,
        disabled=S.is_new if value != "details" else False,
        custom_attrs={"aria-controls": SITE_PANEL},
    )


def site_body() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=14), "Sites", spacing="1", align="center"), href="/sites"
        ),
        rx.heading(rx.cond(S.is_new, "Create New Site", S.heading), size="6", as_="h1", id="site-heading"),
        rx.tabs.root(
            rx.tabs.list(
                _tab("details", "Details"), _tab("contacts", "Contacts"), _tab("attachments", "Attachments")
            ),
            value=S.tab,
            on_change=S.set_tab,
            width="100%",
        ),
        rx.cond(
            S.is_new,
            rx.text("Save the site first, then add its contacts and files.", size="2", color_scheme="gray"),
        ),
        rx.card(
            rx.box(details_form(), display=rx.cond(S.tab == "details", "block", "none")),
            rx.cond(S.tab == "contacts", contacts_tab()),
            rx.cond(S.tab == "attachments", attachments_tab()),
            width="100%",
            id=SITE_PANEL,
            role="tabpanel",
        ),
        rx.hstack(
            rx.link(rx.button("Cancel", variant="soft", color_scheme="gray"), href="/sites"),
            rx.button(
                rx.icon("check", size=16),
                "Save and Finish",
                type="submit",
                custom_attrs={"form": FORM_ID},
                on_click=S.finish_next(True),
                loading=S.busy,
                id="site-save-finish",
            ),
            justify="end",
            width="100%",
            spacing="3",
        ),
        spacing="4",
        width="100%",
        max_width="960px",
    )


def not_found() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.icon("map-pin-off", size=32, color=rx.color("gray", 9)),
            rx.heading("That site is not available", size="5", id="site-missing"),
            rx.text("It may have been removed, or your login does not include it.", color_scheme="gray"),
            rx.link(rx.button("Back to Sites", variant="soft"), href="/sites"),
            align="center",
            spacing="3",
            padding="1.5em",
        ),
        max_width="480px",
    )


def site_page() -> rx.Component:
    return rx.cond(
        S.found,
        site_body(),
        rx.cond(S.loaded, not_found(), rx.center(rx.spinner(size="3"), padding="4em", aria_label="Loading")),
    )


@template("/sites/new", "Create New Site", Page.SITES, on_load=[S.start_new])
def new_site_page() -> rx.Component:
    return site_page()


@template("/sites/[site_id]", "Site", Page.SITES, on_load=[S.load])
def existing_site_page() -> rx.Component:
    return site_page()
