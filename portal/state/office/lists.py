"""``/office/lists``: the contractor's asset types and service levels; add, edit, retire, bring back.

The entry being edited is kept in a backend var, set from the row on screen; every handler asks for
the staff member with ``MANAGE_CUSTOMERS`` again and the services load the row again.
"""

from __future__ import annotations

import reflex as rx

from portal.core.principal import AccessDenied, Duty, StaffMember
from portal.db import unit_of_work
from portal.services.assets import lists
from portal.services.assets.lists import ListError
from portal.state import arguments
from portal.state.office.session import office_staff

DUTY = Duty.MANAGE_CUSTOMERS
KINDS = ("type", "level")


class OfficeListsState(rx.State):
    loaded: bool = False
    types: list[dict[str, str]] = []
    levels: list[dict[str, str]] = []
    editing: str = ""  # "type" or "level": which dialog is open
    edit_title: str = ""
    edit_values: dict[str, str] = {}
    edit_errors: dict[str, str] = {}
    edit_key: int = 0
    _edit_id: int = 0  # 0: the dialog adds an entry

    def _staff(self) -> StaffMember | None:
        return office_staff(self, DUTY)

    def _refresh(self, staff: StaffMember) -> None:
        with unit_of_work(read_only=True) as session:
            types = lists.asset_types(session, staff)
            levels = lists.service_levels(session, staff)
        self.types = [
            {
                "id": str(t.id),
                "name": t.name,
                "expected_life_years": str(t.expected_life_years),
                "status": "In use" if t.active else "Retired",
            }
            for t in types
        ]
        self.levels = [
            {
                "id": str(v.id),
                "name": v.name,
                "interval_months": str(v.interval_months),
                "sort_order": str(v.sort_order),
                "status": "In use" if v.active else "Retired",
            }
            for v in levels
        ]

    @rx.event
    def load(self):
        self.editing, self.loaded = "", False
        staff = self._staff()
        if staff is None:
            self.types, self.levels = [], []
            return
        self._refresh(staff)
        self.loaded = True

    def _row(self, kind: str, row_id: object) -> dict[str, str] | None:
        wanted = arguments.text(row_id, 20)
        rows = self.types if kind == "type" else self.levels
        return next((r for r in rows if r["id"] == wanted), None)

    @rx.event
    def open_add(self, kind: str):
        kind = arguments.text(kind, 10)
        if self._staff() is None or kind not in KINDS:
            return
        self._edit_id = 0
        self.editing = kind
        self.edit_title = "Add asset type" if kind == "type" else "Add service level"
        self.edit_values, self.edit_errors, self.edit_key = {}, {}, self.edit_key + 1

    @rx.event
    def open_edit(self, kind: str, row_id: str):
        kind = arguments.text(kind, 10)
        if self._staff() is None or kind not in KINDS:
            return
        row = self._row(kind, row_id)
        if row is None:
            return
        self._edit_id, self.editing = int(row["id"]), kind
        self.edit_title = f"Edit {row['name']}"
        self.edit_values, self.edit_errors, self.edit_key = dict(row), {}, self.edit_key + 1

    @rx.event
    def set_edit_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.editing, self._edit_id = "", 0

    @rx.event
    def save(self, form: dict):
        staff = self._staff()
        if staff is None or self.editing not in KINDS:
            return None
        form = arguments.form(form)
        typed = {
            key: arguments.text(form.get(key), 500)
            for key in ("name", "expected_life_years", "interval_months", "sort_order")
        }
        try:
            with unit_of_work() as session:
                if self.editing == "type":
                    if self._edit_id:
                        row = lists.update_asset_type(
                            session, staff, self._edit_id, typed["name"], typed["expected_life_years"]
                        )
                    else:
                        row = lists.add_asset_type(
                            session, staff, typed["name"], typed["expected_life_years"]
                        )
                elif self._edit_id:
                    row = lists.update_service_level(
                        session,
                        staff,
                        self._edit_id,
                        typed["name"],
                        typed["interval_months"],
                        typed["sort_order"],
                    )
                else:
                    row = lists.add_service_level(
                        session, staff, typed["name"], typed["interval_months"], typed["sort_order"]
                    )
                name = row.name if row is not None else ""
        except ListError as err:
            self.edit_errors, self.edit_values = dict(err.field_errors), typed
            self.edit_key += 1
            return None
        except AccessDenied:
            return rx.toast.error("Not available to your role.")
        self.editing, self._edit_id = "", 0
        self._refresh(staff)
        return rx.toast.success(f"{name} saved.") if name else rx.toast.error("That entry is not available.")

    @rx.event
    def toggle(self, kind: str, row_id: str):
        """Retire an entry in use, or bring a retired one back."""
        staff = self._staff()
        kind = arguments.text(kind, 10)
        if staff is None or kind not in KINDS:
            return None
        row = self._row(kind, row_id)
        if row is None:
            return None
        active = row["status"] != "In use"
        with unit_of_work() as session:
            if kind == "type":
                lists.set_type_active(session, staff, row["id"], active)
            else:
                lists.set_level_active(session, staff, row["id"], active)
        self._refresh(staff)
        return rx.toast.success(f"{row['name']} {'is back in use' if active else 'retired'}.")
