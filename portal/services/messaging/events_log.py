"""The integration events log: what the portal produced for the contractor's systems, for whom, when.

The Inbox (``inbox.py``) is the same table as a to-do list; this is its plain record, every kind,
with when each was delivered and handled, and the payload as it was written, read-only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import true
from sqlmodel import Session

from portal.core import visibility
from portal.core.lists import Cell, Column, Context, Join, ListSpec, Page, PageRequest
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import Customer, IntegrationEvent

DUTY = Duty.READ_OUTBOX
TABS = ("all", "waiting", "handled")
MAX_PAYLOAD = 20_000  # characters of pretty-printed payload shown


@dataclass(frozen=True)
class EventRow:
    id: int
    kind: str
    customer_id: int | None
    customer_name: str
    created_at: datetime
    delivered_at: datetime | None
    handled_at: datetime | None


def _row(values: dict[str, Any], _context: Context) -> EventRow:
    return EventRow(
        id=values["id"],
        kind=values["kind"],
        customer_id=values["customer_id"],
        customer_name=values["customer_name"] or "",
        created_at=values["created_at"],
        delivered_at=values["delivered_at"],
        handled_at=values["handled_at"],
    )


EVENTS: ListSpec[EventRow] = ListSpec(
    name="office-events",
    page=DUTY,
    model=IntegrationEvent,
    columns=(
        Column("id", IntegrationEvent.id),
        Column("kind", IntegrationEvent.kind),
        Column("customer_id", IntegrationEvent.customer_id),
        Column("customer_name", Customer.name),
        Column("created_at", IntegrationEvent.created_at),
        Column("delivered_at", IntegrationEvent.delivered_at),
        Column("handled_at", IntegrationEvent.handled_at),
    ),
    joins=(Join(Customer, Customer.id == IntegrationEvent.customer_id, outer=True),),
    tabs={
        "all": true(),
        "waiting": IntegrationEvent.handled_at.is_(None),
        "handled": IntegrationEvent.handled_at.is_not(None),
    },
    search=(IntegrationEvent.kind, Customer.name),
    sorts={"date": IntegrationEvent.created_at, "kind": IntegrationEvent.kind, "customer": Customer.name},
    default_sort="date",
    row=_row,
    cells=(
        Cell("Created", lambda r: r.created_at),
        Cell("Kind", lambda r: r.kind),
        Cell("Customer", lambda r: r.customer_name),
        Cell("Delivered", lambda r: r.delivered_at),
        Cell("Handled", lambda r: r.handled_at),
    ),
)


def list_events(
    session: Session, staff: StaffMember, tab: str, request: PageRequest, today: date
) -> Page[EventRow]:
    """One page of the tab over every customer (search by kind or customer name)."""
    require_duty(staff, DUTY)
    return EVENTS.rows(session, staff, tab, request, today)


@dataclass(frozen=True)
class EventDetail:
    row: EventRow
    payload: str  # pretty-printed JSON


def pretty(payload: Any) -> str:
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_PAYLOAD else text[:MAX_PAYLOAD] + "\n…"


def event_detail(session: Session, staff: StaffMember, event_id: Any) -> EventDetail | None:
    """One event with its payload; None for an id that is no event (any value from a browser)."""
    require_duty(staff, DUTY)
    found = visibility.get(session, staff, IntegrationEvent, event_id)
    if found is None or found.id is None:
        return None
    customer = session.get(Customer, found.customer_id) if found.customer_id is not None else None
    values = found.model_dump() | {"customer_name": customer.name if customer else ""}
    return EventDetail(_row(values, Context(staff, date.min)), pretty(found.payload))
