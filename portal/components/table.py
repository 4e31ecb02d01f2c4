"""The list screen every menu area shares: sub-tabs, search, sortable columns, pages, CSV, a row's Options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventSpec

from portal.components.links import server_link
from portal.core.lists import PAGE_SIZES


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str = ""  # the service's sort key; empty when the column cannot be sorted
    align: str = "left"
    min_width: str = ""
    phone: bool = True  # False: hidden on a phone-sized screen, where the row's own cells carry PHONE_HIDE


PHONE_HIDE = "phone-hide"


def tabs(state, items: list[tuple[str, str]]) -> rx.Component:
    return rx.tabs.root(
        rx.tabs.list(*[rx.tabs.trigger(label, value=key, data_tab=key) for key, label in items]),
        value=state.tab,
        on_change=state.set_tab,
        width="100%",
    )


def search_bar(state, placeholder: str, csv_href: rx.Var | None = None) -> rx.Component:
    return rx.hstack(
        rx.form(
            rx.hstack(
                rx.input(
                    rx.input.slot(rx.icon("search", size=16)),
                    name="q",
                    default_value=state.search,
                    key=state.search,
                    placeholder=placeholder,
                    aria_label=placeholder,
                    max_length=100,
                    id="list-search",
                    width=["100%", "320px"],
                ),
                rx.button("Search", type="submit", id="search-button"),
                rx.cond(
                    state.search != "",
                    rx.button("Clear", variant="ghost", type="button", on_click=state.clear_search),
                ),
                spacing="2",
            ),
            on_submit=state.submit_search,
            reset_on_submit=False,
            flex="1",
        ),
        csv_menu(csv_href) if csv_href is not None else rx.fragment(),
        width="100%",
        align="center",
        spacing="2",
    )


def csv_menu(href: rx.Var, title: str | None = "Download") -> rx.Component:
    """``title=None`` keeps the statement's button as it has always been, without a hover tip."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(
                rx.icon("download", size=16),
                variant="soft",
                aria_label="Download",
                title=title,
                id="download-menu",
            )
        ),
        rx.menu.content(
            rx.menu.item(server_link("CSV", href=href, download=True, id="download-csv", width="100%")),
        ),
    )


def options_menu(number: rx.Var, *items: rx.Component) -> rx.Component:
    """A row's Options menu; ``data-options`` holds the row's number, the name a customer knows it by."""
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                "Options",
                rx.icon("chevron-down", size=14),
                variant="soft",
                size="1",
                data_options=number,
            )
        ),
        rx.menu.content(*items),
    )


def view_details_item(on_select: EventSpec) -> rx.Component:
    return rx.menu.item(rx.icon("eye", size=14), "View details", on_select=on_select)


def print_item(label: str, href: rx.Var) -> rx.Component:
    """A menu item opening a PDF in a new tab, so the list stays where it was."""
    return rx.menu.item(
        server_link(
            rx.hstack(rx.icon("printer", size=14), label, spacing="2"),
            href=href,
            new_tab=True,
            width="100%",
            color="inherit",
        )
    )


def _header_cell(state, column: Column) -> rx.Component:
    hide = {} if column.phone else {"class_name": PHONE_HIDE}
    if not column.sort:
        return rx.table.column_header_cell(
            column.label, text_align=column.align, min_width=column.min_width, **hide
        )
    arrow = rx.cond(
        state.sort == column.sort,
        rx.cond(state.descending, rx.icon("arrow-down", size=12), rx.icon("arrow-up", size=12)),
        rx.icon("arrow-up-down", size=12, opacity="0.35"),
    )
    return rx.table.column_header_cell(
        rx.el.button(
            rx.hstack(column.label, arrow, spacing="1", align="center"),
            on_click=state.sort_by(column.sort),
            class_name="sort-button",
            data_sort=column.sort,
        ),
        text_align=column.align,
        min_width=column.min_width,
        **hide,
        aria_sort=rx.cond(
            state.sort == column.sort, rx.cond(state.descending, "descending", "ascending"), "none"
        ),
    )


def pager(state) -> rx.Component:
    return rx.hstack(
        rx.text(
            rx.cond(
                state.total > 0, f"{state.first_shown}–{state.last_shown} of {state.total}", "No results"
            ),
            size="2",
            color_scheme="gray",
            id="result-count",
        ),
        rx.spacer(),
        rx.hstack(
            rx.text("Rows", size="2", color_scheme="gray"),
            rx.select.root(
                rx.select.trigger(id="page-size", aria_label="Rows per page"),
                rx.select.content(*[rx.select.item(str(n), value=str(n)) for n in PAGE_SIZES]),
                value=state.size.to_string(),
                on_change=state.set_size,
                size="1",
            ),
            rx.icon_button(
                rx.icon("chevron-left", size=16),
                variant="soft",
                size="1",
                disabled=state.page <= 1,
                on_click=state.go_to(state.page - 1),
                aria_label="Previous page",
                id="prev-page",
            ),
            rx.text(f"Page {state.page} of {state.pages}", size="2", id="page-of"),
            rx.icon_button(
                rx.icon("chevron-right", size=16),
                variant="soft",
                size="1",
                disabled=state.page >= state.pages,
                on_click=state.go_to(state.page + 1),
                aria_label="Next page",
                id="next-page",
            ),
            spacing="2",
            align="center",
        ),
        width="100%",
        align="center",
        wrap="wrap",
    )


def data_table(
    state,
    columns: list[Column],
    row: Callable[[rx.Var], rx.Component],
    empty: str,
) -> rx.Component:
    """The table of the current page; ``row`` renders one row (a dict of display strings)."""
    return rx.vstack(
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[_header_cell(state, c) for c in columns])),
                rx.table.body(rx.foreach(state.rows, row)),
                variant="surface",
                size="2",
                width="100%",
                id="list-table",
            ),
            width="100%",
            overflow_x="auto",
        ),
        rx.cond(
            state.loading,
            rx.center(rx.spinner(), padding="2em", width="100%"),
            rx.cond(
                state.total == 0,
                rx.center(
                    rx.vstack(
                        rx.icon("inbox", size=28, color=rx.color("gray", 8)),
                        rx.text(
                            rx.cond(state.search != "", "Nothing matches your search.", empty),
                            color_scheme="gray",
                        ),
                        align="center",
                    ),
                    padding="2.5em",
                    width="100%",
                    id="empty-list",
                ),
            ),
        ),
        pager(state),
        spacing="3",
        width="100%",
    )


def list_screen(
    state,
    tab_items: list[tuple[str, str]],
    placeholder: str,
    columns: list[Column],
    row: Callable[[rx.Var], rx.Component],
    empty: str,
) -> tuple[rx.Component, ...]:
    """Sub-tabs, search with its CSV, and the table, in the order every list screen shows them."""
    return (
        tabs(state, tab_items),
        search_bar(state, placeholder, state.csv_href),
        data_table(state, columns, row, empty),
    )


def status_badge(text: rx.Var) -> rx.Component:
    color = rx.match(
        text,
        ("Accepted", "grass"),
        ("Paid", "grass"),
        ("Job : Complete", "grass"),
        ("Job : Archived", "gray"),
        ("Ready to accept", "blue"),
        ("Job : In Progress", "blue"),
        ("Job : Invoiced", "violet"),
        ("Awaiting pricing", "amber"),
        ("Job : New Service", "amber"),
        ("Unpaid", "amber"),
        ("Part paid", "orange"),
        ("Declined", "red"),
        ("Expired", "gray"),
        ("Overdue", "red"),
        "gray",
    )
    return rx.badge(text, color_scheme=color, variant="soft", radius="full")
