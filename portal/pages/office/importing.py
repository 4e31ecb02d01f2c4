"""Import customers, sites, contacts and assets from CSV files: a preview, then one transaction."""

from __future__ import annotations

import reflex as rx

from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import scroll_region
from portal.components.uploads import upload_zone
from portal.core.principal import Duty
from portal.services.imports import formats
from portal.services.imports.reading import MAX_ROWS
from portal.services.imports.storing import LIMIT_BYTES
from portal.state.office.importing import UPLOAD_ID, ImportState

S = ImportState
ROUTE = "/office/customers/import"


def _kind_help(kind: formats.FileKind) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(kind.file_name, size="3", as_="h2"),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=14, aria_hidden="true"),
                f"Template {kind.file_name}",
                type="button",
                variant="soft",
                size="1",
                on_click=S.download_template(kind.key),
                id=f"template-{kind.key}",
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.code(",".join(kind.names), size="1", style={"overflow_wrap": "anywhere"}),
        rx.el.ul(
            *[rx.el.li(rx.text(line, size="1")) for line in formats.help_lines(kind)],
            style={"padding_left": "1.2em", "margin": 0},
        ),
        *([rx.text(kind.note, size="1", color_scheme="gray")] if kind.note else []),
        spacing="1",
        width="100%",
        align="stretch",
    )


def _help() -> rx.Component:
    return rx.el.details(
        rx.el.summary(
            rx.text("The files and their columns", weight="medium", as_="span"), id="import-help-toggle"
        ),
        rx.vstack(
            rx.text(
                "One CSV file per kind, its first row naming the columns (any order; case and spaces do not "
                "matter). Save from your spreadsheet as CSV UTF-8; UTF-16 and Windows (Western) CSV are read "
                f"too. At most {MAX_ROWS:,} rows and {LIMIT_BYTES // (1024 * 1024)} MB per file. A cell "
                "beginning with = + - or @ is refused as a spreadsheet formula (a phone number such as "
                "+61 7 3000 0000 is fine). Rows the portal already has are skipped, never changed: importing "
                "the same files again creates nothing twice. Contacts with login yes get a portal login with "
                "their email as username, but no email is sent.",
                size="2",
            ),
            *[_kind_help(kind) for kind in formats.KINDS],
            spacing="4",
            width="100%",
            padding_top="0.75em",
        ),
        id="import-help",
        style={"width": "100%"},
    )


def _file_card(item: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon("file-text", size=16, aria_hidden="true"),
                rx.text(item["name"], weight="medium", style={"overflow_wrap": "anywhere"}),
                rx.badge(item["kind"], variant="soft"),
                rx.spacer(),
                rx.button(
                    "Show rows",
                    type="button",
                    variant="soft",
                    size="1",
                    on_click=S.show_file(item["index"]),
                    aria_label="Show rows of " + item["name"],
                ),
                rx.button(
                    "Remove",
                    type="button",
                    variant="ghost",
                    color_scheme="red",
                    size="1",
                    on_click=S.remove_file(item["index"]),
                    aria_label="Remove " + item["name"],
                ),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                item["problem"] != "",
                rx.text(
                    item["problem"], color_scheme="red", size="2", role="alert", class_name="file-problem"
                ),
                rx.text(item["counts"], size="2", class_name="file-counts"),
            ),
            spacing="1",
            width="100%",
        ),
        width="100%",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row["line"]),
        rx.table.cell(
            rx.badge(
                row["action"],
                color_scheme=rx.match(row["action"], ("New", "grass"), ("Error", "red"), "gray"),
                variant="soft",
                high_contrast=True,  # red text on its soft background is under 4.5:1 otherwise
            )
        ),
        rx.table.cell(row["label"]),
        rx.table.cell(
            rx.text(row["errors"], color_scheme="red", high_contrast=True, size="2"), class_name="row-errors"
        ),
        id="import-row-" + row["line"],
    )


def _preview() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Rows of " + S.shown_name, size="4", as_="h2", id="preview-heading"),
            rx.spacer(),
            rx.el.label(
                rx.hstack(
                    rx.switch(checked=S.errors_only, on_change=S.set_errors_only, id="errors-only"),
                    rx.text("Errors only", size="2"),
                    align="center",
                ),
            ),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        scroll_region(
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Row"),
                        rx.table.column_header_cell("Will be"),
                        rx.table.column_header_cell("What"),
                        rx.table.column_header_cell("Errors"),
                    )
                ),
                rx.table.body(rx.foreach(S.rows, _row)),
                width="100%",
                id="import-preview",
            ),
            "Preview of the rows",
        ),
        rx.cond(
            S.matching == 0,
            rx.text(
                rx.cond(S.errors_only, "No rows with errors.", "No rows."), size="2", color_scheme="gray"
            ),
        ),
        rx.hstack(
            rx.text(S.matching_text, size="2", color_scheme="gray", id="preview-count"),
            rx.spacer(),
            rx.icon_button(
                rx.icon("chevron-left", size=16),
                variant="soft",
                size="1",
                disabled=S.page <= 1,
                on_click=S.previous_page,
                aria_label="Previous page",
                id="prev-page",
            ),
            rx.text(f"Page {S.page} of {S.pages}", size="2", id="page-of"),
            rx.icon_button(
                rx.icon("chevron-right", size=16),
                variant="soft",
                size="1",
                disabled=S.page >= S.pages,
                on_click=S.next_page,
                aria_label="Next page",
                id="next-page",
            ),
            width="100%",
            align="center",
        ),
        spacing="3",
        width="100%",
    )


@office_page(ROUTE, "Import customers", Duty.MANAGE_CUSTOMERS, on_load=[ImportState.load])
def import_page() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Import customers",
            rx.link("Back to customers", href="/office/customers", size="2"),
        ),
        rx.text(
            "Upload customers, sites, contacts and assets as CSV files. Nothing is saved until you "
            "have read the preview and chosen Import.",
            size="2",
        ),
        _help(),
        upload_zone(
            rx.vstack(
                rx.icon("upload", size=20, aria_hidden="true"),
                rx.text("Drop CSV files here, or", size="2"),
                rx.button("Choose CSV files", type="button", variant="soft", id="choose-files"),
                align="center",
                spacing="2",
            ),
            id=UPLOAD_ID,
            label="CSV files to import",
            multiple=True,
            accept={"text/csv": [".csv"], "text/plain": [".txt"]},
            on_drop=S.upload(rx.upload_files(upload_id=UPLOAD_ID)),
            border="1px dashed var(--gray-8)",
            padding="1.5em",
            width="100%",
        ),
        rx.foreach(
            S.upload_errors,
            lambda message: rx.callout(
                message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
            ),
        ),
        rx.cond(
            S.summary.length() > 0,
            rx.callout(
                rx.vstack(
                    rx.text("Import finished.", weight="medium"),
                    rx.foreach(S.summary, lambda line: rx.text(line, size="2")),
                    spacing="1",
                ),
                icon="circle-check",
                color_scheme="grass",
                id="import-summary",
                width="100%",
            ),
        ),
        rx.cond(
            S.files.length() > 0,
            rx.vstack(
                rx.heading("Files", size="4", as_="h2"),
                rx.foreach(S.files, _file_card),
                rx.foreach(
                    S.problems,
                    lambda message: rx.callout(
                        message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"
                    ),
                ),
                _preview(),
                rx.hstack(
                    rx.button(
                        rx.cond(
                            S.busy, rx.spinner(size="2"), rx.icon("database", size=16, aria_hidden="true")
                        ),
                        "Import",
                        type="button",
                        size="3",
                        disabled=~S.can_import | S.busy,
                        on_click=S.run_import,
                        id="run-import",
                    ),
                    rx.button(
                        "Start again",
                        type="button",
                        variant="soft",
                        size="3",
                        on_click=S.clear,
                        id="clear-import",
                    ),
                    rx.cond(
                        ~S.can_import,
                        rx.text(
                            "Fix the errors in your files and upload them again: "
                            "a file replaces the one of its kind.",
                            size="2",
                            color_scheme="gray",
                            id="import-blocked",
                        ),
                    ),
                    align="center",
                    wrap="wrap",
                    spacing="3",
                ),
                spacing="3",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
        max_width="1100px",
    )
