"""Private file storage: bytes under random keys outside any public folder, read through the scope.

An attachment is visible when its customer is the scope's, the page of what it hangs on is
allowed, and, for a contact limited to some sites, that thing is at one of those sites.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from portal import config
from portal.core.principal import MAX_ID, Scope
from portal.models import (
    Asset,
    Attachment,
    AttachmentOwner,
    ContractorDocument,
    Invoice,
    Job,
    Quote,
    Site,
)

OWNER_PAGE = {
    AttachmentOwner.QUOTE: "quotes",
    AttachmentOwner.JOB: "jobs",
    AttachmentOwner.INVOICE: "invoices",
    AttachmentOwner.SITE: "sites",
    AttachmentOwner.ASSET: "assets",
    AttachmentOwner.DOCUMENT: "reports",
    AttachmentOwner.CUSTOMER: "dashboard",
}
_OWNER_MODEL = {
    AttachmentOwner.QUOTE: Quote,
    AttachmentOwner.JOB: Job,
    AttachmentOwner.INVOICE: Invoice,
    AttachmentOwner.ASSET: Asset,
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


def _owner_site(session: Session, attachment: Attachment) -> int | None:
    owner = AttachmentOwner(attachment.owner_type)
    if owner == AttachmentOwner.SITE:
        return attachment.owner_id
    if owner == AttachmentOwner.DOCUMENT:
        return session.exec(
            select(ContractorDocument.site_id).where(ContractorDocument.attachment_id == attachment.id)
        ).first()
    model = _OWNER_MODEL.get(owner)
    if model is None:
        return None
    return session.exec(select(model.site_id).where(model.id == attachment.owner_id)).first()


def visible_attachment(session: Session, scope: Scope, attachment_id: object) -> Attachment | None:
    try:
        attachment_id = int(attachment_id)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 < attachment_id <= MAX_ID:
        return None
    row = session.exec(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.customer_id == scope.customer_id)
    ).first()
    if row is None or not scope.can(OWNER_PAGE[AttachmentOwner(row.owner_type)]):
        return None
    if scope.site_ids is not None:
        site_id = _owner_site(session, row)
        if site_id is not None and site_id not in scope.site_ids:
            return None
        if site_id is None and row.owner_type != AttachmentOwner.CUSTOMER:
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
