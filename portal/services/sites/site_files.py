"""A site's Attachments tab: its files, found by name, read the way a quote's or a job's are
(``services.work.details.attachment_lines``); adding files goes through
``portal.services.files.attachments`` like a quote's or a job's."""

from __future__ import annotations

from sqlmodel import Session

from portal.core.principal import Scope
from portal.models import AttachmentOwner
from portal.services.sites.editing import editable_site
from portal.services.sites.shown import Shown
from portal.services.work.details import AttachmentLine, attachment_lines

MAX_SHOWN = 200


def site_attachments(
    session: Session, scope: Scope, site_id: object, search: str = ""
) -> Shown[AttachmentLine] | None:
    """The site's newest files whose name contains ``search``, at most :data:`MAX_SHOWN` (``more``
    says when there are others, so the tab can say so); None when the site is not the contact's."""
    site = editable_site(session, scope, site_id)
    if site is None or site.id is None:
        return None
    lines = attachment_lines(
        session,
        AttachmentOwner.SITE,
        site.id,
        site.customer_id,
        search=search,
        newest_first=True,
        limit=MAX_SHOWN + 1,
    )
    return Shown(lines[:MAX_SHOWN], len(lines) > MAX_SHOWN)
