"""Quotes > Outstanding and Actioned: the list, a quote's details, print, attachments, accept or decline."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import detail_dialog, fact, record_options
from portal.components.forms import field, form_error
from portal.components.shell import page_heading, template
from portal.components.table import Column, list_screen, status_badge
from portal.components.work import created_banner, work_cells, work_columns
from portal.models import Page
from portal.state.work.quotes import QuotesState

COLUMNS = work_columns(
    "Quote",
    Column("status", "Status", "status", card="status"),
    Column("cost", "Cost", "cost", align="right", card="amount"),
    Column("options", "", card="options"),
)


def quote_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        *work_cells(QuotesState, row, "Quote"),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(row["cost"], text_align="right", white_space="nowrap"),
        rx.table.cell(record_options(QuotesState, row, "Quote", attachments=True)),
    )


def _decision_form(heading: str, fields: list[rx.Component], submit: str, color: str, submit_id: str):
    """Accepting and declining ask different things but are sent, cancelled and refused alike."""
    return rx.form(
        rx.vstack(
            rx.heading(heading, size="3"),
            *fields,
            form_error(QuotesState.errors.get("form", "")),
            rx.hstack(
                rx.button(
                    "Cancel",
                    variant="soft",
                    color_scheme="gray",
                    type="button",
                    on_click=QuotesState.start_decision(""),
                ),
                rx.button(submit, type="submit", color_scheme=color, loading=QuotesState.busy, id=submit_id),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=QuotesState.decide,
    )


def decision_panel() -> rx.Component:
    accept = _decision_form(
        "Accept this quote",
        [
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
        ],
        "Accept quote",
        "grass",
        "confirm-accept",
    )
    decline = _decision_form(
        "Decline this quote",
        [
            field(
                "Reason",
                rx.text_area(name="reason", id="decline-reason", max_length=2000, required=True),
                QuotesState.errors.get("reason", ""),
                html_for="decline-reason",
            ),
        ],
        "Decline quote",
        "red",
        "confirm-decline",
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
        dialog_id="quote-detail",
        facts=[
            rx.cond(d["priced"] == "yes", fact("Valid until", d["valid_until"])),
            rx.cond(d["decision"] == "accepted", fact("Accepted", d["decided_at"] + " by " + d["signer"])),
            rx.cond(d["decision"] == "declined", fact("Declined", d["decided_at"])),
            rx.cond(d["decline_reason"] != "", fact("Reason", d["decline_reason"])),
        ],
        items_empty="We're pricing this request. The cost appears here once the quote is actioned.",
        after=(decision_panel(),),
    )


@template("/quotes", "Quotes", Page.QUOTES, on_load=[QuotesState.load])
def quotes_page() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Quotes", rx.link(rx.button(rx.icon("plus", size=16), "Request a Quote"), href="/quotes/request")
        ),
        created_banner(
            QuotesState,
            f"Quote request #{QuotesState.created} sent. We'll price it and it will move to Actioned.",
        ),
        *list_screen(
            QuotesState,
            [("outstanding", "Outstanding"), ("actioned", "Actioned")],
            "Quote no., site, description or order no.",
            COLUMNS,
            quote_row,
            "No quotes here yet.",
        ),
        quote_dialog(),
        spacing="4",
        width="100%",
    )
