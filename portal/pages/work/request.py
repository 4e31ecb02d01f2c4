"""Request a Quote (/quotes/request) and Book a Job (/jobs/book): one form, two purposes.

The fields follow the customer guide's order: site (or Create New), customer contact, order number
and preferred date, description with Insert Script, assets when the site has any, optional items
when the contractor offers any, attachments, then Submit. All text is rendered as text.
"""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field, form_error
from portal.components.shell import template
from portal.components.site_form import site_fields
from portal.components.uploads import upload_zone
from portal.models import Page
from portal.services.work.request_rules import (
    MAX_ATTACHMENTS,
    MAX_DESCRIPTION,
    MAX_ORDER_NUMBER,
    MAX_QUANTITY,
)
from portal.state.work.request import UPLOAD_ID, RequestState

S = RequestState

SELECT_STYLE = {
    "width": "100%",
    "min_height": "var(--space-7)",
    "padding": "0 var(--space-2)",
    "border_radius": "var(--radius-2)",
    "border": "1px solid var(--gray-a7)",
    "background_color": "var(--color-surface)",
    "color": "var(--gray-12)",
    "font_size": "var(--font-size-2)",
    "font_family": "inherit",
}

PURPOSE_TEXT = {
    "quote": (
        "Request a Quote",
        "Tell us about the work and we'll price it. You'll find the quote under "
        "Quotes > Outstanding, and under Actioned once it is priced.",
        "Submit quote request",
    ),
    "job": (
        "Book a Job",
        "Tell us what needs doing and we'll schedule it. You'll find the job under "
        "Jobs > Pending, and under Progress once it is scheduled.",
        "Submit job booking",
    ),
}


def native_select(*options: rx.Component, style: dict | None = None, **props) -> rx.Component:
    return rx.el.select(*options, style={**SELECT_STYLE, **(style or {})}, **props)


def section(title: str, *children: rx.Component, hint: str = "", **props) -> rx.Component:
    return rx.vstack(
        rx.heading(title, size="3", as_="h2"),
        rx.cond(hint != "", rx.text(hint, size="2", color_scheme="gray")) if hint else rx.fragment(),
        *children,
        spacing="2",
        width="100%",
        **props,
    )


def error_of(name: str) -> rx.Var:
    return S.errors.get(name, "")


# --- 1. site -------------------------------------------------------------------------------------


def site_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Create New Site"),
            rx.dialog.description(
                "The new site is added to your account and selected on the form.",
                size="2",
                color_scheme="gray",
                margin_bottom="1em",
            ),
            rx.form(
                rx.vstack(
                    site_fields("new-site", S.site_errors, focus_name=True),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button("Save site", type="submit", loading=S.site_busy, id="save-site"),
                        justify="end",
                        spacing="3",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.create_site,
                width="100%",
            ),
            max_width="560px",
            id="site-dialog",
        ),
        open=S.site_dialog,
        on_open_change=S.set_site_dialog,
    )


def site_field() -> rx.Component:
    return field(
        "Site",
        rx.flex(
            native_select(
                rx.el.option("Choose a site…", value=""),
                rx.foreach(S.sites, lambda s: rx.el.option(s["label"], value=s["id"])),
                id="site",
                value=S.site_id,
                on_change=S.choose_site,
                aria_invalid=rx.cond(error_of("site") != "", "true", "false"),
                style={"flex": "1 1 260px", "min_width": "0", "width": "auto"},
            ),
            rx.button(
                rx.icon("plus", size=14),
                "Create New",
                type="button",
                variant="soft",
                on_click=S.open_site_dialog,
                id="create-site",
            ),
            spacing="2",
            width="100%",
            align="center",
            wrap="wrap",
        ),
        error_of("site"),
        html_for="site",
    )


# --- 2-4. contact, order number, date, description -------------------------------------------------


def contact_field() -> rx.Component:
    return field(
        "Customer contact",
        native_select(
            rx.foreach(S.contacts, lambda c: rx.el.option(c["name"], value=c["id"])),
            id="contact",
            value=S.contact_id,
            on_change=S.choose_contact,
        ),
        error_of("contact"),
        hint="Who we should talk to about this work.",
        html_for="contact",
    )


def order_and_date() -> rx.Component:
    return rx.grid(
        field(
            "Order number (optional)",
            rx.input(
                id="order-number",
                value=S.order_number,
                on_change=S.set_order_number,
                max_length=MAX_ORDER_NUMBER,
                auto_complete="off",
                size="2",
            ),
            error_of("order_number"),
            html_for="order-number",
        ),
        field(
            "Preferred date (optional)",
            rx.input(
                id="preferred-date",
                type="date",
                min=S.today,
                value=S.preferred_date,
                on_change=S.set_preferred_date,
                size="2",
            ),
            error_of("preferred_date"),
            html_for="preferred-date",
        ),
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="4",
        width="100%",
    )


def script_menu() -> rx.Component:
    return rx.cond(
        S.scripts.length() > 0,
        rx.menu.root(
            rx.menu.trigger(
                rx.button(
                    rx.icon("file-plus", size=14),
                    "Insert Script",
                    rx.icon("chevron-down", size=14),
                    type="button",
                    variant="soft",
                    size="1",
                    id="insert-script",
                ),
            ),
            rx.menu.content(
                rx.foreach(
                    S.scripts,
                    lambda s: rx.menu.item(
                        s["title"], on_select=S.insert_script(s["id"]), data_script=s["id"]
                    ),
                ),
            ),
        ),
    )


def description_field() -> rx.Component:
    length = S.description.length()
    return rx.vstack(
        rx.hstack(
            rx.el.label(rx.text("Description", size="2", weight="medium"), html_for="description"),
            rx.spacer(),
            script_menu(),
            width="100%",
            align="end",
        ),
        rx.text_area(
            id="description",
            value=S.description,
            on_change=S.set_description,
            rows="8",
            resize="vertical",
            width="100%",
            placeholder="As much detail as you can: what, where on the site, how urgent, access "
            "arrangements.",
            aria_describedby="description-count",
        ),
        rx.hstack(
            rx.cond(
                error_of("description") != "",
                rx.text(
                    error_of("description"),
                    size="1",
                    color_scheme="red",
                    role="alert",
                    class_name="field-error",
                    id="description-error",
                ),
            ),
            rx.spacer(),
            rx.text(
                length,
                f" / {MAX_DESCRIPTION:,}",
                size="1",
                id="description-count",
                color_scheme=rx.cond(length > MAX_DESCRIPTION, "red", "gray"),
            ),
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


# --- 5. assets -------------------------------------------------------------------------------------


def asset_text(a: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(a["number"], weight="bold", size="2"),
            rx.text(a["type"], size="2"),
            spacing="2",
            wrap="wrap",
        ),
        rx.text(a["name"], " · ", a["location"], size="1", color_scheme="gray"),
        rx.cond(a["detail"] != "", rx.text(a["detail"], size="1", color_scheme="gray")),
        spacing="0",
        min_width="0",
        flex="1",
    )


def asset_result(a: rx.Var) -> rx.Component:
    return rx.hstack(
        asset_text(a),
        rx.cond(
            S.added_asset_ids.contains(a["id"]),
            rx.badge("Added", color_scheme="green"),
            rx.button(
                "Add",
                type="button",
                size="1",
                variant="soft",
                on_click=S.add_asset(a["id"]),
                aria_label="Add asset " + a["number"],
                data_add_asset=a["id"],
            ),
        ),
        width="100%",
        align="center",
        padding_y="0.4em",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        data_asset=a["id"],
    )


def added_asset(a: rx.Var) -> rx.Component:
    return rx.hstack(
        asset_text(a),
        rx.button(
            "Remove",
            type="button",
            size="1",
            variant="ghost",
            color_scheme="red",
            on_click=S.remove_asset(a["id"]),
            aria_label="Remove asset " + a["number"],
        ),
        width="100%",
        align="center",
        padding_y="0.4em",
        data_added_asset=a["id"],
    )


def assets_section() -> rx.Component:
    return rx.cond(
        S.asset_count > 0,
        section(
            "Assets",
            rx.form(
                rx.hstack(
                    rx.el.label(
                        "Search assets",
                        html_for="asset-search",
                        class_name="sr-only",
                        style={"position": "absolute", "left": "-9999px"},
                    ),
                    rx.input(
                        id="asset-search",
                        name="asset_query",
                        placeholder="Asset no., name, location, type…",
                        auto_complete="off",
                        max_length=100,
                        size="2",
                        flex="1",
                        type="search",
                    ),
                    rx.button(
                        rx.icon("search", size=14),
                        "Search",
                        type="submit",
                        variant="soft",
                        id="asset-search-go",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=S.search_assets,
                width="100%",
            ),
            rx.box(
                rx.cond(
                    S.asset_results.length() > 0,
                    rx.foreach(S.asset_results, asset_result),
                    rx.text("No assets at this site match your search.", size="2", color_scheme="gray"),
                ),
                width="100%",
                max_height="320px",
                overflow_y="auto",
                id="asset-results",
                aria_live="polite",
            ),
            rx.text("Assets on this request", size="2", weight="medium", padding_top="0.75em"),
            rx.box(
                rx.cond(
                    S.added_assets.length() > 0,
                    rx.foreach(S.added_assets, added_asset),
                    rx.text("None added yet.", size="2", color_scheme="gray"),
                ),
                width="100%",
                id="added-assets",
            ),
            rx.cond(
                error_of("assets") != "",
                rx.text(
                    error_of("assets"), size="1", color_scheme="red", role="alert", class_name="field-error"
                ),
            ),
            hint="Search the assets at this site, showing the first 20 matches, and add those needing "
            "attention.",
            id="assets-section",
        ),
    )


# --- 6. optional items -----------------------------------------------------------------------------


def added_item(i: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(i["name"])),
        rx.table.cell(i["quantity"], text_align="right"),
        rx.table.cell(i["unit"], text_align="right"),
        rx.table.cell(i["total"], text_align="right"),
        rx.table.cell(
            rx.button(
                "Remove",
                type="button",
                size="1",
                variant="ghost",
                color_scheme="red",
                on_click=S.remove_item(i["id"]),
                aria_label="Remove " + i["name"],
            )
        ),
        data_item=i["id"],
    )


def items_section() -> rx.Component:
    return rx.cond(
        S.offered.length() > 0,
        section(
            "Optional items",
            rx.form(
                rx.flex(
                    rx.vstack(
                        rx.el.label(rx.text("Item", size="2", weight="medium"), html_for="item"),
                        native_select(
                            rx.foreach(S.offered, lambda o: rx.el.option(o["label"], value=o["id"])),
                            id="item",
                            name="item",
                        ),
                        spacing="1",
                        flex="1",
                        min_width="220px",
                    ),
                    rx.vstack(
                        rx.el.label(rx.text("Quantity", size="2", weight="medium"), html_for="quantity"),
                        rx.input(
                            id="quantity",
                            name="quantity",
                            type="number",
                            default_value="1",
                            min="1",
                            max=str(MAX_QUANTITY),
                            step="1",
                            width="90px",
                            size="2",
                        ),
                        spacing="1",
                    ),
                    rx.button(rx.icon("plus", size=14), "Add", type="submit", variant="soft", id="add-item"),
                    spacing="3",
                    align="end",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=S.add_item,
                width="100%",
            ),
            rx.cond(
                error_of("items") != "",
                rx.text(
                    error_of("items"), size="1", color_scheme="red", role="alert", class_name="field-error"
                ),
            ),
            rx.cond(
                S.added_items.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Item"),
                                rx.table.column_header_cell("Qty", text_align="right"),
                                rx.table.column_header_cell("Unit price", text_align="right"),
                                rx.table.column_header_cell("Total", text_align="right"),
                                rx.table.column_header_cell(
                                    rx.el.span("Remove", style={"position": "absolute", "left": "-9999px"})
                                ),
                            )
                        ),
                        rx.table.body(
                            rx.foreach(S.added_items, added_item),
                            rx.table.row(
                                rx.table.cell(rx.text("Total (excluding tax)", weight="bold"), col_span=3),
                                rx.table.cell(
                                    rx.text(S.items_total, weight="bold"),
                                    text_align="right",
                                    id="items-total",
                                ),
                                rx.table.cell(),
                            ),
                        ),
                        size="1",
                        width="100%",
                    ),
                    overflow_x="auto",
                    width="100%",
                    id="added-items",
                ),
                rx.text("No optional items added. You can leave this blank.", size="2", color_scheme="gray"),
            ),
            hint="For example a replacement extinguisher or an after-hours call-out, at the price shown.",
            id="items-section",
        ),
    )


# --- 7. attachments --------------------------------------------------------------------------------


def attached_file(f: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.icon("paperclip", size=14),
        rx.text(f["name"], size="2", weight="medium", trim="both", style={"overflow_wrap": "anywhere"}),
        rx.text(f["type"], " · ", f["size"], size="1", color_scheme="gray", white_space="nowrap"),
        rx.spacer(),
        rx.button(
            "Remove",
            type="button",
            size="1",
            variant="ghost",
            color_scheme="red",
            on_click=S.remove_upload(f["ref"]),
            aria_label="Remove " + f["name"],
        ),
        width="100%",
        align="center",
        data_file=f["name"],
    )


def attachments_section() -> rx.Component:
    return section(
        "Attachments",
        rx.box(
            upload_zone(
                rx.vstack(
                    rx.icon("upload", size=24, color=rx.color("gray", 10)),
                    rx.text("Drag and drop files here, or click to choose", size="2", weight="medium"),
                    rx.text(
                        f"Photos, PDF, Word, Excel, PowerPoint, text or CSV; up to {MAX_ATTACHMENTS} files, ",
                        S.limit_text,
                        " each.",
                        size="1",
                        color_scheme="gray",
                    ),
                    align="center",
                    spacing="1",
                ),
                id=UPLOAD_ID,
                label="Attach files: drag and drop, or press Enter to choose",
                multiple=True,
                max_files=MAX_ATTACHMENTS,
                max_size=S.limit_bytes,
                on_drop=S.handle_upload(
                    rx.upload_files(upload_id=UPLOAD_ID, on_upload_progress=S.upload_progress)
                ),
                on_drop_rejected=S.files_rejected,
                border=f"2px dashed {rx.color('gray', 7)}",
                border_radius="var(--radius-3)",
                padding="1.5em",
                width="100%",
                cursor="pointer",
                drag_active_style={
                    "border_color": rx.color("accent", 9),
                    "background": rx.color("accent", 2),
                },
            ),
            width="100%",
            id="attachments-zone",
        ),
        rx.cond(
            S.uploading,
            rx.vstack(
                rx.text("Uploading… ", S.upload_percent, "%", size="1", color_scheme="gray"),
                rx.progress(value=S.upload_percent, max=100, width="100%"),
                width="100%",
                spacing="1",
                id="upload-progress",
            ),
        ),
        rx.cond(
            S.file_errors.length() > 0,
            rx.vstack(
                rx.foreach(
                    S.file_errors,
                    lambda e: rx.text(e, size="1", color_scheme="red", class_name="upload-error"),
                ),
                spacing="1",
                role="alert",
                width="100%",
                id="upload-errors",
            ),
        ),
        rx.cond(
            S.files.length() > 0,
            rx.vstack(rx.foreach(S.files, attached_file), spacing="1", width="100%", id="attached-files"),
        ),
        rx.cond(
            error_of("attachments") != "",
            rx.text(
                error_of("attachments"), size="1", color_scheme="red", role="alert", class_name="field-error"
            ),
        ),
        hint="Photos of the problem or the site, plans, or a purchase order.",
        id="attachments-section",
    )


# --- the form --------------------------------------------------------------------------------------


def actions(purpose: str) -> rx.Component:
    return rx.vstack(
        rx.cond(
            error_of("form") != "",
            rx.text("Nothing was sent. ", error_of("form"), size="2", color_scheme="red"),
        ),
        rx.flex(
            rx.button(
                PURPOSE_TEXT[purpose][2],
                type="button",
                size="3",
                on_click=S.submit,
                loading=S.busy,
                disabled=S.busy | S.uploading,
                id="submit-request",
            ),
            rx.button(
                "Cancel",
                type="button",
                size="3",
                variant="soft",
                color_scheme="gray",
                on_click=S.cancel,
                id="cancel-request",
            ),
            spacing="3",
            direction=rx.breakpoints(initial="column", sm="row"),
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def request_form(purpose: str) -> rx.Component:
    title, blurb, _ = PURPOSE_TEXT[purpose]
    return rx.vstack(
        rx.box(id="request-top"),
        rx.vstack(
            rx.heading(title, size="6", as_="h1"),
            rx.text(blurb, color_scheme="gray", size="2"),
            spacing="1",
        ),
        form_error(error_of("form")),
        rx.cond(
            S.ready & (S.purpose == purpose),
            rx.card(
                rx.vstack(
                    site_field(),
                    contact_field(),
                    order_and_date(),
                    description_field(),
                    assets_section(),
                    items_section(),
                    attachments_section(),
                    rx.separator(size="4"),
                    actions(purpose),
                    spacing="5",
                    width="100%",
                ),
                width="100%",
                padding=["1em", "1.5em"],
            ),
            rx.center(rx.spinner(size="3"), padding="3em", width="100%"),
        ),
        site_dialog(),
        spacing="4",
        width="100%",
        max_width="860px",
        margin="0 auto",
        data_purpose=purpose,
    )


@template("/quotes/request", "Request a Quote", Page.QUOTES, on_load=[RequestState.load("quote")])
def request_quote() -> rx.Component:
    return request_form("quote")


@template("/jobs/book", "Book a Job", Page.JOBS, on_load=[RequestState.load("job")])
def book_job() -> rx.Component:
    return request_form("job")
