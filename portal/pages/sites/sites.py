"""Sites > Sites: the contact's sites with their address, site contacts and open jobs; search, sort, CSV."""

from __future__ import annotations

import reflex as rx

from portal.components.shell import page_heading, template
from portal.components.table import PHONE_HIDE, Column, list_screen, options_menu
from portal.models import Page
from portal.state.sites.sites import SitesState

COLUMNS = [
    Column("name", "Site", "name", min_width="160px", card="title"),
    Column("address", "Address", "address", min_width="220px", phone=False),
    Column("contacts", "Site contacts", "contacts", align="right"),
    Column("open_jobs", "Open jobs", "open_jobs", align="right"),
    Column("options", "", card="options"),
]


def site_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.link(row["name"], href=row["href"], weight="medium", data_site=row["id"]),
                # On a phone the address column is hidden, so it reads under the name instead.
                rx.text(
                    row["address"],
                    size="1",
                    color_scheme="gray",
                    display=rx.breakpoints(initial="block", md="none"),
                ),
                spacing="0",
            )
        ),
        rx.table.cell(row["address"], class_name=PHONE_HIDE),
        rx.table.cell(row["contacts"], text_align="right"),
        rx.table.cell(row["open_jobs"], text_align="right"),
        rx.table.cell(
            options_menu(
                row["number"],
                rx.menu.item(rx.icon("eye", size=14), "View site", on_select=rx.redirect(row["href"])),
                rx.menu.item(
                    rx.icon("pencil", size=14),
                    "Edit site",
                    on_select=rx.redirect(row["href"] + "?tab=details"),
                ),
            )
        ),
    )


@template("/sites", "Sites", Page.SITES, on_load=[SitesState.load])
def sites_page() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Sites",
            rx.link(
                rx.button(rx.icon("plus", size=16), "Create New Site"), href="/sites/new", id="create-site"
            ),
        ),
        *list_screen(
            SitesState,
            [("all", "All sites")],
            "Site name or address",
            COLUMNS,
            site_row,
            "No sites yet.",
        ),
        spacing="4",
        width="100%",
    )
