"""Paging, sorting, searching and tabs for every list screen; the rows come from SQL one page at a time.

A list state mixes :class:`ListState` in beside ``SessionState`` and implements ``_fetch``: the
service call that returns one page through the scope. Only that page (formatted for display) is
kept. Every list is live (``state/live.py``): its page load ends with ``return self._follow()`` and
the page on screen is fetched again, through the same scope, when the back office changes something
of the customer. Quotes and jobs mix in :class:`DetailListState` instead, which also opens a row's details
with its priced lines, assets and files, and takes more files for it.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from portal.core import tenant
from portal.core.lists import PAGE_SIZES, ListSpec, Page, PageRequest
from portal.db import unit_of_work
from portal.models import AttachmentOwner
from portal.state import arguments
from portal.state.display import DASH, attachment_rows, day, item_rows, money
from portal.state.files import attachments as attachment_upload
from portal.state.live import LiveState


class ListState(LiveState, mixin=True):
    tab: str = ""
    search: str = ""
    sort: str = ""
    descending: bool = True
    page: int = 1
    size: int = 25
    total: int = 0
    pages: int = 1
    rows: list[dict[str, str]] = []
    loading: bool = True

    TABS: ClassVar[tuple[str, ...]] = ()
    PAGE: ClassVar[str] = ""
    EXPORT: ClassVar[str] = ""  # the CSV route's name: /export/<EXPORT>.csv

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        raise NotImplementedError

    def _format(self, row: Any) -> dict[str, str]:
        raise NotImplementedError

    def _request(self) -> PageRequest:
        return PageRequest(
            search=self.search, sort=self.sort, descending=self.descending, page=self.page, size=self.size
        ).clean()

    def _refresh(self) -> Any:
        """Fetch the page on screen; the scope it was fetched under, or None when refused."""
        scope = self._scope(self.PAGE)
        if scope is None:
            self.rows, self.total, self.pages, self.loading = [], 0, 1, False
            self._live_customer = 0
            return None
        self._live_for(scope)
        if self.TABS and self.tab not in self.TABS:  # an event that came before the page's load
            self.tab = self.TABS[0]
        result = self._fetch(scope, self._request())
        self.rows = [self._format(row) for row in result.rows]
        self.total, self.page, self.pages = result.total, result.page, max(result.pages, 1)
        self.loading = False
        return scope

    def _live_reload(self) -> bool:
        return self._refresh() is not None

    def _open_from_url(self) -> None:
        """Tab and search from the address, so a link (or a reload) lands on the same list."""
        params = self.router.url.query_parameters
        tab = params.get("tab", "")
        self.tab = tab if tab in self.TABS else self.TABS[0]
        self.search = params.get("q", "")[:100]
        self.page = 1

    @rx.event
    def set_tab(self, tab: str):
        tab = arguments.text(tab, 20)
        if tab in self.TABS and tab != self.tab:
            self.tab, self.page = tab, 1
            self._refresh()

    @rx.event
    def submit_search(self, form: dict):
        self.search = arguments.text(arguments.form(form).get("q"), 100).strip()
        self.page = 1
        self._refresh()

    @rx.event
    def clear_search(self):
        self.search, self.page = "", 1
        self._refresh()

    @rx.event
    def sort_by(self, key: str):
        key = arguments.text(key, 20)
        if self.sort == key:
            self.descending = not self.descending
        else:
            self.sort, self.descending = key, key in {"date", "number", "cost", "total", "scheduled"}
        self.page = 1
        self._refresh()

    @rx.event
    def go_to(self, page: int):
        number = arguments.whole(page)
        if number is None:
            return
        self.page = max(1, number)
        self._refresh()

    @rx.event
    def set_size(self, size: str):
        value = arguments.whole(size)
        if value in PAGE_SIZES:
            self.size, self.page = value, 1
            self._refresh()

    @rx.var
    def csv_href(self) -> str:
        """The CSV of the list exactly as filtered and sorted on screen."""
        query = urlencode(
            {"tab": self.tab, "q": self.search, "sort": self.sort, "desc": int(self.descending)}
        )
        return f"/export/{self.EXPORT}.csv?{query}"

    @rx.var
    def first_shown(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.size + 1

    @rx.var
    def last_shown(self) -> int:
        return min(self.page * self.size, self.total)


class DetailListState(ListState, mixin=True):
    """A list of quotes or jobs: its rows open a pop-up with the details, the priced lines, the
    assets and the files, which takes more files for the row on screen (its id kept server-side)."""

    LIST: ClassVar[ListSpec]
    KIND: ClassVar[str] = ""  # "quote" or "job": the messages, the PDF route and the upload's id
    OWNER: ClassVar[AttachmentOwner]

    created: str = ""
    detail: dict[str, str] = {}
    items: list[dict[str, str]] = []
    assets: list[dict[str, str]] = []
    attachments: list[dict[str, str]] = []
    detail_open: bool = False
    upload_errors: list[str] = []
    _detail_id: int = 0
    _currency: str = "AUD"

    def _load_detail(self, session: Session, scope: Any, row_id: Any) -> Any:
        """The service's details of the row, or None when the id is not the contact's to see."""
        raise NotImplementedError

    def _own_facts(self, d: Any) -> dict[str, str]:
        """The detail fields only this kind of row has."""
        raise NotImplementedError

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work() as session:
            self._currency = tenant.currency(session)
            return self.LIST.rows(session, scope, self.tab, request, tenant.today(session))

    def _open_list(self) -> None:
        """The tab and search from the address, and the banner after a new request (its number)."""
        self._open_from_url()
        created = self.router.url.query_parameters.get("created", "")
        self.created = created if created.isdigit() else ""
        self.detail_open = False

    def _open_detail(self, row_id: Any) -> Any:
        scope = self._scope(self.PAGE)
        if scope is None:
            return None
        if not self._reload_detail(scope, row_id):
            return rx.toast.error(f"That {self.KIND} is not available.")
        self.detail_open, self.upload_errors = True, []
        self._opened()
        return None

    def _opened(self) -> None:
        """What else a fresh pop-up starts without (a half-made decision on a quote)."""

    def _reload_detail(self, scope: Any, row_id: Any = None) -> bool:
        with unit_of_work() as session:
            d = self._load_detail(session, scope, row_id or self._detail_id)
        if d is None:
            return False
        cur = self._currency = d.currency
        self._detail_id = d.id
        self.detail = {
            "id": str(d.id),
            "number": str(d.number),
            "site": d.site_name,
            "site_address": d.site_address,
            "contact": d.contact_name or DASH,
            "order": d.order_number or DASH,
            "description": d.description,
            "requested_on": day(d.requested_on),
            "preferred_date": day(d.preferred_date),
            "subtotal": money(d.subtotal_cents, cur),
            "tax": money(d.tax_cents, cur),
            "tax_label": d.tax_label,
            "total": money(d.total_cents, cur),
            "pdf": f"/documents/{self.KIND}s/{d.id}.pdf",
            **self._own_facts(d),
        }
        self.items = item_rows(d.items, cur)
        self.assets = [
            {"number": a.number, "name": a.name, "location": a.location, "type": a.type_name}
            for a in d.assets
        ]
        self.attachments = attachment_rows(d.attachments)
        return True

    def _close_detail(self) -> None:
        self.detail_open = False

    def _live_reload(self) -> bool:
        """The page on screen and, when its pop-up is open, the row's details (a price, a date)."""
        scope = self._refresh()
        if scope is not None and self.detail_open and not self._reload_detail(scope):
            self._close_detail()
        return scope is not None

    @rx.event
    def set_detail_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self._close_detail()

    @rx.event
    async def add_files(self, files: list[rx.UploadFile]):
        """Options > Attachments: more files on the row on screen."""
        scope = self._scope(self.PAGE)
        if scope is None or not self._detail_id:
            return None
        self.upload_errors, done = await attachment_upload.add_files(
            files, scope, self.OWNER, self._detail_id, f"{self.KIND}-files"
        )
        self._reload_detail(scope)
        return done
