"""More attachments on an existing quote, job (Options > Attachments) or site (its Attachments tab),
through the scope. Files added to a site are told to the contractor like every other change to a
site (``services.sites.notices``)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from portal.core import events, visibility
from portal.core.principal import Scope
from portal.models import Attachment, AttachmentOwner, Job, Page, Quote, Site
from portal.services.files import uploads
from portal.services.sites import notices

OWNERS: dict[AttachmentOwner, tuple[type[Quote] | type[Job] | type[Site], Page]] = {
    AttachmentOwner.QUOTE: (Quote, Page.QUOTES),
    AttachmentOwner.JOB: (Job, Page.JOBS),
    AttachmentOwner.SITE: (Site, Page.SITES),
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
    if owner is None or owner.id is None or (isinstance(owner, Site) and not owner.is_active):
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
    files = [r.name for r in rows]
    if isinstance(owner, Site):
        # A site has no number: known by its id and name, and the office is mailed as for its details.
        site_payload: dict[str, Any] = {"owner": owner_type.value, "name": owner.name, "files": files}
        lines = [f"File: {name}" for name in files]
        notices.announce(
            session, scope, "attachments.added", owner, owner, site_payload, "Site files added", lines
        )
        return rows
    payload: dict[str, Any] = {"owner": owner_type.value, "number": owner.number, "files": files}
    events.integration(session, "attachments.added", owner.customer_id, payload)
    events.audit(session, scope, "attachments.added", owner, detail=payload)
    return rows
