"""Audit and integration events: who did what, to which row, and when, written in one place.

Why one place: the audit trail and the back office's event feed are only worth reading when every
row says the same things the same way. Each domain used to build these rows by hand (six modules,
each picking its own target names, its own truncation of the IP and its own idea of "now"); here
the actor comes from the principal, the time from the one clock, and the target from the row.

Who may be any principal: a customer contact (``Scope``, a ``Contact`` row, or anything carrying
``customer_id`` and ``contact_id``, such as a payment a contact made), a staff member or an API
client. A contact is kept in the ``contact_id`` column; a staff member or API client has no column
of its own, so it is kept in ``detail["actor"]`` as ``{"kind": ..., "id": ...}``. ``None`` is the
portal itself (a gateway's webhook, a scheduled run).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from portal.core import clock
from portal.models import AuditEvent, Contact, IntegrationEvent

IP_LENGTH = 64
# How a principal that is not a customer contact is named (core/principal's StaffMember and ApiClient):
# its kind, and the attribute holding its id.
_OTHER_ACTORS = (("staff", "staff_id"), ("api_client", "client_id"))


def actor(who: Any) -> tuple[int | None, int | None, dict[str, Any]]:
    """``(customer_id, contact_id, actor)``; ``actor`` is empty for a contact or the portal itself."""
    if who is None:
        return None, None, {}
    if isinstance(who, Contact):
        return who.customer_id, who.id, {}
    contact_id = getattr(who, "contact_id", None)
    if contact_id is not None:
        return getattr(who, "customer_id", None), contact_id, {}
    for kind, name in _OTHER_ACTORS:
        value = getattr(who, name, None)
        if value is not None:
            return getattr(who, "customer_id", None), None, {"kind": kind, "id": value}
    kind = type(who).__name__
    raise TypeError(f"{kind} is not a principal an event can name")


def _target(target: Any) -> tuple[str, int | None]:
    """A table row is named by its table; ``(type, id)`` names anything else; None names nothing."""
    if target is None:
        return "", None
    if isinstance(target, tuple):
        kind, target_id = target
        return str(kind), target_id
    return str(target.__tablename__), target.id


def audit(
    session: Session,
    who: Any,
    action: str,
    target: Any = None,
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
