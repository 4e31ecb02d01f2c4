"""The mail outbox, the integration events log and the log of views as a customer: one page each,
a row opened in place; a mail resent after a confirmation.

The staff member is checked again on every event (``office_staff``); the mail to resend is the one
opened, kept server-side (``_resend_id``), and the service loads it again by that id.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.services.identity import view_as
from portal.services.messaging import events_log, outbox
from portal.state import arguments
from portal.state.display import DASH, moment
from portal.state.listing import ListState
from portal.state.office.session import office_staff

STATUS = {"sent": "Sent", "waiting": "Waiting to send", "failed": "Failed"}


class _OfficeLog(ListState, mixin=True):
    """A read-only list of the back office under the outbox duty."""

    PAGE: ClassVar[str] = Duty.READ_OUTBOX
    EXPORT: ClassVar[str] = ""

    open_id: str = ""

    def _scope(self, duty: str = Duty.READ_OUTBOX) -> StaffMember | None:
        return office_staff(self, duty)

    def _refresh(self) -> Any:
        scope = super()._refresh()
        if self.open_id not in {r["id"] for r in self.rows}:
            self.open_id = ""
        return scope

    @rx.event
    def load(self):
        self._open_from_url()
        self.open_id = ""
        self._refresh()


class OutboxState(_OfficeLog, rx.State):
    TABS: ClassVar[tuple[str, ...]] = outbox.TABS

    detail: dict[str, str] = {}
    confirm_open: bool = False
    _resend_id: int = 0

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            return outbox.list_outbox(session, scope, self.tab, request)

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "when": moment(row.created_at),
            "to": row.to_address,
            "subject": row.subject or DASH,
            "kind": row.kind,
            "status": row.status,
            "status_label": STATUS[row.status],
        }

    @rx.event
    def toggle_detail(self, mail_id: str):
        """Open a mail in place (or close it when it is the open one)."""
        staff = self._scope()
        mail_id = arguments.text(mail_id, 20)
        if staff is None or mail_id == self.open_id:
            self.open_id, self._resend_id = "", 0
            return None
        with unit_of_work(read_only=True) as session:
            d = outbox.mail_detail(session, staff, mail_id)
        if d is None:
            self.open_id, self._resend_id = "", 0
            return rx.toast.error("That mail is not available.")
        self.open_id, self._resend_id = str(d.row.id), d.row.id
        self.detail = {
            "to": d.row.to_address,
            "subject": d.row.subject,
            "body": d.body,
            "created": moment(d.row.created_at),
            "sent": moment(d.row.sent_at) if d.row.sent_at else "",
            "error": d.row.error,
            "link_note": outbox.LINK_NOTE if d.has_link else "",
        }
        return None

    @rx.event
    def ask_resend(self):
        if self._scope() is None or not self._resend_id:
            return
        self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool):
        self.confirm_open = arguments.flag(is_open) and bool(self._resend_id)

    @rx.event
    def confirm_resend(self):
        """Resend the opened mail, once per confirmation."""
        staff = self._scope()
        self.confirm_open = False
        if staff is None or not self._resend_id:
            return None
        with unit_of_work() as session:
            copy = outbox.resend(session, staff, self._resend_id)
        if copy is None:
            return rx.toast.error("That mail is not available.")
        self.open_id, self._resend_id = "", 0
        self._refresh()
        return rx.toast.success(f"Mail queued again to {copy.to_address}.")


class EventsLogState(_OfficeLog, rx.State):
    TABS: ClassVar[tuple[str, ...]] = events_log.TABS

    detail: dict[str, str] = {}

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            return events_log.list_events(session, scope, self.tab, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "kind": row.kind,
            "customer": row.customer_name or DASH,
            "when": moment(row.created_at),
            "delivered": moment(row.delivered_at) if row.delivered_at else "",
            "handled": moment(row.handled_at) if row.handled_at else "",
        }

    @rx.event
    def toggle_detail(self, event_id: str):
        staff = self._scope()
        event_id = arguments.text(event_id, 20)
        if staff is None or event_id == self.open_id:
            self.open_id = ""
            return None
        with unit_of_work(read_only=True) as session:
            d = events_log.event_detail(session, staff, event_id)
        if d is None:
            self.open_id = ""
            return rx.toast.error("That event is not available.")
        self.open_id = str(d.row.id)
        self.detail = {"payload": d.payload}
        return None


class ViewsLogState(_OfficeLog, rx.State):
    """Who viewed the portal as which contact, and when (``customer.viewed_as`` audit events)."""

    TABS: ClassVar[tuple[str, ...]] = ("all",)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            return view_as.list_views(session, scope, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "when": moment(row.at),
            "staff": row.staff_name,
            "customer": row.customer_name or DASH,
            "contact": row.contact_name or DASH,
            "href": f"/office/customers/{row.customer_id}" if row.customer_id else "",
        }
