"""Work Method Statements, Site Inductions and Reference Material the contractor publishes.

A document for one site is seen by the contacts who see that site; a document without a site is
for all the customer's sites, so every contact of the customer with the Advanced reports sees
it, including one limited to a few sites. A document the office withdrew is neither listed nor
downloadable, and only its current version is ever offered (``publishing.replace`` keeps the
others for the office). The bytes come from private storage, found through the document (never by
an attachment id from the browser).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from portal.core import exports, visibility
from portal.core.principal import ADVANCED_REPORTS, Scope
from portal.core.visibility import scoped
from portal.models import Attachment, AttachmentOwner, ContractorDocument, DocumentKind
from portal.services.files import storage as files
from portal.services.reports.advanced_reports import allowed, report_sites

ALL_SITES = "All sites"
KINDS = {
    "work-method-statements": DocumentKind.WORK_METHOD_STATEMENT,
    "site-inductions": DocumentKind.SITE_INDUCTION,
    "reference-material": DocumentKind.REFERENCE,
}


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    site_name: str
    published_at: datetime
    file_name: str
    size_bytes: int


def list_documents(
    session: Session, scope: Scope, kind: DocumentKind, site_id: object = None
) -> list[DocumentRow]:
    """Documents of one kind for the chosen site (with those for all sites), or for any of the contact's."""
    allowed(scope)
    sites = report_sites(session, scope, site_id)
    if not sites:
        return []
    at_sites = or_(ContractorDocument.site_id.is_(None), ContractorDocument.site_id.in_(list(sites)))
    stmt = (
        select(ContractorDocument, Attachment.name, Attachment.size_bytes)
        .join(Attachment, Attachment.id == ContractorDocument.attachment_id)
        .where(at_sites, ContractorDocument.kind == kind, ContractorDocument.withdrawn_at.is_(None))
    )
    rows = session.exec(
        scoped(scoped(stmt, scope, ContractorDocument), scope, Attachment).order_by(
            ContractorDocument.published_at.desc(), ContractorDocument.id.desc()
        )
    ).all()
    return [
        DocumentRow(
            d.id,
            d.title,
            sites.get(d.site_id, ALL_SITES) if d.site_id else ALL_SITES,
            d.published_at,
            name,
            size,
        )
        for d, name, size in rows
        if d.id is not None
    ]


def document_file(session: Session, scope: Scope, document_id: object) -> files.StoredFile | None:
    """The stored bytes of a published document the contact may see, or None."""
    if not scope.can(ADVANCED_REPORTS):
        return None
    document = visibility.get(session, scope, ContractorDocument, document_id)
    if document is None or document.withdrawn_at is not None:
        return None
    if document.site_id not in (None, *report_sites(session, scope)):
        return None
    found = session.exec(
        scoped(select(Attachment), scope, Attachment).where(
            Attachment.id == document.attachment_id, Attachment.owner_type == AttachmentOwner.DOCUMENT
        )
    ).first()
    if found is None:
        return None
    path = files.storage_path(found.storage_key)
    return (
        files.StoredFile(found.name, found.content_type, found.size_bytes, path) if path.is_file() else None
    )


HEADER = ("Title", "Site", "Published", "File", "Size (bytes)")


def documents_csv(
    session: Session, scope: Scope, kind: DocumentKind, site_id: object = None
) -> Iterator[str]:
    rows = (
        [d.title, d.site_name, d.published_at.date().isoformat(), d.file_name, d.size_bytes]
        for d in list_documents(session, scope, kind, site_id)
    )
    yield from exports.csv_stream(HEADER, rows)
