"""Recurring invoices: the list (``/office/recurring``), every run (``/office/recurring/runs``), a new
one (``/office/recurring/new``) and one recurring invoice (``/office/recurring/<id>``): its lines,
frequency, automatic payment, pause, end, "Run now" and its run history."""

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
from portal.state.office.recurring import (
    FREQUENCIES,
    RecurringHistoryState,
    RecurringListState,
    RecurringRunsState,
    RecurringState,
)

L = RecurringListState
R = RecurringRunsState
H = RecurringHistoryState
S = RecurringState
DUTY = Duty.BILL_RECURRING

COLUMNS = [
    Column("number", "No.", "number", card="title"),
    Column("customer", "Customer", "customer", min_width="160px", card="subtitle"),
    Column("site", "Site", phone=False),
    Column("name", "Name", "name", min_width="160px"),
    Column("frequency", "Frequency", phone=False),
    Column("next", "Next date", "next", min_width="110px", card="detail"),
    Column("total", "Total", "total", align="right", card="amount"),
    Column("autopay", "Automatic payment", phone=False),
    Column("status", "Status", card="status"),
]

RUN_COLUMNS = [
    Column("date", "Run", "date", min_width="110px", card="detail"),
    Column("recurring", "Recurring invoice", card="title"),
    Column("customer", "Customer", "customer", card="subtitle"),
    Column("invoice", "Invoice"),
    Column("amount", "Amount", align="right", card="amount"),
    Column("result", "Payment", card="status"),
    Column("invoice_status", "Invoice status", phone=False),
    Column("reason", "Reason"),
]


def _sections(current: str) -> rx.Component:
    """Recurring invoices and their runs, as two tabs of one area (links: each is its own page)."""

    def link(label: str, href: str, key: str) -> rx.Component:
        here = key == current
        return rx.link(
            label,
            href=href,
            weight="bold" if here else "regular",
            underline="always" if here else "hover",
            size="3",
            **({"custom_attrs": {"aria-current": "page"}} if here else {}),
        )

    return rx.el.nav(
        rx.hstack(
            link("Recurring invoices", "/office/recurring", "list"),
            link("Runs", "/office/recurring/runs", "runs"),
            spacing="4",
        ),
        aria_label="Recurring billing",
    )


def recurring_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row["number"], href=row["href"], data_recurring=row["number"])),
        rx.table.cell(row["customer"]),
        rx.table.cell(row["site"], class_name=PHONE_HIDE),
        rx.table.cell(row["name"]),
        rx.table.cell(row["frequency"], class_name=PHONE_HIDE),
        rx.table.cell(row["next"], white_space="nowrap"),
        rx.table.cell(row["total"], text_align="right", white_space="nowrap"),
        rx.table.cell(row["autopay"], class_name=PHONE_HIDE),
        rx.table.cell(status_badge(row["status"])),
    )


@office_page("/office/recurring", "Recurring invoices", DUTY, on_load=[L.load])
def office_recurring_page() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Recurring invoices",
            rx.link(
                rx.button(rx.icon("plus", size=16), "New recurring invoice", id="new-recurring"),
                href=L.customer_href,
            ),
        ),
        _sections("list"),
        rx.cond(
            L.customer_name != "",
            rx.callout(
                rx.hstack(
                    rx.text("Showing ", rx.text.strong(L.customer_name), "'s recurring invoices."),
                    rx.link("Show every customer's", href="/office/recurring"),
                    spacing="2",
                    wrap="wrap",
                ),
                icon="filter",
                width="100%",
                id="customer-filter",
            ),
        ),
        tabs(
            L,
            [("active", "Active"), ("paused", "Paused"), ("ended", "Ended"), ("all", "All")],
            search_bar(L, "No., name or customer"),
            data_table(L, COLUMNS, recurring_row, "No recurring invoices here."),
        ),
        spacing="4",
        width="100%",
        id="office-recurring",
    )


# Runs.


def run_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row["date"], white_space="nowrap"),
        rx.table.cell(rx.link(row["recurring"], href=row["recurring_href"])),
        rx.table.cell(row["customer"]),
        rx.table.cell(
            rx.cond(
                row["invoice_href"] != "",
                rx.link(row["invoice"], href=row["invoice_href"], data_invoice=row["invoice"]),
                row["invoice"],
            )
        ),
        rx.table.cell(row["amount"], text_align="right", white_space="nowrap"),
        rx.table.cell(status_badge(row["result"]), data_result=row["result"]),
        rx.table.cell(row["invoice_status"], class_name=PHONE_HIDE),
        rx.table.cell(row["reason"], class_name="run-reason"),
        class_name="recurring-run",
    )


@office_page("/office/recurring/runs", "Recurring invoice runs", DUTY, on_load=[R.load])
def office_recurring_runs_page() -> rx.Component:
    return rx.vstack(
        page_heading("Recurring invoice runs"),
        _sections("runs"),
        tabs(
            R,
            [("all", "All"), ("failed", "Not paid"), ("paid", "Paid")],
            search_bar(R, "Customer, name or invoice no."),
            data_table(R, RUN_COLUMNS, run_row, "No runs yet."),
        ),
        spacing="4",
        width="100%",
        id="office-recurring-runs",
    )


# A new one, and one recurring invoice.


def _customer_picker() -> rx.Component:
    return rx.cond(
        S.customer_name != "",
        rx.text("Customer: ", rx.text.strong(S.customer_name), size="2", id="chosen-customer"),
        customer_search(S),
    )


def _autopay() -> rx.Component:
    return rx.vstack(
        rx.cond(
            (S.card != "") | S.autopay,  # on without a card (the card was removed): it can be turned off
            rx.el.label(
                rx.hstack(
                    rx.checkbox(
                        checked=S.autopay,
                        on_change=S.set_autopay,
                        aria_label="Pay automatically with the saved card",
                        data_check="autopay",
                    ),
                    rx.text(
                        "Pay automatically with the customer's saved card",
                        rx.cond(S.card != "", " (" + S.card + ")", ": none is saved now"),
                        size="2",
                    ),
                    spacing="2",
                    align="center",
                ),
            ),
            rx.text(
                "Automatic payment needs a saved card, and ",
                S.customer_name,
                " has none: the customer can save one in Manage Payments. Until then each invoice is"
                " emailed for the customer to pay.",
                size="2",
                color_scheme="gray",
                id="no-saved-card",
            ),
        ),
        rx.cond(
            S.detail["cancelled"] == "1",
            rx.text(
                "The customer cancelled automatic payment. Turn it on again only if they have asked you to.",
                size="2",
                color_scheme="amber",
                id="autopay-cancelled",
            ),
        ),
        rx.cond(
            S.errors.get("autopay", "") != "",
            rx.text(S.errors.get("autopay", ""), size="1", color_scheme="red", role="alert"),
        ),
        spacing="1",
        width="100%",
    )


def _site() -> rx.Component:
    """Outside the form: the choice is kept in the state as it is made."""
    return rx.box(
        site_select(
            S,
            "recurring-site",
            rx.text("This customer has no open sites.", color_scheme="red", size="2", role="alert"),
        ),
        width="100%",
        max_width="420px",
    )


def _form() -> rx.Component:
    f = S.form
    errors = S.errors
    return rx.form(
        rx.vstack(
            rx.grid(
                field(
                    "Name",
                    rx.input(name="name", id="recurring-name", default_value=f["name"], max_length=200),
                    errors.get("name", ""),
                    html_for="recurring-name",
                ),
                field(
                    "How often",
                    rx.el.select(
                        *[rx.el.option(x["label"], value=x["value"]) for x in FREQUENCIES],
                        name="frequency",
                        id="recurring-frequency",
                        default_value=f["frequency"],
                        class_name="native-select",
                    ),
                    errors.get("frequency", ""),
                    html_for="recurring-frequency",
                ),
                field(
                    "Next date",
                    rx.input(
                        name="next_due_on", id="recurring-next", type="date", default_value=f["next_due_on"]
                    ),
                    errors.get("next_due_on", ""),
                    html_for="recurring-next",
                ),
                field(
                    "End date (optional)",
                    rx.input(name="ends_on", id="recurring-ends", type="date", default_value=f["ends_on"]),
                    errors.get("ends_on", ""),
                    hint="The last date an invoice is issued for.",
                    html_for="recurring-ends",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            field(
                "Description (optional)",
                rx.text_area(
                    name="description",
                    id="recurring-description",
                    default_value=f["description"],
                    max_length=2000,
                ),
                errors.get("description", ""),
                html_for="recurring-description",
            ),
            _autopay(),
            lines_editor(S.lines, errors, S.add_line, S.remove_line),
            rx.hstack(
                rx.link(
                    rx.button("Cancel", variant="soft", color_scheme="gray", type="button"),
                    href="/office/recurring",
                ),
                rx.button("Save", type="submit", loading=S.busy, id="save-recurring"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=S.save,
        reset_on_submit=False,
        width="100%",
    )


def _money_cell(value) -> rx.Component:
    return rx.table.cell(value, text_align="right", white_space="nowrap")


def _lines_table() -> rx.Component:
    """The lines of one that has ended: no longer edited."""
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
                    S.lines,
                    lambda i: rx.table.row(
                        rx.table.cell(i["kind_label"]),
                        rx.table.cell(i["description"]),
                        rx.table.cell(i["quantity"], text_align="right"),
                        _money_cell(i["unit"]),
                        _money_cell(i["total"]),
                    ),
                ),
            ),
            variant="surface",
            size="1",
            width="100%",
        ),
        "Recurring invoice lines",
    )


def _actions() -> rx.Component:
    return rx.hstack(
        rx.cond(
            S.due_now,
            rx.button(rx.icon("play", size=16), "Run now", on_click=S.ask("run"), id="run-now"),
        ),
        rx.cond(
            S.status == "Active",
            rx.button(
                rx.icon("pause", size=16), "Pause", variant="soft", on_click=S.pause, id="pause-recurring"
            ),
        ),
        rx.cond(
            S.status == "Paused",
            rx.button(
                rx.icon("play", size=16), "Resume", variant="soft", on_click=S.resume, id="resume-recurring"
            ),
        ),
        rx.cond(
            S.status != "Ended",
            rx.button(
                rx.icon("circle-stop", size=16),
                "End",
                variant="soft",
                color_scheme="red",
                high_contrast=True,
                on_click=S.ask("end"),
                id="end-recurring",
            ),
        ),
        spacing="2",
        wrap="wrap",
    )


def _confirm_dialog() -> rx.Component:
    d = S.detail
    run = S.confirm == "run"
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(run, "Run now", "End recurring invoice")),
            rx.alert_dialog.description(
                rx.cond(
                    run,
                    rx.text(
                        "Issue ",
                        d["customer"],
                        " an invoice for ",
                        d["total"],
                        " now",
                        rx.cond(d["charges_card"] == "1", " and charge their " + S.card, ""),
                        "?",
                    ),
                    rx.text(
                        "End recurring invoice ",
                        d["number"],
                        "? No more invoices are issued for it. This cannot be undone.",
                    ),
                ),
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.cond(
                    run,
                    rx.button("Run now", on_click=S.confirm_run, loading=S.busy, id="confirm-run"),
                    rx.button(
                        "End",
                        color_scheme="red",
                        high_contrast=True,
                        on_click=S.confirm_end,
                        loading=S.busy,
                        id="confirm-end",
                    ),
                ),
                justify="end",
                spacing="3",
                padding_top="1em",
            ),
            max_width="460px",
        ),
        open=S.confirm != "",
        on_open_change=S.set_confirm_open,
    )


def _history() -> rx.Component:
    return rx.vstack(
        rx.heading("Runs", size="4", as_="h2"),
        data_table(H, RUN_COLUMNS, run_row, "No runs yet."),
        spacing="2",
        width="100%",
        id="recurring-history",
    )


def _one() -> rx.Component:
    d = S.detail
    return rx.vstack(
        page_heading("Recurring invoice " + d["number"], status_badge(S.status)),
        rx.cond(
            S.saved,
            rx.callout(
                "Recurring invoice saved.",
                icon="circle-check",
                color_scheme="green",
                high_contrast=True,  # green on the back office's grey fails axe's contrast
                width="100%",
                id="saved-notice",
            ),
        ),
        form_error(S.errors.get("form", "")),
        _actions(),
        rx.card(
            rx.data_list.root(
                fact("Customer", rx.text(d["customer"], id="recurring-customer")),
                fact("Site", d["site"]),
                fact("Frequency", d["frequency"]),
                fact("Next date", rx.text(d["next"], id="recurring-next-date")),
                fact("End date", d["ends"]),
                fact("Last paid", d["last_paid"]),
                fact("Automatic payment", rx.text(d["autopay"], id="recurring-autopay-status")),
                fact("Total", rx.text(d["total"], weight="bold", id="recurring-total")),
                size="2",
            ),
            width="100%",
        ),
        rx.cond(
            S.editable,
            rx.vstack(rx.heading("Change", size="4", as_="h2"), _site(), _form(), spacing="3", width="100%"),
            _lines_table(),
        ),
        _history(),
        _confirm_dialog(),
        spacing="4",
        width="100%",
        id="office-recurring-one",
    )


@office_page("/office/recurring/new", "New recurring invoice", DUTY, on_load=[S.load])
def new_recurring_page() -> rx.Component:
    return rx.vstack(
        page_heading("New recurring invoice"),
        form_error(S.errors.get("form", "")),
        _customer_picker(),
        rx.cond(S.customer_name != "", rx.vstack(_site(), _form(), spacing="3", width="100%")),
        spacing="4",
        width="100%",
        id="new-recurring-page",
    )


@office_page("/office/recurring/[recurring_id]", "Recurring invoice", DUTY, on_load=[S.load, H.load])
def recurring_page() -> rx.Component:
    return rx.cond(
        S.found,
        rx.cond(S.loaded, _one(), rx.center(rx.spinner(), padding="3em")),
        rx.vstack(
            rx.heading("Recurring invoice not found", size="6", as_="h1"),
            rx.link("Back to recurring invoices", href="/office/recurring"),
            id="recurring-not-found",
        ),
    )
