"""Contracts: the customer's maintenance agreements with expiry, covered sites and equipment."""

from __future__ import annotations

from typing import Any, ClassVar

from portal.core import tenant
from portal.db import unit_of_work
from portal.services.assets import contracts
from portal.state.display import day, money
from portal.state.reports.advanced_reports import ReportFilters
from portal.state.session import SessionState


class ContractsState(ReportFilters, SessionState):
    REPORT: ClassVar[str] = "contracts"

    rows: list[dict[str, str]] = []

    def _run(self, scope: Any) -> None:
        with unit_of_work() as session:
            cur = tenant.currency(session)
            found = contracts.list_contracts(session, scope, self.site, tenant.today(session))
        self.rows = [
            {
                "id": str(c.id),
                "number": c.number,
                "name": c.name,
                "start": day(c.start_date),
                "expiry": day(c.expiry_date),
                "status": c.status,
                "value": money(c.value_cents, cur),
                "sites": ", ".join(c.site_names),
                "assets": str(c.assets),
            }
            for c in found
        ]
