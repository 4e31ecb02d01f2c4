"""Reports > Test History: filters with a date range and status, a result summary, the tests a page at a
time."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field
from portal.components.reports import report_heading
from portal.components.shell import template
from portal.components.table import PHONE_HIDE, Column, data_table
from portal.models import Page
from portal.pages.reports.defects import (
    FILTER_WIDTH,
    asset_cell,
    download_button,
    filter_form,
    filtered,
    refused_notice,
    summary,
)
from portal.pages.work.request import native_select
from portal.services.assets.test_history import ALL
from portal.state.reports.test_history import STATUS_CHOICES, TestHistoryState

COLUMNS = [
    Column("date", "Date Tested", "date", min_width="110px", phone=False),
    Column("site", "Site", "site", min_width="120px", phone=False),
    Column("asset", "Asset", "asset", min_width="170px"),
    Column("type", "Asset Type / Level", "type", phone=False),
    Column("result", "Result", "result"),
    Column("technician", "Technician", "technician", phone=False),
    Column("notes", "Notes", min_width="180px", phone=False),
    Column("job", "Job No.", "job", phone=False),
]
RESULT_COLOURS = (("pass", "grass"), ("fail", "red"), "amber")


def result_badge(key: rx.Var, text: rx.Var) -> rx.Component:
    return rx.badge(text, color_scheme=rx.match(key, *RESULT_COLOURS), variant="soft", radius="full")


def _status_chip(
    status: rx.Var | str, colour: rx.Var | str, *label: rx.Component | rx.Var | str, **data
) -> rx.Component:
    """A summary chip is also the Status filter: pressing it shows just those tests, and it stays pressed."""
    chosen = TestHistoryState.status == status
    return rx.button(
        *label,
        color_scheme=colour,
        variant=rx.cond(chosen, "solid", "surface"),
        size="1",
        type="button",
        on_click=TestHistoryState.show_result(status),
        aria_pressed=rx.cond(chosen, "true", "false"),
        data_result=status,
        **data,
    )


def _result_chip(item: rx.Var) -> rx.Component:
    return _status_chip(
        item["key"],
        rx.match(item["key"], *RESULT_COLOURS),
        rx.text(item["count"], weight="bold"),
        item["label"],
        data_count=item["count"],
    )


def _all_chip() -> rx.Component:
    return _status_chip(ALL, "gray", "All results")


def _date_field(label: str, param: str, key: str, value: rx.Var) -> rx.Component:
    """``param`` is the date's name in the address and the form, ``key`` its name in the state and its
    errors."""
    error = TestHistoryState.errors.get(key, "")
    return rx.box(
        field(
            label,
            rx.input(
                type="date",
                name=param,
                id=f"filter-{key}",
                default_value=value,
                key=value,
                aria_invalid=rx.cond(error != "", "true", "false"),
            ),
            error,
            html_for=f"filter-{key}",
        ),
        width=FILTER_WIDTH,
        min_width="160px",
    )


def _status_field() -> rx.Component:
    s = TestHistoryState
    return rx.box(
        field(
            "Status",
            native_select(
                *[rx.el.option(c["label"], value=c["value"]) for c in STATUS_CHOICES],
                id="filter-status",
                name="status",
                value=s.status,
                on_change=s.pick_status,
            ),
            html_for="filter-status",
        ),
        width=FILTER_WIDTH,
        min_width="150px",
    )


def test_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row["date"], white_space="nowrap", class_name=PHONE_HIDE),
        rx.table.cell(row["site"], class_name=PHONE_HIDE),
        asset_cell(row, rx.text(row["date"] + " · " + row["site"], size="1", color_scheme="gray")),
        rx.table.cell(
            rx.vstack(
                rx.text(row["type"]), rx.text(row["level"], size="1", color_scheme="gray"), spacing="0"
            ),
            class_name=PHONE_HIDE,
        ),
        rx.table.cell(result_badge(row["result"], row["result_label"])),
        rx.table.cell(row["technician"], class_name=PHONE_HIDE),
        rx.table.cell(rx.text(row["notes"], size="2"), class_name=PHONE_HIDE),
        rx.table.cell(row["job"], class_name=PHONE_HIDE),
        data_test=row["id"],
        data_result=row["result"],
    )


@template("/reports/test-history", "Test History", Page.REPORTS, on_load=[TestHistoryState.load])
def test_history_page() -> rx.Component:
    s = TestHistoryState
    empty = rx.cond(
        s.errors.length() > 0,
        "Fix the date range above to see the tests.",
        rx.cond(
            filtered(s) | (s.status != ALL),
            "No tests match these filters in this date range.",
            "No tests recorded in this date range.",
        ),
    )
    return rx.vstack(
        report_heading("test-history", download_button(s)),
        filter_form(
            s,
            "Asset no., name or location",
            _date_field("From", "from", "start", s.start),
            _date_field("To", "to", "end", s.end),
            _status_field(),
        ),
        refused_notice(s),
        rx.cond(
            (s.errors.length() == 0) & (s.refused == ""),
            summary(s.counts, _result_chip, "Tests by result", _all_chip()),
        ),
        data_table(s, COLUMNS, test_row, empty),
        spacing="4",
        width="100%",
    )
