"""Budget Forecast: the next twelve months of servicing and open defect quotes, in money."""

from __future__ import annotations

from typing import Any, ClassVar

from portal.core import tenant
from portal.db import unit_of_work
from portal.services.reports import budget_forecast
from portal.state.display import money
from portal.state.reports.advanced_reports import ReportFilters, bar_chart
from portal.state.session import SessionState


class BudgetForecastState(ReportFilters, SessionState):
    REPORT: ClassVar[str] = "budget"

    rows: list[dict[str, str]] = []
    total: str = ""
    services_total: str = ""
    quotes_total: str = ""
    awaiting: int = 0
    average_rate: str = ""

    def _run(self, scope: Any) -> None:
        with unit_of_work() as session:
            cur = tenant.currency(session)
            forecast = budget_forecast.budget_forecast(session, scope, self.site, tenant.today(session))
        self.rows = [
            {
                "month": f"{m.month:%b %Y}",
                "services": str(m.services),
                "services_cost": money(m.services_cents, cur),
                "quotes": str(m.quotes),
                "quotes_cost": money(m.quotes_cents, cur),
                "total": money(m.total_cents, cur),
            }
            for m in forecast.months
        ]
        self.total = money(forecast.total_cents, cur)
        self.services_total = money(sum(m.services_cents for m in forecast.months), cur)
        self.quotes_total = money(sum(m.quotes_cents for m in forecast.months), cur)
        self.awaiting = forecast.awaiting_pricing
        self.average_rate = money(forecast.rates.get(None, 0), cur)
        self.chart = bar_chart(
            [f"{m.month:%b %y}" for m in forecast.months],
            [
                ("Services (estimated)", [m.services_cents / 100 for m in forecast.months], "#0090ff"),
                ("Open defect quotes", [m.quotes_cents / 100 for m in forecast.months], "#f76b15"),
            ],
            money=True,
        )
