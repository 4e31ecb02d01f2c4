"""Invoices > All, Unpaid and Paid: the Page Summary, the list, an invoice's details and its PDF."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import fact, items_table, number_cell, record_dialog, record_options
from portal.components.payment import invoice_tick, pay_ticked_button, payment_dialog
from portal.components.shell import page_heading, template
from portal.components.table import PHONE_HIDE, Column, list_screen, status_badge
from portal.models import Page
from portal.state.billing.invoices import InvoicesState
from portal.state.billing.payment import PaymentState

COLUMNS = [
    Column("select", "", card="select"),
    Column("number", "Invoice No.", "number", card="title"),
    Column("job", "Job No.", "job", phone=False),
    Column("site", "Site", "site", min_width="140px", card="subtitle"),
    Column("date", "Date", "date", min_width="110px", phone=False),
    Column("due", "Due", "due", min_width="110px", card="detail"),
    Column("total", "Total inc. tax", "total", align="right", phone=False),
    Column("paid", "Paid", "paid", align="right", phone=False),
    Column("balance", "Balance", "balance", align="right", card="amount"),
    Column("status", "Status", "status", card="status"),
    Column("options", "", card="options"),
]


def invoice_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.cond(row["payable"] == "yes", invoice_tick(InvoicesState, row))),
        number_cell(InvoicesState, row, "Invoice"),
        rx.table.cell(row["job"], class_name=PHONE_HIDE),
        rx.table.cell(row["site"]),
        rx.table.cell(row["date"], white_space="nowrap", class_name=PHONE_HIDE),
        rx.table.cell(row["due"], white_space="nowrap"),
        rx.table.cell(row["total"], text_align="right", white_space="nowrap", class_name=PHONE_HIDE),
        rx.table.cell(row["paid"], text_align="right", white_space="nowrap", class_name=PHONE_HIDE),
        rx.table.cell(row["balance"], text_align="right", white_space="nowrap"),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(
            record_options(
                InvoicesState,
                row,
                "Invoice",
                rx.cond(
                    row["payable"] == "yes",
                    rx.menu.item(
                        rx.icon("credit-card", size=14),
                        "Pay Online",
                        on_select=PaymentState.start([row["id"]]),
                        data_pay=row["number"],
                    ),
                ),
                attachments=False,
            )
        ),
    )


def page_summary() -> rx.Component:
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text("Balance outstanding", size="2", color_scheme="gray"),
                rx.text(InvoicesState.balance, size="6", weight="bold", id="summary-balance"),
                rx.text(InvoicesState.unpaid_count, " unpaid invoices", size="1", color_scheme="gray"),
                spacing="1",
            ),
            rx.vstack(
                rx.text("Overdue", size="2", color_scheme="gray"),
                rx.text(
                    InvoicesState.overdue,
                    size="6",
                    weight="bold",
                    id="summary-overdue",
                    color=rx.cond(InvoicesState.overdue_count > 0, rx.color("red", 11), rx.color("gray", 12)),
                ),
                rx.text(InvoicesState.overdue_count, " past their due date", size="1", color_scheme="gray"),
                spacing="1",
            ),
            spacing="8",
            wrap="wrap",
        ),
        width="100%",
        id="page-summary",
    )


def invoice_dialog() -> rx.Component:
    d = InvoicesState.detail
    return record_dialog(
        InvoicesState,
        kind="Invoice",
        dialog_id="invoice-detail",
        facts=[
            fact("Job No.", d["job"]),
            fact("Order No.", d["order"]),
            fact("Date", d["issued_on"]),
            fact("Due", d["due_on"]),
            fact("Paid", d["paid"]),
            fact("Balance due", rx.text(d["balance"], weight="bold", id="detail-balance")),
        ],
        body=[
            rx.text(d["description"], white_space="pre-wrap", size="2"),
            items_table(InvoicesState, "No lines on this invoice."),
            rx.cond(
                InvoicesState.payments.length() > 0,
                rx.vstack(
                    rx.heading("Payments", size="3"),
                    rx.foreach(
                        InvoicesState.payments,
                        lambda p: rx.text(
                            p["date"]
                            + " · "
                            + p["amount"]
                            + " · receipt "
                            + p["receipt"]
                            + " · "
                            + p["card"],
                            size="2",
                        ),
                    ),
                    spacing="1",
                ),
            ),
        ],
    )


def pay_bar() -> rx.Component:
    """Pay Online at the bottom of the list, for the invoices ticked on this page."""
    return rx.cond(
        InvoicesState.rows.length() > 0,
        rx.hstack(
            rx.checkbox(
                "Select all unpaid on this page", on_change=InvoicesState.select_all, id="select-all"
            ),
            rx.spacer(),
            rx.text(
                InvoicesState.selected.length(),
                " selected · ",
                InvoicesState.selected_total,
                size="2",
                color_scheme="gray",
            ),
            pay_ticked_button(InvoicesState, "pay-online"),
            width="100%",
            align="center",
            wrap="wrap",
            spacing="3",
        ),
    )


@template("/invoices", "Invoices", Page.INVOICES, on_load=[InvoicesState.load])
def invoices_page() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Invoices",
            rx.link(
                rx.button(rx.icon("scroll-text", size=16), "Statement", variant="soft"),
                href="/invoices/statement",
            ),
            rx.link(
                rx.button(rx.icon("repeat", size=16), "Manage Payments", variant="soft"),
                href="/invoices/payments",
            ),
        ),
        page_summary(),
        *list_screen(
            InvoicesState,
            [("all", "All"), ("unpaid", "Unpaid"), ("paid", "Paid")],
            "Invoice no. or job no.",
            COLUMNS,
            invoice_row,
            "No invoices here.",
        ),
        pay_bar(),
        invoice_dialog(),
        payment_dialog(),
        spacing="4",
        width="100%",
    )
