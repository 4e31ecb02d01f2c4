"""Reports > PPM: the filters, the heatmap and its keyboard table, and the pop-up of one cell.

State keeps the grid as drawn (rows x 53 weeks), never the assets or records behind it. Which row
is which asset type and level lives in a backend var; a click sends only the cell's coordinates,
and the pop-up's numbers are recomputed from the database through the scope.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, ClassVar
from urllib.parse import urlencode

import numpy as np
import plotly.graph_objects as go
import reflex as rx

from portal.core import tenant
from portal.db import unit_of_work
from portal.models import Page
from portal.services.assets import ppm
from portal.services.sites import sites
from portal.state import arguments
from portal.state.display import blank_chart, day
from portal.state.session import SessionState

ALL = "all"  # a select cannot hold "", so "every site" and "no contract" are this value
COLOURS = {
    ppm.PASSED: "#2f9e44",
    ppm.UNTESTED: "#f2c94c",
    ppm.FAILED: "#e03131",
    ppm.FAILED_UNTESTED: "#e03131",
}
EMPTY_COLOUR = "#f1f3f5"
BLUES = [[0.0, "#d0e4fb"], [1.0, "#0b3d91"]]
STATE_CODES = {ppm.PASSED: 1, ppm.UNTESTED: 2, ppm.FAILED: 3, ppm.FAILED_UNTESTED: 3}
ROW_HEIGHT = 28


def _short(d: date) -> str:
    return d.strftime("%-d %b")


def _words(passed: int, failed: int, untested: int, due: int, future: bool) -> str:
    if future:
        return f"{due} due" if due else "nothing due"
    parts = [f"{n} {w}" for n, w in ((passed, "passed"), (failed, "failed"), (untested, "not tested")) if n]
    return ", ".join(parts) or "nothing recorded"


def _cells(grid: ppm.Grid) -> list[list[dict[str, Any]]]:
    """Each cell's state, headline number and words, from whole arrays turned to lists once."""
    n_weeks = len(grid.weeks)
    future = [wk.number >= grid.first_future for wk in grid.weeks]
    lists = {m: grid.counts[m].tolist() for m in ppm.MEASURES}
    states = grid.states.tolist()
    out = []
    for r in range(len(grid.rows)):
        row = []
        for c in range(n_weeks):
            state = states[r][c]
            p, f, u, d = (lists[m][r][c] for m in ppm.MEASURES)
            cell = {"passed": p, "failed": f, "untested": u, "due": d}
            row.append(
                {
                    "state": state,
                    "number": ppm.headline(state, cell),
                    "untested": u,
                    "words": _words(p, f, u, d, future[c]),
                }
            )
        out.append(row)
    return out


def figure(grid: ppm.Grid, cells: list[list[dict[str, Any]]] | None = None) -> go.Figure:
    """The heatmap: recorded weeks in green, yellow and red; weeks ahead in blues; a red line at today.

    A plain grey grid underneath carries the hover text and takes the clicks, so every cell, filled
    or not, answers the same way and the hover text is sent once.
    """
    cells = cells if cells is not None else _cells(grid)
    n_rows, n_weeks = len(grid.rows), len(grid.weeks)
    x, y = [wk.number for wk in grid.weeks], list(range(n_rows))
    dates = [f"Week {wk.number} · {_short(wk.start)} – {_short(wk.end)}" for wk in grid.weeks]
    hover = [
        [f"{dates[c]}<br>{row.label}<br>{cells[r][c]['words']}" for c in range(n_weeks)]
        for r, row in enumerate(grid.rows)
    ]
    past = [[STATE_CODES.get(cell["state"]) for cell in row] for row in cells]
    due = [[cell["number"] if cell["state"] == ppm.DUE else None for cell in row] for row in cells]
    past_text = [
        [str(c["number"]) if c["number"] and c["state"] != ppm.DUE else "" for c in row] for row in cells
    ]
    due_text = [[str(c["number"]) if c["state"] == ppm.DUE else "" for c in row] for row in cells]
    common = {"x": x, "y": y, "xgap": 2, "ygap": 2, "showscale": False}
    traces = [
        go.Heatmap(
            z=[[0] * n_weeks for _ in y],
            colorscale=[[0, EMPTY_COLOUR], [1, EMPTY_COLOUR]],
            name="weeks",
            hoverinfo="text",
            hovertext=hover,
            **common,
        ),
        go.Heatmap(
            z=past,
            text=past_text,
            texttemplate="%{text}",
            zmin=1,
            zmax=3,
            name="recorded",
            hoverinfo="skip",
            colorscale=[[0, COLOURS[ppm.PASSED]], [0.5, COLOURS[ppm.UNTESTED]], [1, COLOURS[ppm.FAILED]]],
            textfont={"size": 11},
            **common,
        ),
        go.Heatmap(
            z=due,
            text=due_text,
            texttemplate="%{text}",
            zmin=0,
            hoverinfo="skip",
            zmax=max(1, int(grid.counts["due"].max(initial=0))),
            colorscale=BLUES,
            name="due",
            textfont={"size": 11},
            **common,
        ),
    ]
    rr, cc = np.nonzero(grid.states == ppm.FAILED_UNTESTED)
    if len(rr):
        traces.append(
            go.Scatter(
                x=(cc + 1 + 0.28).tolist(),
                y=(rr - 0.28).tolist(),
                mode="markers+text",
                name="not tested",
                text=grid.counts["untested"][rr, cc].astype(str).tolist(),
                textfont={"size": 8, "color": "#5c3c00"},
                marker={"size": 13, "color": COLOURS[ppm.UNTESTED], "line": {"width": 1, "color": "white"}},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    shapes = []
    if grid.current is not None:
        shapes.append(
            {
                "type": "line",
                "x0": grid.current - 0.5,
                "x1": grid.current - 0.5,
                "y0": -0.5,
                "y1": n_rows - 0.5,
                "line": {"color": COLOURS[ppm.FAILED], "width": 3},
            }
        )
    fig = go.Figure(traces)
    fig.update_layout(
        height=90 + ROW_HEIGHT * n_rows,
        margin={"l": 10, "r": 10, "t": 30, "b": 20},
        showlegend=False,
        plot_bgcolor="white",
        paper_bgcolor="rgba(0,0,0,0)",
        shapes=shapes,
        dragmode=False,
        xaxis={
            "side": "top",
            "tickmode": "array",
            "tickvals": x[::2],
            "fixedrange": True,
            "range": [0.5, n_weeks + 0.5],
            "showgrid": False,
            "zeroline": False,
        },
        yaxis={
            "tickmode": "array",
            "tickvals": y,
            "ticktext": [r.label for r in grid.rows],
            "autorange": "reversed",
            "fixedrange": True,
            "automargin": True,
            "showgrid": False,
            "zeroline": False,
        },
        hoverlabel={"align": "left"},
        font={"size": 11},
    )
    return fig


def table_rows(grid: ppm.Grid, cells: list[list[dict[str, Any]]] | None = None) -> list[dict[str, Any]]:
    """The same grid as rows of cells for the table view: a button, with a spoken label, per filled cell."""
    cells = cells if cells is not None else _cells(grid)
    out = []
    for r, row in enumerate(grid.rows):
        shown = []
        for c, cell in enumerate(cells[r]):
            filled = cell["state"] != ppm.EMPTY
            shown.append(
                {
                    "week": str(c + 1),
                    "state": cell["state"],
                    "text": str(cell["number"]) if cell["number"] else "",
                    "label": f"Week {c + 1}, {row.label}: {cell['words']}" if filled else "",
                    "bubble": str(cell["untested"]) if cell["state"] == ppm.FAILED_UNTESTED else "",
                }
            )
        out.append({"label": row.label, "index": str(r), "cells": shown})
    return out


def _int(value: Any) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(round(number)) if np.isfinite(number) else None


class PpmState(SessionState):
    PAGE: ClassVar[str] = Page.REPORTS

    year: str = ""
    site: str = ALL
    contract: str = ALL
    expiry: str = ""
    site_search: str = ""
    site_choices: list[dict[str, str]] = []
    contract_choices: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    running: bool = False
    loaded: bool = False
    has_sites: bool = True
    row_count: int = 0
    chart: go.Figure = blank_chart()
    table: list[dict[str, Any]] = []
    weeks: list[int] = []
    runs: int = 0  # how many times the grid was drawn: lets a test or benchmark see a new one arrive
    current_week: int = 0
    show_table: bool = False
    cell: dict[str, str] = {}
    cell_jobs: list[dict[str, str]] = []
    cell_open: bool = False
    _rows: list[tuple[int, int]] = []
    _table: list[dict[str, Any]] = []  # sent to the browser only while the table is shown
    export_query: str = ""
    _filters: dict[str, str] = {}

    @rx.var
    def site_options(self) -> list[dict[str, str]]:
        """The sites matching the search box, and always the chosen one, so the select never goes blank."""
        term = self.site_search.strip().lower()
        chosen = [
            c for c in self.site_choices if not term or term in c["name"].lower() or c["id"] == self.site
        ]
        every = [{"id": ALL, "name": "All sites"}] if not term or self.site == ALL else []
        return every + chosen

    @rx.event
    def load(self):
        scope = self._scope(self.PAGE)
        if scope is None:
            return
        with unit_of_work() as session:
            self.site_choices = [{"id": str(i), "name": n} for i, n in sites.site_options(session, scope)]
            self.contract_choices = [
                {"id": str(i), "name": n} for i, n in ppm.contract_options(session, scope)
            ]
        self.has_sites = bool(self.site_choices)
        self.site_search, self.cell, self.cell_open = "", {}, False
        self._apply(dict(self.router.url.query_parameters))

    @rx.event
    def search(self, form: dict):
        self.running = True
        yield
        self._apply(arguments.form(form))
        self.running = False
        if not self.errors:
            yield rx.call_script(
                f"window.history.replaceState(null, '', {json.dumps('?' + self.export_query)})"
            )

    @rx.event
    def set_year(self, value: str):
        self.year = arguments.text(value, 4)

    @rx.event
    def set_expiry(self, value: str):
        self.expiry = arguments.text(value, 10)

    @rx.event
    def set_site(self, value: str):
        self.site = arguments.text(value, 20)

    @rx.event
    def set_contract(self, value: str):
        self.contract = arguments.text(value, 20)

    @rx.event
    def set_site_search(self, value: str):
        self.site_search = arguments.text(value, 100)

    @rx.event
    def toggle_table(self):
        self.show_table = not self.show_table
        self.table = self._table if self.show_table else []

    @rx.event
    def close_cell(self, open_: bool = False):
        self.cell_open = arguments.flag(open_) and bool(self.cell)

    @rx.event
    def select_cell(self, points: list[dict]):
        """A click on the heatmap: only the clicked week and row are taken from the browser."""
        clicked = arguments.records(points, 1)
        if clicked:
            self._show(_int(clicked[0].get("y")), _int(clicked[0].get("x")))

    @rx.event
    def open_cell(self, row: str, week: str):
        self._show(_int(row), _int(week))

    def _apply(self, raw: dict[str, Any]) -> None:
        scope = self._scope(self.PAGE)
        if scope is None:
            return
        with unit_of_work() as session:
            today = tenant.today(session)
            filters, errors = ppm.read_filters(raw, today)
            errors = errors or ppm.check_filters(session, scope, filters)
            self.year = arguments.text(raw.get("year"), 4) or str(filters.year)
            self.site = str(filters.site_id or ALL) if "site" not in errors else ALL
            self.contract = str(filters.contract_id or ALL) if "contract" not in errors else ALL
            self.expiry = arguments.text(raw.get("expiry"), 10)
            self.errors = errors
            if errors:
                return
            grid = ppm.compute(session, scope, filters, today)
        self._filters = filters.query()
        self.export_query = urlencode(self._filters)
        self._rows = [(r.asset_type_id, r.service_level_id) for r in grid.rows]
        self.row_count = len(grid.rows)
        self.current_week = grid.current or 0
        self.weeks = [wk.number for wk in grid.weeks]
        cells = _cells(grid)
        self.chart = figure(grid, cells)
        self._table = table_rows(grid, cells)
        self.table = self._table if self.show_table else []
        self.loaded = True
        self.runs += 1

    def _show(self, row: int | None, week: int | None) -> None:
        scope = self._scope(self.PAGE)
        if (
            scope is None
            or row is None
            or week is None
            or not 0 <= row < len(self._rows)
            or not self._filters
        ):
            return
        with unit_of_work() as session:
            today = tenant.today(session)
            filters, errors = ppm.read_filters(self._filters, today)
            if errors or ppm.check_filters(session, scope, filters):
                return
            found = ppm.cell_detail(session, scope, filters, today, *self._rows[row], week)
        if found is None:
            return
        self.cell = {
            "label": found.label,
            "week": str(found.week.number),
            "start": day(found.week.start),
            "end": day(found.week.end),
            "kind": "future" if found.future else "past",
            "state": ppm.STATE_LABELS[found.state] or "Nothing recorded",
            "due": str(found.due),
            "passed": str(found.passed),
            "failed": str(found.failed),
            "untested": str(found.untested),
            "jobs": ", ".join(f"#{n}" for n, _stage in found.jobs),
        }
        self.cell_jobs = [
            {"number": str(n), "href": f"/jobs?tab={stage}&q={n}" if scope.can(Page.JOBS) else ""}
            for n, stage in found.jobs
        ]
        self.cell_open = True
