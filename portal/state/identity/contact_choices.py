"""The choices of a contact's form that live in state, not in its inputs: roles, login, page access
and site access. The customer's Contacts screen and the back office's contact screen show the same
form, so they share these handlers; what each may save is still decided by its own service.

A state using this mixin declares ``flags``, ``login_active``, ``page_access``, ``all_sites``,
``assigned``, ``available`` and ``_choices`` (its own defaults differ)."""

from __future__ import annotations

import reflex as rx

from portal.models import ALL_PAGES
from portal.services.identity import contacts
from portal.state import arguments


class ContactChoices(rx.State, mixin=True):
    def _sort_sites(self) -> None:
        taken = {s["id"] for s in self.assigned}  # type: ignore[attr-defined]
        self.available = [s for s in self._choices if s["id"] not in taken]  # type: ignore[attr-defined]

    @rx.event
    def set_flag(self, name: str, value: bool):
        name = arguments.text(name, 30)
        if name in contacts.FLAGS:
            self.flags = {**self.flags, name: arguments.flag(value)}  # type: ignore[attr-defined]

    @rx.event
    def set_login(self, value: bool):
        self.login_active = arguments.flag(value)

    @rx.event
    def set_page(self, page: str, value: bool):
        page = arguments.text(page, 20)
        if page not in ALL_PAGES:
            return
        others = [p for p in self.page_access if p != page]  # type: ignore[attr-defined]
        self.page_access = [p for p in ALL_PAGES if p in others or (p == page and arguments.flag(value))]

    @rx.event
    def set_all_sites(self, value: bool):
        self.all_sites = arguments.flag(value)

    @rx.event
    def assign_site(self, site_id: str):
        """Available → Assigned Sites (only a site offered to this form can move)."""
        site_id = arguments.text(site_id, 20)
        found = [s for s in self._choices if s["id"] == site_id]  # type: ignore[attr-defined]
        if found and all(s["id"] != site_id for s in self.assigned):  # type: ignore[attr-defined]
            self.assigned = [*self.assigned, found[0]]  # type: ignore[attr-defined]
            self._sort_sites()

    @rx.event
    def unassign_site(self, site_id: str):
        site_id = arguments.text(site_id, 20)
        self.assigned = [s for s in self.assigned if s["id"] != site_id]  # type: ignore[attr-defined]
        self._sort_sites()
