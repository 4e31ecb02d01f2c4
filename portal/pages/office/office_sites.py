"""A customer's site in the back office: details, site contacts, its assets and contracts, close."""

from __future__ import annotations

import reflex as rx

from portal.components.form_dialog import contact_fields, form_dialog
from portal.components.forms import form_error
from portal.components.office_shell import office_page
from portal.components.shell import loading
from portal.components.site_form import site_fields
from portal.components.table import scroll_region, search_form
from portal.core.principal import Duty
from portal.services.sites.site_contacts import LIMITS as CONTACT_LIMITS
from portal.state.office.sites import OfficeSiteState

S = OfficeSiteState
DUTY = Duty.MANAGE_CUSTOMERS


def section(
    title: str, *children: rx.Component, actions: rx.Component | None = None, **props
) -> rx.Component:
    """A card with an h2 and its content: the office's detail screens are made of these."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="4", as_="h2"),
                rx.spacer(),
                actions or rx.fragment(),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            *children,
            spacing="3",
            width="100%",
        ),
        width="100%",
        **props,
    )


def missing(what: str) -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.heading(f"{what} not found", size="5", as_="h1", id="not-found"),
                rx.text("It may have been removed, or the link is wrong.", color_scheme="gray"),
                rx.link(rx.button("Back office home", variant="soft", high_contrast=True), href="/office"),
                align="center",
                spacing="3",
                padding="1.5em",
            ),
            max_width="480px",
        ),
        padding_top="4em",
    )


def _details() -> rx.Component:
    return section(
        rx.cond(S.is_new, "New site", "Site details"),
        rx.form(
            rx.vstack(
                site_fields("site", S.errors, S.values),
                form_error(S.errors.get("form", "")),
                rx.cond(
                    S.closed,
                    rx.text(
                        "This site is closed; its details can no longer be changed.", color_scheme="gray"
                    ),
                    rx.button(
                        rx.icon("save", size=16), "Save", type="submit", loading=S.busy, id="site-save"
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            key=S.form_key,
            on_submit=S.save,
            reset_on_submit=False,
            id="office-site-form",
        ),
    )


def _contact_dialog() -> rx.Component:
    return form_dialog(
        title=S.contact_title,
        description=rx.dialog.description("A person to call about this site.", size="2", color_scheme="gray"),
        body=[
            contact_fields("site-contact", S.contact_values, S.contact_errors, CONTACT_LIMITS),
            form_error(S.contact_errors.get("form", "")),
        ],
        submit=rx.button("Save", type="submit", id="site-contact-save"),
        key=S.contact_key,
        on_submit=S.save_contact,
        is_open=S.contact_open,
        on_open_change=S.set_contact_open,
        dialog_id="site-contact-dialog",
        max_width="560px",
    )


def confirm_dialog(
    title: str, body: rx.Component, label: str, on_click, is_open, on_change, control_id: str, error=None
):
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(body),
            form_error(error) if error is not None else rx.fragment(),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", high_contrast=True, color_scheme="gray")
                ),
                rx.button(label, color_scheme="red", on_click=on_click, id=control_id),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="480px",
        ),
        open=is_open,
        on_open_change=on_change,
    )


def _contacts() -> rx.Component:
    def row(c: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(c["name"]),
            rx.table.cell(c["position"]),
            rx.table.cell(c["phone"]),
            rx.table.cell(c["email"]),
            rx.table.cell(
                rx.cond(
                    ~S.closed,
                    rx.hstack(
                        rx.button(
                            "Edit",
                            size="1",
                            variant="soft",
                            high_contrast=True,
                            on_click=S.edit_contact(c["id"]),
                            aria_label="Edit " + c["name"],
                        ),
                        rx.button(
                            "Remove",
                            size="1",
                            variant="soft",
                            high_contrast=True,
                            color_scheme="red",
                            on_click=S.ask_remove(c["id"]),
                            aria_label="Remove " + c["name"],
                        ),
                        spacing="2",
                    ),
                )
            ),
            data_site_contact=c["name"],
        )

    return section(
        "Site contacts",
        rx.cond(
            S.contacts.length() > 0,
            scroll_region(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[rx.table.column_header_cell(h) for h in ("Name", "Position", "Phone", "Email")],
                            rx.table.column_header_cell(rx.el.span("Actions", class_name="sr-only")),
                        )
                    ),
                    rx.table.body(rx.foreach(S.contacts, row)),
                    width="100%",
                ),
                "Site contacts",
            ),
            rx.text("No site contacts yet.", color_scheme="gray", id="site-contacts-empty"),
        ),
        actions=rx.cond(
            ~S.closed,
            rx.button(
                rx.icon("user-plus", size=16),
                "Add contact",
                variant="soft",
                high_contrast=True,
                on_click=S.new_contact,
                id="site-contact-add",
            ),
        ),
    )


def _assets() -> rx.Component:
    def row(a: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(rx.link(a["number"], href=a["href"])),
            rx.table.cell(a["type"]),
            rx.table.cell(a["name"]),
            rx.table.cell(a["location"]),
            rx.table.cell(a["due"]),
            rx.table.cell(
                rx.badge(
                    a["status"],
                    color_scheme=rx.cond(a["status"] == "Active", "grass", "gray"),
                    variant="soft",
                    high_contrast=True,
                )
            ),
            data_asset=a["number"],
        )

    return section(
        "Assets",
        search_form(
            S.asset_search,
            S.search_assets,
            S.clear_asset_search,
            "Number, name, location or serial",
            label="Search this site's assets",
            input_ids=("site-asset-search", "site-asset-search-button"),
        ),
        rx.cond(
            S.assets.length() > 0,
            rx.vstack(
                scroll_region(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(h)
                                    for h in ("Asset No.", "Type", "Name", "Location", "Next due", "Status")
                                ]
                            )
                        ),
                        rx.table.body(rx.foreach(S.assets, row)),
                        width="100%",
                    ),
                    "This site's assets",
                ),
                rx.hstack(
                    rx.button(
                        "Previous",
                        variant="soft",
                        high_contrast=True,
                        size="1",
                        disabled=S.asset_page <= 1,
                        on_click=S.assets_page(S.asset_page - 1),
                    ),
                    rx.text(
                        "Page ",
                        S.asset_page,
                        " of ",
                        S.asset_pages,
                        " · ",
                        S.asset_total,
                        " assets",
                        size="2",
                    ),
                    rx.button(
                        "Next",
                        variant="soft",
                        high_contrast=True,
                        size="1",
                        disabled=S.asset_page >= S.asset_pages,
                        on_click=S.assets_page(S.asset_page + 1),
                    ),
                    spacing="3",
                    align="center",
                ),
                width="100%",
            ),
            rx.text(
                rx.cond(
                    S.asset_search != "",
                    "No assets match the search.",
                    "No assets registered at this site yet.",
                ),
                color_scheme="gray",
                id="site-assets-empty",
            ),
        ),
        actions=rx.cond(
            ~S.closed,
            rx.link(
                rx.button(rx.icon("plus", size=16), "Register asset", id="register-asset"),
                href="/office/assets/new?site=" + S.site_ref,
            ),
        ),
    )


def _contracts() -> rx.Component:
    return section(
        "Contracts covering this site",
        rx.cond(
            S.contracts.length() > 0,
            rx.vstack(
                rx.foreach(
                    S.contracts,
                    lambda c: rx.hstack(
                        rx.link(c["name"], href=c["href"]),
                        rx.text("expires ", c["expiry"], color_scheme="gray", size="2"),
                        spacing="2",
                        wrap="wrap",
                    ),
                ),
                spacing="1",
            ),
            rx.text("No contract covers this site.", color_scheme="gray"),
        ),
        actions=rx.link("New contract", href=S.new_contract_href, id="new-contract"),
    )


def _summary() -> rx.Component:
    return rx.hstack(
        rx.text("Customer: ", rx.link(S.customer_name, href=S.customer_href), size="2"),
        rx.badge(
            S.status,
            color_scheme=rx.cond(S.closed, "gray", "grass"),
            variant="soft",
            high_contrast=True,
            id="site-status",
        ),
        rx.cond(
            ~S.is_new,
            rx.text(
                S.active_assets, " active assets · ", S.open_jobs, " open jobs", size="2", color_scheme="gray"
            ),
        ),
        rx.link("Asset types and service levels", href="/office/lists", size="2"),
        spacing="3",
        wrap="wrap",
        align="center",
    )


def _close_dialog() -> rx.Component:
    return confirm_dialog(
        "Close this site",
        rx.text(
            "Close ",
            rx.text.strong(S.heading),
            "? Its ",
            S.active_assets,
            " active assets stay on record but leave the customer's site lists, PPM and reports;"
            " transfer any still in use first. A site with open jobs cannot be closed.",
        ),
        "Close site",
        S.close,
        S.close_open,
        S.set_close_open,
        "site-close-confirm",
        S.close_error,
    )


def _body() -> rx.Component:
    return rx.cond(
        ~S.loaded,
        loading(),
        rx.cond(
            ~S.found,
            missing("Site"),
            rx.vstack(
                rx.hstack(
                    rx.heading(S.heading, size="6", as_="h1", id="site-heading"),
                    rx.spacer(),
                    rx.cond(
                        ~S.is_new & ~S.closed,
                        rx.button(
                            "Close site",
                            color_scheme="red",
                            variant="soft",
                            high_contrast=True,
                            on_click=S.ask_close,
                            id="site-close",
                        ),
                    ),
                    width="100%",
                    align="center",
                    wrap="wrap",
                ),
                _summary(),
                _details(),
                rx.cond(
                    ~S.is_new, rx.vstack(_contacts(), _assets(), _contracts(), spacing="4", width="100%")
                ),
                _contact_dialog(),
                confirm_dialog(
                    "Remove site contact",
                    rx.text("Remove ", rx.text.strong(S.remove_name), " from this site's contacts?"),
                    "Remove",
                    S.remove_contact,
                    S.remove_open,
                    S.set_remove_open,
                    "site-contact-remove-confirm",
                ),
                _close_dialog(),
                spacing="4",
                width="100%",
                id="office-site",
            ),
        ),
    )


@office_page("/office/sites/new", "New site", DUTY, on_load=[S.start_new])
def office_new_site() -> rx.Component:
    return _body()


@office_page("/office/sites/[site_id]", "Site", DUTY, on_load=[S.load])
def office_site() -> rx.Component:
    return _body()
