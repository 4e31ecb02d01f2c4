"""The back office's Inbox: what customers sent (the integration events their actions write), newest
first, until someone marks it handled.

Every customer's events are in one list: a staff member with the Inbox duty sees every row, so two
office staff read the same list. Marking is a staff command like any other: it is audited, and
marking what is already so changes nothing (two people clicking at once leave one record).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast, func, true, update
from sqlmodel import Session, select

from portal.core import clock, events, visibility
from portal.core.lists import Cell, Column, Context, Join, ListSpec, Page, PageRequest
from portal.core.principal import MAX_ID, Duty, StaffMember, require_duty
from portal.models import (
    AttachmentOwner,
    Customer,
    IntegrationEvent,
    Job,
    JobAsset,
    JobItem,
    Quote,
    QuoteAsset,
    QuoteItem,
    Site,
    Staff,
)
from portal.services.work.details import AssetLine, AttachmentLine, asset_lines, attachment_lines

DUTY = Duty.READ_INBOX
TABS = ("new", "handled", "all")
MAX_MARKED = 100

TITLES = {
    "quote.requested": "Quote requested",
    "job.booked": "Job booked",
    "quote.accepted": "Quote accepted",
    "quote.declined": "Quote declined",
    "site.created": "New site",
    "site.updated": "Site changed",
    "site_contact.created": "Site contact added",
    "site_contact.updated": "Site contact changed",
    "site_contact.removed": "Site contact removed",
    "contact.created": "Contact added",
    "contact.updated": "Contact changed",
    "contact.login_enabled": "Contact login enabled",
    "contact.login_disabled": "Contact login disabled",
    "attachments.added": "Files added",
    "payment.received": "Payment received",
}


def title_of(kind: str) -> str:
    """A readable title; a kind added later reads as its own words until it gets one."""
    return TITLES.get(kind) or kind.replace("_", " ").replace(".", ": ").capitalize()


@dataclass(frozen=True)
class Ref:
    """The row an event is about, and the office screen that shows it (empty when there is none)."""

    label: str
    href: str = ""
    model: str = ""  # "quote" or "job" when the detail can show its lines, assets and files
    row_id: int | None = None
    number: int | None = None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def reference(kind: str, payload: dict[str, Any]) -> Ref:
    """What the event points at, read from its payload as the customer's action wrote it."""
    if kind.startswith("quote."):
        qid, number = _int(payload.get("quote_id")), payload.get("number", payload.get("quote_number"))
        return Ref(f"Quote #{number}", f"/office/quotes/{qid}" if qid else "", "quote", qid, _int(number))
    if kind == "job.booked":
        jid, number = _int(payload.get("job_id")), payload.get("number")
        return Ref(f"Job #{number}", f"/office/jobs/{jid}" if jid else "", "job", jid, _int(number))
    if kind == "attachments.added":
        owner, number = str(payload.get("owner", "")), _int(payload.get("number"))
        if owner in ("quote", "job") and number is not None:
            return Ref(f"{owner.title()} #{number}", "", owner, None, number)
        return Ref(f"Site: {payload.get('name', '')}".strip() if owner == "site" else "Files")
    if kind.startswith("site"):
        name = payload.get("name") or (payload.get("after") or {}).get("name") or ""
        return Ref(f"Site: {name}" if name else f"Site {payload.get('site_id', '')}".strip())
    if kind.startswith("contact."):
        after = payload.get("after") or payload
        name = " ".join(str(after.get(k) or "") for k in ("first_name", "last_name")).strip()
        return Ref(f"Contact: {name}" if name else f"Contact {payload.get('contact_id', '')}".strip())
    if kind == "payment.received":
        return Ref(f"Receipt #{payload.get('receipt_number', '')}")
    return Ref("")


@dataclass(frozen=True)
class InboxRow:
    id: int
    kind: str
    title: str
    created_at: datetime
    customer_id: int | None
    customer_name: str
    ref: Ref
    summary: str
    handled_at: datetime | None
    handled_by: str


def summary_of(payload: dict[str, Any]) -> str:
    """One line of what was sent: the request's description, a decline's reason, the changed fields."""
    for key in ("description", "reason", "signer_name"):
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())[:160]
    fields = payload.get("fields")
    if isinstance(fields, list) and fields:
        return "Changed: " + ", ".join(str(f) for f in fields[:8])
    before, after = payload.get("before"), payload.get("after")
    if isinstance(before, dict) and isinstance(after, dict) and before:
        changed = [str(k) for k in after if before.get(k) != after.get(k)]
        if changed:
            return "Changed: " + ", ".join(changed[:8])
    files = payload.get("files")
    if isinstance(files, list) and files:
        return ", ".join(str(f) for f in files[:5])
    return ""


def _row(values: dict[str, Any], _context: Context) -> InboxRow:
    payload = values["payload"] if isinstance(values["payload"], dict) else {}
    return InboxRow(
        id=values["id"],
        kind=values["kind"],
        title=title_of(values["kind"]),
        created_at=values["created_at"],
        customer_id=values["customer_id"],
        customer_name=values["customer_name"] or "",
        ref=reference(values["kind"], payload),
        summary=summary_of(payload),
        handled_at=values["handled_at"],
        handled_by=values["handled_by"] or "",
    )


INBOX: ListSpec[InboxRow] = ListSpec(
    name="office-inbox",
    page=DUTY,
    model=IntegrationEvent,
    columns=(
        Column("id", IntegrationEvent.id),
        Column("kind", IntegrationEvent.kind),
        Column("created_at", IntegrationEvent.created_at),
        Column("customer_id", IntegrationEvent.customer_id),
        Column("customer_name", Customer.name),
        Column("payload", IntegrationEvent.payload),
        Column("handled_at", IntegrationEvent.handled_at),
        Column("handled_by", Staff.name),
    ),
    joins=(
        Join(Customer, Customer.id == IntegrationEvent.customer_id, outer=True),
        Join(Staff, Staff.id == IntegrationEvent.handled_by_staff_id, outer=True),
    ),
    tabs={
        "new": IntegrationEvent.handled_at.is_(None),
        "handled": IntegrationEvent.handled_at.is_not(None),
        "all": true(),
    },
    # The payload as text: a quote's number, a site's name, a request's words.
    search=(Customer.name, IntegrationEvent.kind, cast(IntegrationEvent.payload, String)),
    sorts={"date": IntegrationEvent.created_at, "customer": Customer.name, "kind": IntegrationEvent.kind},
    default_sort="date",
    row=_row,
    cells=(
        Cell("When", lambda r: r.created_at),
        Cell("Customer", lambda r: r.customer_name),
        Cell("What", lambda r: r.title),
        Cell("About", lambda r: r.ref.label),
        Cell("Handled", lambda r: r.handled_at),
    ),
)


def list_inbox(
    session: Session, staff: StaffMember, tab: str, request: PageRequest, today: date
) -> Page[InboxRow]:
    """One page of the tab over every customer (a staff member sees every row)."""
    require_duty(staff, DUTY)
    return INBOX.rows(session, staff, tab, request, today)


def unhandled_count(session: Session, staff: StaffMember) -> int:
    """The menu's count: one COUNT on the Inbox index (``handled_at`` first)."""
    require_duty(staff, DUTY)
    stmt = select(func.count()).select_from(IntegrationEvent).where(IntegrationEvent.handled_at.is_(None))
    return int(session.exec(stmt).one())


@dataclass(frozen=True)
class ItemFact:
    kind: str
    description: str
    quantity: int
    unit_price_cents: int
    total_cents: int


@dataclass
class InboxDetail:
    row: InboxRow
    description: str = ""
    site_name: str = ""
    items: list[ItemFact] = field(default_factory=list)
    assets: list[AssetLine] = field(default_factory=list)
    attachments: list[AttachmentLine] = field(default_factory=list)


_MODELS: dict[str, tuple[Any, Any, Any, Any, Any, AttachmentOwner]] = {
    "quote": (Quote, QuoteItem, QuoteItem.quote_id, QuoteAsset, QuoteAsset.quote_id, AttachmentOwner.QUOTE),
    "job": (Job, JobItem, JobItem.job_id, JobAsset, JobAsset.job_id, AttachmentOwner.JOB),
}


def inbox_detail(session: Session, staff: StaffMember, event_id: Any) -> InboxDetail | None:
    """One event with the quote's or job's lines, assets and files, read from the rows themselves
    (the payload is what was sent; the rows are what is there now)."""
    require_duty(staff, DUTY)
    event = visibility.get(session, staff, IntegrationEvent, event_id)
    if event is None or event.id is None:
        return None
    customer = session.get(Customer, event.customer_id) if event.customer_id is not None else None
    handler = session.get(Staff, event.handled_by_staff_id) if event.handled_by_staff_id else None
    row = _row(
        {
            "id": event.id,
            "kind": event.kind,
            "created_at": event.created_at,
            "customer_id": event.customer_id,
            "customer_name": customer.name if customer else "",
            "payload": event.payload,
            "handled_at": event.handled_at,
            "handled_by": handler.name if handler else "",
        },
        Context(staff, date.min),
    )
    detail = InboxDetail(row)
    ref = row.ref
    if ref.model not in _MODELS or event.customer_id is None:
        return detail
    model, item_model, item_owner, link, link_owner, owner = _MODELS[ref.model]
    if ref.row_id is not None:
        record = session.get(model, ref.row_id)
    else:
        record = session.exec(
            select(model).where(model.number == ref.number, model.customer_id == event.customer_id)
        ).first()
    if record is None or record.customer_id != event.customer_id:
        return detail
    site = session.get(Site, record.site_id)
    lines = session.exec(
        select(item_model).where(item_owner == record.id).order_by(item_model.sort_order, item_model.id)
    ).all()
    detail.description = record.description
    detail.site_name = site.name if site else ""
    detail.items = [
        ItemFact(i.kind or "other", i.description, i.quantity, i.unit_price_cents, i.total_cents)
        for i in lines
    ]
    detail.assets = asset_lines(session, link, link_owner, record.id, record.customer_id)
    detail.attachments = attachment_lines(session, owner, record.id, record.customer_id, with_hidden=True)
    if ref.row_id is None:
        href = f"/office/{ref.model}s/{record.id}"
        detail.row = InboxRow(
            **{**row.__dict__, "ref": Ref(ref.label, href, ref.model, record.id, ref.number)}
        )
    return detail


def _ids(values: Sequence[Any]) -> list[int]:
    found = []
    for value in list(values)[:MAX_MARKED]:
        number = _int(value)
        if number is None and isinstance(value, str) and value.strip().isdigit() and len(value) < 12:
            number = int(value)
        if number is not None and 0 < number <= MAX_ID:
            found.append(number)
    return list(dict.fromkeys(found))


def mark(
    session: Session, staff: StaffMember, event_ids: Sequence[Any], handled: bool, now: datetime | None = None
) -> int:
    """Mark events handled (or new again); returns how many changed. Each change is audited."""
    require_duty(staff, DUTY)
    ids = _ids(event_ids)
    if not ids:
        return 0
    stamp = now or clock.now()
    rows = session.exec(
        select(IntegrationEvent).where(
            IntegrationEvent.id.in_(ids),
            IntegrationEvent.handled_at.is_(None) if handled else IntegrationEvent.handled_at.is_not(None),
        )
    ).all()
    changed = 0
    for event in rows:
        before = {
            "handled_at": event.handled_at.isoformat() if event.handled_at else None,
            "handled_by_staff_id": event.handled_by_staff_id,
        }
        # Conditional, so of two staff marking at once one records the change.
        result = session.exec(
            update(IntegrationEvent)
            .where(
                IntegrationEvent.id == event.id,
                IntegrationEvent.handled_at.is_(None)
                if handled
                else IntegrationEvent.handled_at.is_not(None),
            )
            .values(
                handled_at=stamp if handled else None,
                handled_by_staff_id=staff.staff_id if handled else None,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            continue
        session.refresh(event)
        after = {
            "handled_at": event.handled_at.isoformat() if event.handled_at else None,
            "handled_by_staff_id": event.handled_by_staff_id,
        }
        events.audit(
            session,
            staff,
            "inbox.handled" if handled else "inbox.reopened",
            event,
            detail={"kind": event.kind, "before": before, "after": after},
            customer_id=event.customer_id,
        )
        changed += 1
    return changed
