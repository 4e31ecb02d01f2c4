"""Reports > Test History: the shared site, type and search filters plus a date range and a status.

The range and status go in the address with the rest (``?from=&to=&status=``). A range that does
not make sense, typed or linked, shows its message beside the field and no rows, rather than
quietly falling back to another range the customer did not ask for.
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.core.principal import Scope
from portal.db import unit_of_work
from portal.services.assets import test_history
from portal.services.assets.test_history import ALL, RESULT_LABELS, TestResult
from portal.state import arguments
from portal.state.display import DASH, day
from portal.state.reports.report_filters import AssetReportState, asset_cells, count_cells
from portal.state.session import SessionState

MAX_TYPED = 40  # a date input sends 10 characters; an address may carry anything
STATUS_CHOICES = [{"value": ALL, "label": "All results"}] + [
    {"value": r.value, "label": RESULT_LABELS[r]} for r in TestResult
]


def _status(raw: Any) -> str:
    """A result from the address or the form; anything unknown shows every result."""
    return test_history.status_filter(raw) or ALL


class TestHistoryState(AssetReportState, SessionState):
    __test__ = False  # not a pytest class

    ROUTE: ClassVar[str] = "/reports/test-history"
    EXPORT: ClassVar[str] = "test-history"

    start: str = ""
    end: str = ""
    status: str = ALL
    errors: dict[str, str] = {}
    counts: list[dict[str, str]] = []
    _today: int = 0  # the contractor's today (an ordinal) while the page is open

    def _today_date(self) -> date:
        if not self._today:
            with unit_of_work() as session:
                self._today = tenant.today(session).toordinal()
        return date.fromordinal(self._today)

    def _check_range(self, raw_start: Any, raw_end: Any) -> bool:
        """Keep what was typed (so the error sits beside it) and whether it makes a range."""
        start, end, errors = test_history.parse_range(raw_start, raw_end, self._today_date())
        self.start = start.isoformat() if start else arguments.text(raw_start, MAX_TYPED)
        self.end = end.isoformat() if end else arguments.text(raw_end, MAX_TYPED)
        self.errors = errors
        return not errors

    def _extra_params(self) -> dict[str, str]:
        return {"from": self.start, "to": self.end} | ({"status": self.status} if self.status != ALL else {})

    def _read_extra(self, params: dict[str, str]) -> None:
        self._today = 0
        self.status = _status(params.get("status"))
        self._check_range(params.get("from"), params.get("to"))

    def _take_form(self, form: dict) -> bool:
        self.status = _status(form.get("status", self.status))
        return self._check_range(form.get("from"), form.get("to"))

    def _fetch(self, scope: Scope, request: PageRequest) -> Page:
        """The range is read again from what state holds (blank before the page's load: the default)."""
        start, end, errors = test_history.parse_range(self.start, self.end, self._today_date())
        with unit_of_work() as session:
            assets = filters = None
            if not errors:
                assets = self._filters(session, scope)
            if assets is not None and start is not None and end is not None:
                filters = test_history.HistoryFilters(assets, start, end, self.status)
            report = test_history.history_report(session, scope, filters, request)
        self._after_fetch(assets)
        if self.errors:  # a bad range is its own message, and there is nothing to download
            self.refused, self.download_href = "", ""
        self.counts = count_cells(report.counts, lambda k: RESULT_LABELS[TestResult(k)])
        return report.page

    def _format(self, row: test_history.TestRow) -> dict[str, str]:
        return {
            "id": str(row.id),
            "date": day(row.tested_on),
            **asset_cells(row),
            "level": row.level_name,
            "result": row.result,
            "result_label": test_history.result_label(row.result),
            "technician": row.technician or DASH,
            "notes": row.notes or DASH,
            "job": str(row.job_number) if row.job_number is not None else DASH,
        }

    @rx.event
    def pick_status(self, value: str):
        self.status = _status(value)

    @rx.event
    def show_result(self, value: str):
        """A count in the summary shows just those tests (the range as last searched)."""
        self.status = _status(value)
        return self._go()
