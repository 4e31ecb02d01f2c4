"""The office publishes Work Method Statements, Site Inductions and Reference Material.

A document belongs to one customer, for one of its sites or for all of them. Replacing its file
keeps every earlier file in ``document_version`` (the document points at the current one, which is
the only one a customer can download); withdrawing hides it from the customer without losing it,
and restoring shows it again. Every command needs ``Duty.MANAGE_CUSTOMERS`` and is audited.

What the customer sees is worked out in :mod:`portal.services.documents.published`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from portal.core import clock, events, visibility
from portal.core.lists import Page, PageRequest, escape_like, paginate
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import (
    Attachment,
    AttachmentOwner,
    ContractorDocument,
    Customer,
    DocumentKind,
    DocumentVersion,
    Site,
    Staff,
)
from portal.services.customers import picker as customer_picker
from portal.services.customers.picker import Choice
from portal.services.files import uploads

TITLE_LIMIT = 200
SITE_LIMIT = 500
KIND_LABELS = {
    DocumentKind.WORK_METHOD_STATEMENT: "Work Method Statement",
    DocumentKind.SITE_INDUCTION: "Site Induction",
    DocumentKind.REFERENCE: "Reference Material",
}
# The list's tabs: what the customer sees now, what the office withdrew, or both.
TABS = ("current", "withdrawn", "all")
ALL_SITES = "All sites"


class DocumentError(Exception):
    """A command refused; ``field_errors`` says why beside the field (``form`` for the whole form)."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(field_errors.values()))
        self.field_errors = field_errors


NOT_FOUND = "That document is not available."


# --- the list ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What narrows the list besides the tab and the search; any value may have come from the address."""

    customer: object = None
    site: object = None
    kind: object = None


@dataclass(frozen=True)
class DocumentListRow:
    id: int
    title: str
    kind: str
    customer_id: int
    customer_name: str
    site_name: str
    version: int
    file_name: str
    published_at: datetime
    updated_at: datetime | None
    withdrawn_at: datetime | None


def _whole(value: object) -> int | None:
    text = str(value).strip() if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 10 else None


def _kind(value: object) -> DocumentKind | None:
    try:
        return DocumentKind(value) if isinstance(value, str) else None
    except ValueError:
        return None


def list_documents(
    session: Session, staff: StaffMember, tab: str, filters: Filters, request: PageRequest
) -> Page[DocumentListRow]:
    """One page of every customer's documents, newest first, narrowed in SQL."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    request = request.clean()
    stmt = (
        select(
            ContractorDocument.id,
            ContractorDocument.title,
            ContractorDocument.kind,
            ContractorDocument.customer_id,
            Customer.name,
            Site.name,
            ContractorDocument.version,
            Attachment.name,
            ContractorDocument.published_at,
            ContractorDocument.updated_at,
            ContractorDocument.withdrawn_at,
        )
        .join(Customer, Customer.id == ContractorDocument.customer_id)
        .join(Attachment, Attachment.id == ContractorDocument.attachment_id)
        .outerjoin(Site, Site.id == ContractorDocument.site_id)
    )
    if tab == "current":
        stmt = stmt.where(col(ContractorDocument.withdrawn_at).is_(None))
    elif tab == "withdrawn":
        stmt = stmt.where(col(ContractorDocument.withdrawn_at).is_not(None))
    if (customer := _whole(filters.customer)) is not None:
        stmt = stmt.where(ContractorDocument.customer_id == customer)
    if (site := _whole(filters.site)) is not None:
        stmt = stmt.where(ContractorDocument.site_id == site)
    if (kind := _kind(filters.kind)) is not None:
        stmt = stmt.where(ContractorDocument.kind == kind)
    if request.search:
        pattern = f"%{escape_like(request.search)}%"
        stmt = stmt.where(
            or_(
                ContractorDocument.title.ilike(pattern, escape="\\"),
                Customer.name.ilike(pattern, escape="\\"),
                Site.name.ilike(pattern, escape="\\"),
            )
        )
    stmt = visibility.scoped(stmt, staff, ContractorDocument)
    sorts = {
        "published": ContractorDocument.published_at,
        "title": func.lower(ContractorDocument.title),
        "customer": func.lower(Customer.name),
        "updated": func.coalesce(ContractorDocument.updated_at, ContractorDocument.published_at),
    }

    def row(r: Any) -> DocumentListRow:
        return DocumentListRow(
            r[0],
            r[1],
            KIND_LABELS.get(r[2], str(r[2])),
            r[3],
            r[4],
            r[5] or ALL_SITES,
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
        )

    return paginate(session, stmt, request, sorts, "updated", row, tiebreak=ContractorDocument.id)


# --- choices for the forms and filters -------------------------------------------------------------


def find_customers(session: Session, staff: StaffMember, text: Any) -> list[Choice]:
    """Active customers whose name contains ``text``, for the publish form's customer picker."""
    return customer_picker.find_customers(session, staff, Duty.MANAGE_CUSTOMERS, text)


def customer_choice(session: Session, staff: StaffMember, customer_id: object) -> Choice | None:
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    customer = visibility.get(session, staff, Customer, customer_id)
    return Choice(customer.id, customer.name) if customer and customer.id else None


def customer_sites(session: Session, staff: StaffMember, customer_id: object) -> list[Choice]:
    """The customer's open sites, for the form's site and the list's site filter."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None:
        return []
    rows = session.exec(
        select(Site.id, Site.name)
        .where(Site.customer_id == customer.id, col(Site.is_active).is_(True))
        .order_by(Site.name, Site.id)
        .limit(SITE_LIMIT)
    ).all()
    return [Choice(sid, name) for sid, name in rows]


# --- commands ------------------------------------------------------------------------------------


def _checked(pending: tuple[str, str] | None) -> uploads.PendingFile:
    """The chosen file checked again from its bytes (type from content, size limit)."""
    if pending is None:
        raise DocumentError({"file": "Choose the file to publish."})
    try:
        return uploads.inspect_pending(*pending)
    except uploads.UploadRefused as refused:
        raise DocumentError({"file": refused.message}) from None


def _store(
    session: Session, staff: StaffMember, checked: uploads.PendingFile, customer_id: int, document_id: int
) -> Attachment:
    (row,) = uploads.attach(
        session,
        [checked],
        customer_id=customer_id,
        owner_type=AttachmentOwner.DOCUMENT,
        owner_id=document_id,
        contact_id=None,
    )
    row.uploaded_by_staff_id, row.uploaded_by_staff = staff.staff_id, staff.name[:100]
    session.add(row)
    return row


def publish(
    session: Session,
    staff: StaffMember,
    *,
    customer_id: object,
    site_id: object,
    kind: object,
    title: object,
    pending: tuple[str, str] | None,
) -> ContractorDocument:
    """A new document, version 1, for the customer's site (or all its sites when ``site_id`` is empty)."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    errors: dict[str, str] = {}
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None or customer.id is None or not customer.is_active:
        errors["customer"] = "Choose a customer."
    site = None
    if site_id not in (None, "", "all") and customer is not None:
        site = visibility.get(session, staff, Site, site_id)
        if site is None or site.customer_id != customer.id or not site.is_active:
            errors["site"] = "Choose one of the customer's open sites, or All sites."
    chosen_kind = _kind(kind)
    if chosen_kind is None:
        errors["kind"] = "Choose what kind of document this is."
    text = " ".join(title.split()) if isinstance(title, str) else ""
    if not text:
        errors["title"] = "Give the document a title."
    elif len(text) > TITLE_LIMIT:
        errors["title"] = f"Keep the title to {TITLE_LIMIT} characters."
    try:
        checked = _checked(pending)
    except DocumentError as refused:
        errors.update(refused.field_errors)
    if errors:
        raise DocumentError(errors)
    assert customer is not None and customer.id is not None and chosen_kind is not None
    now = clock.now()
    document = ContractorDocument(
        customer_id=customer.id,
        site_id=site.id if site else None,
        kind=chosen_kind,
        title=text,
        attachment_id=0,
        published_at=now,
        version=1,
        published_by_staff_id=staff.staff_id,
    )
    # The row needs its file's id and the file its document's: the file first, pointed back after.
    attachment = _store(session, staff, checked, customer.id, 0)
    session.flush()
    assert attachment.id is not None
    document.attachment_id = attachment.id
    session.add(document)
    session.flush()
    assert document.id is not None
    attachment.owner_id = document.id
    session.add(attachment)
    session.add(
        DocumentVersion(
            document_id=document.id,
            version=1,
            attachment_id=attachment.id,
            published_at=now,
            staff_id=staff.staff_id,
        )
    )
    session.flush()
    events.audit(
        session,
        staff,
        "document.published",
        document,
        detail=_detail(document, attachment),
        customer_id=document.customer_id,
    )
    return document


def _detail(document: ContractorDocument, attachment: Attachment) -> dict[str, Any]:
    return {
        "title": document.title,
        "kind": str(document.kind),
        "site_id": document.site_id,
        "version": document.version,
        "file": attachment.name,
    }


def _document(session: Session, staff: StaffMember, document_id: object) -> ContractorDocument:
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    document = visibility.get(session, staff, ContractorDocument, document_id)
    if document is None or document.id is None:
        raise DocumentError({"form": NOT_FOUND})
    return document


def _history_started(session: Session, document: ContractorDocument) -> None:
    """A document published before versions were kept (the demo's) gets its first file as version 1."""
    assert document.id is not None
    known = session.exec(select(DocumentVersion.id).where(DocumentVersion.document_id == document.id)).first()
    if known is None:
        session.add(
            DocumentVersion(
                document_id=document.id,
                version=document.version,
                attachment_id=document.attachment_id,
                published_at=document.updated_at or document.published_at,
                staff_id=document.published_by_staff_id,
            )
        )
        session.flush()


def replace(
    session: Session, staff: StaffMember, document_id: object, pending: tuple[str, str] | None
) -> ContractorDocument:
    """A new version of the document's file; the earlier ones stay in its history."""
    document = _document(session, staff, document_id)
    checked = _checked(pending)
    assert document.id is not None
    _history_started(session, document)
    latest = session.exec(
        select(func.max(DocumentVersion.version)).where(DocumentVersion.document_id == document.id)
    ).one()
    attachment = _store(session, staff, checked, document.customer_id, document.id)
    session.flush()
    assert attachment.id is not None
    now = clock.now()
    document.version = max(int(latest or 0), document.version) + 1
    document.attachment_id, document.updated_at = attachment.id, now
    session.add(document)
    session.add(
        DocumentVersion(
            document_id=document.id,
            version=document.version,
            attachment_id=attachment.id,
            published_at=now,
            staff_id=staff.staff_id,
        )
    )
    session.flush()
    events.audit(
        session,
        staff,
        "document.replaced",
        document,
        detail=_detail(document, attachment),
        customer_id=document.customer_id,
    )
    return document


def withdraw(session: Session, staff: StaffMember, document_id: object) -> ContractorDocument:
    """The customer no longer sees the document; the office still does, and can restore it."""
    document = _document(session, staff, document_id)
    if document.withdrawn_at is not None:
        raise DocumentError({"form": "That document is already withdrawn."})
    document.withdrawn_at = clock.now()
    session.add(document)
    session.flush()
    events.audit(
        session,
        staff,
        "document.withdrawn",
        document,
        detail={"title": document.title},
        customer_id=document.customer_id,
    )
    return document


def restore(session: Session, staff: StaffMember, document_id: object) -> ContractorDocument:
    """A withdrawn document shown to the customer again, at its current version."""
    document = _document(session, staff, document_id)
    if document.withdrawn_at is None:
        raise DocumentError({"form": "That document is not withdrawn."})
    document.withdrawn_at = None
    session.add(document)
    session.flush()
    events.audit(
        session,
        staff,
        "document.restored",
        document,
        detail={"title": document.title},
        customer_id=document.customer_id,
    )
    return document


# --- one document and its history -----------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    version: int
    attachment_id: int
    file_name: str
    size_bytes: int
    published_at: datetime
    staff_name: str
    current: bool


@dataclass(frozen=True)
class DocumentDetail:
    id: int
    title: str
    kind: str
    customer_id: int
    customer_name: str
    site_name: str
    version: int
    published_at: datetime
    updated_at: datetime | None
    withdrawn_at: datetime | None
    versions: list[VersionRow]


def document_detail(session: Session, staff: StaffMember, document_id: object) -> DocumentDetail | None:
    """The document and every version of its file, newest first; None for an id that is no document."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    document = visibility.get(session, staff, ContractorDocument, document_id)
    if document is None or document.id is None:
        return None
    customer = session.get(Customer, document.customer_id)
    site = session.get(Site, document.site_id) if document.site_id else None
    rows = session.exec(
        select(
            DocumentVersion.version,
            DocumentVersion.attachment_id,
            Attachment.name,
            Attachment.size_bytes,
            DocumentVersion.published_at,
            Staff.name,
        )
        .join(Attachment, Attachment.id == DocumentVersion.attachment_id)
        .outerjoin(Staff, col(Staff.id) == DocumentVersion.staff_id)
        .where(DocumentVersion.document_id == document.id)
        .order_by(col(DocumentVersion.version).desc())
    ).all()
    versions = [
        VersionRow(v, a, name, size, at, who or "", a == document.attachment_id)
        for v, a, name, size, at, who in rows
    ]
    if not versions:  # published before versions were kept: its one file is version 1
        current = session.get(Attachment, document.attachment_id)
        if current is not None:
            versions = [
                VersionRow(
                    document.version,
                    document.attachment_id,
                    current.name,
                    current.size_bytes,
                    document.published_at,
                    "",
                    True,
                )
            ]
    return DocumentDetail(
        document.id,
        document.title,
        KIND_LABELS.get(document.kind, str(document.kind)),
        document.customer_id,
        customer.name if customer else "",
        site.name if site else ALL_SITES,
        document.version,
        document.published_at,
        document.updated_at,
        document.withdrawn_at,
        versions,
    )
