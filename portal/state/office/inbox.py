"""The Inbox: one page of what customers sent, a row's detail opened in place, marking handled or new.

The staff member is checked again on every event (``OfficeSession._staff``); the rows ticked for
marking are ids of the page on screen, and the service checks each one again.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.services.messaging import inbox
from portal.state import arguments
from portal.state.display import DASH, day, moment, money, size
from portal.state.listing import ListState
from portal.state.office.session import OfficeSession, office_staff


def office_file_href(attachment_id: int) -> str:
    """The back office's download of a customer's file (the staff cookie decides, not the customer's)."""
    return f"/files/office/attachments/{attachment_id}"


class InboxState(ListState, rx.State):
    TABS: ClassVar[tuple[str, ...]] = inbox.TABS
    PAGE: ClassVar[str] = Duty.READ_INBOX
    EXPORT: ClassVar[str] = ""

    selected: list[str] = []
    open_id: str = ""
    detail: dict[str, str] = {}
    items: list[dict[str, str]] = []
    assets: list[dict[str, str]] = []
    files: list[dict[str, str]] = []
    _currency: str = "AUD"

    def _scope(self, duty: str = Duty.READ_INBOX) -> StaffMember | None:
        return office_staff(self, duty)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            self._currency = tenant.currency(session)
            return inbox.list_inbox(session, scope, self.tab, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "when": moment(row.created_at),
            "customer": row.customer_name or DASH,
            "title": row.title,
            "ref": row.ref.label or DASH,
            "href": row.ref.href,
            "summary": row.summary,
            "handled": "yes" if row.handled_at else "",
            "handled_note": f"Handled {day(row.handled_at)}"
            + (f" by {row.handled_by}" if row.handled_by else "")
            if row.handled_at
            else "",
        }

    def _refresh(self) -> None:
        super()._refresh()
        shown = {r["id"] for r in self.rows}
        self.selected = [i for i in self.selected if i in shown]
        if self.open_id not in shown:
            self.open_id = ""

    @rx.event
    def load(self):
        self._open_from_url()
        self.selected, self.open_id = [], ""
        self._refresh()

    @rx.event
    def toggle_select(self, event_id: str, checked: bool):
        event_id = arguments.text(event_id, 20)
        if event_id not in {r["id"] for r in self.rows}:
            return
        rest = [i for i in self.selected if i != event_id]
        self.selected = [*rest, event_id] if arguments.flag(checked) else rest

    @rx.event
    def select_all(self, checked: bool):
        self.selected = [r["id"] for r in self.rows] if arguments.flag(checked) else []

    @rx.event
    def toggle_detail(self, event_id: str):
        """Open a row's detail in place (or close it when it is the open one)."""
        staff = self._scope()
        event_id = arguments.text(event_id, 20)
        if staff is None or event_id == self.open_id:
            self.open_id = ""
            return None
        with unit_of_work(read_only=True) as session:
            d = inbox.inbox_detail(session, staff, event_id)
        if d is None:
            self.open_id = ""
            return rx.toast.error("That item is not available.")
        cur = self._currency
        self.open_id = str(d.row.id)
        self.detail = {
            "description": d.description,
            "site": d.site_name,
            "href": d.row.ref.href,
            "ref": d.row.ref.label,
        }
        self.items = [
            {
                "kind": i.kind.title(),
                "description": i.description,
                "quantity": str(i.quantity),
                "unit": money(i.unit_price_cents, cur),
                "total": money(i.total_cents, cur),
            }
            for i in d.items
        ]
        self.assets = [
            {"number": a.number, "name": a.name, "location": a.location, "type": a.type_name}
            for a in d.assets
        ]
        self.files = [
            {"name": a.name, "size": size(a.size_bytes), "href": office_file_href(a.id)}
            for a in d.attachments
        ]
        return None

    async def _mark(self, ids: list[str], handled: bool):
        staff = self._scope()
        if staff is None:
            return None
        with unit_of_work() as session:
            changed = inbox.mark(session, staff, ids, handled)
        office = await self.get_state(OfficeSession)
        office._count_inbox(staff)
        self.selected = []
        self._refresh()
        word = "handled" if handled else "new"
        return rx.toast.success(f"{changed} item{'' if changed == 1 else 's'} marked {word}.")

    @rx.event
    async def mark_one(self, event_id: str, handled: bool):
        return await self._mark([arguments.text(event_id, 20)], arguments.flag(handled))

    @rx.event
    async def mark_selected(self, handled: bool):
        return await self._mark(list(self.selected), arguments.flag(handled))
