"""Sites > Sites: the contact's sites, one page at a time, searched by name or address."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page as ListPage
from portal.core.lists import PageRequest
from portal.db import unit_of_work
from portal.models import Page
from portal.services.sites import listing
from portal.state.listing import ListState
from portal.state.session import SessionState


class SitesState(ListState, SessionState):
    TABS: ClassVar[tuple[str, ...]] = tuple(listing.SITES.tabs)
    PAGE: ClassVar[str] = Page.SITES
    EXPORT: ClassVar[str] = listing.SITES.name

    def _fetch(self, scope: Any, request: PageRequest) -> ListPage:
        with unit_of_work(read_only=True) as session:
            return listing.list_sites(session, scope, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "number": row.name,  # what the row's Options name it by
            "name": row.name,
            "address": row.address,
            "contacts": str(row.contacts),
            "open_jobs": str(row.open_jobs),
            "href": f"/sites/{row.id}",
        }

    @rx.event
    def load(self):
        self._open_from_url()
        if self.sort not in listing.SITE_SORTS:
            # Sites read alphabetically, where the other lists start with their newest row.
            self.sort, self.descending = "name", False
        self._refresh()
        return self._follow()
