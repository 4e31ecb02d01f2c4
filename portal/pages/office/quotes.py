"""/office/quotes (every customer's quotes by where they stand), /office/quotes/new (a quote from
scratch) and /office/quotes/[quote_id] (the quote and its pricing editor)."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import fact
from portal.components.forms import field
from portal.components.links import server_link
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import Column, data_table, search_bar, status_badge, tabs
from portal.core.principal import Duty
from portal.services.work.office_quotes import TAB_LABELS, TABS
from portal.services.work.pricing import KIND_LABELS, KINDS
from portal.state.office.quotes import NewQuoteState as N
from portal.state.office.quotes import OfficeQuotesState as L
from portal.state.office.quotes import OfficeQuoteState as Q

COLUMNS = [
    Column("number", "Quote No.", "number", card="title"),
    Column("customer", "Customer", "customer", card="subtitle"),
    Column("site", "Site", "site"),
    Column("description", "Description", phone=False),
    Column("date", "Requested", "date", card="detail"),
    Column("status", "Status", card="status"),
    Column("total", "Total", "total", align="right", card="amount"),
]


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["number"], href=row["href"], data_quote=row["number"])),
        rx.table.cell(row["customer"]),
        rx.table.cell(row["site"]),
        rx.table.cell(row["description"], class_name="phone-hide"),
        rx.table.cell(row["date"]),
        rx.table.cell(status_badge(row["status"])),
        rx.table.cell(row["total"], text_align="right"),
    )


@office_page("/office/quotes", "Quotes", Duty.ACTION_QUOTES, on_load=[L.load])
def quotes_page() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Quotes",
            rx.link(
                rx.button(rx.icon("plus", size=16), "New quote"), href="/office/quotes/new", id="new-quote"
            ),
        ),
        tabs(
            L,
            [(t, TAB_LABELS[t]) for t in TABS],
            search_bar(L, "Search number, customer, site, order no."),
            data_table(L, COLUMNS, _row, "No quotes here."),
        ),
        spacing="4",
        width="100%",
        id="office-quotes",
    )


# One quote.


def _line(line: rx.Var, index: rx.Var) -> rx.Component:
    n = index.to_string()
    return rx.table.row(
        rx.table.cell(
            rx.select.root(
                rx.select.trigger(aria_label=rx.Var.create("Kind of line ") + (index + 1).to_string()),
                rx.select.content(*[rx.select.item(KIND_LABELS[k], value=k) for k in KINDS]),
                value=line["kind"],
                on_change=lambda v: Q.set_line(index, "kind", v),
                disabled=line["item_id"] != "",
                size="1",
            )
        ),
        rx.table.cell(
            rx.input(
                value=line["description"],
                on_change=lambda v: Q.set_line(index, "description", v),
                max_length=500,
                aria_label=rx.Var.create("Description of line ") + (index + 1).to_string(),
                id="line-description-" + n,
                size="1",
            ),
            rx.cond(
                Q.errors.contains("line-" + n),
                rx.text(Q.errors["line-" + n], size="1", color_scheme="red", role="alert"),
            ),
            min_width="200px",
        ),
        rx.table.cell(
            rx.input(
                value=line["quantity"],
                on_change=lambda v: Q.set_line(index, "quantity", v),
                input_mode="numeric",
                aria_label=rx.Var.create("Quantity of line ") + (index + 1).to_string(),
                id="line-quantity-" + n,
                width="70px",
                size="1",
            )
        ),
        rx.table.cell(
            rx.input(
                value=line["unit"],
                on_change=lambda v: Q.set_line(index, "unit", v),
                input_mode="decimal",
                aria_label=rx.Var.create("Unit price of line ") + (index + 1).to_string(),
                id="line-unit-" + n,
                width="100px",
                size="1",
            )
        ),
        rx.table.cell(line["total"], text_align="right", white_space="nowrap"),
        rx.table.cell(
            rx.icon_button(
                rx.icon("trash-2", size=14),
                variant="ghost",
                color_scheme="red",
                size="1",
                on_click=Q.remove_line(index),
                aria_label=rx.Var.create("Remove line ") + (index + 1).to_string(),
            )
        ),
        class_name="price-line",
    )


def _totals() -> rx.Component:
    return rx.data_list.root(
        fact("Subtotal", rx.text(Q.subtotal, id="quote-subtotal")),
        fact(Q.facts["tax_label"], rx.text(Q.tax, id="quote-tax")),
        fact("Total", rx.text(Q.total, weight="bold", id="quote-total")),
        orientation="horizontal",
    )


def _confirm() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Send this quote?"),
            rx.alert_dialog.description(
                rx.text(
                    "The customer will see quote #",
                    Q.facts["number"],
                    " under Actioned at ",
                    Q.total,
                    " and its quote contacts will be emailed.",
                )
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button("Send", on_click=Q.send, id="confirm-send")),
                spacing="3",
                justify="end",
                padding_top="1em",
            ),
        ),
        open=Q.confirm_open,
        on_open_change=Q.set_confirm_open,
    )


def _editor() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Price", size="4", as_="h2"),
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Kind"),
                            rx.table.column_header_cell("Description"),
                            rx.table.column_header_cell("Qty"),
                            rx.table.column_header_cell("Unit price"),
                            rx.table.column_header_cell("Amount", text_align="right"),
                            rx.table.column_header_cell("Remove"),
                        )
                    ),
                    rx.table.body(rx.foreach(Q.lines, _line)),
                    size="1",
                    width="100%",
                    id="price-lines",
                ),
                width="100%",
                overflow_x="auto",
                tab_index=0,
                role="region",
                aria_label="Price lines",
            ),
            rx.cond(
                Q.errors.contains("form"),
                rx.callout(Q.errors["form"], color_scheme="red", role="alert", id="form-error"),
            ),
            rx.hstack(
                rx.select.root(
                    rx.select.trigger(
                        placeholder="Add from the price list",
                        id="add-from-list",
                        aria_label="Add from the price list",
                    ),
                    rx.select.content(
                        rx.foreach(Q.price_list, lambda i: rx.select.item(i["label"], value=i["id"]))
                    ),
                    value="",
                    on_change=Q.add_from_list,
                ),
                rx.button(
                    rx.icon("plus", size=14),
                    "Free line",
                    variant="soft",
                    on_click=Q.add_free_line,
                    id="add-free-line",
                ),
                spacing="2",
                wrap="wrap",
            ),
            _totals(),
            field(
                "Valid until",
                rx.input(
                    type="date",
                    value=Q.valid_until,
                    on_change=Q.set_valid_until,
                    id="valid-until",
                    width="180px",
                ),
                Q.errors.get("valid_until", ""),
                html_for="valid-until",
            ),
            rx.hstack(
                rx.button("Save draft", variant="soft", on_click=Q.save, loading=Q.busy, id="save-quote"),
                rx.button(
                    rx.icon("send", size=14),
                    "Send to customer",
                    on_click=Q.ask_send,
                    loading=Q.busy,
                    id="send-quote",
                ),
                spacing="3",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _facts() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.data_list.root(
                fact("Customer", rx.text(Q.facts["customer"], id="quote-customer")),
                fact(
                    "Site",
                    rx.text(
                        Q.facts["site"],
                        " ",
                        rx.text(Q.facts["site_address"], as_="span", color_scheme="gray"),
                    ),
                ),
                fact("Contact", Q.facts["contact"]),
                fact("Requested by", Q.facts["requested_by"]),
                fact("Requested", Q.facts["requested_on"]),
                fact("Preferred date", Q.facts["preferred_date"]),
                fact("Order No.", Q.facts["order"]),
                fact("Priced", Q.facts["priced_at"]),
                fact("Sent", Q.facts["actioned_on"]),
                fact("Valid until", Q.facts["valid_until"]),
                fact("Saved total", Q.facts["saved_total"]),
            ),
            rx.heading("Description", size="3", as_="h2"),
            rx.text(Q.facts["description"], white_space="pre-wrap", id="quote-description"),
            rx.cond(
                Q.assets.length() > 0,
                rx.vstack(
                    rx.heading("Assets", size="3", as_="h2"),
                    rx.el.ul(
                        rx.foreach(
                            Q.assets,
                            lambda a: rx.el.li(
                                a["number"], " ", a["type"], " ", a["name"], " — ", a["location"]
                            ),
                        ),
                        padding_left="1.2em",
                        id="quote-assets",
                    ),
                    align="start",
                ),
            ),
            rx.cond(
                Q.files.length() > 0,
                rx.vstack(
                    rx.heading("Attachments", size="3", as_="h2"),
                    rx.el.ul(
                        rx.foreach(
                            Q.files,
                            lambda f: rx.el.li(
                                server_link(f["name"], href=f["href"], download=True), " (", f["size"], ")"
                            ),
                        ),
                        padding_left="1.2em",
                        id="quote-files",
                    ),
                    align="start",
                ),
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        width="100%",
    )


def _decided() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text("The customer has decided; the price stays as agreed.", id="quote-decided"),
            rx.cond(Q.facts["decline_reason"] != "", rx.text("Reason: ", Q.facts["decline_reason"])),
            rx.cond(
                Q.can_convert,
                rx.button(
                    rx.icon("briefcase", size=14), "Convert to job", on_click=Q.convert, id="convert-quote"
                ),
            ),
            rx.cond(Q.job_href != "", rx.link("Open the job", href=Q.job_href, id="quote-job")),
            spacing="2",
            align="start",
        ),
        width="100%",
    )


@office_page("/office/quotes/[quote_id]", "Quote", Duty.ACTION_QUOTES, on_load=[Q.load])
def quote_page() -> rx.Component:
    return rx.cond(
        Q.loaded,
        rx.cond(
            Q.found,
            rx.vstack(
                page_heading(
                    "Quote #" + Q.facts["number"],
                    status_badge(Q.facts["status"]),
                ),
                rx.link("← All quotes", href="/office/quotes"),
                rx.link(
                    "Files",
                    href="/office/files?owner=quote&id=" + Q.router.page.params.to(dict)["quote_id"].to(str),
                    id="quote-files",
                ),
                _facts(),
                rx.cond(Q.can_price, _editor(), _decided()),
                _confirm(),
                spacing="4",
                width="100%",
                id="office-quote",
            ),
            rx.vstack(
                rx.heading("Quote not found", size="6", as_="h1", id="quote-not-found"),
                rx.link("All quotes", href="/office/quotes"),
            ),
        ),
        rx.center(rx.spinner(), padding="3em"),
    )


# A quote from scratch.


def _choices(items: rx.Var, chosen: rx.Var, on_pick, name: str) -> rx.Component:
    return rx.radio_group.root(
        rx.vstack(
            rx.foreach(
                items,
                lambda c: rx.el.label(
                    rx.hstack(
                        rx.radio_group.item(value=c["id"], aria_label=c["name"]),
                        rx.text(c["name"], size="2"),
                        rx.text(c["address"], size="1", color_scheme="gray"),
                        spacing="2",
                        align="center",
                    ),
                ),
            ),
            spacing="1",
        ),
        value=chosen,
        on_change=on_pick,
        name=name,
        aria_label=name,
        id=f"{name.lower()}-choices",
    )


@office_page("/office/quotes/new", "New quote", Duty.ACTION_QUOTES, on_load=[N.start])
def new_quote_page() -> rx.Component:
    return rx.vstack(
        page_heading("New quote"),
        rx.card(
            rx.vstack(
                rx.heading("Customer", size="3", as_="h2"),
                rx.form(
                    rx.hstack(
                        rx.input(
                            name="customer_q",
                            placeholder="Customer name",
                            aria_label="Find a customer",
                            id="customer-search",
                            max_length=100,
                        ),
                        rx.button("Find", type="submit", id="customer-find"),
                        spacing="2",
                    ),
                    on_submit=N.find_customers,
                    reset_on_submit=False,
                ),
                _choices(N.customers, N.customer_id, N.pick_customer, "Customer"),
                rx.cond(
                    N.errors.contains("customer"),
                    rx.text(N.errors["customer"], color_scheme="red", size="1", role="alert"),
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        rx.cond(
            N.customer_id != "",
            rx.card(
                rx.vstack(
                    rx.heading(rx.text("Site of ", N.customer_name), size="3", as_="h2"),
                    rx.form(
                        rx.hstack(
                            rx.input(
                                name="site_q",
                                placeholder="Site name or street",
                                aria_label="Find a site",
                                id="site-search",
                                max_length=100,
                            ),
                            rx.button("Find", type="submit", id="site-find"),
                            spacing="2",
                        ),
                        on_submit=N.find_sites,
                        reset_on_submit=False,
                    ),
                    _choices(N.sites, N.site_id, N.pick_site, "Site"),
                    rx.cond(
                        N.errors.contains("site"),
                        rx.text(N.errors["site"], color_scheme="red", size="1", role="alert"),
                    ),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
            ),
        ),
        rx.form(
            rx.vstack(
                field(
                    "Description",
                    rx.text_area(
                        name="description", id="new-description", rows="5", max_length=20000, width="100%"
                    ),
                    N.errors.get("description", ""),
                    html_for="new-description",
                ),
                field(
                    "Order No.",
                    rx.input(name="order_number", id="new-order", max_length=60, width="240px"),
                    N.errors.get("order_number", ""),
                    html_for="new-order",
                ),
                rx.button("Create quote", type="submit", loading=N.busy, id="create-quote"),
                spacing="3",
                width="100%",
            ),
            on_submit=N.create,
            reset_on_submit=False,
            width="100%",
        ),
        spacing="4",
        width="100%",
        id="office-new-quote",
    )
