"""Life Cycle Analysis: equipment age against expected life per type, and replacements due."""

from __future__ import annotations

from typing import Any, ClassVar

from portal.core import tenant
from portal.db import unit_of_work
from portal.services.reports import life_cycle
from portal.state.reports.advanced_reports import ReportFilters, bar_chart
from portal.state.session import SessionState

STAGES = (
    ("within", "Within life", "#30a46c"),
    ("nearing", "Nearing end", "#f5d90a"),
    ("past", "Past expected life", "#e5484d"),
    ("unknown", "Unknown age", "#8b8d98"),
)


class LifeCycleState(ReportFilters, SessionState):
    REPORT: ClassVar[str] = "life-cycle"

    rows: list[dict[str, str]] = []
    years: list[str] = []
    due: list[str] = []  # replacements due per year, all types
    totals: dict[str, str] = {}

    def _run(self, scope: Any) -> None:
        with unit_of_work() as session:
            report = life_cycle.life_cycle(session, scope, self.site, tenant.today(session))
        self.years = [str(y) for y in report.years]
        self.rows = [
            {
                "type": t.type_name,
                "life": f"{t.expected_life_years} yrs",
                "total": str(t.total),
                **{key: str(getattr(t, key)) for key, _l, _c in STAGES},
                "due": " · ".join(str(n) for n in t.due_by_year),
                **{f"due{i}": str(n) for i, n in enumerate(t.due_by_year)},
            }
            for t in report.types
        ]
        self.totals = {
            "total": str(report.total("total")),
            **{k: str(report.total(k)) for k, _l, _c in STAGES},
        }
        self.due = [str(report.due_in(i)) for i in range(len(report.years))]
        self.chart = bar_chart(
            [t.type_name for t in report.types],
            [(label, [getattr(t, key) for t in report.types], color) for key, label, color in STAGES],
            horizontal=True,
        )
