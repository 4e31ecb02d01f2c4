"""Reports > Current Defects: each defect with its asset, and the quote raised for it if any."""

from __future__ import annotations

from typing import ClassVar
from urllib.parse import urlencode

from portal.core.lists import Page, PageRequest
from portal.core.principal import Scope
from portal.db import unit_of_work
from portal.models import Page as PageKey
from portal.services.assets import defects
from portal.state.display import DASH, day
from portal.state.reports.report_filters import AssetReportState, asset_cells, count_cells
from portal.state.session import SessionState


class DefectsState(AssetReportState, SessionState):
    ROUTE: ClassVar[str] = "/reports/defects"
    EXPORT: ClassVar[str] = "defects"

    counts: list[dict[str, str]] = []
    can_quote: bool = False

    def _fetch(self, scope: Scope, request: PageRequest) -> Page:
        self.can_quote = scope.can(PageKey.QUOTES)
        with unit_of_work() as session:
            filters = self._filters(session, scope)
            found = defects.list_defects(session, scope, filters, request)
            counts = defects.severity_counts(session, scope, filters)
        self.counts = count_cells(counts, defects.severity_label)
        self._after_fetch(filters)
        return found

    def _format(self, row: defects.DefectRow) -> dict[str, str]:
        quote_href = ""
        if row.quote_number is not None and self.can_quote:
            quote_href = "/quotes?" + urlencode(
                {"tab": row.quote_stage or "outstanding", "q": row.quote_number}
            )
        return {
            "id": str(row.id),
            "date": day(row.found_on),
            **asset_cells(row),
            "severity": row.severity,
            "severity_label": defects.severity_label(row.severity),
            "description": row.description or DASH,
            "quote": f"#{row.quote_number}" if row.quote_number is not None else "",
            "quote_href": quote_href,
            "request_href": "/quotes/request?"
            + urlencode({"site": row.site_id, "asset": row.asset_id, "defect": row.id}),
        }
