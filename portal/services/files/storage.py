"""Private file storage: bytes under random keys outside any public folder, read through the scope.

An attachment is visible when the visibility registry lets the principal see it (its customer,
and for a contact limited to some sites, what it hangs on at one of those sites) and the page of
what it hangs on is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from portal import config
from portal.core import visibility
from portal.core.principal import DASHBOARD, Scope
from portal.models import Attachment, AttachmentOwner, Page, Site

OWNER_PAGE = {
    AttachmentOwner.QUOTE: Page.QUOTES,
    AttachmentOwner.JOB: Page.JOBS,
    AttachmentOwner.INVOICE: Page.INVOICES,
    AttachmentOwner.SITE: Page.SITES,
    AttachmentOwner.ASSET: Page.ASSETS,
    AttachmentOwner.DOCUMENT: Page.REPORTS,
    AttachmentOwner.CUSTOMER: DASHBOARD,
}
_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class StoredFile:
    name: str
    content_type: str
    size_bytes: int
    path: Path


def storage_path(storage_key: str) -> Path:
    """Where a key's bytes live; a key is only ever 32 hex characters, so no path can escape."""
    if not _KEY.match(storage_key):
        raise ValueError("bad storage key")
    return config.settings().files_dir / storage_key


def visible_attachment(session: Session, scope: Scope, attachment_id: object) -> Attachment | None:
    """The attachment when this login may download it by id.

    A file the office hid (``customer_visible`` false) is not, nor is a published document's file:
    those go through the document (``services.documents.published.document_file``), which offers
    only the current version of a document that is not withdrawn.
    """
    row = visibility.get(session, scope, Attachment, attachment_id)
    if row is None or not row.customer_visible or row.owner_type == AttachmentOwner.DOCUMENT:
        return None
    if not scope.can(OWNER_PAGE[AttachmentOwner(row.owner_type)]):
        return None
    if row.owner_type == AttachmentOwner.SITE and session.get(Site, row.owner_id) is None:
        return None
    return row


def open_attachment(session: Session, scope: Scope, attachment_id: object) -> StoredFile | None:
    row = visible_attachment(session, scope, attachment_id)
    if row is None:
        return None
    path = storage_path(row.storage_key)
    if not path.is_file():
        return None
    return StoredFile(row.name, row.content_type, row.size_bytes, path)
