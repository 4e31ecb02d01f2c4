"""The list screen every menu area shares: sub-tabs, search, sortable columns, pages, CSV, a row's Options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from portal.components.links import server_link
from portal.core.lists import PAGE_SIZES

# What a column's cell is on a phone, where each row reads as a card (assets/portal.css lays them
# out): the number first with its status, the site under it, a date beside the amount, then Options.
CARD_ROLES = ("title", "status", "subtitle", "detail", "amount", "field", "options", "select", "hidden")
# Roles whose cell says what it is on the card ("Due 12 Mar 2026"), since the header row is hidden there.
LABELLED = ("detail", "amount", "field")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    sort: str = ""  # the service's sort key; empty when the column cannot be sorted
    align: str = "left"
    min_width: str = ""
    phone: bool = True  # False: hidden on a phone-sized screen, where the row's own cells carry PHONE_HIDE
    card: str = ""  # one of CARD_ROLES; empty: a labelled line, or hidden when ``phone`` is False

    def __post_init__(self) -> None:
        if self.card and self.card not in CARD_ROLES:
            raise ValueError(f"unknown card role {self.card!r} for column {self.key!r}")

    @property
    def role(self) -> str:
        return self.card or ("field" if self.phone else "hidden")


PHONE_HIDE = "phone-hide"
CELL_TAGS = ("Table.Cell", "Table.RowHeaderCell")


def tabs(state, items: list[tuple[str, str]], *panel: rx.Component) -> rx.Component:
    """The sub-tabs; ``panel`` (the search and the list) is the selected tab's panel.

    Each tab says which panel it controls (``aria-controls``), so the panel has to be there: one
    panel whose value follows the selected tab holds the list whatever the tab.
    """
    return rx.tabs.root(
        rx.tabs.list(*[rx.tabs.trigger(label, value=key, data_tab=key) for key, label in items]),
        rx.tabs.content(rx.vstack(*panel, spacing="4", width="100%"), value=state.tab, padding_top="16px"),
        value=state.tab,
        on_change=state.set_tab,
        width="100%",
    )


def search_form(
    value: rx.Var,
    on_submit: Any,
    on_clear: Any,
    placeholder: str,
    *,
    label: str = "",
    name: str = "q",
    input_ids: tuple[str, str] = ("list-search", "search-button"),
    width: str = "320px",
) -> rx.Component:
    """A search box with Search and (once something is searched) Clear: the lists' and the file tabs'."""
    input_id, button_id = input_ids
    return rx.form(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=16)),
                name=name,
                default_value=value,
                key=value,
                placeholder=placeholder,
                aria_label=label or placeholder,
                max_length=100,
                id=input_id,
                width=["100%", width],
            ),
            rx.button("Search", type="submit", id=button_id),
            rx.cond(value != "", rx.button("Clear", variant="ghost", type="button", on_click=on_clear)),
            spacing="2",
        ),
        on_submit=on_submit,
        reset_on_submit=False,
        flex="1",
        width="100%",
    )


def search_bar(state, placeholder: str, csv_href: rx.Var | None = None) -> rx.Component:
    return rx.hstack(
        search_form(state.search, state.submit_search, state.clear_search, placeholder),
        csv_menu(csv_href) if csv_href is not None else rx.fragment(),
        width="100%",
        align="center",
        spacing="2",
    )


def csv_menu(href: rx.Var, title: str | None = "Download") -> rx.Component:
    """``title=None`` keeps the statement's button as it has always been, without a hover tip.

    Not modal, like every dropdown here: a modal menu hides the rest of the page from screen
    readers with ``aria-hidden`` while its buttons stay focusable (axe: aria-hidden-focus).
    """
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
        modal=False,
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
        modal=False,
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


def scroll_region(table: rx.Component, label: str) -> rx.Component:
    """A wide table that scrolls sideways on a phone, in a region a keyboard can scroll too.

    The region, not Radix's own scroll area inside the table, does the scrolling (assets/portal.css):
    it can take the focus and has a name (axe: scrollable-region-focusable).
    """
    return rx.box(
        table,
        width="100%",
        overflow_x="auto",
        tab_index=0,
        role="region",
        aria_label=label,
        class_name="scroll-region",
    )


def _as_cards(
    columns: list[Column], row: Callable[[rx.Var], rx.Component]
) -> Callable[[rx.Var], rx.Component]:
    """``row`` with each cell marked with its column's card role (and label), for the phone layout.

    A row whose cells do not line up with the columns (wrapped in a condition, say) is left as it
    is: on a phone its cells then read as plain lines, still without sideways scrolling.
    """

    def render(item: rx.Var) -> rx.Component:
        component = row(item)
        cells = component.children
        if len(cells) == len(columns) and all(getattr(c, "tag", "") in CELL_TAGS for c in cells):
            for cell, column in zip(cells, columns, strict=True):
                attrs = {"data-card": column.role}
                if column.role in LABELLED and column.label:
                    attrs["data-label"] = column.label
                cell.custom_attrs = {**cell.custom_attrs, **attrs}
        return component

    return render


def phone_sort(state, columns: list[Column]) -> rx.Component:
    """On a phone the column headers are hidden with the table's layout: sorting is chosen here."""
    sortable = [c for c in columns if c.sort]
    if not sortable:
        return rx.fragment()
    return rx.hstack(
        rx.text("Sort by", as_="label", html_for="phone-sort", size="2", color_scheme="gray"),
        rx.select.root(
            rx.select.trigger(placeholder="Default order", id="phone-sort", aria_label="Sort by"),
            rx.select.content(*[rx.select.item(c.label, value=c.sort) for c in sortable]),
            value=state.sort,
            on_change=state.sort_by,
            size="1",
        ),
        rx.icon_button(
            rx.cond(state.descending, rx.icon("arrow-down", size=14), rx.icon("arrow-up", size=14)),
            variant="soft",
            size="1",
            disabled=state.sort == "",
            on_click=state.sort_by(state.sort),
            aria_label=rx.cond(
                state.descending, "Sorted descending: sort ascending", "Sorted ascending: sort descending"
            ),
            id="phone-sort-direction",
        ),
        spacing="2",
        align="center",
        class_name="phone-only",
    )


def data_table(
    state,
    columns: list[Column],
    row: Callable[[rx.Var], rx.Component],
    empty: str,
) -> rx.Component:
    """The table of the current page; ``row`` renders one row (a dict of display strings).

    On a phone the same rows read as cards (``card-list`` in assets/portal.css): one table for
    both, so what a test, the benchmark or a screen reader finds does not depend on the width.
    """
    return rx.vstack(
        phone_sort(state, columns),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[_header_cell(state, c) for c in columns])),
                rx.table.body(rx.foreach(state.rows, _as_cards(columns, row))),
                variant="surface",
                size="2",
                width="100%",
                id="list-table",
                class_name="card-list",
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
        tabs(
            state,
            tab_items,
            search_bar(state, placeholder, state.csv_href),
            data_table(state, columns, row, empty),
        ),
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
