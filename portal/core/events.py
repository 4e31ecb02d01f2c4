"""Audit and integration events: who did what, to which row, and when, written in one place.

Why one place: the audit trail and the back office's event feed are only worth reading when every
row says the same things the same way. Each domain used to build these rows by hand (six modules,
each picking its own target names, its own truncation of the IP and its own idea of "now"); here
the actor comes from the principal, the time from the one clock, and the target from the row.

Who may be any principal: a customer contact (``Scope``, a ``Contact`` row, or anything carrying
``customer_id`` and ``contact_id``, such as a payment a contact made), a staff member or an API
client. A contact is kept in the ``contact_id`` column and a staff member in ``staff_id`` (which the
customers' live screens watch: ``portal/services/live.py``); both staff and API clients are also
named in ``detail["actor"]`` as ``{"kind": ..., "id": ...}``. ``None`` is the
portal itself (a gateway's webhook, a scheduled run).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlmodel import Session, SQLModel

from portal.core import clock
from portal.core.principal import ApiClient, CustomerContact, StaffMember
from portal.models import AuditEvent, Contact, IntegrationEvent

IP_LENGTH = 64


class MadeByContact(Protocol):
    """A row a contact made (a payment): it names its customer and, when there was one, its contact."""

    @property
    def customer_id(self) -> int | None: ...

    @property
    def contact_id(self) -> int | None: ...


Who = CustomerContact | StaffMember | ApiClient | Contact | MadeByContact | None
Target = SQLModel | tuple[str, int | None] | None


def actor(who: Who) -> tuple[int | None, int | None, dict[str, Any]]:
    """``(customer_id, contact_id, actor)``; ``actor`` is empty for a contact or the portal itself."""
    if who is None:
        return None, None, {}
    if isinstance(who, StaffMember):
        return None, None, {"kind": "staff", "id": who.staff_id}
    if isinstance(who, ApiClient):
        return None, None, {"kind": "api_client", "id": who.client_id}
    if isinstance(who, Contact):
        return who.customer_id, who.id, {}
    if not hasattr(who, "contact_id") or not hasattr(who, "customer_id"):
        raise TypeError(f"{type(who).__name__} is not a principal an event can name")
    return who.customer_id, who.contact_id, {}


def _target(target: Target) -> tuple[str, int | None]:
    """A table row is named by its table; ``(type, id)`` names anything else; None names nothing."""
    if target is None:
        return "", None
    if isinstance(target, tuple):
        return target
    return str(getattr(target, "__tablename__", "")), getattr(target, "id", None)


def audit(
    session: Session,
    who: Who,
    action: str,
    target: Target = None,
    *,
    detail: dict[str, Any] | None = None,
    ip: str | None = "",
    customer_id: int | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Record that ``who`` did ``action`` to ``target``, now (or ``at``).

    ``customer_id`` names the customer when the principal carries none (staff acting on a customer,
    or the portal itself); a contact's own customer is taken from the contact.
    """
    customer, contact_id, by = actor(who)
    target_type, target_id = _target(target)
    row = AuditEvent(
        action=action,
        customer_id=customer if customer is not None else customer_id,
        contact_id=contact_id,
        staff_id=who.staff_id if isinstance(who, StaffMember) else None,
        target_type=target_type,
        target_id=target_id,
        ip=(ip or "")[:IP_LENGTH],
        detail={**(detail or {}), **({"actor": by} if by else {})},
        at=at or clock.now(),
    )
    session.add(row)
    session.flush()
    return row


def integration(
    session: Session,
    kind: str,
    customer_id: int | None,
    payload: dict[str, Any],
    *,
    at: datetime | None = None,
) -> IntegrationEvent:
    """Queue ``kind`` for the contractor's back office, stamped now (or ``at``)."""
    row = IntegrationEvent(kind=kind, customer_id=customer_id, payload=payload, created_at=at or clock.now())
    session.add(row)
    session.flush()
    return row
