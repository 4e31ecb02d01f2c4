"""/office/files?owner=quote&id=..: the files on one customer, site, quote, job or invoice, more of them,
and whether the customer sees each.

Every handler asks for the staff member again with ``Duty.MANAGE_CUSTOMERS``; the row the files
hang on is read from the address on load and kept in backend vars, and a file is only changed when
it is one of that row's.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import reflex as rx

from portal.core.lists import Page, PageRequest
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.services.files import office_attachments, uploads
from portal.state import arguments
from portal.state.display import moment, size
from portal.state.files.attachments import MAX_AT_ONCE, uploaded
from portal.state.listing import ListState
from portal.state.office.session import office_staff

UPLOAD_ID = "office-files"
NOT_FOUND = "There is no such customer, site, quote, job or invoice."


class OfficeFilesState(ListState, rx.State):
    TABS: ClassVar[tuple[str, ...]] = ("all",)
    PAGE: ClassVar[str] = Duty.MANAGE_CUSTOMERS

    heading: str = ""
    customer_name: str = ""
    back: str = ""
    missing: bool = False
    new_visible: bool = True  # whether the customer sees the files added next
    upload_errors: list[str] = []
    _owner_type: str = ""
    _owner_id: int = 0

    def _scope(self, duty: str) -> StaffMember | None:
        return office_staff(self, duty)

    def _owner(self, staff: StaffMember) -> office_attachments.Owner | None:
        if not self._owner_id:
            return None
        with unit_of_work(read_only=True) as session:
            return office_attachments.find_owner(session, staff, self._owner_type, self._owner_id)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        owner = self._owner(scope)
        if owner is None:
            return Page([], 0, 1, request.size)
        with unit_of_work(read_only=True) as session:
            return office_attachments.owner_files(session, scope, owner, request)

    def _format(self, row: office_attachments.OfficeFile) -> dict[str, str]:
        return {
            "id": str(row.id),
            "name": row.name,
            "size": size(row.size_bytes),
            "uploaded": moment(row.uploaded_at),
            "by": row.uploaded_by or "-",
            "visible": "yes" if row.customer_visible else "",
            "href": f"/files/office/attachments/{row.id}",
        }

    @rx.event
    def load(self):
        self.upload_errors, self.new_visible = [], True
        staff = office_staff(self, Duty.MANAGE_CUSTOMERS)
        self._owner_type, self._owner_id, self.missing = "", 0, False
        self.heading = self.customer_name = self.back = ""
        if staff is None:
            self.rows, self.total, self.loading = [], 0, False
            return
        self._open_from_url()
        self.sort, self.descending = "uploaded", True
        params = self.router.url.query_parameters
        with unit_of_work(read_only=True) as session:
            owner = office_attachments.find_owner(
                session, staff, params.get("owner", ""), params.get("id", "")
            )
        if owner is None:
            self.missing, self.rows, self.total, self.loading = True, [], 0, False
            return
        self._owner_type, self._owner_id = owner.owner_type.value, owner.id
        self.heading, self.customer_name, self.back = owner.label, owner.customer_name, owner.back
        self._refresh()

    @rx.event
    def set_new_visible(self, value: bool):
        self.new_visible = arguments.flag(value)

    @rx.event
    async def add_files(self, files: list[rx.UploadFile]):
        staff = office_staff(self, Duty.MANAGE_CUSTOMERS)
        owner = self._owner(staff) if staff is not None else None
        if staff is None or owner is None:
            return None
        problems: list[str] = []
        pending: list[uploads.PendingFile] = []
        chosen = uploaded(files)
        for upload in chosen[:MAX_AT_ONCE]:
            try:
                pending.append(
                    await asyncio.to_thread(
                        uploads.save_pending, upload.file, upload.name or upload.filename or "file"
                    )
                )
            except uploads.UploadRefused as refused:
                problems.append(f"{refused.name}: {refused.message}")
        if len(chosen) > MAX_AT_ONCE:
            problems.append(f"Attach at most {MAX_AT_ONCE} files at a time.")
        added = 0
        if pending:
            try:
                added = await asyncio.to_thread(_attach, staff, owner, pending, self.new_visible)
            except uploads.UploadRefused as refused:
                problems.append(f"{refused.name}: {refused.message}")
            finally:
                for item in pending:
                    uploads.discard_pending(item.key)
        self.upload_errors = problems
        self._refresh()
        done: list[Any] = [rx.clear_selected_files(UPLOAD_ID)]
        if added:
            done.append(rx.toast.success(f"{added} file{'' if added == 1 else 's'} attached."))
        return done

    @rx.event
    def set_visible(self, attachment_id: str, visible: bool):
        staff = office_staff(self, Duty.MANAGE_CUSTOMERS)
        owner = self._owner(staff) if staff is not None else None
        if staff is None or owner is None:
            return None
        wanted = arguments.text(attachment_id, 20)
        if not any(r["id"] == wanted for r in self.rows):
            return rx.toast.error("That file is not available.")
        with unit_of_work() as session:
            row = office_attachments.set_visible(session, staff, owner, wanted, arguments.flag(visible))
            name, shown = (row.name, row.customer_visible) if row is not None else ("", False)
        if row is None:
            return rx.toast.error("That file is not available.")
        self._refresh()
        return rx.toast.success(f"{name} is {'shown to' if shown else 'hidden from'} the customer.")


def _attach(
    staff: StaffMember, owner: office_attachments.Owner, pending: list[uploads.PendingFile], visible: bool
) -> int:
    with unit_of_work() as session:
        return len(office_attachments.attach(session, staff, owner, pending, visible=visible))
