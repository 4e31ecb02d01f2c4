"""Reports > PPM: filters, the key, the week-by-week heatmap, the same grid as a table, a cell's pop-up."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import fact
from portal.components.forms import field
from portal.components.reports import report_heading
from portal.components.shell import template
from portal.components.table import csv_menu
from portal.models import Page
from portal.state.reports.ppm import ALL, BLUES, COLOURS, EMPTY_COLOUR
from portal.state.reports.ppm import PpmState as S

CELL_COLOURS = {
    "passed": (COLOURS["passed"], "white"),
    "untested": (COLOURS["untested"], "#3d2c00"),
    "failed": (COLOURS["failed"], "white"),
    "failed_untested": (COLOURS["failed"], "white"),
    "due": (BLUES[0][1], "#0b3d91"),
    "": (EMPTY_COLOUR, "inherit"),
}


def _error(name: str) -> rx.Var:
    return S.errors.get(name, "")


def filters() -> rx.Component:
    return rx.form(
        rx.grid(
            field(
                "Year",
                rx.input(
                    name="year",
                    id="ppm-year",
                    value=S.year,
                    on_change=S.set_year,
                    input_mode="numeric",
                    max_length=4,
                    width="100%",
                ),
                _error("year"),
                html_for="ppm-year",
            ),
            field(
                "Site",
                rx.vstack(
                    rx.input(
                        placeholder="Search sites",
                        value=S.site_search,
                        on_change=S.set_site_search.debounce(250),
                        id="ppm-site-search",
                        name="site_search",
                        aria_label="Search sites",
                        width="100%",
                    ),
                    rx.select.root(
                        rx.select.trigger(id="ppm-site", width="100%", aria_label="Site"),
                        rx.select.content(
                            rx.foreach(S.site_options, lambda o: rx.select.item(o["name"], value=o["id"]))
                        ),
                        name="site",
                        value=S.site,
                        on_change=S.set_site,
                    ),
                    spacing="1",
                    width="100%",
                ),
                _error("site"),
            ),
            field(
                "Contract",
                rx.select.root(
                    rx.select.trigger(id="ppm-contract", width="100%", aria_label="Contract"),
                    rx.select.content(
                        rx.select.item("Any (or none)", value=ALL),
                        rx.foreach(S.contract_choices, lambda o: rx.select.item(o["name"], value=o["id"])),
                    ),
                    name="contract",
                    value=S.contract,
                    on_change=S.set_contract,
                ),
                _error("contract"),
            ),
            field(
                "Contract Expiry Date",
                rx.input(
                    type="date",
                    name="expiry",
                    id="ppm-expiry",
                    value=S.expiry,
                    on_change=S.set_expiry,
                    width="100%",
                ),
                _error("expiry"),
                hint="Leaves out assets on contracts that expire before this date.",
                html_for="ppm-expiry",
            ),
            rx.button(
                rx.cond(S.running, rx.spinner(size="2"), rx.icon("search", size=16)),
                "Search",
                type="submit",
                id="ppm-search",
                disabled=S.running,
                align_self="start",
                margin_top="1.6em",
            ),
            columns=rx.breakpoints(initial="1", sm="2", lg="5"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.search,
        reset_on_submit=False,
        width="100%",
    )


def _swatch(colour: str, label: str, *, bubble: bool = False, ring: str = "") -> rx.Component:
    box = rx.box(
        width="18px",
        height="14px",
        background=colour,
        border_radius="2px",
        border=f"1px solid {ring}" if ring else "none",
        position="relative",
    )
    if bubble:
        box = rx.box(
            rx.box(
                width="9px",
                height="9px",
                border_radius="50%",
                background=COLOURS["untested"],
                position="absolute",
                top="-4px",
                right="-4px",
                border="1px solid white",
            ),
            width="18px",
            height="14px",
            background=colour,
            border_radius="2px",
            position="relative",
        )
    return rx.hstack(box, rx.text(label, size="1"), spacing="1", align="center", role="listitem")


def key() -> rx.Component:
    """What the colours mean, above the grid as the guide describes."""
    return rx.hstack(
        _swatch(COLOURS["passed"], "All due tests passed (number passed)"),
        _swatch(COLOURS["untested"], "Some not tested, none failed (number not tested)"),
        _swatch(COLOURS["failed"], "At least one failure (number failed)"),
        _swatch(COLOURS["failed"], "Failures, and a bubble with the number not tested", bubble=True),
        _swatch(
            f"linear-gradient(90deg, {BLUES[0][1]}, {BLUES[1][1]})",
            "Due from this week on (darker: more due)",
        ),
        rx.hstack(
            rx.box(width="3px", height="16px", background=COLOURS["failed"]),
            rx.text("This week", size="1"),
            spacing="1",
            align="center",
            role="listitem",
        ),
        wrap="wrap",
        spacing="4",
        id="ppm-key",
        role="list",
        aria_label="Key",
    )


def heatmap() -> rx.Component:
    return rx.box(
        rx.box(
            rx.plotly(
                data=S.chart,
                on_click=S.select_cell,
                id="ppm-heatmap",
                # A new grid mounts a new plot: Plotly sometimes kept an empty first draw when the
                # figure arrived while its lazily loaded module was still mounting.
                key=S.runs,
                config={"displayModeBar": False, "responsive": True},
                width="100%",
            ),
            min_width="900px",
            width="100%",
        ),
        width="100%",
        overflow_x="auto",
        data_rows=S.row_count,
        data_runs=S.runs,
        id="ppm-chart",
        # On a phone the 900 px chart scrolls sideways: the region takes the focus, so keys scroll it.
        tab_index=0,
        role="figure",
        aria_label="Heatmap of tests and due dates by week; Show as table gives the same cells as buttons",
    )


def _table_cell(cell: rx.Var, row: rx.Var) -> rx.Component:
    state = cell["state"]
    background = rx.match(state, *[(k, v[0]) for k, v in CELL_COLOURS.items() if k], CELL_COLOURS[""][0])
    colour = rx.match(state, *[(k, v[1]) for k, v in CELL_COLOURS.items() if k], CELL_COLOURS[""][1])
    return rx.table.cell(
        rx.cond(
            state != "",
            rx.el.button(
                cell["text"],
                rx.cond(
                    cell["bubble"] != "",
                    rx.el.span(
                        cell["bubble"],
                        class_name="ppm-bubble",
                        style={
                            "background": COLOURS["untested"],
                            "color": "#3d2c00",
                            "border_radius": "999px",
                            "padding": "0 4px",
                            "margin_left": "2px",
                            "font_size": "10px",
                        },
                    ),
                ),
                on_click=S.open_cell(row["index"], cell["week"]),
                aria_label=cell["label"],
                title=cell["label"],
                data_week=cell["week"],
                data_state=state,
                style={
                    "background": background,
                    "color": colour,
                    "border": "none",
                    "border_radius": "3px",
                    "min_width": "26px",
                    "padding": "2px 3px",
                    "cursor": "pointer",
                    "font_size": "12px",
                },
            ),
        ),
        padding="2px",
        text_align="center",
    )


def grid_table() -> rx.Component:
    """The grid as a table with a button per filled cell: for keyboards, screen readers and phones."""
    return rx.box(
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    rx.table.column_header_cell(
                        "Asset type / service level",
                        position="sticky",
                        left="0",
                        background=rx.color("gray", 1),
                        z_index="1",
                        min_width="9em",
                        max_width="40vw",
                    ),
                    rx.foreach(
                        S.weeks,
                        lambda w: rx.table.column_header_cell(
                            w,
                            text_align="center",
                            padding="2px",
                            min_width="2.4em",
                            color=rx.cond(w == S.current_week, rx.color("red", 11), rx.color("gray", 11)),
                        ),
                    ),
                )
            ),
            rx.table.body(
                rx.foreach(
                    S.table,
                    lambda row: rx.table.row(
                        rx.table.row_header_cell(
                            row["label"],
                            position="sticky",
                            left="0",
                            background=rx.color("gray", 1),
                            z_index="1",
                            min_width="9em",
                            max_width="40vw",
                            font_size="12px",
                        ),
                        rx.foreach(row["cells"].to(list[dict[str, str]]), lambda c: _table_cell(c, row)),
                    ),
                )
            ),
            size="1",
            variant="surface",
            id="ppm-table",
        ),
        width="100%",
        overflow_x="auto",
    )


def cell_dialog() -> rx.Component:
    c = S.cell
    return rx.dialog.root(
        rx.dialog.content(
            rx.vstack(
                rx.hstack(
                    rx.dialog.title("Week " + c["week"], margin="0"),
                    rx.spacer(),
                    rx.dialog.close(rx.icon_button(rx.icon("x"), variant="ghost", aria_label="Close")),
                    width="100%",
                    align="center",
                ),
                rx.data_list.root(
                    fact("Week", rx.text(c["start"] + " to " + c["end"], id="ppm-cell-dates")),
                    fact("Asset type", rx.text(c["label"], id="ppm-cell-type")),
                    rx.cond(
                        c["kind"] == "future",
                        fact("To be tested", rx.text(c["due"], id="ppm-cell-due")),
                        rx.fragment(
                            fact("Not tested", rx.text(c["untested"], id="ppm-cell-untested")),
                            fact("Failed", rx.text(c["failed"], id="ppm-cell-failed")),
                            fact("Passed", rx.text(c["passed"], id="ppm-cell-passed")),
                            fact("Result", rx.text(c["state"], id="ppm-cell-state")),
                            fact(
                                "Jobs",
                                rx.cond(
                                    S.cell_jobs.length() > 0,
                                    rx.hstack(
                                        rx.foreach(
                                            S.cell_jobs,
                                            lambda j: rx.cond(
                                                j["href"] != "",
                                                rx.link(
                                                    "#" + j["number"], href=j["href"], data_job=j["number"]
                                                ),
                                                rx.text("#" + j["number"], data_job=j["number"]),
                                            ),
                                        ),
                                        wrap="wrap",
                                        spacing="2",
                                        id="ppm-cell-jobs",
                                    ),
                                    rx.text("None", id="ppm-cell-jobs"),
                                ),
                            ),
                        ),
                    ),
                    size="2",
                ),
                spacing="4",
                width="100%",
            ),
            max_width="460px",
            id="ppm-cell",
            data_kind=c["kind"],
        ),
        open=S.cell_open,
        on_open_change=S.close_cell,
    )


def results() -> rx.Component:
    return rx.cond(
        S.row_count > 0,
        rx.vstack(
            key(),
            heatmap(),
            rx.hstack(
                rx.text("Click a cell for its week, or use the table.", size="1", color_scheme="gray"),
                rx.spacer(),
                rx.button(
                    rx.icon("table", size=14),
                    rx.cond(S.show_table, "Hide table", "Show as table"),
                    variant="soft",
                    size="1",
                    on_click=S.toggle_table,
                    id="ppm-table-toggle",
                    aria_expanded=rx.cond(S.show_table, "true", "false"),
                    aria_controls="ppm-table",
                ),
                width="100%",
                align="center",
            ),
            rx.cond(S.show_table, grid_table()),
            spacing="3",
            width="100%",
        ),
        rx.callout(
            "No assets match these filters. Try another site, contract or expiry date.",
            icon="info",
            id="ppm-empty",
            width="100%",
        ),
    )


@template("/reports/ppm", "PPM Report", Page.REPORTS, on_load=[S.load])
def ppm_report() -> rx.Component:
    return rx.vstack(
        report_heading("ppm", csv_menu("/export/reports/ppm.csv?" + S.export_query)),
        rx.cond(
            S.has_sites,
            rx.vstack(
                filters(),
                rx.cond(
                    S.loaded,
                    rx.box(
                        results(), opacity=rx.cond(S.running, "0.5", "1"), width="100%", aria_busy=S.running
                    ),
                    rx.cond(
                        S.errors.length() == 0,
                        rx.center(rx.spinner(size="3"), padding="3em", width="100%", id="ppm-loading"),
                    ),
                ),
                spacing="4",
                width="100%",
            ),
            rx.callout(
                "There are no sites on your login yet, so there is nothing to report.",
                icon="info",
                id="ppm-no-sites",
                width="100%",
            ),
        ),
        cell_dialog(),
        spacing="4",
        width="100%",
    )
