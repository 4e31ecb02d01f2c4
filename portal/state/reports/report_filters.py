"""The site, asset type and search filters that Current Defects and Test History share.

The filters live in the page address (``?site=&type=&q=``), so reload and Back land on the same
report: Search navigates to the address of the chosen filters and ``load`` reads it again. The
site and type are only ever strings here; every fetch turns them back into a filter through the
scope, so a site typed into the address that the contact may not see shows nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlencode

import reflex as rx

from portal.core.lists import MAX_SEARCH
from portal.core.principal import Scope
from portal.db import unit_of_work
from portal.services.assets import defects
from portal.services.assets.defects import ALL
from portal.services.sites import sites
from portal.state import arguments
from portal.state.display import DASH
from portal.state.listing import ListState

REFUSED = "The site in this address is not one of yours, so nothing is shown. Choose a site and press Search."


def _options(pairs: list[tuple[int, str]], everything: str) -> list[dict[str, str]]:
    return [{"value": ALL, "label": everything}] + [{"value": str(i), "label": name} for i, name in pairs]


def _choice(raw: Any) -> str:
    text = arguments.text(raw, 12).strip()
    return text if text and text != ALL else ALL


def _search_text(raw: Any) -> str:
    return " ".join(arguments.text(raw, MAX_SEARCH * 2).split())[:MAX_SEARCH]


def asset_cells(row: Any) -> dict[str, str]:
    """The asset columns both reports show, formatted alike so a row reads the same on either."""
    return {
        "number": row.asset_number,
        "name": row.asset_name or DASH,
        "location": row.location or DASH,
        "type": row.type_name,
        "site": row.site_name,
    }


def count_cells(counts: Mapping[str, int], label: Callable[[str], str]) -> list[dict[str, str]]:
    """The summary chips above a report: one per severity or result, in the service's order."""
    return [{"key": k, "label": label(k), "count": f"{n:,}"} for k, n in counts.items()]


class AssetReportState(ListState, mixin=True):
    """Site, asset type and search in the address, the filter choices, and the download link."""

    ROUTE: ClassVar[str] = ""
    EXPORT: ClassVar[str] = ""
    PAGE: ClassVar[str] = defects.PAGE

    site: str = ALL
    asset_type: str = ALL
    site_options: list[dict[str, str]] = []
    type_options: list[dict[str, str]] = []
    refused: str = ""
    download_href: str = ""

    # --- what subclasses add ----------------------------------------------------------------

    def _extra_params(self) -> dict[str, str]:
        """The report's own filters as they go in the address (only those not at their default)."""
        return {}

    def _read_extra(self, params: dict[str, str]) -> None:
        """Take the report's own filters from the address."""

    def _take_form(self, form: dict) -> bool:
        """Take the report's own fields from the submitted form; False when one is wrong (errors shown)."""
        return True

    # --- shared -----------------------------------------------------------------------------

    def _params(self) -> dict[str, str]:
        params = {"site": self.site, "type": self.asset_type, "q": self.search}
        params = {k: v for k, v in params.items() if v not in ("", ALL)}
        return params | self._extra_params()

    def _filters(self, session: Any, scope: Scope) -> defects.AssetFilters | None:
        return defects.asset_filters(session, scope, self.site, self.asset_type, self.search)

    def _load_options(self, scope: Scope) -> None:
        with unit_of_work() as session:
            self.site_options = _options(sites.site_options(session, scope), "All my sites")
            site = sites.site_for(session, scope, self.site) if self.site != ALL else None
            self.type_options = _options(
                sites.asset_type_options(session, scope, site.id if site else None), "All asset types"
            )

    def _open_filters(self) -> None:
        params = self.router.url.query_parameters
        self.site = _choice(params.get("site"))
        self.asset_type = _choice(params.get("type"))
        self.search = _search_text(params.get("q"))
        self._read_extra(params)
        self.page = 1

    def _after_fetch(self, filters: defects.AssetFilters | None) -> None:
        self.refused = REFUSED if filters is None else ""
        self.download_href = f"/export/reports/{self.EXPORT}.csv?" + urlencode(
            self._params() | {"sort": self.sort, "desc": int(self.descending)}
        )

    @rx.event
    def load(self):
        """on_load: the filters from the address, the choices through the scope, then the first page."""
        self._open_filters()
        self.loading = True
        yield
        scope = self._scope(self.PAGE)
        if scope is None:
            self.rows, self.total, self.loading = [], 0, False
            return
        self._load_options(scope)
        self._refresh()
        yield self._follow()

    @rx.event
    def pick_site(self, value: str):
        """A site narrows the asset types to those it has; the report waits for Search."""
        scope = self._scope(self.PAGE)
        if scope is None:
            return
        self.site = _choice(value)
        self._load_options(scope)
        if self.asset_type not in {o["value"] for o in self.type_options}:
            self.asset_type = ALL

    @rx.event
    def pick_type(self, value: str):
        self.asset_type = _choice(value)

    def _go(self):
        """Show the chosen filters: navigate to their address (load runs), or refresh when it is the same."""
        target = self._params()
        if target == dict(self.router.url.query_parameters):
            self.page = 1
            self._refresh()
            return None
        query = urlencode(target)
        return rx.redirect(f"{self.ROUTE}?{query}" if query else self.ROUTE)

    @rx.event
    def apply(self, form: dict):
        """Search: every field of the form (the site and type too, in case a change is still on its way)."""
        form = arguments.form(form)
        self.site = _choice(form.get("site", self.site))
        self.asset_type = _choice(form.get("type", self.asset_type))
        self.search = _search_text(form.get("q"))
        if not self._take_form(form):
            self.page = 1
            self._refresh()  # the report's own fetch shows nothing while a field is wrong
            return None
        return self._go()

    @rx.event
    def clear_search(self):
        self.search = ""
        return self._go()
