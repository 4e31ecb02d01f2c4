"""Quotes > Outstanding and Actioned: the list, a quote's details, print, attachments, accept or decline."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import detail_dialog, fact, items_table
from portal.components.forms import field, form_error
from portal.components.links import server_link
from portal.components.shell import template
from portal.components.table import PHONE_HIDE, Column, data_table, search_bar, status_badge, tabs
from portal.models import Page
from portal.state.work.quotes import QuotesState

COLUMNS = [
    Column("number", "Quote No.", "number"),
    Column("site", "Site", "site", min_width="140px"),
    Column("description", "Description", "description", min_width="220px", phone=False),
    Column("order", "Order No.", "order", phone=False),
    Column("date", "Date", "date", min_width="110px", phone=False),
    Column("status", "Status", "status"),
    Column("cost", "Cost", "cost", align="right"),
    Column("options", ""),
]


def options_menu(row: rx.Var) -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                "Options",
                rx.icon("chevron-down", size=14),
                variant="soft",
                size="1",
                data_options=row["number"],
            )
        ),
        rx.menu.content(
            rx.menu.item(
                rx.icon("eye", size=14), "View details", on_select=QuotesState.open_detail(row["id"])
            ),
            rx.menu.item(
                server_link(
                    rx.hstack(rx.icon("printer", size=14), "Print Quote", spacing="2"),
                    href="/documents/quotes/" + row["id"] + ".pdf",
                    new_tab=True,
                    width="100%",
                    color="inherit",
                ),
            ),
            rx.menu.item(
                rx.icon("paperclip", size=14), "Attachments", on_select=QuotesState.open_detail(row["id"])
            ),
        ),
    )


def quote_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.button(
                row["number"],
                variant="ghost",
                size="1",
                on_click=QuotesState.open_detail(row["id"]),
                data_quote=row["number"],
            ),
        ),
        rx.table.cell(row["site"]),
        rx.table.cell(rx.text(row["description"], size="2"), class_name=PHONE_HIDE),
        rx.table.cell(row["order"], class_name=PHONE_HIDE),
        rx.table.cell(row["date"], white_space="nowrap", class_name=PHONE_HIDE),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(row["cost"], text_align="right", white_space="nowrap"),
        rx.table.cell(options_menu(row)),
    )


def decision_panel() -> rx.Component:
    accept = rx.form(
        rx.vstack(
            rx.heading("Accept this quote", size="3"),
            field(
                "Your name (signature)",
                rx.input(name="signer", id="signer", max_length=200, required=True),
                QuotesState.errors.get("signer", ""),
                html_for="signer",
            ),
            field(
                "Order number (optional)",
                rx.input(name="order_number", id="accept-order", max_length=60),
                QuotesState.errors.get("order_number", ""),
                html_for="accept-order",
            ),
            rx.text(
                "By accepting you authorise the work at the total shown, including tax.",
                size="1",
                color_scheme="gray",
            ),
            form_error(QuotesState.errors.get("form", "")),
            rx.hstack(
                rx.button(
                    "Cancel",
                    variant="soft",
                    color_scheme="gray",
                    type="button",
                    on_click=QuotesState.start_decision(""),
                ),
                rx.button(
                    "Accept quote",
                    type="submit",
                    color_scheme="grass",
                    loading=QuotesState.busy,
                    id="confirm-accept",
                ),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=QuotesState.decide,
    )
    decline = rx.form(
        rx.vstack(
            rx.heading("Decline this quote", size="3"),
            field(
                "Reason",
                rx.text_area(name="reason", id="decline-reason", max_length=2000, required=True),
                QuotesState.errors.get("reason", ""),
                html_for="decline-reason",
            ),
            form_error(QuotesState.errors.get("form", "")),
            rx.hstack(
                rx.button(
                    "Cancel",
                    variant="soft",
                    color_scheme="gray",
                    type="button",
                    on_click=QuotesState.start_decision(""),
                ),
                rx.button(
                    "Decline quote",
                    type="submit",
                    color_scheme="red",
                    loading=QuotesState.busy,
                    id="confirm-decline",
                ),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=QuotesState.decide,
    )
    return rx.match(
        QuotesState.deciding,
        ("accept", rx.card(accept, width="100%")),
        ("decline", rx.card(decline, width="100%")),
        rx.cond(
            QuotesState.can_decide,
            rx.hstack(
                rx.button(
                    rx.icon("check", size=16),
                    "Accept",
                    color_scheme="grass",
                    on_click=QuotesState.start_decision("accept"),
                    id="accept-quote",
                ),
                rx.button(
                    "Decline",
                    variant="soft",
                    color_scheme="red",
                    on_click=QuotesState.start_decision("decline"),
                    id="decline-quote",
                ),
                spacing="2",
            ),
        ),
    )


def quote_dialog() -> rx.Component:
    d = QuotesState.detail
    return detail_dialog(
        QuotesState,
        kind="Quote",
        print_label="Print Quote",
        dialog_id="quote-detail",
        facts=[
            fact("Contact", d["contact"]),
            fact("Order No.", d["order"]),
            fact("Requested", d["requested_on"]),
            fact("Preferred date", d["preferred_date"]),
            rx.cond(d["priced"] == "yes", fact("Valid until", d["valid_until"])),
            rx.cond(d["decision"] == "accepted", fact("Accepted", d["decided_at"] + " by " + d["signer"])),
            rx.cond(d["decision"] == "declined", fact("Declined", d["decided_at"])),
            rx.cond(d["decline_reason"] != "", fact("Reason", d["decline_reason"])),
        ],
        body=[
            items_table(
                QuotesState, "We're pricing this request. The cost appears here once the quote is actioned."
            )
        ],
        after=(decision_panel(),),
    )


@template("/quotes", "Quotes", Page.QUOTES, on_load=[QuotesState.load])
def quotes_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Quotes", size="6", as_="h1"),
            rx.spacer(),
            rx.link(rx.button(rx.icon("plus", size=16), "Request a Quote"), href="/quotes/request"),
            width="100%",
            align="center",
        ),
        rx.cond(
            QuotesState.created != "",
            rx.callout(
                f"Quote request #{QuotesState.created} sent. We'll price it and it will move to Actioned.",
                icon="circle-check",
                color_scheme="green",
                id="created-banner",
                width="100%",
            ),
        ),
        tabs(QuotesState, [("outstanding", "Outstanding"), ("actioned", "Actioned")]),
        search_bar(QuotesState, "Quote no., site, description or order no.", QuotesState.csv_href),
        data_table(QuotesState, COLUMNS, quote_row, "No quotes here yet."),
        quote_dialog(),
        spacing="4",
        width="100%",
    )
