"""``/office/payments``: every payment received, online (card, automatic) and offline, with receipts."""

from __future__ import annotations

import reflex as rx

from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import PHONE_HIDE, Column, data_table, search_bar, tabs
from portal.core.principal import Duty
from portal.state.office.payments import OfficePaymentsState

P = OfficePaymentsState

COLUMNS = [
    Column("receipt", "Receipt", "receipt", card="title"),
    Column("customer", "Customer", "customer", min_width="160px", card="subtitle"),
    Column("date", "Date", "date", min_width="110px", card="detail"),
    Column("method", "Method", card="status"),
    Column("reference", "Reference", phone=False),
    Column("invoices", "Invoices", phone=False),
    Column("recorded_by", "Recorded by", phone=False),
    Column("amount", "Amount", "amount", align="right", card="amount"),
]


def payment_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row["receipt"], white_space="nowrap", data_receipt=row["receipt"]),
        rx.table.cell(row["customer"]),
        rx.table.cell(row["date"], white_space="nowrap"),
        rx.table.cell(row["method"]),
        rx.table.cell(row["reference"], class_name=PHONE_HIDE),
        rx.table.cell(row["invoices"], class_name=PHONE_HIDE),
        rx.table.cell(row["recorded_by"], class_name=PHONE_HIDE),
        rx.table.cell(row["amount"], text_align="right", white_space="nowrap"),
    )


@office_page("/office/payments", "Payments", Duty.TAKE_PAYMENTS, on_load=[P.load])
def office_payments_page() -> rx.Component:
    return rx.vstack(
        page_heading("Payments"),
        tabs(
            P,
            [("all", "All"), ("online", "Online"), ("offline", "Offline")],
            search_bar(P, "Receipt, customer, reference or invoice no."),
            data_table(P, COLUMNS, payment_row, "No payments here."),
        ),
        spacing="4",
        width="100%",
        id="office-payments",
    )
