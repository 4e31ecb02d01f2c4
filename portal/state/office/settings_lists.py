"""/office/settings, Portal tab: the description scripts and the price list, a page of each in state.

Each handler asks for ``Duty.MANAGE_SETTINGS`` again; the entry being edited is the one the owner
opened from the page in state, kept in a backend var, never an id the save event carries.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from portal.core import tenant
from portal.core.principal import AccessDenied, StaffMember
from portal.db import unit_of_work
from portal.services.settings import catalog
from portal.services.settings.errors import SettingsError
from portal.state import arguments
from portal.state.office.settings import NOT_AVAILABLE, settings_owner

NEW = 0


class CatalogState(rx.State):
    scripts: list[dict[str, str]] = []
    scripts_page: int = 1
    scripts_pages: int = 1
    items: list[dict[str, str]] = []
    items_page: int = 1
    items_pages: int = 1
    script_open: bool = False
    script: dict[str, str] = {}
    script_errors: dict[str, str] = {}
    item_open: bool = False
    item: dict[str, str] = {}
    item_errors: dict[str, str] = {}
    _script_id: int = -1  # -1: nothing open; NEW: a new one
    _item_id: int = -1

    @rx.event
    def load(self):
        staff = settings_owner(self)
        self.script_open = self.item_open = False
        self._script_id = self._item_id = -1
        if staff is None:
            self.scripts, self.items = [], []
            return
        self._refresh(staff)

    def _refresh(self, staff: StaffMember) -> None:
        with unit_of_work(read_only=True) as session:
            listed = catalog.scripts(session, staff, self.scripts_page)
            priced = catalog.items(session, staff, self.items_page, tenant.currency(session))
        self.scripts, self.scripts_page, self.scripts_pages = listed.rows, listed.page, listed.pages
        self.items, self.items_page, self.items_pages = priced.rows, priced.page, priced.pages

    @rx.event
    def turn_scripts(self, page: str):
        staff = settings_owner(self)
        if staff is None:
            return
        self.scripts_page = arguments.whole(page) or 1
        self._refresh(staff)

    @rx.event
    def turn_items(self, page: str):
        staff = settings_owner(self)
        if staff is None:
            return
        self.items_page = arguments.whole(page) or 1
        self._refresh(staff)

    # --- scripts ---------------------------------------------------------------------------------

    @rx.event
    def open_script(self, script_id: str):
        if settings_owner(self) is None:
            return
        wanted = arguments.text(script_id, 20)
        if wanted == "new":
            self._script_id, self.script = (
                NEW,
                {"id": "", "title": "", "body": "", "use": "both", "active": "yes"},
            )
        else:
            row = next((r for r in self.scripts if r["id"] == wanted), None)
            if row is None:
                return
            self._script_id, self.script = int(wanted), dict(row)
        self.script_errors, self.script_open = {}, True

    @rx.event
    def set_script_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.script_open, self._script_id = False, -1

    @rx.event
    async def save_script(self, form: dict[str, Any]):
        staff = settings_owner(self)
        if staff is None or self._script_id < 0:
            self.script_errors = {"form": NOT_AVAILABLE}
            return
        typed = {k: arguments.text(v, 5000) for k, v in arguments.form(form).items()}
        self.script = {**self.script, **typed}
        try:
            await asyncio.to_thread(_save_script, staff, self._script_id or "new", typed)
        except SettingsError as exc:
            self.script_errors = dict(exc.field_errors)
            return
        except AccessDenied:
            self.script_errors = {"form": NOT_AVAILABLE}
            return
        self.script_open, self._script_id = False, -1
        self._refresh(staff)

    # --- price list ------------------------------------------------------------------------------

    @rx.event
    def open_item(self, item_id: str):
        if settings_owner(self) is None:
            return
        wanted = arguments.text(item_id, 20)
        if wanted == "new":
            self._item_id = NEW
            self.item = {
                "id": "",
                "name": "",
                "description": "",
                "price": "",
                "kind": "material",
                "offered": "yes",
                "active": "yes",
            }
        else:
            row = next((r for r in self.items if r["id"] == wanted), None)
            if row is None:
                return
            self._item_id, self.item = int(wanted), dict(row)
        self.item_errors, self.item_open = {}, True

    @rx.event
    def set_item_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.item_open, self._item_id = False, -1

    @rx.event
    async def save_item(self, form: dict[str, Any]):
        staff = settings_owner(self)
        if staff is None or self._item_id < 0:
            self.item_errors = {"form": NOT_AVAILABLE}
            return
        typed = {k: arguments.text(v, 2000) for k, v in arguments.form(form).items()}
        self.item = {**self.item, **typed}
        try:
            await asyncio.to_thread(_save_item, staff, self._item_id or "new", typed)
        except SettingsError as exc:
            self.item_errors = dict(exc.field_errors)
            return
        except AccessDenied:
            self.item_errors = {"form": NOT_AVAILABLE}
            return
        self.item_open, self._item_id = False, -1
        self._refresh(staff)


def _save_script(staff: StaffMember, script_id: int | str, typed: dict[str, str]) -> None:
    with unit_of_work() as session:
        catalog.save_script(session, staff, script_id, typed)


def _save_item(staff: StaffMember, item_id: int | str, typed: dict[str, str]) -> None:
    with unit_of_work() as session:
        catalog.save_item(session, staff, item_id, typed)
