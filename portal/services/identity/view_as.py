"""A staff member opens the portal as one of a customer's contacts, read-only, and the office sees it.

Why a session of the contact's own kind rather than a special screen: every page, site and row then
comes through the very scope the contact has (``principals.scope_for``), so the view cannot drift
from what the contact sees. The session names its viewer (``login_session.viewer_staff_id``), which
makes its scope read-only: ``core/principal.customer_of`` refuses it and ``db.refuse_writes`` stops any
write in its events. It is not the contact's sign-in: its last sign-in time stays as it was. Each
view is an audit event (``customer.viewed_as``), listed for the office by :data:`VIEWS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session

from portal.core import events, visibility
from portal.core.lists import Cell, Column, Context, Join, ListSpec, Page, PageRequest
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import AuditEvent, Contact, Customer, Staff
from portal.services.identity import sessions, tokens

DUTY = Duty.VIEW_AS_CUSTOMER
ACTION = "customer.viewed_as"
NO_SUCH_CONTACT = "That contact was not found."
NO_LOGIN = "That contact has no active portal login, so there is nothing to view as it."


class ViewAsError(ValueError):
    """Why no view was opened, in words for the staff member."""


def open_view(
    session: Session, staff: StaffMember, contact_id: Any, *, ip: str = "", user_agent: str = ""
) -> str:
    """A read-only session as the contact (the raw id for the cookie), audited; ``contact_id`` may be
    anything a form sent."""
    require_duty(staff, DUTY)
    contact = visibility.get(session, staff, Contact, contact_id)
    if contact is None or contact.id is None:
        raise ViewAsError(NO_SUCH_CONTACT)
    if tokens.usable_contact(session, contact.id) is None:
        raise ViewAsError(NO_LOGIN)
    raw = sessions.start_view(session, contact.id, staff.staff_id, ip=ip, user_agent=user_agent)
    events.audit(
        session,
        staff,
        ACTION,
        contact,
        detail={"staff_id": staff.staff_id, "customer_id": contact.customer_id, "contact_id": contact.id},
        ip=ip,
        customer_id=contact.customer_id,
    )
    return raw


def end_view(session: Session, raw: tokens.Secret | None) -> int | None:
    """End the staff member's view behind the cookie ``raw``; the customer it showed, or None when the
    cookie holds no live view (a contact's own session is not ended here)."""
    login = sessions.resolve(session, raw) if raw else None
    if login is None or login.viewer_staff_id is None or login.contact_id is None:
        return None
    contact = session.get(Contact, login.contact_id)
    sessions.revoke(session, raw, reason="view_ended")
    return contact.customer_id if contact is not None else None


@dataclass(frozen=True)
class ViewRow:
    id: int
    at: datetime
    staff_name: str
    customer_id: int | None
    customer_name: str
    contact_name: str


def _row(values: dict[str, Any], _context: Context) -> ViewRow:
    contact = f"{values['first_name'] or ''} {values['last_name'] or ''}".strip()
    return ViewRow(
        id=values["id"],
        at=values["at"],
        staff_name=values["staff_name"] or f"Staff #{values['staff_id']}",
        customer_id=values["customer_id"],
        customer_name=values["customer_name"] or "",
        contact_name=contact,
    )


# Who viewed whom and when: the audit events of views, newest first.
VIEWS: ListSpec[ViewRow] = ListSpec(
    name="office-views",
    page=Duty.READ_OUTBOX,
    model=AuditEvent,
    columns=(
        Column("id", AuditEvent.id),
        Column("at", AuditEvent.at),
        Column("staff_id", AuditEvent.staff_id),
        Column("staff_name", Staff.name),
        Column("customer_id", AuditEvent.customer_id),
        Column("customer_name", Customer.name),
        Column("first_name", Contact.first_name),
        Column("last_name", Contact.last_name),
    ),
    joins=(
        Join(Staff, Staff.id == AuditEvent.staff_id, outer=True),
        Join(Customer, Customer.id == AuditEvent.customer_id, outer=True),
        Join(Contact, Contact.id == AuditEvent.target_id, outer=True),
    ),
    tabs={"all": AuditEvent.action == ACTION},
    search=(Staff.name, Customer.name, Contact.first_name, Contact.last_name),
    sorts={"date": AuditEvent.at, "staff": func.lower(Staff.name), "customer": func.lower(Customer.name)},
    default_sort="date",
    row=_row,
    cells=(
        Cell("When", lambda r: r.at),
        Cell("Staff", lambda r: r.staff_name),
        Cell("Customer", lambda r: r.customer_name),
        Cell("Contact", lambda r: r.contact_name),
    ),
)


def list_views(session: Session, staff: StaffMember, request: PageRequest, today: date) -> Page[ViewRow]:
    """One page of the views of the portal as a contact, over every customer."""
    require_duty(staff, Duty.READ_OUTBOX)
    return VIEWS.rows(session, staff, "all", request, today)
