"""More attachments on an existing quote or job (Options > Attachments), through the scope."""

from __future__ import annotations

from sqlmodel import Session

from portal.core import events, visibility
from portal.core.principal import Scope
from portal.models import Attachment, AttachmentOwner, Job, Page, Quote
from portal.services.files import uploads

OWNERS: dict[AttachmentOwner, tuple[type[Quote] | type[Job], Page]] = {
    AttachmentOwner.QUOTE: (Quote, Page.QUOTES),
    AttachmentOwner.JOB: (Job, Page.JOBS),
}


def add_to(
    session: Session,
    scope: Scope,
    owner_type: AttachmentOwner,
    owner_id: object,
    pending: list[uploads.PendingFile],
) -> list[Attachment] | None:
    """Attach checked pending files; None (and nothing stored) when the owner is not this login's to touch."""
    model, page = OWNERS[AttachmentOwner(owner_type)]
    if not scope.can(page):
        return None
    owner = visibility.get(session, scope, model, owner_id)
    if owner is None or owner.id is None:
        return None
    checked = [uploads.inspect_pending(p.key, p.name) for p in pending]
    rows = uploads.attach(
        session,
        checked,
        customer_id=owner.customer_id,
        owner_type=owner_type,
        owner_id=owner.id,
        contact_id=scope.contact_id,
    )
    payload = {"owner": owner_type.value, "number": owner.number, "files": [r.name for r in rows]}
    events.integration(session, "attachments.added", owner.customer_id, payload)
    events.audit(session, scope, "attachments.added", owner, detail=payload)
    return rows
