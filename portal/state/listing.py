"""Paging, sorting, searching and tabs for every list screen; the rows come from SQL one page at a time.

A list state mixes this in beside ``SessionState`` and implements ``_fetch``: the service call
that returns one page through the scope. Only that page (formatted for display) is kept.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlencode

import reflex as rx

from portal.core.lists import PAGE_SIZES, Page, PageRequest
from portal.state import arguments


class ListState(rx.State, mixin=True):
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

    def _refresh(self) -> None:
        scope = self._scope(self.PAGE)
        if scope is None:
            self.rows, self.total, self.pages, self.loading = [], 0, 1, False
            return
        if self.TABS and self.tab not in self.TABS:  # an event that came before the page's load
            self.tab = self.TABS[0]
        result = self._fetch(scope, self._request())
        self.rows = [self._format(row) for row in result.rows]
        self.total, self.page, self.pages = result.total, result.page, max(result.pages, 1)
        self.loading = False

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
