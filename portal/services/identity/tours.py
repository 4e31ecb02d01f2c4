"""Whether a contact has seen the basic tour of the portal (Walk Me Through).

The portal offers the basic tour once, after a contact's first login, until the contact finishes
it, closes it or declines the offer. That answer is kept on the contact's row, not in the browser,
so the offer does not come back on another device or after the browser's storage is cleared.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col

from portal.core import clock, events
from portal.core.principal import CustomerContact
from portal.models import Contact


class TourEnd(StrEnum):
    """How the contact left the basic tour (kept in the audit row)."""

    FINISHED = "finished"
    CLOSED = "closed"
    DECLINED = "declined"


def _own_contact(session: Session, principal: CustomerContact) -> Contact | None:
    contact = session.get(Contact, principal.contact_id)
    if contact is None or contact.customer_id != principal.customer_id:
        return None
    return contact


def tour_pending(session: Session, principal: CustomerContact) -> bool:
    """True while the basic tour should still be offered to this contact."""
    contact = _own_contact(session, principal)
    return contact is not None and contact.tour_seen_at is None


def mark_tour_seen(session: Session, principal: CustomerContact, how: TourEnd) -> bool:
    """Remember that the contact has seen (or declined) the basic tour; True when this changed it.

    Only the first answer is kept and audited: finishing the tour again later changes nothing. The
    write is one conditional UPDATE, so two tabs answering at the same moment store one answer.
    """
    contact = _own_contact(session, principal)
    if contact is None:
        return False
    stored = session.exec(
        update(Contact)
        .where(col(Contact.id) == contact.id, col(Contact.tour_seen_at).is_(None))
        .values(tour_seen_at=clock.now())
    )
    if stored.rowcount != 1:
        return False
    session.refresh(contact)
    events.audit(session, principal, "tour_seen", contact, detail={"how": how.value})
    return True
