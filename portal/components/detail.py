"""A quote's, job's or invoice's details: the row's number and Options that open them, the pop-up, its parts.

Each takes the page's state class, which provides ``open_detail``, ``detail_open``, ``detail``
(display strings including subtotal, tax_label, tax, total) and ``items``; a quote's or job's state
also ``assets`` and ``attachments``.
"""

from __future__ import annotations

import reflex as rx

from portal.components.links import server_link
from portal.components.table import options_menu, print_item, status_badge, view_details_item
from portal.components.uploads import upload_zone


def fact(label: str, value: rx.Var | rx.Component) -> rx.Component:
    return rx.data_list.item(rx.data_list.label(label, min_width="110px"), rx.data_list.value(value))


def items_table(state, empty: str) -> rx.Component:
    def money_cell(value) -> rx.Component:
        return rx.table.cell(value, text_align="right", white_space="nowrap")

    return rx.cond(
        state.items.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell("Item"),
                    rx.table.column_header_cell("Qty", text_align="right"),
                    rx.table.column_header_cell("Unit price", text_align="right"),
                    rx.table.column_header_cell("Amount", text_align="right"),
                )
            ),
            rx.table.body(
                rx.foreach(
                    state.items,
                    lambda i: rx.table.row(
                        rx.table.cell(i["description"]),
                        rx.table.cell(i["quantity"], text_align="right"),
                        money_cell(i["unit"]),
                        money_cell(i["total"]),
                    ),
                ),
                rx.table.row(
                    rx.table.cell("Subtotal", col_span=3, text_align="right"),
                    money_cell(state.detail["subtotal"]),
                ),
                rx.table.row(
                    rx.table.cell(state.detail["tax_label"], col_span=3, text_align="right"),
                    money_cell(state.detail["tax"]),
                ),
                rx.table.row(
                    rx.table.cell(
                        rx.text("Total including tax", weight="bold"), col_span=3, text_align="right"
                    ),
                    money_cell(rx.text(state.detail["total"], weight="bold", id="detail-total")),
                ),
            ),
            size="1",
            width="100%",
        ),
        rx.text(empty, color_scheme="gray", size="2"),
    )


def attachments_list(state, upload_id: str) -> rx.Component:
    """The files on a quote or job, and a drop zone to add more (``state.add_files``)."""
    return rx.vstack(
        rx.heading("Attachments", size="3"),
        rx.cond(
            state.attachments.length() > 0,
            rx.vstack(
                rx.foreach(
                    state.attachments,
                    lambda a: rx.hstack(
                        rx.icon("paperclip", size=14),
                        server_link(a["name"], href=a["href"], download=True, class_name="attachment-link"),
                        rx.text(a["size"] + " · " + a["when"], size="1", color_scheme="gray"),
                        align="center",
                        spacing="2",
                    ),
                ),
                spacing="1",
            ),
            rx.text("No attachments.", size="2", color_scheme="gray"),
        ),
        upload_zone(
            rx.hstack(
                rx.icon("upload", size=16),
                rx.text("Add files: drop them here or click to choose", size="2"),
                align="center",
                spacing="2",
            ),
            id=upload_id,
            multiple=True,
            on_drop=state.add_files(rx.upload_files(upload_id=upload_id)),
            border=f"1px dashed {rx.color('gray', 8)}",
            border_radius="var(--radius-2)",
            padding="0.75em",
            width="100%",
            cursor="pointer",
            label="Add files to this item",
        ),
        rx.cond(
            state.upload_errors.length() > 0,
            rx.vstack(
                rx.foreach(
                    state.upload_errors,
                    lambda e: rx.text(e, size="1", color_scheme="red", class_name="upload-error"),
                ),
                spacing="1",
                role="alert",
            ),
        ),
        spacing="2",
        width="100%",
        id="attachments",
    )


def number_cell(state, row: rx.Var, kind: str) -> rx.Component:
    """The row's number, a button opening its details; ``data-<kind>`` holds the number."""
    return rx.table.row_header_cell(
        rx.button(
            row["number"],
            variant="ghost",
            size="1",
            on_click=state.open_detail(row["id"]),
            **{f"data_{kind.lower()}": row["number"]},
        )
    )


def record_options(state, row: rx.Var, kind: str, *extra: rx.Component, attachments: bool) -> rx.Component:
    """A quote's, job's or invoice's Options: View details, ``extra``, its PDF, then Attachments if any.

    Attachments open the details too, since that is where they are listed.
    """
    open_detail = state.open_detail(row["id"])
    last = (
        [rx.menu.item(rx.icon("paperclip", size=14), "Attachments", on_select=open_detail)]
        if attachments
        else []
    )
    return options_menu(
        row["number"],
        view_details_item(open_detail),
        *extra,
        print_item(f"Print {kind}", f"/documents/{kind.lower()}s/" + row["id"] + ".pdf"),
        *last,
    )


def record_dialog(
    state, *, kind: str, dialog_id: str, facts: list[rx.Component], body: list[rx.Component]
) -> rx.Component:
    """The pop-up a quote, job or invoice opens in: number, status, print button, site, facts, body."""
    d = state.detail
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title(rx.hstack(f"{kind} #", d["number"], spacing="0"), margin="0"),
                    status_badge(d["status"]),
                    rx.spacer(),
                    server_link(
                        rx.button(rx.icon("printer", size=14), f"Print {kind}", variant="soft", size="2"),
                        href=d["pdf"],
                        new_tab=True,
                        id=f"print-{kind.lower()}",
                    ),
                    rx.dialog.close(rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close")),
                    align="center",
                    width="100%",
                    spacing="3",
                ),
                rx.data_list.root(
                    fact(
                        "Site",
                        rx.vstack(
                            d["site"], rx.text(d["site_address"], size="1", color_scheme="gray"), spacing="0"
                        ),
                    ),
                    *facts,
                    size="2",
                ),
                *body,
                spacing="4",
                width="100%",
            ),
            max_width="760px",
            id=dialog_id,
        ),
        open=state.detail_open,
        on_open_change=state.set_detail_open,
    )


def detail_dialog(
    state,
    *,
    kind: str,
    dialog_id: str,
    facts: list[rx.Component],
    items_empty: str,
    after: tuple[rx.Component, ...] = (),
) -> rx.Component:
    """A quote's or job's pop-up: who asked and when, ``facts``, description, priced items, assets, files."""
    d = state.detail
    return record_dialog(
        state,
        kind=kind,
        dialog_id=dialog_id,
        facts=[
            fact("Contact", d["contact"]),
            fact("Order No.", d["order"]),
            fact("Requested", d["requested_on"]),
            fact("Preferred date", d["preferred_date"]),
            *facts,
        ],
        body=[
            rx.box(
                rx.text(d["description"], white_space="pre-wrap", size="2", class_name="detail-description"),
                max_height="12em",
                overflow_y="auto",
                width="100%",
            ),
            items_table(state, items_empty),
            rx.cond(
                state.assets.length() > 0,
                rx.vstack(
                    rx.heading("Assets", size="3"),
                    rx.foreach(
                        state.assets,
                        lambda a: rx.text(a["number"] + " · " + a["type"] + " · " + a["location"], size="2"),
                    ),
                    spacing="1",
                ),
            ),
            attachments_list(state, f"{kind.lower()}-files"),
            *after,
        ],
    )
