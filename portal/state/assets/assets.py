"""Assets > View Assets: the chosen site's asset groups, the open groups' pages, and one asset's pop-up.

The site and search live in the address (``?site=&q=``), so reload and Back land on the same
view; choosing a site or searching navigates, and ``load`` reads the address again. State keeps
the group counts and only the open groups' current page of rows. The site and the asset on
screen are kept in backend vars, and each handler re-checks the login and loads through the scope.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import reflex as rx

from portal.core import tenant
from portal.core.principal import Scope
from portal.db import unit_of_work
from portal.models import Page
from portal.services.assets import assets
from portal.services.sites.sites import site_options
from portal.state import arguments
from portal.state.display import DASH, day
from portal.state.session import SessionState

PAGE = Page.ASSETS
MAX_SEARCH = 100
OPEN_ON_SEARCH = 3  # with a search, the first few groups open by themselves: the hits are what was asked for
RESULTS = {"pass": "Pass", "fail": "Fail", "not_tested": "Not tested"}


def assets_url(site: str, search: str = "") -> str:
    query = {"site": site} | ({"q": search} if search else {})
    return f"/assets?{urlencode(query)}"


def request_href(path: str, site_id: int | str, asset_id: int | str) -> str:
    return f"{path}?{urlencode({'site': site_id, 'asset': asset_id})}"


def _row(row: assets.AssetRow, site_id: int, today: Any) -> dict[str, str]:
    active = row.status == "active"
    return {
        "id": str(row.id),
        "number": row.number,
        "name": row.name or DASH,
        "location": row.location or DASH,
        "make_model": " ".join(p for p in (row.make, row.model) if p) or DASH,
        "due": day(row.next_due_on),
        "overdue": "1" if active and row.next_due_on is not None and row.next_due_on < today else "",
        "status": row.status.title(),
        "active": "1" if active else "",
        "quote_href": request_href("/quotes/request", site_id, row.id),
        "job_href": request_href("/jobs/book", site_id, row.id),
    }


def _note(shown: int, total: int, what: str) -> str:
    return f"Showing the latest {shown} of {total:,} {what}." if total > shown else ""


class AssetsState(SessionState):
    sites: list[dict[str, str]] = []
    site: str = ""
    site_name: str = ""
    search: str = ""
    notice: str = ""
    groups: list[dict[str, str]] = []
    group_rows: dict[str, list[dict[str, str]]] = {}
    matched: int = 0
    loading: bool = True

    detail_open: bool = False
    detail: dict[str, str] = {}
    levels: list[dict[str, str]] = []
    services: list[dict[str, str]] = []
    transfers: list[dict[str, str]] = []
    history_tab: str = "service"

    _site_id: int = 0
    _asset_id: int = 0
    _counts: dict[int, int] = {}  # asset type id -> assets matching the search, for the site on screen
    _open: dict[int, int] = {}  # open group's asset type id -> its current page

    @rx.var
    def csv_href(self) -> str:
        query = f"?{urlencode({'q': self.search})}" if self.search else ""
        return f"/export/assets/{self.site}.csv{query}" if self.site else ""

    def _clear(self) -> None:
        self.groups, self.group_rows, self.matched = [], {}, 0
        self._counts, self._open = {}, {}
        self.detail_open, self._asset_id = False, 0

    @rx.event
    def load(self):
        """on_load: the site and search from the address; only the contact's own sites are offered."""
        self.loading = True
        self._clear()
        yield
        scope = self._scope(PAGE)
        if scope is None:
            self.sites, self.site, self.site_name, self.notice, self.loading = [], "", "", "", False
            return
        params = self.router.url.query_parameters
        wanted = str(params.get("site", "")).strip()
        self.search = str(params.get("q", "")).strip()[:MAX_SEARCH]
        with unit_of_work() as session:
            options = site_options(session, scope)
        self.sites = [{"id": str(i), "name": name} for i, name in options]
        names = dict(options)
        self.notice = ""
        if wanted and arguments.whole(wanted) in names:
            self._site_id = arguments.whole(wanted) or 0
        elif wanted:
            self._site_id = 0
            self.notice = "That site isn't available to your login. Choose one of your sites."
        else:
            self._site_id = options[0][0] if options else 0
        self.site = str(self._site_id) if self._site_id else ""
        self.site_name = names.get(self._site_id, "")
        self._refresh(scope)
        self.loading = False

    def _refresh(self, scope: Scope) -> None:
        """Group counts for the site on screen; with a search the first groups open on their first page."""
        if not self._site_id:
            self._clear()
            return
        with unit_of_work() as session:
            found = assets.asset_groups(session, scope, self._site_id, self.search)
        self._counts = {g.type_id: g.count for g in found}
        self.matched = sum(self._counts.values())
        self._open = {g.type_id: 1 for g in found[:OPEN_ON_SEARCH]} if self.search else {}
        self.groups = [{"id": str(g.type_id), "name": g.name, "count": f"{g.count:,}"} for g in found]
        self._load_open(scope)

    def _load_open(self, scope: Scope) -> None:
        """Rows of the open groups only, one page each; every other group keeps just its count."""
        rows: dict[str, list[dict[str, str]]] = {}
        pages: dict[int, tuple[int, int]] = {}
        with unit_of_work() as session:
            today = tenant.today(session)
            for type_id, page in self._open.items():
                found = assets.group_page(session, scope, self._site_id, type_id, self.search, page)
                self._open[type_id] = found.page
                rows[str(type_id)] = [_row(r, self._site_id, today) for r in found.rows]
                pages[type_id] = (found.page, found.pages)
        self.group_rows = rows
        groups = []
        for g in self.groups:
            type_id = int(g["id"])
            page, last = pages.get(type_id, (1, 1))
            count = self._counts.get(type_id, 0)
            first, end = (page - 1) * assets.GROUP_SIZE + 1, min(page * assets.GROUP_SIZE, count)
            groups.append(
                g
                | {
                    "open": "1" if type_id in self._open else "",
                    "page": str(page),
                    "pages": str(last),
                    "range": f"{first:,}–{end:,} of {count:,}",
                    "prev": str(page - 1) if page > 1 else "",
                    "next": str(page + 1) if page < last else "",
                }
            )
        self.groups = groups

    def _known_group(self, type_id: Any) -> int | None:
        value = arguments.whole(type_id)
        return value if value in self._counts else None

    @rx.event
    def choose_site(self, site_id: str):
        """A new site starts a new view: no search, every group closed, its own address."""
        site_id = arguments.text(site_id, 20)
        if site_id != self.site:
            return rx.redirect(assets_url(site_id))
        return None

    @rx.event
    def submit_search(self, form: dict):
        text = arguments.text(arguments.form(form).get("q"), MAX_SEARCH).strip()
        if self.site and text != self.search:
            return rx.redirect(assets_url(self.site, text))
        return None

    @rx.event
    def clear_search(self):
        if self.site:
            return rx.redirect(assets_url(self.site))
        return None

    @rx.event
    def toggle_group(self, type_id: str):
        scope = self._scope(PAGE)
        key = self._known_group(type_id)
        if scope is None or key is None:
            return
        if key in self._open:
            del self._open[key]
        else:
            self._open[key] = 1
        self._load_open(scope)

    @rx.event
    def group_to(self, type_id: str, page: str):
        scope = self._scope(PAGE)
        key = self._known_group(type_id)
        if scope is None or key is None or key not in self._open:
            return
        number = arguments.whole(page)
        if number is None:
            return
        self._open[key] = max(1, number)
        self._load_open(scope)

    @rx.event
    def open_asset(self, asset_id: str):
        """The pop-up: the asset is loaded through the scope, so another customer's id finds nothing."""
        scope = self._scope(PAGE)
        if scope is None:
            return None
        with unit_of_work() as session:
            found = assets.asset_detail(session, scope, asset_id)
        if found is None:
            return rx.toast.error("That asset is not available.")
        self._asset_id = found.id
        self._show(found)
        self.history_tab, self.detail_open = "service", True
        return None

    def _show(self, d: assets.AssetDetail) -> None:
        active = d.status == "active"
        self.detail = {
            "number": d.number,
            "name": d.name or DASH,
            "type": d.type_name or DASH,
            "site": d.site_name,
            "location": d.location or DASH,
            "make": d.make or DASH,
            "model": d.model or DASH,
            "serial": d.serial or DASH,
            "installed": day(d.install_date),
            "details": d.details,
            "status": d.status.title(),
            "contract": d.contract or "Not under contract",
            "contract_expiry": day(d.contract_expiry) if d.contract else "",
            "active": "1" if active else "",
            "quote_href": request_href("/quotes/request", d.site_id, d.id),
            "job_href": request_href("/jobs/book", d.site_id, d.id),
            "services_note": _note(len(d.services), d.services_total, "tests"),
            "transfers_note": _note(len(d.transfers), d.transfers_total, "transfers"),
        }
        self.levels = [
            {"name": lv.name, "due": day(lv.next_due_on), "last": day(lv.last_tested_on)} for lv in d.levels
        ]
        self.services = [
            {
                "date": day(s.tested_on),
                "level": s.level,
                "result": RESULTS.get(s.result, s.result),
                "technician": s.technician or DASH,
                "notes": s.notes or DASH,
                "job": f"#{s.job_number}" if s.job_number else DASH,
            }
            for s in d.services
        ]
        self.transfers = [
            {
                "date": day(t.transferred_on),
                "from": t.from_place,
                "to": t.to_place,
                "reason": t.reason or DASH,
            }
            for t in d.transfers
        ]

    @rx.event
    def set_detail_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.detail_open, self._asset_id = False, 0

    @rx.event
    def set_history_tab(self, tab: str):
        self.history_tab = tab if tab in ("service", "transfer") else "service"
