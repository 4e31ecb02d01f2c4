"""Invoices > Statement: balances for a date range, ageing, the lines, and paying from the statement."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field
from portal.components.links import server_link
from portal.components.payment import invoice_tick, pay_ticked_button, payment_dialog
from portal.components.shell import page_heading, template
from portal.components.table import csv_menu, scroll_region
from portal.models import Page
from portal.state.billing.statement import UNPAID_SHOWN
from portal.state.billing.statement import StatementState as S


def _figure(label: str, value: rx.Var, ident: str) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.text(value, size="5", weight="bold", id=ident),
            spacing="1",
        )
    )


def _date_field(label: str, name: str) -> rx.Component:
    """``name`` is the date's name in the address, the form, the state and its errors."""
    value, error = getattr(S, name), S.errors.get(name, "")
    return rx.box(
        field(
            label,
            rx.input(
                type="date",
                name=name,
                id=name,
                default_value=value,
                key=value,
                aria_invalid=rx.cond(error != "", "true", "false"),
            ),
            error,
            html_for=name,
        ),
        min_width="160px",
    )


def range_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            _date_field("From", "start"),
            _date_field("To", "end"),
            rx.button("Search", type="submit", id="statement-search", align_self="start", margin_top="1.6em"),
            rx.spacer(),
            server_link(
                rx.button(rx.icon("printer", size=14), "Print Statement", variant="soft"),
                href="/documents/statement.pdf?" + S.export_query,
                new_tab=True,
                id="print-statement",
            ),
            csv_menu("/export/statement.csv?" + S.export_query, title=None),
            align="end",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        on_submit=S.search,
        reset_on_submit=False,
        width="100%",
    )


def lines_table() -> rx.Component:
    cell = {"white_space": "nowrap"}
    return rx.vstack(
        scroll_region(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h, text_align=a)
                            for h, a in (
                                ("Date", "left"),
                                ("Type", "left"),
                                ("Reference", "left"),
                                ("Description", "left"),
                                ("Debit", "right"),
                                ("Credit", "right"),
                                ("Balance", "right"),
                            )
                        ]
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        S.lines,
                        lambda x: rx.table.row(
                            rx.table.cell(x["date"], **cell),
                            rx.table.cell(x["kind"]),
                            rx.table.cell(x["reference"]),
                            rx.table.cell(x["description"]),
                            rx.table.cell(x["debit"], text_align="right", **cell),
                            rx.table.cell(x["credit"], text_align="right", **cell),
                            rx.table.cell(x["balance"], text_align="right", **cell),
                        ),
                    )
                ),
                variant="surface",
                size="1",
                width="100%",
                id="statement-lines",
            ),
            "Statement lines",
        ),
        rx.cond(
            S.line_count == 0, rx.text("No invoices or payments in this date range.", color_scheme="gray")
        ),
        rx.hstack(
            rx.text(S.line_count, " lines", size="2", color_scheme="gray", id="line-count"),
            rx.spacer(),
            rx.icon_button(
                rx.icon("chevron-left", size=16),
                variant="soft",
                size="1",
                disabled=S.line_page <= 1,
                on_click=S.go_to(S.line_page - 1),
                aria_label="Previous page",
                id="statement-prev",
            ),
            rx.text(f"Page {S.line_page} of {S.line_pages}", size="2"),
            rx.icon_button(
                rx.icon("chevron-right", size=16),
                variant="soft",
                size="1",
                disabled=S.line_page >= S.line_pages,
                on_click=S.go_to(S.line_page + 1),
                aria_label="Next page",
                id="statement-next",
            ),
            width="100%",
            align="center",
        ),
        width="100%",
        spacing="2",
    )


def unpaid_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Invoices", size="4", as_="h2"),
                rx.spacer(),
                rx.text(S.unpaid_count, " unpaid", size="2", color_scheme="gray"),
                width="100%",
            ),
            rx.cond(
                S.unpaid.length() > 0,
                rx.vstack(
                    rx.checkbox("Select All", on_change=S.select_all, id="statement-select-all"),
                    rx.foreach(
                        S.unpaid,
                        lambda u: rx.hstack(
                            invoice_tick(S, u),
                            rx.text("Invoice #" + u["number"], size="2"),
                            rx.text(
                                "due " + u["due"],
                                size="2",
                                color=rx.cond(
                                    u["overdue"] == "yes", rx.color("red", 11), rx.color("gray", 11)
                                ),
                            ),
                            rx.spacer(),
                            rx.text(u["balance"], size="2"),
                            width="100%",
                            align="center",
                        ),
                    ),
                    rx.cond(
                        S.unpaid_count > UNPAID_SHOWN,
                        rx.text(
                            f"The oldest {UNPAID_SHOWN} are listed; pay the rest from Invoices > Unpaid.",
                            size="1",
                            color_scheme="gray",
                        ),
                    ),
                    pay_ticked_button(S, "statement-pay"),
                    spacing="2",
                    width="100%",
                ),
                rx.text("Nothing is owed. Thank you.", size="2", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


@template("/invoices/statement", "Statement", Page.INVOICES, on_load=[S.load])
def statement_page() -> rx.Component:
    return rx.vstack(
        page_heading("Statement", rx.link("Back to invoices", href="/invoices", size="2")),
        range_form(),
        rx.cond(
            S.errors.length() > 0,
            rx.text(
                "Fix the date range above to see the statement.", color_scheme="gray", id="range-problem"
            ),
            rx.cond(
                S.loaded,
                rx.vstack(
                    rx.grid(
                        _figure("Opening balance", S.opening, "opening"),
                        _figure("Invoiced", S.debits, "debits"),
                        _figure("Paid", S.credits, "credits"),
                        _figure("Closing balance", S.closing, "closing"),
                        columns=rx.breakpoints(initial="2", md="4"),
                        spacing="3",
                        width="100%",
                    ),
                    rx.hstack(
                        rx.foreach(
                            S.ageing,
                            lambda a: rx.vstack(
                                rx.text(a["label"], size="1", color_scheme="gray"),
                                rx.text(a["amount"], size="3", weight="medium"),
                                spacing="0",
                            ),
                        ),
                        spacing="6",
                        wrap="wrap",
                        id="ageing",
                    ),
                    lines_table(),
                    unpaid_section(),
                    spacing="4",
                    width="100%",
                ),
                rx.center(rx.spinner(), padding="3em", width="100%"),
            ),
        ),
        payment_dialog(),
        spacing="4",
        width="100%",
    )
