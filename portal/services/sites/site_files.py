"""A site's Attachments tab: its files, found by name; adding files goes through
``portal.services.files.attachments`` like a quote's or a job's."""

from __future__ import annotations

from sqlmodel import Session, col, select

from portal.core.lists import MAX_SEARCH, escape_like
from portal.core.principal import Scope
from portal.core.visibility import scoped
from portal.models import Attachment, AttachmentOwner
from portal.services.sites.editing import editable_site
from portal.services.work.details import AttachmentLine

MAX_SHOWN = 200


def site_attachments(
    session: Session, scope: Scope, site_id: object, search: str = ""
) -> list[AttachmentLine] | None:
    """The site's files, newest first, whose name contains ``search``; None when the site is not the
    contact's to see."""
    site = editable_site(session, scope, site_id)
    if site is None:
        return None
    stmt = scoped(
        select(
            Attachment.id,
            Attachment.name,
            Attachment.size_bytes,
            Attachment.content_type,
            Attachment.uploaded_at,
        ).where(
            Attachment.owner_type == AttachmentOwner.SITE,
            Attachment.owner_id == site.id,
            Attachment.customer_id == site.customer_id,
        ),
        scope,
        Attachment,
    )
    text = (search or "").strip()[:MAX_SEARCH]
    if text:
        stmt = stmt.where(col(Attachment.name).ilike(f"%{escape_like(text)}%", escape="\\"))
    rows = session.exec(
        stmt.order_by(col(Attachment.uploaded_at).desc(), col(Attachment.id).desc()).limit(MAX_SHOWN)
    ).all()
    return [AttachmentLine(*row) for row in rows]
