"""Settings > Portal: the description scripts and the price list, each a paged table and an edit
dialog (part of ``/office/settings``; no route of its own)."""

from __future__ import annotations

import reflex as rx

from portal.components.form_dialog import form_dialog
from portal.components.forms import field, form_error
from portal.services.settings.catalog import ITEM_KINDS, SCRIPT_USES
from portal.state.office.settings_lists import CatalogState

C = CatalogState


def _status(active: rx.Var) -> rx.Component:
    return rx.cond(
        active != "",
        rx.badge("In use", color_scheme="grass", variant="soft", high_contrast=True),
        rx.badge("Retired", color_scheme="gray", variant="soft", high_contrast=True),
    )


def _pager(page: rx.Var, pages: rx.Var, turn, label: str) -> rx.Component:
    return rx.cond(
        pages > 1,
        rx.hstack(
            rx.button(
                "Previous",
                size="1",
                variant="soft",
                disabled=page <= 1,
                on_click=turn(page - 1),
                aria_label=f"Previous page of {label}",
            ),
            rx.text("Page ", page, " of ", pages, size="1"),
            rx.button(
                "Next",
                size="1",
                variant="soft",
                disabled=page >= pages,
                on_click=turn(page + 1),
                aria_label=f"Next page of {label}",
            ),
            align="center",
            spacing="2",
        ),
    )


def _select(name: str, options: dict[str, str], default: rx.Var, control_id: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=control_id, width="100%"),
        rx.select.content(*[rx.select.item(label, value=value) for value, label in options.items()]),
        name=name,
        default_value=default,
    )


def _edit_table(
    *,
    heading: str,
    add_label: str,
    add_id: str,
    on_edit,
    headers: list[str],
    rows: rx.Var,
    cells,
    name_key: str,
    table_id: str,
    empty: str,
    pager: rx.Component,
) -> rx.Component:
    """One of the catalog's lists: heading with its Add button, a table with an Edit per row, or ``empty``."""
    return rx.vstack(
        rx.hstack(
            rx.heading(heading, size="3", as_="h3"),
            rx.spacer(),
            rx.button(rx.icon("plus", size=14), add_label, size="1", on_click=on_edit("new"), id=add_id),
            width="100%",
            align="center",
        ),
        rx.cond(
            rows.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *(rx.table.column_header_cell(h) for h in headers),
                            rx.table.column_header_cell(rx.el.span("Actions", class_name="sr-only")),
                        )
                    ),
                    rx.table.body(
                        rx.foreach(
                            rows,
                            lambda r: rx.table.row(
                                *cells(r),
                                rx.table.cell(
                                    rx.button(
                                        "Edit",
                                        size="1",
                                        variant="soft",
                                        on_click=on_edit(r["id"]),
                                        aria_label="Edit " + r[name_key],
                                    )
                                ),
                            ),
                        )
                    ),
                    width="100%",
                    id=table_id,
                ),
                overflow_x="auto",
                width="100%",
            ),
            rx.text(empty, size="2", color_scheme="gray"),
        ),
        pager,
        spacing="2",
        width="100%",
    )


def _scripts() -> rx.Component:
    return _edit_table(
        heading="Description scripts",
        add_label="Add script",
        add_id="add-script",
        on_edit=C.open_script,
        headers=["Title", "For", "Status"],
        rows=C.scripts,
        cells=lambda r: [
            rx.table.row_header_cell(r["title"]),
            rx.table.cell(r["use_label"]),
            rx.table.cell(_status(r["active"])),
        ],
        name_key="title",
        table_id="scripts-table",
        empty="No scripts yet. Add the descriptions staff write again and again.",
        pager=_pager(C.scripts_page, C.scripts_pages, C.turn_scripts, "scripts"),
    )


def _items() -> rx.Component:
    return _edit_table(
        heading="Price list",
        add_label="Add item",
        add_id="add-item",
        on_edit=C.open_item,
        headers=["Item", "Type", "Price", "Optional Item", "Status"],
        rows=C.items,
        cells=lambda r: [
            rx.table.row_header_cell(r["name"]),
            rx.table.cell(r["kind_label"]),
            rx.table.cell(r["price_label"]),
            rx.table.cell(rx.cond(r["offered"] != "", "Offered", "Not offered")),
            rx.table.cell(_status(r["active"])),
        ],
        name_key="name",
        table_id="items-table",
        empty="No items yet. Items you offer appear to customers as Optional Items on a request.",
        pager=_pager(C.items_page, C.items_pages, C.turn_items, "the price list"),
    )


def _in_use(value: rx.Var, control_id: str) -> rx.Component:
    return rx.cond(
        value["id"] != "",
        rx.checkbox(
            "In use (untick to retire)", name="active", default_checked=value["active"] != "", id=control_id
        ),
    )


def _script_dialog() -> rx.Component:
    e = C.script_errors
    return form_dialog(
        title=rx.cond(C.script["id"] != "", "Edit script", "Add script"),
        description=rx.dialog.description(
            "Staff pick a script to fill in a quote's or job's description.",
            size="2",
            color_scheme="gray",
        ),
        body=[
            field(
                "Title",
                rx.input(id="script-title", name="title", default_value=C.script["title"], max_length=120),
                e.get("title", ""),
                html_for="script-title",
            ),
            field(
                "Description",
                rx.text_area(
                    id="script-body",
                    name="body",
                    default_value=C.script["body"],
                    rows="6",
                    max_length=4000,
                ),
                e.get("body", ""),
                html_for="script-body",
            ),
            field(
                "Used for",
                _select("use", SCRIPT_USES, C.script["use"], "script-use"),
                e.get("use", ""),
                html_for="script-use",
            ),
            _in_use(C.script, "script-active"),
            form_error(e.get("form", "")),
        ],
        submit=rx.button("Save", type="submit", id="save-script"),
        key=C.script["id"],
        on_submit=C.save_script,
        is_open=C.script_open,
        on_open_change=C.set_script_open,
        dialog_id="script-dialog",
        max_width="560px",
        high_contrast=False,
        spacing="3",
    )


def _item_dialog() -> rx.Component:
    e = C.item_errors
    return form_dialog(
        title=rx.cond(C.item["id"] != "", "Edit item", "Add item"),
        description=rx.dialog.description(
            "The price staff start from; offered items customers may add to a request.",
            size="2",
            color_scheme="gray",
        ),
        body=[
            field(
                "Name",
                rx.input(id="item-name", name="name", default_value=C.item["name"], max_length=200),
                e.get("name", ""),
                html_for="item-name",
            ),
            field(
                "Description",
                rx.text_area(
                    id="item-description",
                    name="description",
                    default_value=C.item["description"],
                    rows="3",
                    max_length=1000,
                ),
                e.get("description", ""),
                html_for="item-description",
            ),
            field(
                "Price",
                rx.input(id="item-price", name="price", default_value=C.item["price"], input_mode="decimal"),
                e.get("price", ""),
                hint="Before tax, such as 85.00.",
                html_for="item-price",
            ),
            field(
                "Type",
                _select("kind", ITEM_KINDS, C.item["kind"], "item-kind"),
                e.get("kind", ""),
                html_for="item-kind",
            ),
            rx.checkbox(
                "Offer to customers as an Optional Item",
                name="offered",
                default_checked=C.item["offered"] != "",
                id="item-offered",
            ),
            _in_use(C.item, "item-active"),
            form_error(e.get("form", "")),
        ],
        submit=rx.button("Save", type="submit", id="save-item"),
        key=C.item["id"],
        on_submit=C.save_item,
        is_open=C.item_open,
        on_open_change=C.set_item_open,
        dialog_id="item-dialog",
        max_width="560px",
        high_contrast=False,
        spacing="3",
    )


def catalog_section() -> rx.Component:
    return rx.vstack(_scripts(), _items(), _script_dialog(), _item_dialog(), spacing="5", width="100%")
