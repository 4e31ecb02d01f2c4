"""What every Advanced report screen shares: the site filter, Run, loading, the CSV link and a bar chart.

A report state mixes in :class:`ReportFilters` beside ``SessionState`` and implements ``_run``,
which reads the report through its service. Each handler re-checks the login and the Advanced
tier; the site id goes back to the service, which resolves it through the contact's scope.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

import plotly.graph_objects as go
import reflex as rx

from portal.core.principal import ADVANCED_REPORTS
from portal.db import unit_of_work
from portal.services.sites.sites import site_options
from portal.state import arguments
from portal.state.display import blank_chart

ALL = "all"


def bar_chart(
    x: list[str], series: list[tuple[str, list[float], str]], *, money: bool = False, horizontal: bool = False
) -> go.Figure:
    """Stacked bars, one trace per (name, values, colour): what each report draws."""
    fig = go.Figure()
    for name, values, color in series:
        fig.add_trace(
            go.Bar(
                name=name,
                x=values if horizontal else x,
                y=x if horizontal else values,
                marker_color=color,
                orientation="h" if horizontal else "v",
            )
        )
    axis = {"tickprefix": "$", "tickformat": ",.0f"} if money else {"tickformat": ",d"}
    fig.update_layout(
        barmode="stack",
        height=max(320, 28 * len(x)) if horizontal else 340,
        margin={"l": 8, "r": 8, "t": 36, "b": 8},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"size": 12},
    )
    if horizontal:
        fig.update_xaxes(**axis)
        fig.update_yaxes(autorange="reversed", automargin=True)
    else:
        fig.update_yaxes(**axis)
    return fig


class ReportFilters(rx.State, mixin=True):
    site: str = ALL
    site_choices: list[dict[str, str]] = []
    loading: bool = True
    chart: go.Figure = blank_chart()
    csv_href: str = ""  # the CSV of the report on screen, as last run

    REPORT: ClassVar[str] = ""  # the CSV route's name: /export/reports/<REPORT>.csv
    ALL_SITES: ClassVar[bool] = True  # whether "All my sites" is a choice

    def _run(self, scope: Any) -> None:
        raise NotImplementedError

    def _csv_name(self) -> str:
        return self.REPORT

    def _query(self) -> dict[str, str]:
        """The filters as the CSV route reads them."""
        return {"site": self.site}

    def _choices(self, scope: Any) -> None:
        with unit_of_work() as session:
            options = site_options(session, scope)
        self.site_choices = ([{"value": ALL, "label": "All my sites"}] if self.ALL_SITES else []) + [
            {"value": str(sid), "label": name} for sid, name in options
        ]
        wanted = self.router.url.query_parameters.get("site", self.site)
        values = [c["value"] for c in self.site_choices]
        self.site = wanted if wanted in values else (values[0] if values else ALL)

    def _refresh(self) -> None:
        scope = self._scope(ADVANCED_REPORTS)
        if scope is None:
            self.loading = False
            return
        self._run(scope)
        self.csv_href = f"/export/reports/{self._csv_name()}.csv?{urlencode(self._query())}"
        self.loading = False

    @rx.event
    def load(self):
        self.loading = True
        yield
        self._load()

    def _load(self) -> None:
        """on_load: the contact's sites for the filter, then the report for the chosen (or first) one."""
        scope = self._scope(ADVANCED_REPORTS)
        if scope is None:
            self.loading = False
            return
        self.loading = True
        self._choices(scope)
        self._refresh()

    @rx.event
    def set_site(self, value: str):
        self.site = arguments.text(value, 20)

    @rx.event
    def run(self):
        """Search / Run: spinner first, then the report for the filters on screen."""
        self.loading = True
        yield
        self._refresh()

    @rx.var
    def site_label(self) -> str:
        return next((c["label"] for c in self.site_choices if c["value"] == self.site), "")
