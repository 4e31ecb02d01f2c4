"""/office/inbox: what customers sent, newest first, as cards that open in place; mark handled or new."""

from __future__ import annotations

import reflex as rx

from portal.components.links import server_link
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import pager, search_bar, tabs
from portal.core.principal import Duty
from portal.state.office.inbox import InboxState as S

TAB_ITEMS = [("new", "New"), ("handled", "Handled"), ("all", "All")]


def _detail(row: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.cond(S.detail["site"] != "", rx.text(rx.text.strong("Site: "), S.detail["site"], size="2")),
        rx.cond(
            S.detail["description"] != "",
            rx.text(S.detail["description"], size="2", white_space="pre-wrap"),
        ),
        rx.cond(
            S.items.length() > 0,
            rx.vstack(
                rx.heading("Items", size="2", as_="h3"),
                rx.el.ul(
                    rx.foreach(
                        S.items,
                        lambda i: rx.el.li(
                            rx.text(
                                i["quantity"],
                                " × ",
                                i["description"],
                                " (",
                                i["kind"],
                                ") ",
                                i["total"],
                                size="2",
                            )
                        ),
                    ),
                    padding_left="1.2em",
                ),
                spacing="1",
                align="start",
            ),
        ),
        rx.cond(
            S.assets.length() > 0,
            rx.vstack(
                rx.heading("Assets", size="2", as_="h3"),
                rx.el.ul(
                    rx.foreach(
                        S.assets,
                        lambda a: rx.el.li(
                            rx.text(
                                a["number"], " ", a["type"], " ", a["name"], " — ", a["location"], size="2"
                            )
                        ),
                    ),
                    padding_left="1.2em",
                ),
                spacing="1",
                align="start",
            ),
        ),
        rx.cond(
            S.files.length() > 0,
            rx.vstack(
                rx.heading("Attachments", size="2", as_="h3"),
                rx.el.ul(
                    rx.foreach(
                        S.files,
                        lambda f: rx.el.li(
                            server_link(f["name"], href=f["href"], download=True),
                            rx.text(" (", f["size"], ")", as_="span", size="1", color_scheme="gray"),
                        ),
                    ),
                    padding_left="1.2em",
                ),
                spacing="1",
                align="start",
            ),
        ),
        spacing="2",
        align="start",
        width="100%",
        padding_top="0.5em",
        border_top=f"1px solid {rx.color('gray', 5)}",
        id=f"inbox-detail-{row['id']}",
        class_name="inbox-detail",
    )


def _card(row: rx.Var) -> rx.Component:
    is_open = S.open_id == row["id"]
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.checkbox(
                    checked=S.selected.contains(row["id"]),
                    on_change=lambda checked: S.toggle_select(row["id"], checked),
                    aria_label=rx.Var.create("Select ") + row["title"] + " " + row["ref"],
                ),
                rx.vstack(
                    rx.hstack(
                        rx.heading(row["title"], size="3", as_="h2", class_name="inbox-title"),
                        rx.cond(
                            row["handled"] == "yes",
                            rx.badge(row["handled_note"], color_scheme="gray", variant="soft"),
                            rx.badge("New", color_scheme="amber", variant="soft"),
                        ),
                        spacing="2",
                        align="center",
                        wrap="wrap",
                    ),
                    rx.text(
                        row["when"],
                        " · ",
                        row["customer"],
                        " · ",
                        rx.cond(
                            row["href"] != "",
                            rx.link(row["ref"], href=row["href"]),
                            rx.text(row["ref"], as_="span"),
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.cond(row["summary"] != "", rx.text(row["summary"], size="2")),
                    spacing="1",
                    align="start",
                    flex="1",
                    min_width="0",
                ),
                spacing="3",
                align="start",
                width="100%",
            ),
            rx.hstack(
                rx.button(
                    rx.cond(is_open, "Hide details", "Details"),
                    variant="soft",
                    size="1",
                    on_click=S.toggle_detail(row["id"]),
                    aria_expanded=rx.cond(is_open, "true", "false"),
                    class_name="inbox-toggle",
                ),
                rx.cond(
                    row["handled"] == "yes",
                    rx.button(
                        "Mark as new",
                        variant="outline",
                        size="1",
                        on_click=S.mark_one(row["id"], False),
                        class_name="inbox-mark-new",
                    ),
                    rx.button(
                        "Mark as handled",
                        size="1",
                        on_click=S.mark_one(row["id"], True),
                        class_name="inbox-mark",
                    ),
                ),
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(is_open, _detail(row)),
            spacing="2",
            width="100%",
        ),
        width="100%",
        data_event=row["id"],
        class_name="inbox-item",
    )


def _bulk() -> rx.Component:
    return rx.hstack(
        rx.el.label(
            rx.hstack(
                rx.checkbox(
                    checked=(S.selected.length() == S.rows.length()) & (S.rows.length() > 0),
                    on_change=S.select_all,
                    id="inbox-select-all",
                    aria_label="Select all on this page",
                ),
                rx.text("Select all on this page", size="2"),
                spacing="2",
                align="center",
            ),
        ),
        rx.button(
            "Mark selected as handled",
            size="1",
            disabled=S.selected.length() == 0,
            on_click=S.mark_selected(True),
            id="inbox-mark-selected",
        ),
        rx.button(
            "Mark selected as new",
            size="1",
            variant="outline",
            disabled=S.selected.length() == 0,
            on_click=S.mark_selected(False),
            id="inbox-new-selected",
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


@office_page("/office/inbox", "Inbox", Duty.READ_INBOX, on_load=[S.load])
def inbox_page() -> rx.Component:
    return rx.vstack(
        page_heading("Inbox"),
        tabs(
            S,
            TAB_ITEMS,
            search_bar(S, "Search customer, number, words"),
            _bulk(),
            rx.vstack(rx.foreach(S.rows, _card), spacing="2", width="100%", id="inbox-list"),
            rx.cond(
                ~S.loading & (S.total == 0),
                rx.center(
                    rx.text("Nothing here.", color_scheme="gray"),
                    padding="2em",
                    width="100%",
                    id="empty-list",
                ),
            ),
            pager(S),
        ),
        spacing="4",
        width="100%",
        id="office-inbox",
    )
