"""Manage Payments: automatic payments, Change Card Details, Options > Cancel Auto-pay."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field, form_error
from portal.components.payment import hosted_card_box
from portal.components.shell import page_heading, template
from portal.components.table import options_menu
from portal.models import Page
from portal.state.billing.manage_payments import ManagePaymentsState as M

HEADERS = ("Recurring invoice", "Site", "Total inc. tax", "Frequency", "Last payment", "Next invoice due", "")


def payment_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text("#" + row["number"], weight="medium"),
                rx.text(row["name"], size="1", color_scheme="gray"),
                spacing="0",
            )
        ),
        rx.table.cell(row["site"]),
        rx.table.cell(row["total"], text_align="right", white_space="nowrap"),
        rx.table.cell(row["frequency"]),
        rx.table.cell(row["last"], white_space="nowrap"),
        rx.table.cell(row["next"], white_space="nowrap"),
        rx.table.cell(
            options_menu(
                row["number"],
                rx.menu.item(
                    "Cancel Auto-pay",
                    color="red",
                    on_select=M.ask_cancel(row["id"]),
                    data_cancel=row["number"],
                ),
            )
        ),
    )


def own_card_fields() -> rx.Component:
    """The portal's own card inputs, for the sandbox gateway; with Stripe its hosted element replaces them."""
    return rx.vstack(
        field(
            "Card Number",
            rx.input(
                name="number",
                id="card-number",
                auto_complete="cc-number",
                input_mode="numeric",
                max_length=23,
                required=True,
            ),
            M.card_errors.get("number", ""),
            html_for="card-number",
        ),
        rx.hstack(
            field(
                "Expiry (MM/YY)",
                rx.input(name="expiry", id="card-expiry", placeholder="MM/YY", max_length=7, required=True),
                M.card_errors.get("expiry", ""),
                html_for="card-expiry",
            ),
            field(
                "CVV",
                rx.input(name="cvv", id="card-cvv", type="password", max_length=4, required=True),
                M.card_errors.get("cvv", ""),
                html_for="card-cvv",
            ),
            spacing="3",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def card_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Change Card Details"),
            rx.dialog.description(
                "One card pays all your automatic payments. The new card replaces the old one.", size="2"
            ),
            rx.form(
                rx.vstack(
                    field(
                        "Name on Card",
                        rx.input(name="name", id="card-name", auto_complete="cc-name", required=True),
                        M.card_errors.get("name", ""),
                        html_for="card-name",
                    ),
                    rx.cond(M.hosted, hosted_card_box(M.stripe_key, M.stripe_js), own_card_fields()),
                    form_error(M.card_errors.get("form", "")),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Save card", type="submit", loading=M.busy, id="save-card"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=M.save_card,
                reset_on_submit=False,
            ),
            max_width="440px",
        ),
        open=M.card_open,
        on_open_change=M.set_card_open,
    )


def cancel_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel automatic payment?"),
            rx.alert_dialog.description(
                rx.text(
                    "Recurring invoice #",
                    M.cancelling,
                    " will no longer be paid from your card. "
                    "You can still pay its invoices online when they arrive.",
                ),
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Keep it", variant="soft", color_scheme="gray", on_click=M.keep)
                ),
                rx.alert_dialog.action(
                    rx.button(
                        "Cancel Auto-pay",
                        color_scheme="red",
                        on_click=M.confirm_cancel,
                        id="confirm-cancel-autopay",
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
        open=M.cancelling != "",
    )


@template("/invoices/payments", "Manage Payments", Page.INVOICES, on_load=[M.load])
def manage_payments() -> rx.Component:
    return rx.vstack(
        page_heading("Manage Payments", rx.link("Back to invoices", href="/invoices", size="2")),
        rx.card(
            rx.hstack(
                rx.icon("credit-card", size=20),
                rx.vstack(
                    rx.text("Card for automatic payments", size="2", color_scheme="gray"),
                    rx.cond(
                        M.card != "",
                        rx.text(M.card, " · expires ", M.card_expiry, weight="medium", id="saved-card"),
                        rx.text("No card saved yet.", weight="medium", id="saved-card"),
                    ),
                    spacing="0",
                ),
                rx.spacer(),
                rx.button("Change Card Details", variant="soft", on_click=M.open_card, id="change-card"),
                align="center",
                width="100%",
                wrap="wrap",
            ),
            width="100%",
        ),
        rx.heading("Automatic Payments", size="4", as_="h2"),
        rx.cond(
            M.rows.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in HEADERS])),
                    rx.table.body(rx.foreach(M.rows, payment_row)),
                    variant="surface",
                    width="100%",
                    id="autopay-table",
                ),
                width="100%",
                overflow_x="auto",
            ),
            rx.cond(
                M.loaded,
                rx.text("No invoices are paid automatically.", color_scheme="gray", id="no-autopay"),
                rx.spinner(),
            ),
        ),
        card_dialog(),
        cancel_dialog(),
        spacing="4",
        width="100%",
    )
