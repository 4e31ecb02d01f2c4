"""``/office/assets/new?site=ID`` and ``/office/assets/[asset_id]``: register, edit, transfer and retire
an asset, and its service levels (schedules).

The asset, its site and the schedule being changed live in backend vars, set only from rows the
services loaded; every handler asks for the staff member with ``MANAGE_CUSTOMERS`` again, and the
services load each id through visibility again.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal.core import tenant
from portal.core.principal import AccessDenied, Duty, StaffMember
from portal.db import unit_of_work
from portal.models import AssetStatus, Site
from portal.services.assets import lists, registry
from portal.services.assets.registry import RegistryError
from portal.state import arguments
from portal.state.display import day
from portal.state.office.session import office_staff

DUTY = Duty.MANAGE_CUSTOMERS
FIELD_CUT = 10_000
NOT_AVAILABLE = "That asset is not available."


class OfficeAssetState(rx.State):
    is_new: bool = False
    found: bool = True
    loaded: bool = False
    heading: str = ""
    site_name: str = ""
    site_href: str = ""
    place: str = ""  # where the asset is now: its site, or the workshop
    retired: bool = False
    retired_text: str = ""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    form_key: int = 0
    busy: bool = False
    type_options: list[dict[str, str]] = []
    today: str = ""
    # Transfer.
    transfer_open: bool = False
    transfer_errors: dict[str, str] = {}
    destinations: list[dict[str, str]] = []
    moves: list[dict[str, str]] = []
    # Retire.
    retire_open: bool = False
    retire_errors: dict[str, str] = {}
    # Schedules.
    schedules: list[dict[str, str]] = []
    level_options: list[dict[str, str]] = []
    schedule_errors: dict[str, str] = {}
    schedule_key: int = 0
    due_open: bool = False
    due_title: str = ""
    due_value: str = ""
    due_errors: dict[str, str] = {}
    _asset_id: int = 0
    _site_id: int = 0  # the new asset's site
    _schedule_id: int = 0

    def _staff(self) -> StaffMember | None:
        return office_staff(self, DUTY)

    def _blank(self) -> None:
        self.found, self.busy, self.retired = True, False, False
        self.heading = self.site_name = self.site_href = self.place = self.retired_text = ""
        self.values, self.errors, self.form_key = {}, {}, self.form_key + 1
        self.transfer_open = self.retire_open = self.due_open = False
        self.transfer_errors, self.retire_errors, self.schedule_errors, self.due_errors = {}, {}, {}, {}
        self.schedules, self.moves, self.destinations, self.level_options = [], [], [], []
        self._asset_id = self._site_id = self._schedule_id = 0

    def _options(self, session, keep: int | None) -> None:
        self.type_options = [{"id": str(i), "name": n} for i, n in lists.type_options(session, keep)]
        self.today = tenant.today(session).isoformat()

    def _show(self, staff: StaffMember, asset_id: Any) -> bool:
        with unit_of_work(read_only=True) as session:
            asset = registry.office_asset(session, staff, asset_id)
            if asset is None or asset.id is None:
                self.found, self._asset_id = False, 0
                return False
            site = session.get(Site, asset.site_id)
            away = registry.at_workshop(session, asset.id)
            form = registry.form_from(asset)
            lines = registry.schedules(session, staff, asset.id)
            moves = registry.transfer_history(session, staff, asset.id)
            self._options(session, asset.asset_type_id)
            levels = lists.level_options(session)
            places = registry.site_options(session, staff, asset.customer_id)
            retired = asset.status != AssetStatus.ACTIVE
            retired_on, reason = asset.retired_on, asset.retire_reason
        self._asset_id, self.found, self.is_new = asset.id, True, False
        self.heading = f"{form.number} · {form.name}" if form.name else form.number
        self.site_name = site.name if site else ""
        self.site_href = f"/office/sites/{asset.site_id}"
        self.place = f"At the workshop (home site {self.site_name})" if away else f"At {self.site_name}"
        self.retired = retired
        self.retired_text = f"Retired {day(retired_on)}: {reason}" if retired else ""
        self.values = {name: getattr(form, name) for name in registry.FIELDS}
        self.errors, self.form_key = {}, self.form_key + 1
        self.schedules = [
            {
                "id": str(line.id),
                "level": line.level,
                "interval": f"every {line.interval_months} months",
                "next_due": day(line.next_due_on),
                "next_due_iso": line.next_due_on.isoformat(),
                "last_tested": day(line.last_tested_on),
            }
            for line in lines
        ]
        self.level_options = [{"id": str(i), "name": n} for i, n in levels]
        self.moves = [
            {"date": day(m.transferred_on), "from": m.from_place, "to": m.to_place, "reason": m.reason}
            for m in moves
        ]
        home = asset.site_id
        self.destinations = ([] if away else [{"id": registry.TO_WORKSHOP, "name": registry.WORKSHOP}]) + [
            {"id": str(i), "name": n} for i, n in places if away or i != home
        ]
        return True

    @rx.event
    def load(self):
        self._blank()
        self.loaded = False
        staff = self._staff()
        if staff is None:
            return
        raw = self.router.page.params.get("asset_id", "")
        self._show(staff, raw if isinstance(raw, str) else "")
        self.loaded = True

    @rx.event
    def start_new(self):
        """``/office/assets/new?site=ID``: an empty form for an open site named in the address."""
        self._blank()
        self.loaded, self.is_new = False, True
        staff = self._staff()
        if staff is None:
            return
        raw = self.router.url.query_parameters.get("site", "")
        with unit_of_work(read_only=True) as session:
            site = registry.office_site(session, staff, raw if isinstance(raw, str) else "")
            if site is not None and site.is_active and site.id is not None:
                self._site_id, self.site_name = site.id, site.name
                self.site_href = f"/office/sites/{site.id}"
                self._options(session, None)
        self.found = bool(self._site_id)
        self.heading, self.loaded = "Register asset", True

    @rx.event
    def save(self, form: dict):
        staff = self._staff()
        if staff is None or self.busy or not (self._asset_id or (self.is_new and self._site_id)):
            return None
        form = arguments.form(form)
        sent = registry.form_of({name: arguments.text(form.get(name), FIELD_CUT) for name in registry.FIELDS})
        self.busy = True
        try:
            with unit_of_work() as session:
                if self.is_new:
                    asset = registry.register_asset(session, staff, self._site_id, sent)
                else:
                    asset = registry.update_asset(session, staff, self._asset_id, sent)
                asset_id = asset.id if asset is not None else None
        except RegistryError as err:
            self.errors = dict(err.field_errors)
            self.values = {name: getattr(sent, name) for name in registry.FIELDS}
            return rx.toast.error("Check the fields marked in red.")
        except AccessDenied:
            return rx.toast.error("Not available to your role.")
        finally:
            self.busy = False
        if asset_id is None:
            self.found = False
            return rx.toast.error(NOT_AVAILABLE)
        if self.is_new:
            return [rx.toast.success("Asset registered."), rx.redirect(f"/office/assets/{asset_id}")]
        self._show(staff, asset_id)
        return rx.toast.success("Asset saved.")

    # --- transfer --------------------------------------------------------------------------------

    @rx.event
    def open_transfer(self):
        if self._staff() is None or not self._asset_id or self.retired:
            return
        self.transfer_open, self.transfer_errors = True, {}

    @rx.event
    def set_transfer_open(self, is_open: bool):
        self.transfer_open = arguments.flag(is_open) and self.transfer_open

    @rx.event
    def transfer(self, form: dict):
        staff = self._staff()
        if staff is None or not self._asset_id:
            return None
        form = arguments.form(form)
        destination = arguments.text(form.get("destination"), 20)
        reason = arguments.text(form.get("reason"), 2_000)
        on = arguments.text(form.get("transferred_on"), 20)
        try:
            with unit_of_work() as session:
                move = registry.transfer_asset(session, staff, self._asset_id, destination, reason, on)
        except RegistryError as err:
            self.transfer_errors = dict(err.field_errors)
            return None
        if move is None:
            self.transfer_errors = {"form": NOT_AVAILABLE}
            return None
        self.transfer_open = False
        self._show(staff, self._asset_id)
        return rx.toast.success(f"Moved. {self.place}.")

    # --- retire ----------------------------------------------------------------------------------

    @rx.event
    def open_retire(self):
        if self._staff() is None or not self._asset_id or self.retired:
            return
        self.retire_open, self.retire_errors = True, {}

    @rx.event
    def set_retire_open(self, is_open: bool):
        self.retire_open = arguments.flag(is_open) and self.retire_open

    @rx.event
    def retire(self, form: dict):
        staff = self._staff()
        if staff is None or not self._asset_id:
            return None
        form = arguments.form(form)
        reason = arguments.text(form.get("retire_reason"), 2_000)
        on = arguments.text(form.get("retired_on"), 20)
        try:
            with unit_of_work() as session:
                asset = registry.retire_asset(session, staff, self._asset_id, reason, on)
        except RegistryError as err:
            self.retire_errors = dict(err.field_errors)
            return None
        if asset is None:
            self.retire_errors = {"form": NOT_AVAILABLE}
            return None
        self.retire_open = False
        self._show(staff, self._asset_id)
        return rx.toast.success("Asset retired.")

    # --- schedules -------------------------------------------------------------------------------

    @rx.event
    def add_schedule(self, form: dict):
        staff = self._staff()
        if staff is None or not self._asset_id:
            return None
        form = arguments.form(form)
        level = arguments.text(form.get("service_level_id"), 20)
        due = arguments.text(form.get("next_due_on"), 20)
        try:
            with unit_of_work() as session:
                row = registry.add_schedule(session, staff, self._asset_id, level, due)
        except RegistryError as err:
            self.schedule_errors = dict(err.field_errors)
            return None
        if row is None:
            self.schedule_errors = {"form": NOT_AVAILABLE}
            return None
        self._show(staff, self._asset_id)
        self.schedule_errors, self.schedule_key = {}, self.schedule_key + 1
        return rx.toast.success("Service level added.")

    def _known(self, schedule_id: Any) -> dict[str, str] | None:
        wanted = arguments.text(schedule_id, 20)
        return next((s for s in self.schedules if s["id"] == wanted), None)

    @rx.event
    def edit_due(self, schedule_id: str):
        if self._staff() is None or not self._asset_id:
            return
        row = self._known(schedule_id)
        if row is None:
            return
        self._schedule_id = int(row["id"])
        self.due_title, self.due_value, self.due_errors = f"Next due: {row['level']}", row["next_due_iso"], {}
        self.due_open = True

    @rx.event
    def set_due_open(self, is_open: bool):
        self.due_open = arguments.flag(is_open) and self.due_open

    @rx.event
    def save_due(self, form: dict):
        staff = self._staff()
        if staff is None or not self._asset_id or not self._schedule_id:
            return None
        due = arguments.text(arguments.form(form).get("next_due_on"), 20)
        try:
            with unit_of_work() as session:
                row = registry.change_next_due(session, staff, self._asset_id, self._schedule_id, due)
        except RegistryError as err:
            self.due_errors = dict(err.field_errors)
            return None
        self.due_open, self._schedule_id = False, 0
        if row is None:
            return rx.toast.error("That service level is not available.")
        self._show(staff, self._asset_id)
        return rx.toast.success("Next due date saved.")

    @rx.event
    def remove_schedule(self, schedule_id: str):
        """Removing a schedule loses no history (past tests stay), so it needs no confirmation."""
        staff = self._staff()
        if staff is None or not self._asset_id:
            return None
        row = self._known(schedule_id)
        if row is None:
            return None
        with unit_of_work() as session:
            removed = registry.remove_schedule(session, staff, self._asset_id, row["id"])
        if not removed:
            return rx.toast.error("That service level is not available.")
        self._show(staff, self._asset_id)
        return rx.toast.success(f"{row['level']} removed.")
