"""/office/staff: the owner's list of colleagues, inviting one, changing a role, deactivating a login.

Every handler asks for the staff member again with ``Duty.MANAGE_STAFF`` through
:func:`office_staff` (the list's paging too); anyone else gets nothing, and the services refuse them
as well. The colleague being changed is kept in a backend var, read from the row the owner opened,
never from a value the browser sends with the command.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from portal.core.lists import Page, PageRequest
from portal.core.principal import AccessDenied, Duty, StaffMember
from portal.db import unit_of_work
from portal.models import Role
from portal.services.identity import staff as staff_service
from portal.services.identity.auth import AuthError
from portal.state import arguments
from portal.state.display import moment
from portal.state.identity.login import TRY_AGAIN
from portal.state.listing import ListState
from portal.state.office.session import office_staff

log = logging.getLogger(__name__)

ROLES = [role.value for role in Role]
NOT_AVAILABLE = "Not available to your role."


class StaffListState(ListState, rx.State):
    """The staff list, one page in state; also the invite, role and deactivate dialogs."""

    invite_open: bool = False
    invite_errors: dict[str, str] = {}
    invite_busy: bool = False
    member_open: bool = False
    member: dict[str, str] = {}
    member_errors: dict[str, str] = {}
    confirm_open: bool = False
    reset_open: bool = False  # the Reset MFA confirmation
    _member_id: int = 0

    def _scope(self, page: str) -> StaffMember | None:
        return self._owner()

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            return staff_service.staff_list(session, scope, request)

    def _format(self, row: staff_service.StaffRow) -> dict[str, str]:
        status = "Active" if row.active else "Deactivated"
        if row.active and not row.set_up:
            status = "Invited"
        return {
            "id": str(row.id),
            "name": row.name or row.email,
            "email": row.email,
            "role": row.role.value,
            "mfa": "Yes" if row.mfa_enrolled else "No",
            "codes": f"{row.codes_left} left" if row.mfa_enrolled else "-",
            "last_login": moment(row.last_login_at),
            "status": status,
            "active": "yes" if row.active else "",
        }

    def _owner(self) -> StaffMember | None:
        return office_staff(self, Duty.MANAGE_STAFF)

    @rx.event
    def load(self):
        self.sort, self.descending, self.page = "name", False, 1
        self.invite_open = self.member_open = self.confirm_open = self.reset_open = False
        if self._owner() is None:
            self.rows, self.total, self.loading = [], 0, False
            return
        self._refresh()

    # --- invite ----------------------------------------------------------------------------------

    @rx.event
    def open_invite(self):
        if self._owner() is None:
            return
        self.invite_errors, self.invite_busy, self.invite_open = {}, False, True

    @rx.event
    def set_invite_open(self, is_open: bool):
        self.invite_open = arguments.flag(is_open) and self.invite_open

    @rx.event
    async def invite(self, form: dict):
        owner = self._owner()
        if owner is None:
            self.invite_errors = {"form": NOT_AVAILABLE}
            return
        form = arguments.form(form)
        email = arguments.text(form.get("email"), 300)
        name = arguments.text(form.get("name"), 300)
        role = arguments.text(form.get("role"), 20)
        self.invite_busy, self.invite_errors = True, {}
        yield
        try:
            await asyncio.to_thread(_invite, owner, email, name, role)
        except AuthError as exc:
            self.invite_busy, self.invite_errors = False, dict(exc.field_errors)
            return
        except AccessDenied:
            self.invite_busy, self.invite_errors = False, {"form": NOT_AVAILABLE}
            return
        except Exception:
            log.exception("staff invite failed")
            self.invite_busy, self.invite_errors = False, {"form": TRY_AGAIN}
            return
        self.invite_busy, self.invite_open = False, False
        self._refresh()
        yield rx.toast.success(f"Invite sent to {email.strip().lower()}.")

    # --- one colleague ---------------------------------------------------------------------------

    @rx.event
    def open_member(self, staff_id: str):
        if self._owner() is None:
            return None
        wanted = arguments.text(staff_id, 20)
        row = next((r for r in self.rows if r["id"] == wanted), None)
        if row is None:
            return rx.toast.error("That staff member is not available.")
        self._member_id = int(wanted)
        self.member, self.member_errors = dict(row), {}
        self.member_open, self.confirm_open, self.reset_open = True, False, False
        return None

    @rx.event
    def set_member_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.member_open, self._member_id = False, 0

    @rx.event
    async def save_role(self, form: dict):
        owner = self._owner()
        if owner is None or not self._member_id:
            self.member_errors = {"form": NOT_AVAILABLE}
            return None
        role = arguments.text(arguments.form(form).get("role"), 20)
        try:
            await asyncio.to_thread(_change_role, owner, self._member_id, role)
        except (AuthError, AccessDenied) as exc:
            self.member_errors = _errors(exc)
            return None
        self.member_open, self._member_id = False, 0
        self._refresh()
        return rx.toast.success(f"{self.member.get('name', '')} is now {role}.")

    @rx.event
    def ask_deactivate(self):
        if self._owner() is None or not self._member_id:
            return
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool):
        self.confirm_open = arguments.flag(is_open) and self.confirm_open

    @rx.event
    async def deactivate(self):
        owner = self._owner()
        self.confirm_open = False
        if owner is None or not self._member_id:
            self.member_errors = {"form": NOT_AVAILABLE}
            return None
        try:
            await asyncio.to_thread(_deactivate, owner, self._member_id)
        except (AuthError, AccessDenied) as exc:
            self.member_errors = _errors(exc)
            return None
        self.member_open, self._member_id = False, 0
        self._refresh()
        return rx.toast.success(f"{self.member.get('name', '')} can no longer sign in.")

    @rx.event
    def ask_reset_mfa(self):
        if self._owner() is None or not self._member_id:
            return
        self.reset_open = True

    @rx.event
    def set_reset_open(self, is_open: bool):
        self.reset_open = arguments.flag(is_open) and self.reset_open

    @rx.event
    async def reset_mfa(self):
        """Confirmed: the colleague's authenticator app and recovery codes are cleared and their
        sessions end; their next sign-in sets up an app again."""
        owner = self._owner()
        self.reset_open = False
        if owner is None or not self._member_id:
            self.member_errors = {"form": NOT_AVAILABLE}
            return None
        try:
            await asyncio.to_thread(_reset_mfa, owner, self._member_id)
        except (AuthError, AccessDenied) as exc:
            self.member_errors = _errors(exc)
            return None
        self.member_open, self._member_id = False, 0
        self._refresh()
        return rx.toast.success(
            f"{self.member.get('name', '')} will set up an authenticator app at their next sign-in."
        )


def _errors(exc: Exception) -> dict[str, str]:
    if isinstance(exc, AuthError):
        return dict(exc.field_errors)
    return {"form": NOT_AVAILABLE}


def _invite(owner: StaffMember, email: str, name: str, role: str) -> None:
    with unit_of_work() as session:
        staff_service.invite(session, owner, email, name, role)


def _change_role(owner: StaffMember, staff_id: int, role: str) -> None:
    with unit_of_work() as session:
        staff_service.change_role(session, owner, staff_id, role)


def _deactivate(owner: StaffMember, staff_id: int) -> None:
    with unit_of_work() as session:
        staff_service.deactivate(session, owner, staff_id)


def _reset_mfa(owner: StaffMember, staff_id: int) -> None:
    with unit_of_work() as session:
        staff_service.reset_mfa(session, owner, staff_id)
