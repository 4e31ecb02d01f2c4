"""Reports > Current Defects: filters, a severity summary, the defects a page at a time, Request a Quote.

The filter bar, the summary chips and the download button are shared with Test History.
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from portal.components.forms import field
from portal.components.links import server_link
from portal.components.reports import report_heading
from portal.components.shell import template
from portal.components.table import PHONE_HIDE, Column, data_table
from portal.models import Page
from portal.pages.work.request import native_select
from portal.services.assets.defects import ALL
from portal.state.reports.defects import DefectsState

COLUMNS = [
    Column("date", "Date Checked", "date", min_width="110px", phone=False),
    Column("asset", "Asset", "asset", min_width="170px"),
    Column("type", "Asset Type", "type", phone=False),
    Column("site", "Site", "site", min_width="120px", phone=False),
    Column("severity", "Severity", "severity", phone=False),
    Column("description", "Defect", "description", min_width="200px", phone=False),
    Column("quote", "Quote", phone=False),
    Column("action", ""),
]
# Shown inside the Asset cell on a phone, where the date and badge columns are hidden (a little past
# the 640 px where PHONE_HIDE starts, so the date is never missing; at worst it shows twice).
PHONE_ONLY = rx.breakpoints(initial="flex", sm="none")
SEVERITY_COLOURS = (("critical", "red"), ("non_critical", "orange"), "amber")
# A filter's width: the whole line on a phone, where the filters stack, its own width beside the others.
FILTER_WIDTH = rx.breakpoints(initial="100%", sm="auto")


# -- shared with Test History ---------------------------------------------------------------------


def download_button(state) -> rx.Component:
    """The filtered report as CSV, from a server route (a client-side link would not download)."""
    return rx.cond(
        state.download_href != "",
        server_link(
            rx.button(rx.icon("download", size=16), "Download CSV", variant="soft"),
            href=state.download_href,
            download=True,
            id="download-csv",
        ),
    )


def _choices(options) -> rx.Component:
    return rx.foreach(options, lambda o: rx.el.option(o["label"], value=o["value"]))


def filter_form(state, search_hint: str, *extra: rx.Component) -> rx.Component:
    """Site, Asset Type, the report's own fields and Search; side by side on a screen, stacked on a phone."""
    width = FILTER_WIDTH
    return rx.form(
        rx.flex(
            rx.box(
                field(
                    "Site",
                    native_select(
                        _choices(state.site_options),
                        id="filter-site",
                        name="site",
                        value=state.site,
                        on_change=state.pick_site,
                    ),
                    html_for="filter-site",
                ),
                width=width,
                min_width="200px",
            ),
            rx.box(
                field(
                    "Asset Type",
                    native_select(
                        _choices(state.type_options),
                        id="filter-type",
                        name="type",
                        value=state.asset_type,
                        on_change=state.pick_type,
                    ),
                    html_for="filter-type",
                ),
                width=width,
                min_width="200px",
            ),
            *extra,
            rx.box(
                field(
                    "Search",
                    rx.input(
                        rx.input.slot(rx.icon("search", size=16)),
                        name="q",
                        id="report-search",
                        default_value=state.search,
                        key=state.search,
                        placeholder=search_hint,
                        max_length=100,
                    ),
                    html_for="report-search",
                ),
                width=width,
                min_width="240px",
                flex="1",
            ),
            rx.hstack(
                rx.button("Search", type="submit", id="run-report", loading=state.loading),
                rx.cond(
                    state.search != "",
                    rx.button(
                        "Clear search",
                        type="button",
                        variant="ghost",
                        on_click=state.clear_search,
                        id="clear-search",
                    ),
                ),
                spacing="2",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="stretch", sm="end"),
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        on_submit=state.apply,
        reset_on_submit=False,
        width="100%",
        id="report-filters",
    )


def refused_notice(state) -> rx.Component:
    return rx.cond(
        state.refused != "",
        rx.callout(state.refused, icon="triangle-alert", color_scheme="amber", id="refused", width="100%"),
    )


def summary(
    items: rx.Var, chip: Callable[[rx.Var], rx.Component], label: str, *first: rx.Component
) -> rx.Component:
    return rx.hstack(
        *first,
        rx.foreach(items, chip),
        spacing="2",
        wrap="wrap",
        width="100%",
        id="report-summary",
        role="group",
        aria_label=label,
    )


def asset_cell(row: rx.Var, phone_line: rx.Component) -> rx.Component:
    """Number, name and location of the asset; on a phone also the row's date and badge."""
    return rx.table.row_header_cell(
        rx.vstack(
            rx.text(row["number"], weight="medium"),
            rx.text(row["name"], size="1"),
            rx.text(row["location"], size="1", color_scheme="gray"),
            rx.hstack(
                phone_line, spacing="2", align="center", display=PHONE_ONLY, wrap="wrap", padding_top="0.25em"
            ),
            spacing="0",
        )
    )


def filtered(state) -> rx.Var:
    return (state.site != ALL) | (state.asset_type != ALL) | (state.search != "")


# -- Current Defects ------------------------------------------------------------------------------


def severity_badge(key: rx.Var, text: rx.Var) -> rx.Component:
    return rx.badge(text, color_scheme=rx.match(key, *SEVERITY_COLOURS), variant="soft", radius="full")


def _severity_chip(item: rx.Var) -> rx.Component:
    return rx.badge(
        rx.text(item["count"], weight="bold"),
        item["label"],
        color_scheme=rx.match(item["key"], *SEVERITY_COLOURS),
        variant="surface",
        size="2",
        data_severity=item["key"],
        data_count=item["count"],
    )


def defect_row(row: rx.Var) -> rx.Component:
    badge = severity_badge(row["severity"], row["severity_label"])
    return rx.table.row(
        rx.table.cell(row["date"], white_space="nowrap", class_name=PHONE_HIDE),
        asset_cell(row, rx.fragment(rx.text(row["date"], size="1", color_scheme="gray"), badge)),
        rx.table.cell(row["type"], class_name=PHONE_HIDE),
        rx.table.cell(row["site"], class_name=PHONE_HIDE),
        rx.table.cell(badge, class_name=PHONE_HIDE),
        rx.table.cell(rx.text(row["description"], size="2"), class_name=PHONE_HIDE),
        rx.table.cell(
            rx.cond(
                row["quote_href"] != "", rx.link(row["quote"], href=row["quote_href"]), rx.text(row["quote"])
            ),
            white_space="nowrap",
            class_name=PHONE_HIDE,
        ),
        rx.table.cell(
            rx.cond(
                DefectsState.can_quote,
                rx.link(
                    rx.button(
                        rx.icon("file-plus", size=14),
                        "Request a Quote",
                        size="1",
                        variant="soft",
                        white_space="nowrap",
                    ),
                    href=row["request_href"],
                    data_request=row["id"],
                    underline="none",
                ),
            ),
            text_align="right",
        ),
        data_defect=row["id"],
    )


@template("/reports/defects", "Current Defects", Page.REPORTS, on_load=[DefectsState.load])
def defects_page() -> rx.Component:
    s = DefectsState
    empty = rx.cond(
        filtered(s),
        "No current defects match these filters.",
        "No current defects: everything tested at your sites has passed or been rectified.",
    )
    return rx.vstack(
        report_heading("defects", download_button(s)),
        filter_form(s, "Asset no., name, location or defect"),
        refused_notice(s),
        rx.cond(s.total > 0, summary(s.counts, _severity_chip, "Defects by severity")),
        data_table(s, COLUMNS, defect_row, empty),
        spacing="4",
        width="100%",
    )
