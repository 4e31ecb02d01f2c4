"""The office's invoices: the list (``/office/invoices``), one invoice (``/office/invoices/<id>``) and
a new invoice (``/office/invoices/new``, ``?job=<id>`` for a completed job's)."""

from __future__ import annotations

import reflex as rx

from portal.components.customer_picker import customer_search, site_select
from portal.components.detail import fact
from portal.components.forms import field, form_error
from portal.components.line_editor import lines_editor
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import (
    PHONE_HIDE,
    Column,
    data_table,
    scroll_region,
    search_bar,
    status_badge,
    tabs,
)
from portal.core.principal import Duty
from portal.state.office.invoices import (
    METHODS,
    NewInvoiceState,
    OfficeInvoicesState,
    OfficeInvoiceState,
)
from portal.state.office.session import OfficeSession

L = OfficeInvoicesState
D = OfficeInvoiceState
N = NewInvoiceState

COLUMNS = [
    Column("number", "Invoice No.", "number", card="title"),
    Column("customer", "Customer", "customer", min_width="160px", card="subtitle"),
    Column("site", "Site", phone=False),
    Column("job", "Job No.", "job", phone=False),
    Column("order", "Order No.", phone=False),
    Column("due", "Due", "due", min_width="110px", card="detail"),
    Column("total", "Total", "total", align="right", phone=False),
    Column("balance", "Balance", "balance", align="right", card="amount"),
    Column("status", "Status", "status", card="status"),
]


def _money_cell(value) -> rx.Component:
    return rx.table.cell(value, text_align="right", white_space="nowrap")


def invoice_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row["number"], href=row["href"], data_invoice=row["number"])),
        rx.table.cell(row["customer"]),
        rx.table.cell(row["site"], class_name=PHONE_HIDE),
        rx.table.cell(row["job"], class_name=PHONE_HIDE),
        rx.table.cell(row["order"], class_name=PHONE_HIDE),
        rx.table.cell(row["due"], white_space="nowrap"),
        rx.table.cell(row["total"], text_align="right", white_space="nowrap", class_name=PHONE_HIDE),
        _money_cell(row["balance"]),
        rx.table.cell(status_badge(row["status"])),
    )


def _new_button() -> rx.Component:
    return rx.link(
        rx.button(rx.icon("plus", size=16), "New invoice", id="new-invoice"), href="/office/invoices/new"
    )


def _payments_button() -> rx.Component:
    return rx.cond(
        OfficeSession.duties.contains(Duty.TAKE_PAYMENTS.value),
        rx.link(rx.button(rx.icon("wallet", size=16), "Payments", variant="soft"), href="/office/payments"),
    )


@office_page("/office/invoices", "Invoices", Duty.INVOICE_JOBS, on_load=[L.load])
def office_invoices_page() -> rx.Component:
    return rx.vstack(
        page_heading("Invoices", _payments_button(), _new_button()),
        tabs(
            L,
            [
                ("unpaid", "Unpaid"),
                ("overdue", "Overdue"),
                ("paid", "Paid"),
                ("void", "Void"),
                ("all", "All"),
            ],
            search_bar(L, "Invoice no., customer or order no."),
            data_table(L, COLUMNS, invoice_row, "No invoices here."),
        ),
        spacing="4",
        width="100%",
        id="office-invoices",
    )


# One invoice.


def _lines_table(lines, detail) -> rx.Component:
    return scroll_region(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Kind"),
                    rx.table.column_header_cell("Item"),
                    rx.table.column_header_cell("Qty", text_align="right"),
                    rx.table.column_header_cell("Unit price", text_align="right"),
                    rx.table.column_header_cell("Amount", text_align="right"),
                )
            ),
            rx.table.body(
                rx.foreach(
                    lines,
                    lambda i: rx.table.row(
                        rx.table.cell(i["kind"]),
                        rx.table.cell(i["description"]),
                        rx.table.cell(i["quantity"], text_align="right"),
                        _money_cell(i["unit"]),
                        _money_cell(i["total"]),
                    ),
                ),
                rx.table.row(
                    rx.table.cell("Subtotal", col_span=4, text_align="right"), _money_cell(detail["subtotal"])
                ),
                rx.table.row(
                    rx.table.cell(detail["tax_label"], col_span=4, text_align="right"),
                    _money_cell(detail["tax"]),
                ),
                rx.table.row(
                    rx.table.cell(
                        rx.text("Total including tax", weight="bold"), col_span=4, text_align="right"
                    ),
                    _money_cell(rx.text(detail["total"], weight="bold", id="invoice-total")),
                ),
            ),
            variant="surface",
            size="1",
            width="100%",
        ),
        "Invoice lines",
    )


def _payments_list() -> rx.Component:
    return rx.vstack(
        rx.heading("Payments", size="4", as_="h2"),
        rx.cond(
            D.payments.length() > 0,
            rx.vstack(
                rx.foreach(
                    D.payments,
                    lambda p: rx.hstack(
                        rx.text(p["date"], size="2"),
                        rx.text(p["amount"], size="2", weight="medium"),
                        rx.text(p["method"], size="2"),
                        rx.text("Ref. ", p["reference"], size="2", color_scheme="gray"),
                        rx.cond(
                            p["href"] != "",
                            rx.link(
                                "Receipt ", p["receipt"], href=p["href"], size="2", class_name="receipt-link"
                            ),
                        ),
                        spacing="3",
                        wrap="wrap",
                        class_name="invoice-payment",
                    ),
                ),
                spacing="2",
                id="invoice-payments",
            ),
            rx.text("No payments yet.", size="2", color_scheme="gray"),
        ),
        spacing="2",
        width="100%",
    )


def _actions() -> rx.Component:
    duties = OfficeSession.duties
    return rx.hstack(
        rx.cond(
            D.payable & duties.contains(Duty.TAKE_PAYMENTS.value),
            rx.button(
                rx.icon("banknote", size=16), "Record payment", on_click=D.open_payment, id="record-payment"
            ),
        ),
        rx.cond(
            D.overdue & duties.contains(Duty.SEND_STATEMENTS.value),
            rx.button(
                rx.icon("bell", size=16),
                "Send overdue reminder",
                variant="soft",
                on_click=D.ask_letter("reminder"),
                id="send-reminder",
            ),
        ),
        rx.cond(
            duties.contains(Duty.SEND_STATEMENTS.value),
            rx.button(
                rx.icon("scroll-text", size=16),
                "Send statement",
                variant="soft",
                on_click=D.ask_letter("statement"),
                id="send-statement",
            ),
        ),
        rx.cond(
            D.voidable,
            rx.button(
                rx.icon("ban", size=16),
                "Void",
                variant="soft",
                color_scheme="red",
                high_contrast=True,
                on_click=D.open_void,
                id="void-invoice",
            ),
        ),
        spacing="2",
        wrap="wrap",
    )


def _void_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Void invoice ", D.detail["number"]),
            rx.dialog.description(
                "A void invoice is owed by nobody and leaves the customer's lists. Say why.", size="2"
            ),
            rx.form(
                rx.vstack(
                    form_error(D.void_errors.get("form", "")),
                    field(
                        "Reason",
                        rx.text_area(name="reason", id="void-reason", max_length=500, required=True),
                        D.void_errors.get("reason", ""),
                        html_for="void-reason",
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(
                            "Void invoice",
                            color_scheme="red",
                            high_contrast=True,
                            type="submit",
                            id="confirm-void",
                        ),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=D.void,
                reset_on_submit=False,
            ),
            max_width="480px",
            id="void-dialog",
        ),
        open=D.void_open,
        on_open_change=D.set_void_open,
    )


def _allocation_row(o: rx.Var) -> rx.Component:
    name = "allocation-" + o["id"]
    return rx.table.row(
        rx.table.row_header_cell(o["number"]),
        rx.table.cell(o["due"]),
        _money_cell(o["balance"]),
        rx.table.cell(
            rx.vstack(
                rx.input(
                    name=name,
                    default_value=D.allocations[o["id"]],
                    key=name + D.pay_step,
                    aria_label="Amount on invoice " + o["number"],
                    id=name,
                    input_mode="decimal",
                    width="8em",
                ),
                rx.cond(
                    D.pay_errors.get(name, "") != "",
                    rx.text(D.pay_errors.get(name, ""), size="1", color_scheme="red", role="alert"),
                ),
                spacing="1",
            )
        ),
    )


def _payment_form() -> rx.Component:
    typed = D.typed
    return rx.form(
        rx.vstack(
            form_error(D.pay_errors.get("form", "")),
            rx.grid(
                field(
                    "Method",
                    rx.el.select(
                        *[rx.el.option(m["label"], value=m["value"]) for m in METHODS],
                        name="method",
                        id="pay-method",
                        default_value=typed["method"],
                        class_name="native-select",
                    ),
                    D.pay_errors.get("method", ""),
                    html_for="pay-method",
                ),
                field(
                    "Reference",
                    rx.input(
                        name="reference", id="pay-reference", default_value=typed["reference"], max_length=100
                    ),
                    D.pay_errors.get("reference", ""),
                    html_for="pay-reference",
                ),
                field(
                    "Date received",
                    rx.input(name="paid_on", id="pay-date", type="date", default_value=typed["paid_on"]),
                    D.pay_errors.get("paid_on", ""),
                    html_for="pay-date",
                ),
                field(
                    "Amount",
                    rx.input(
                        name="amount", id="pay-amount", default_value=typed["amount"], input_mode="decimal"
                    ),
                    D.pay_errors.get("amount", ""),
                    html_for="pay-amount",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.text("Put the payment on the customer's unpaid invoices:", size="2", weight="medium"),
            scroll_region(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Invoice"),
                            rx.table.column_header_cell("Due"),
                            rx.table.column_header_cell("Balance", text_align="right"),
                            rx.table.column_header_cell("Amount"),
                        )
                    ),
                    rx.table.body(rx.foreach(D.owed, _allocation_row)),
                    size="1",
                    width="100%",
                ),
                "Unpaid invoices",
            ),
            rx.cond(
                D.pay_errors.get("allocations", "") != "",
                rx.text(
                    D.pay_errors.get("allocations", ""),
                    size="1",
                    color_scheme="red",
                    role="alert",
                    id="allocations-error",
                ),
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                rx.button("Review", type="submit", id="review-payment"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=D.review_payment,
        reset_on_submit=False,
        width="100%",
    )


def _payment_confirm() -> rx.Component:
    return rx.vstack(
        rx.callout("Check the payment before it is recorded.", icon="info", width="100%"),
        rx.vstack(
            rx.foreach(D.confirm_lines, lambda line: rx.text(line, size="2")),
            spacing="1",
            id="payment-summary",
        ),
        rx.hstack(
            rx.button("Back", variant="soft", color_scheme="gray", on_click=D.back_to_payment),
            rx.button("Record payment", on_click=D.record_payment, id="confirm-payment"),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _payment_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Record a payment"),
            rx.dialog.description(D.detail["customer"], size="2", color_scheme="gray"),
            rx.box(
                rx.cond(D.pay_step == "confirm", _payment_confirm(), _payment_form()), padding_top="0.75em"
            ),
            max_width="640px",
            id="payment-dialog",
        ),
        open=D.pay_open,
        on_open_change=D.set_pay_open,
    )


def _letter_dialog() -> rx.Component:
    statement = D.letter_open == "statement"
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(statement, "Send statement", "Send overdue reminder")),
            rx.alert_dialog.description(
                rx.cond(
                    statement,
                    rx.text(
                        "Email ", D.detail["customer"], "'s statement contacts their statement of account?"
                    ),
                    rx.text(
                        "Email ",
                        D.detail["customer"],
                        "'s statement contacts a reminder that invoice ",
                        D.detail["number"],
                        " is overdue?",
                    ),
                ),
                size="2",
            ),
            form_error(D.letter_error),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Send", on_click=D.send_letter, id="confirm-letter"),
                justify="end",
                spacing="3",
                padding_top="1em",
            ),
            max_width="460px",
        ),
        open=D.letter_open != "",
        on_open_change=D.set_letter_open,
    )


def _invoice() -> rx.Component:
    d = D.detail
    return rx.vstack(
        page_heading(
            "Invoice " + d["number"],
            status_badge(d["status"]),
            rx.link("Files", href="/office/files?owner=invoice&id=" + d["id"], id="invoice-files"),
        ),
        rx.cond(
            d["status"] == "Void",
            rx.callout(
                rx.text("Voided ", d["voided_on"], ": ", d["void_reason"]),
                icon="ban",
                color_scheme="red",
                id="void-notice",
                width="100%",
            ),
        ),
        rx.cond(
            D.issued,
            rx.callout(
                "Invoice issued. The customer's invoice contacts have been emailed.",
                icon="circle-check",
                color_scheme="green",
                id="issued-notice",
                width="100%",
            ),
        ),
        _actions(),
        rx.card(
            rx.data_list.root(
                fact("Customer", rx.text(d["customer"], id="invoice-customer")),
                fact("Site", d["site"]),
                fact("Job No.", d["job"]),
                fact("Order No.", d["order"]),
                fact("Issued", d["issued_on"]),
                fact("Due", d["due_on"]),
                fact("Paid", d["paid"]),
                fact("Balance", rx.text(d["balance"], weight="bold", id="invoice-balance")),
                size="2",
            ),
            width="100%",
        ),
        rx.text(d["description"], white_space="pre-wrap", size="2"),
        _lines_table(D.lines, d),
        _payments_list(),
        _void_dialog(),
        _payment_dialog(),
        _letter_dialog(),
        spacing="4",
        width="100%",
        id="office-invoice",
    )


@office_page("/office/invoices/[invoice_id]", "Invoice", Duty.INVOICE_JOBS, on_load=[D.load])
def office_invoice_page() -> rx.Component:
    return rx.cond(
        D.found,
        rx.cond(D.loaded, _invoice(), rx.center(rx.spinner(), padding="3em")),
        rx.vstack(
            rx.heading("Invoice not found", size="6", as_="h1"),
            rx.link("Back to invoices", href="/office/invoices"),
            id="invoice-not-found",
        ),
    )


# A new invoice.


def _job_invoice() -> rx.Component:
    j = N.job
    return rx.cond(
        N.job.contains("number"),
        rx.vstack(
            rx.callout("Check the job's lines: the invoice bills them as shown.", icon="info", width="100%"),
            rx.card(
                rx.data_list.root(
                    fact("Job No.", rx.text(j["number"], id="job-number")),
                    fact("Customer", j["customer"]),
                    fact("Site", j["site"]),
                    fact("Order No.", j["order"]),
                    size="2",
                ),
                width="100%",
            ),
            rx.text(j["description"], white_space="pre-wrap", size="2"),
            _lines_table(N.job_lines, j),
            rx.hstack(
                rx.link(rx.button("Cancel", variant="soft", color_scheme="gray"), href="/office/invoices"),
                rx.button(
                    rx.icon("receipt", size=16),
                    "Raise invoice for ",
                    j["total"],
                    on_click=N.raise_job_invoice,
                    id="raise-invoice",
                ),
                justify="end",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
    )


def _customer_picker() -> rx.Component:
    return rx.cond(
        N.customer_name != "",
        rx.hstack(
            rx.text("Customer: ", rx.text.strong(N.customer_name), size="2", id="chosen-customer"),
            rx.spacer(),
            site_select(
                N, "invoice-site", rx.text("This customer has no sites.", color_scheme="red", size="2")
            ),
            width="100%",
            align="end",
            wrap="wrap",
        ),
        customer_search(N),
    )


def _free_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            lines_editor(N.lines, N.errors, N.add_line, N.remove_line),
            rx.grid(
                field(
                    "Order No. (optional)",
                    rx.input(
                        name="order_number", id="order-number", default_value=N.order_number, max_length=60
                    ),
                    N.errors.get("order_number", ""),
                    html_for="order-number",
                ),
                field(
                    "Description (optional)",
                    rx.text_area(
                        name="description",
                        id="invoice-description",
                        default_value=N.description,
                        max_length=2000,
                    ),
                    N.errors.get("description", ""),
                    html_for="invoice-description",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.hstack(
                rx.link(
                    rx.button("Cancel", variant="soft", color_scheme="gray", type="button"),
                    href="/office/invoices",
                ),
                rx.button("Review", type="submit", id="review-invoice"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=N.review,
        reset_on_submit=False,
        width="100%",
    )


def _free_confirm() -> rx.Component:
    t = N.totals
    return rx.vstack(
        rx.callout(
            rx.text(
                "Issue this invoice to ",
                N.customer_name,
                " (",
                t["site"],
                ")? Its invoice contacts are emailed.",
            ),
            icon="info",
            width="100%",
        ),
        _lines_table(N.preview, t),
        rx.hstack(
            rx.button("Back", variant="soft", color_scheme="gray", on_click=N.back),
            rx.button("Issue invoice for ", t["total"], on_click=N.issue, loading=N.busy, id="issue-invoice"),
            justify="end",
            width="100%",
        ),
        spacing="3",
        width="100%",
    )


def _free_invoice() -> rx.Component:
    return rx.vstack(
        rx.cond(
            N.waiting_jobs.length() > 0,
            rx.card(
                rx.vstack(
                    rx.text("Completed jobs waiting for their invoice:", size="2", weight="medium"),
                    rx.flex(
                        rx.foreach(
                            N.waiting_jobs,
                            lambda j: rx.link(
                                j["label"], href="/office/invoices/new?job=" + j["id"], size="2"
                            ),
                        ),
                        gap="3",
                        wrap="wrap",
                    ),
                    spacing="2",
                ),
                width="100%",
            ),
        ),
        _customer_picker(),
        rx.cond(N.step == "confirm", _free_confirm(), _free_form()),
        spacing="4",
        width="100%",
    )


@office_page("/office/invoices/new", "New invoice", Duty.INVOICE_JOBS, on_load=[N.load])
def new_invoice_page() -> rx.Component:
    return rx.vstack(
        page_heading(rx.cond(N.mode == "job", "Invoice a job", "New invoice")),
        form_error(N.errors.get("form", "")),
        rx.cond(N.mode == "job", _job_invoice(), _free_invoice()),
        spacing="4",
        width="100%",
        id="new-invoice-page",
    )
