"""Attachments and the documents the contractor publishes. Bytes live in private storage."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models.base import choice, text, when


class AttachmentOwner(StrEnum):
    CUSTOMER = "customer"
    SITE = "site"
    QUOTE = "quote"
    JOB = "job"
    INVOICE = "invoice"
    ASSET = "asset"
    DOCUMENT = "document"
    DEFECT = "defect"  # a technician's photo of what it found


class Attachment(SQLModel, table=True):
    __tablename__ = "attachment"
    __table_args__ = (Index("ix_attachment_owner", "owner_type", "owner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    owner_type: AttachmentOwner = choice(AttachmentOwner)
    owner_id: int
    name: str = text(255)  # sanitised original name, shown and offered on download
    content_type: str = text(100)
    size_bytes: int
    sha256: str = text(64)
    storage_key: str = Field(sa_type=String(64), unique=True)  # random; never derived from the name
    uploaded_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    uploaded_by_staff: str = text(100)
    uploaded_by_staff_id: int | None = None
    uploaded_at: datetime = when(default_now=True)
    # The office decides whether the customer sees a file it attached; what customers send, they see.
    customer_visible: bool = True


class DocumentKind(StrEnum):
    WORK_METHOD_STATEMENT = "work_method_statement"
    SITE_INDUCTION = "site_induction"
    REFERENCE = "reference"


class ContractorDocument(SQLModel, table=True):
    """Work method statements, site inductions and reference material (Advanced portal)."""

    __tablename__ = "contractor_document"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    kind: DocumentKind = choice(DocumentKind)
    title: str = text(200)
    attachment_id: int = Field(foreign_key="attachment.id")  # the current version's file
    published_at: datetime = when(default_now=True)
    version: int = 1
    updated_at: datetime | None = when(nullable=True)  # when the current version replaced the last
    withdrawn_at: datetime | None = when(nullable=True)  # no longer shown to the customer
    published_by_staff_id: int | None = None


class DocumentVersion(SQLModel, table=True):
    """Every file a published document has had, newest last; the document points at the current one."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="contractor_document.id", index=True)
    version: int
    attachment_id: int = Field(foreign_key="attachment.id")
    published_at: datetime = when(default_now=True)
    staff_id: int | None = None
