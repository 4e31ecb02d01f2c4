"""The office's customer picker: active customers whose name contains what was typed.

One query for every office form that starts from a customer (a free invoice, a recurring invoice, a
published document), so the rules (active only, scoped to what the staff member sees, the first
few by name) cannot drift apart; each caller passes the duty its own screen needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from portal.core import visibility
from portal.core.lists import escape_like
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import Customer

PICK_LIMIT = 20
QUERY_MAX = 100


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


def find_customers(session: Session, staff: StaffMember, duty: Duty, text: Any) -> list[Choice]:
    """Active customers whose name contains ``text`` (anything but a string finds them all), the
    first ``PICK_LIMIT`` by name, among those ``staff`` may see; refused without ``duty``."""
    require_duty(staff, duty)
    stmt = select(Customer.id, Customer.name).where(col(Customer.is_active).is_(True))
    typed = text.strip()[:QUERY_MAX] if isinstance(text, str) else ""
    if typed:
        stmt = stmt.where(Customer.name.ilike(f"%{escape_like(typed)}%", escape="\\"))
    rows = session.exec(
        visibility.scoped(stmt.order_by(Customer.name, Customer.id).limit(PICK_LIMIT), staff, Customer)
    ).all()
    return [Choice(cid, name) for cid, name in rows]
