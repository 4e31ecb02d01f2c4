"""Telling the contractor about a site the customer created or changed: the guide's "sent to simPRO".

Each change in the Sites area is recorded three ways inside the caller's unit of work, so none of
them exists unless the change was committed: an audit event (who did it), an integration event
(what the back office imports) and a mail to the contractor's office (what a person reads today).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from portal.core import events
from portal.core.principal import Scope
from portal.models import Contact, Customer, Site
from portal.services.messaging import mail


def _who(session: Session, scope: Scope) -> str:
    person = session.get(Contact, scope.contact_id)
    customer = session.get(Customer, scope.customer_id)
    name = person.full_name if person is not None and person.full_name else f"Contact {scope.contact_id}"
    return f"{name} of {customer.name}" if customer is not None else name


def announce(
    session: Session,
    scope: Scope,
    kind: str,
    target: events.Target,
    site: Site,
    payload: dict[str, Any],
    subject: str,
    lines: Sequence[str],
) -> None:
    """Audit, integration event and the contractor's mail for one change to ``site`` (or one of its
    contacts, ``target``); ``lines`` are the mail's facts, after who made the change."""
    stamped = {"site_id": site.id, "by_contact_id": scope.contact_id, **payload}
    events.audit(session, scope, kind, target, detail=stamped)
    events.integration(session, kind, site.customer_id, stamped)
    body = "\n".join([f"{subject}.", "", f"By: {_who(session, scope)}", f"Site: {site.name}", *lines])
    mail.to_office(session, f"{subject}: {site.name}", body + "\n", kind, f"site {site.id}")
