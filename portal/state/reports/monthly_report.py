"""Monthly Report: one site, twelve months of jobs, tests and defects."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import reflex as rx

from portal.core import dates, tenant
from portal.core.months import add_months
from portal.db import unit_of_work
from portal.services.reports import monthly_report
from portal.state import arguments
from portal.state.reports.advanced_reports import ReportFilters, bar_chart
from portal.state.session import SessionState

MONTH_CHOICES = 36
COLUMNS = (
    "jobs_opened",
    "jobs_completed",
    "passed",
    "failed",
    "not_tested",
    "defects_found",
    "defects_rectified",
)


class MonthlyReportState(ReportFilters, SessionState):
    REPORT: ClassVar[str] = "monthly"
    ALL_SITES: ClassVar[bool] = False

    month: str = ""  # YYYY-MM: the window's last month
    month_choices: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    totals: dict[str, str] = {}
    shown_site: str = ""

    def _query(self) -> dict[str, str]:
        return {"site": self.site, "month": self.month}

    def _last_month(self, today: date) -> date:
        """The month chosen (this one when it is not a month the portal supports), never a future one."""
        chosen = dates.read_month(self.month)
        return min(chosen if isinstance(chosen, date) else today.replace(day=1), today.replace(day=1))

    def _run(self, scope: Any) -> None:
        with unit_of_work() as session:
            today = tenant.today(session)
            if not self.month_choices:
                firsts = [add_months(today.replace(day=1), -i) for i in range(MONTH_CHOICES)]
                self.month_choices = [
                    {"value": f"{m:%Y-%m}", "label": f"12 months to {m:%b %Y}"} for m in firsts
                ]
            last = self._last_month(today)
            self.month = f"{last:%Y-%m}"
            report = monthly_report.monthly_report(session, scope, self.site, last)
        self.shown_site = report.site_name
        self.rows = [
            {"month": f"{m.month:%b %Y}", **{c: str(getattr(m, c)) for c in COLUMNS}} for m in report.months
        ]
        self.totals = {c: str(report.total(c)) for c in COLUMNS}
        labels = [f"{m.month:%b %y}" for m in report.months]
        self.chart = bar_chart(
            labels,
            [
                ("Passed", [m.passed for m in report.months], "#30a46c"),
                ("Failed", [m.failed for m in report.months], "#e5484d"),
                ("Not tested", [m.not_tested for m in report.months], "#f5d90a"),
            ],
        )

    @rx.event
    def set_month(self, value: str):
        self.month = arguments.text(value, 7)
