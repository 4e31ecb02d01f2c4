"""Published documents and attached files, and whether the customer sees them.

``/office/documents`` (``?customer=``, ``?site=``, ``?kind=`` narrow it): every customer's Work
Method Statements, Site Inductions and Reference Material; publish one, replace its file with a new
version, withdraw and restore it, download any version. ``/office/files?owner=job&id=..``: the files
on one customer, site, quote, job or invoice, more of them, and a switch per file for the customer.
"""

from __future__ import annotations

import reflex as rx

from portal.components.customer_picker import customer_search
from portal.components.forms import field, form_error
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import PHONE_HIDE, Column, data_table, search_bar, status_badge, tabs
from portal.components.uploads import upload_zone
from portal.core.principal import Duty
from portal.services.files.uploads import limit_text
from portal.state.office.attached_files import UPLOAD_ID, OfficeFilesState
from portal.state.office.documents import ALL, KINDS, PUBLISH_UPLOAD, REPLACE_UPLOAD, OfficeDocumentsState

D = OfficeDocumentsState
F = OfficeFilesState
FILE_HINT = "PDF, Word, Excel, PowerPoint, text or photos; the type is read from the file itself."

COLUMNS = [
    Column("title", "Title", "title", min_width="200px", card="title"),
    Column("kind", "Kind", card="field"),
    Column("customer", "Customer", "customer", card="subtitle"),
    Column("site", "Site", phone=False),
    Column("version", "Version", card="field"),
    Column("updated", "Updated", "updated", card="detail"),
    Column("status", "Status", card="status"),
]


def _document_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(
                row["title"],
                href="#",
                on_click=D.open_document(row["id"]).prevent_default,
                data_document=row["title"],
            )
        ),
        rx.table.cell(row["kind"]),
        rx.table.cell(row["customer"]),
        rx.table.cell(row["site"], class_name=PHONE_HIDE),
        rx.table.cell(row["version"]),
        rx.table.cell(row["updated"], white_space="nowrap"),
        rx.table.cell(status_badge(row["status"])),
    )


def _select(options, value: rx.Var, on_change, control_id: str, first: str, **props) -> rx.Component:
    return rx.el.select(
        rx.el.option(first, value=ALL),
        rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["id"])),
        value=value,
        on_change=on_change,
        id=control_id,
        class_name="native-select",
        **props,
    )


def _filters() -> rx.Component:
    return rx.flex(
        rx.cond(
            D.filter_customer != "",
            rx.hstack(
                rx.badge(D.filter_customer_name, size="2", id="filter-customer"),
                rx.button("All customers", size="1", variant="ghost", on_click=D.clear_customer),
                align="center",
            ),
        ),
        rx.cond(
            D.filter_customer != "",
            _select(
                D.filter_sites,
                D.filter_site,
                D.set_filter_site,
                "filter-site",
                "Every site",
                aria_label="Site",
            ),
        ),
        _select(KINDS, D.filter_kind, D.set_filter_kind, "filter-kind", "Every kind", aria_label="Kind"),
        gap="3",
        wrap="wrap",
        align="center",
    )


def _file_picker(upload_id: str, label: str, on_drop, chosen: rx.Var, error: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        upload_zone(
            rx.button(
                rx.icon("upload", size=16, aria_hidden="true"), "Choose a file", type="button", variant="soft"
            ),
            id=upload_id,
            label=label,
            multiple=False,
            on_drop=on_drop,
            border=f"1px dashed {rx.color('gray', 8)}",
            border_radius="var(--radius-2)",
            padding="0.75em",
            width="100%",
            cursor="pointer",
        ),
        rx.cond(chosen != "", rx.text(chosen, size="2", class_name="chosen-file")),
        rx.cond(
            error != "", rx.text(error, size="1", color_scheme="red", role="alert", class_name="field-error")
        ),
        rx.text(f"{FILE_HINT} At most {limit_text()}.", size="1", color_scheme="gray"),
        spacing="1",
        width="100%",
    )


def _customer_picker() -> rx.Component:
    return rx.cond(
        D.customer_name != "",
        rx.hstack(
            rx.text("Customer: ", rx.text.strong(D.customer_name), size="2", id="publish-customer"),
            justify="between",
            width="100%",
        ),
        customer_search(D, choice_type="button"),
    )


def _publish_dialog() -> rx.Component:
    errors = D.errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Publish a document"),
            rx.dialog.description(
                "The customer's contacts with the Advanced reports see it: for one site, or all its sites.",
                size="2",
                color_scheme="gray",
            ),
            rx.vstack(
                _customer_picker(),
                rx.form(
                    rx.vstack(
                        field(
                            "Site",
                            _select(D.sites, D.site, D.set_site, "publish-site", "All sites"),
                            errors.get("site", ""),
                            html_for="publish-site",
                        ),
                        field(
                            "Kind",
                            rx.el.select(
                                rx.foreach(KINDS, lambda k: rx.el.option(k["label"], value=k["id"])),
                                value=D.kind,
                                on_change=D.set_kind,
                                id="publish-kind",
                                class_name="native-select",
                            ),
                            errors.get("kind", ""),
                            html_for="publish-kind",
                        ),
                        field(
                            "Title",
                            rx.input(id="publish-title", name="title", max_length=200, required=True),
                            errors.get("title", ""),
                            html_for="publish-title",
                        ),
                        _file_picker(
                            PUBLISH_UPLOAD,
                            "File",
                            D.choose_file(rx.upload_files(upload_id=PUBLISH_UPLOAD)),
                            D.file_name,
                            errors.get("file", ""),
                        ),
                        form_error(errors.get("form", "")),
                        rx.hstack(
                            rx.dialog.close(
                                rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                            ),
                            rx.button("Publish", type="submit", loading=D.busy, id="publish-send"),
                            justify="end",
                            width="100%",
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    on_submit=D.publish,
                    reset_on_submit=False,
                ),
                spacing="3",
                width="100%",
            ),
            max_width="min(560px, calc(100vw - 24px))",
            id="publish-dialog",
        ),
        open=D.publish_open,
        on_open_change=D.set_publish_open,
    )


def _version_row(v: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(v["version"], rx.cond(v["current"] != "", " (current)", "")),
        rx.table.cell(rx.link(v["file"], href=v["href"], is_external=True, class_name="version-download")),
        rx.table.cell(v["size"], class_name=PHONE_HIDE),
        rx.table.cell(v["published"]),
        rx.table.cell(v["by"], class_name=PHONE_HIDE),
    )


def _detail_dialog() -> rx.Component:
    withdrawn = D.detail["withdrawn"] != ""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(D.detail["title"]),
            rx.dialog.description(
                D.detail["kind"],
                " for ",
                D.detail["customer"],
                ", ",
                D.detail["site"],
                size="2",
                color_scheme="gray",
            ),
            rx.vstack(
                rx.cond(
                    withdrawn,
                    rx.callout(
                        "Withdrawn " + D.detail["withdrawn"] + ": the customer does not see it.",
                        icon="eye-off",
                        color_scheme="amber",
                        id="withdrawn-notice",
                    ),
                ),
                rx.box(
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell("Version"),
                                rx.table.column_header_cell("File"),
                                rx.table.column_header_cell("Size", class_name=PHONE_HIDE),
                                rx.table.column_header_cell("Published"),
                                rx.table.column_header_cell("By", class_name=PHONE_HIDE),
                            )
                        ),
                        rx.table.body(rx.foreach(D.versions, _version_row)),
                        size="1",
                        width="100%",
                        id="version-history",
                    ),
                    width="100%",
                    min_width="0",
                    overflow_x="auto",
                ),
                _file_picker(
                    REPLACE_UPLOAD,
                    "New version",
                    D.choose_new_version(rx.upload_files(upload_id=REPLACE_UPLOAD)),
                    D.new_file_name,
                    D.detail_errors.get("file", ""),
                ),
                form_error(D.detail_errors.get("form", "")),
                rx.flex(
                    rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", type="button")),
                    rx.cond(
                        withdrawn,
                        rx.button("Restore", variant="soft", on_click=D.restore, id="document-restore"),
                        rx.button(
                            "Withdraw",
                            color_scheme="red",
                            variant="soft",
                            on_click=D.ask_withdraw,
                            id="document-withdraw",
                        ),
                    ),
                    rx.button(
                        "Publish new version",
                        on_click=D.replace,
                        disabled=D.new_file_name == "",
                        id="document-replace",
                    ),
                    justify="end",
                    gap="2",
                    wrap="wrap",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="min(640px, calc(100vw - 24px))",
            id="document-dialog",
        ),
        open=D.detail_open,
        on_open_change=D.set_detail_open,
    )


def _confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Withdraw document"),
            rx.alert_dialog.description(
                rx.text(
                    "Stop showing ",
                    rx.text.strong(D.detail["title"]),
                    " to ",
                    D.detail["customer"],
                    "? You can restore it later.",
                )
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Withdraw", color_scheme="red", on_click=D.withdraw, id="withdraw-confirm")
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="440px",
            id="withdraw-dialog",
        ),
        open=D.confirm_open,
        on_open_change=D.set_confirm_open,
    )


@office_page("/office/documents", "Documents", Duty.MANAGE_CUSTOMERS, on_load=[D.load])
def office_documents_page() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Documents",
            rx.button(rx.icon("file-plus", size=16), "Publish", on_click=D.open_publish, id="publish-open"),
        ),
        _filters(),
        tabs(
            D,
            [("current", "Published"), ("withdrawn", "Withdrawn"), ("all", "All")],
            search_bar(D, "Title, customer or site"),
            data_table(D, COLUMNS, _document_row, "No documents here."),
        ),
        _publish_dialog(),
        _detail_dialog(),
        _confirm_dialog(),
        spacing="4",
        width="100%",
        id="office-documents",
    )


# --- files on one row ------------------------------------------------------------------------------

FILE_COLUMNS = [
    Column("name", "File", "name", min_width="200px", card="title"),
    Column("uploaded", "Added", "uploaded", card="detail"),
    Column("by", "By", phone=False),
    Column("size", "Size", card="field"),
    Column("visible", "Customer sees it", card="field"),
]


def _file_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.link(row["name"], href=row["href"], is_external=True, data_file=row["name"])
        ),
        rx.table.cell(row["uploaded"], white_space="nowrap"),
        rx.table.cell(row["by"], class_name=PHONE_HIDE),
        rx.table.cell(row["size"]),
        rx.table.cell(
            rx.switch(
                checked=row["visible"] != "",
                on_change=lambda value: F.set_visible(row["id"], value),
                aria_label="Customer sees " + row["name"],
                data_visible=row["name"],
            )
        ),
    )


@office_page("/office/files", "Files", Duty.MANAGE_CUSTOMERS, on_load=[F.load])
def office_files_page() -> rx.Component:
    return rx.vstack(
        page_heading(rx.cond(F.heading != "", "Files: " + F.heading, "Files")),
        rx.cond(
            F.missing,
            rx.callout(
                "There is no such customer, site, quote, job or invoice.", icon="info", id="files-missing"
            ),
            rx.vstack(
                rx.hstack(
                    rx.text(F.customer_name, color_scheme="gray"),
                    rx.cond(F.back != "", rx.link("Back to " + F.heading, href=F.back)),
                    spacing="3",
                    wrap="wrap",
                ),
                rx.flex(
                    upload_zone(
                        rx.button(
                            rx.icon("paperclip", size=16, aria_hidden="true"), "Attach files", type="button"
                        ),
                        id=UPLOAD_ID,
                        label="Attach files",
                        multiple=True,
                        on_drop=F.add_files(rx.upload_files(upload_id=UPLOAD_ID)),
                        border=f"1px dashed {rx.color('gray', 8)}",
                        border_radius="var(--radius-2)",
                        padding="0.75em",
                        width="auto",
                        cursor="pointer",
                    ),
                    rx.el.label(
                        rx.hstack(
                            rx.switch(checked=F.new_visible, on_change=F.set_new_visible, id="new-visible"),
                            rx.text("The customer sees new files", size="2"),
                            align="center",
                        ),
                    ),
                    gap="4",
                    align="center",
                    wrap="wrap",
                ),
                rx.foreach(
                    F.upload_errors,
                    lambda e: rx.text(
                        e, size="1", color_scheme="red", role="alert", class_name="field-error"
                    ),
                ),
                rx.text(
                    "Files are not deleted: switch one off and the customer no longer sees or downloads it.",
                    size="1",
                    color_scheme="gray",
                ),
                search_bar(F, "File name"),
                data_table(F, FILE_COLUMNS, _file_row, "No files yet."),
                spacing="3",
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
        id="office-files",
    )
