"""The office's documents and attached files: publishing, versions, withdrawing, and what the
customer then sees or may download (a limited contact, another customer, a forged id)."""

from __future__ import annotations

import dataclasses
import io

import pytest
from sqlmodel import Session, select

from portal import config
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, Scope, StaffMember
from portal.models import (
    ALL_PAGES,
    Attachment,
    AttachmentOwner,
    AuditEvent,
    ContractorDocument,
    DocumentKind,
    DocumentVersion,
    PortalTier,
    Role,
)
from portal.services.documents import published, publishing
from portal.services.documents.publishing import DocumentError, Filters
from portal.services.files import customer_files, office_attachments, office_files, storage, uploads
from portal.services.sites import site_files
from portal.services.work import details
from tests.unit import factories as f

OWNER = StaffMember(1, "Olive Owner", Role.OWNER)
OFFICE = StaffMember(2, "Oscar Office", Role.OFFICE)
TECHNICIAN = StaffMember(3, "Tess Tech", Role.TECHNICIAN)
PDF = b"%PDF-1.4\n% induction\n"
INDUCTION = DocumentKind.SITE_INDUCTION


def pending(data: bytes = PDF, name: str = "induction.pdf") -> tuple[str, str]:
    found = uploads.save_pending(io.BytesIO(data), name)
    return found.key, found.name


def scope(site, *, sites=None, tier=PortalTier.ADVANCED) -> Scope:
    return Scope(
        site.customer_id, 1, frozenset(ALL_PAGES), frozenset(s.id for s in sites) if sites else None, tier
    )


@pytest.fixture
def world(session: Session):
    a = f.customer(session, "Northside")
    plaza, offices = f.site(session, a, "Plaza"), f.site(session, a, "Offices")
    b = f.customer(session, "Elsewhere")
    campus = f.site(session, b, "Campus")
    return plaza, offices, campus


def publish(session, site, title="Site induction", *, for_site=True, data=PDF, kind=INDUCTION):
    return publishing.publish(
        session,
        OFFICE,
        customer_id=str(site.customer_id),
        site_id=str(site.id) if for_site else "",
        kind=kind.value,
        title=title,
        pending=pending(data),
    )


def listed(session, who, kind=INDUCTION, site_id=None) -> list[str]:
    return [d.title for d in published.list_documents(session, who, kind, site_id)]


def test_publishing_stores_version_one_privately_and_audits_it(session, world):
    plaza, _offices, _campus = world
    doc = publish(session, plaza, "  Site   induction: Plaza ")
    assert (doc.title, doc.version, doc.site_id, doc.published_by_staff_id) == (
        "Site induction: Plaza",
        1,
        plaza.id,
        OFFICE.staff_id,
    )
    file = session.get(Attachment, doc.attachment_id)
    assert (file.owner_type, file.owner_id, file.uploaded_by_staff_id) == (
        AttachmentOwner.DOCUMENT,
        doc.id,
        OFFICE.staff_id,
    )
    assert file.content_type == "application/pdf"
    assert storage.storage_path(file.storage_key).read_bytes() == PDF
    versions = session.exec(select(DocumentVersion).where(DocumentVersion.document_id == doc.id)).all()
    assert [(v.version, v.attachment_id) for v in versions] == [(1, file.id)]
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "document.published")).one()
    assert (audit.staff_id, audit.customer_id, audit.target_id) == (
        OFFICE.staff_id,
        plaza.customer_id,
        doc.id,
    )


def test_publishing_refuses_bad_input_beside_each_field_and_saves_nothing(session, world):
    plaza, _offices, campus = world
    with pytest.raises(DocumentError) as refused:
        publishing.publish(
            session, OFFICE, customer_id="x", site_id="1", kind="poster", title=" ", pending=None
        )
    assert set(refused.value.field_errors) == {"customer", "kind", "title", "file"}
    with pytest.raises(DocumentError) as refused:  # another customer's site
        publishing.publish(
            session,
            OFFICE,
            customer_id=plaza.customer_id,
            site_id=campus.id,
            kind=INDUCTION.value,
            title="T" * 201,
            pending=("../../etc/passwd", "x.pdf"),
        )
    assert set(refused.value.field_errors) == {"site", "title", "file"}
    assert session.exec(select(ContractorDocument)).all() == []
    assert session.exec(select(AuditEvent)).all() == []


def test_uploads_are_typed_from_their_content_and_held_to_the_size_limit(
    session, world, monkeypatch, fast_settings
):
    plaza, _offices, _campus = world
    with pytest.raises(uploads.UploadRefused):  # an executable named like a PDF
        pending(b"MZ\x90\x00\x03" + b"\x00" * 64, "induction.pdf")
    with pytest.raises(DocumentError) as refused:  # a pending file tampered with after it was checked
        key, name = pending(PDF)
        uploads.pending_path(key).write_bytes(b"MZ\x90\x00\x03" + b"\x00" * 64)
        publishing.publish(
            session,
            OFFICE,
            customer_id=plaza.customer_id,
            site_id="",
            kind="reference",
            title="R",
            pending=(key, name),
        )
    assert "not an allowed type" in refused.value.field_errors["file"]
    small = dataclasses.replace(fast_settings, upload_limit_bytes=10)
    monkeypatch.setattr(config, "settings", lambda: small)
    with pytest.raises(uploads.UploadRefused) as too_big:
        pending(PDF)
    assert "larger than" in too_big.value.message
    assert session.exec(select(ContractorDocument)).all() == []


def test_a_new_version_keeps_the_history_and_the_customer_gets_only_the_current_one(session, world):
    plaza, _offices, _campus = world
    doc = publish(session, plaza, data=b"%PDF-1.4 v1")
    first = doc.attachment_id
    publishing.replace(session, OFFICE, str(doc.id), pending(b"%PDF-1.4 v2", "induction v2.pdf"))
    assert (doc.version, doc.updated_at is not None) == (2, True)
    detail = publishing.document_detail(session, OWNER, doc.id)
    assert [(v.version, v.current) for v in detail.versions] == [(2, True), (1, False)]
    assert [v.file_name for v in detail.versions] == ["induction v2.pdf", "induction.pdf"]
    contact = scope(plaza)
    assert published.document_file(session, contact, doc.id).path.read_bytes() == b"%PDF-1.4 v2"
    # The old version's file is the office's only: not through the document, not by its id.
    assert storage.open_attachment(session, contact, first) is None
    assert storage.open_attachment(session, contact, doc.attachment_id) is None  # documents go by document
    assert office_files.open_for_staff(session, OFFICE, first).path.read_bytes() == b"%PDF-1.4 v1"
    assert office_files.open_for_staff(session, TECHNICIAN, first) is None
    with pytest.raises(DocumentError):
        publishing.replace(session, OFFICE, doc.id, None)
    assert doc.version == 2


def test_a_document_published_before_versions_were_kept_starts_its_history_on_replace(session, world):
    plaza, _offices, _campus = world
    doc = publish(session, plaza)
    for v in session.exec(select(DocumentVersion)).all():
        session.delete(v)
    session.flush()
    assert [v.version for v in publishing.document_detail(session, OFFICE, doc.id).versions] == [1]
    publishing.replace(session, OFFICE, doc.id, pending(b"%PDF-1.4 v2"))
    assert [v.version for v in publishing.document_detail(session, OFFICE, doc.id).versions] == [2, 1]


def test_withdrawn_documents_are_gone_for_the_customer_until_restored(session, world):
    plaza, _offices, _campus = world
    doc = publish(session, plaza)
    contact = scope(plaza)
    assert listed(session, contact) == ["Site induction"]
    publishing.withdraw(session, OFFICE, doc.id)
    assert doc.withdrawn_at is not None
    assert listed(session, contact) == []
    assert published.document_file(session, contact, doc.id) is None
    with pytest.raises(DocumentError):
        publishing.withdraw(session, OFFICE, doc.id)
    page = publishing.list_documents(session, OFFICE, "withdrawn", Filters(), PageRequest())
    assert [r.id for r in page.rows] == [doc.id]
    assert publishing.list_documents(session, OFFICE, "current", Filters(), PageRequest()).total == 0
    publishing.restore(session, OFFICE, str(doc.id))
    assert listed(session, contact) == ["Site induction"]
    assert published.document_file(session, contact, doc.id) is not None
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["document.published", "document.withdrawn", "document.restored"]


def test_limited_contacts_see_their_sites_and_the_whole_customers_documents_only(session, world):
    plaza, offices, campus = world
    at_plaza = publish(session, plaza, "Plaza induction")
    at_offices = publish(session, offices, "Offices induction")
    everywhere = publish(session, plaza, "Every site induction", for_site=False)
    theirs = publish(session, campus, "Campus induction")
    limited = scope(plaza, sites=[plaza])
    assert sorted(listed(session, limited)) == ["Every site induction", "Plaza induction"]
    assert published.document_file(session, limited, at_offices.id) is None
    assert published.document_file(session, limited, everywhere.id) is not None
    assert published.document_file(session, limited, at_plaza.id) is not None
    assert published.document_file(session, scope(campus), at_plaza.id) is None
    assert published.document_file(session, scope(plaza), theirs.id) is None
    assert published.document_file(session, scope(plaza, tier=PortalTier.STANDARD), at_plaza.id) is None


def test_the_office_list_filters_and_searches_in_sql(session, world):
    plaza, offices, campus = world
    publish(session, plaza, "Plaza induction")
    publish(session, offices, "Offices method", kind=DocumentKind.WORK_METHOD_STATEMENT)
    publish(session, campus, "Campus induction")

    def titles(tab="current", **filters) -> list[str]:
        search = filters.pop("search", "")
        page = publishing.list_documents(session, OFFICE, tab, Filters(**filters), PageRequest(search=search))
        return sorted(r.title for r in page.rows)

    assert titles() == ["Campus induction", "Offices method", "Plaza induction"]
    assert titles(customer=str(plaza.customer_id)) == ["Offices method", "Plaza induction"]
    assert titles(customer=plaza.customer_id, site=offices.id) == ["Offices method"]
    assert titles(kind="site_induction") == ["Campus induction", "Plaza induction"]
    assert titles(search="campus") == ["Campus induction"]
    assert titles(search="Elsewhere") == ["Campus induction"]  # the customer's name
    assert titles(customer="'; drop table", kind=["x"], site=object()) == titles()
    with pytest.raises(AccessDenied):
        publishing.list_documents(session, TECHNICIAN, "current", Filters(), PageRequest())
    with pytest.raises(AccessDenied):
        publish_as(session, TECHNICIAN, plaza)
    with pytest.raises(AccessDenied):
        publishing.withdraw(session, scope(plaza), 1)  # type: ignore[arg-type]


def publish_as(session, staff, site):
    return publishing.publish(
        session,
        staff,
        customer_id=site.customer_id,
        site_id="",
        kind="reference",
        title="T",
        pending=pending(),
    )


# --- attached files --------------------------------------------------------------------------------


def office_file(session, owner, name="notes.txt", *, visible=True):
    found = uploads.save_pending(io.BytesIO(b"for the office"), name)
    (row,) = office_attachments.attach(session, OFFICE, owner, [found], visible=visible)
    return row


def test_files_the_office_hides_are_neither_listed_nor_downloadable_by_the_customer(session, world):
    plaza, _offices, _campus = world
    job = f.job(session, plaza)
    quote = f.quote(session, plaza)
    contact = scope(plaza)
    owners = {
        "job": office_attachments.find_owner(session, OFFICE, "job", str(job.id)),
        "quote": office_attachments.find_owner(session, OFFICE, "quote", quote.id),
        "site": office_attachments.find_owner(session, OFFICE, "site", plaza.id),
        "customer": office_attachments.find_owner(session, OFFICE, "customer", plaza.customer_id),
    }
    assert owners["job"].label == f"Job {job.number}" and owners["site"].label == "Site Plaza"
    shown = {k: office_file(session, o, f"{k} shown.txt") for k, o in owners.items()}
    hidden = {k: office_file(session, o, f"{k} hidden.txt", visible=False) for k, o in owners.items()}
    assert shown["job"].uploaded_by_staff_id == OFFICE.staff_id
    for key in owners:
        assert storage.open_attachment(session, contact, shown[key].id) is not None, key
        assert storage.open_attachment(session, contact, hidden[key].id) is None, key
        assert storage.open_attachment(session, contact, str(hidden[key].id)) is None, key
        assert office_files.open_for_staff(session, OFFICE, hidden[key].id) is not None, key

    def names(owner_type, row) -> list[str]:
        return [a.name for a in details.attachment_lines(session, owner_type, row.id, row.customer_id)]

    assert names(AttachmentOwner.JOB, job) == ["job shown.txt"]
    assert names(AttachmentOwner.QUOTE, quote) == ["quote shown.txt"]
    assert [a.name for a in site_files.site_attachments(session, contact, plaza.id).lines] == [
        "site shown.txt"
    ]
    assert [x.name for x in customer_files.customer_files(session, contact).files] == ["customer shown.txt"]
    # The office's own screens keep every file.
    every = details.attachment_lines(session, AttachmentOwner.JOB, job.id, job.customer_id, with_hidden=True)
    assert len(every) == 2
    page = office_attachments.owner_files(session, OFFICE, owners["job"], PageRequest())
    assert {(r.name, r.customer_visible) for r in page.rows} == {
        ("job shown.txt", True),
        ("job hidden.txt", False),
    }


def test_showing_and_hiding_a_file_is_audited_and_only_for_the_rows_own_files(session, world):
    plaza, _offices, campus = world
    job = f.job(session, plaza)
    owner = office_attachments.find_owner(session, OFFICE, "job", job.id)
    file = office_file(session, owner)
    other = office_file(session, office_attachments.find_owner(session, OFFICE, "site", campus.id))
    contact = scope(plaza)
    assert office_attachments.set_visible(session, OFFICE, owner, str(file.id), False) is file
    assert storage.open_attachment(session, contact, file.id) is None
    assert office_attachments.set_visible(session, OFFICE, owner, file.id, True) is file
    assert storage.open_attachment(session, contact, file.id) is not None
    assert office_attachments.set_visible(session, OFFICE, owner, other.id, False) is None  # not this job's
    assert session.get(Attachment, other.id).customer_visible is True
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["attachments.added", "attachments.added", "attachment.hidden", "attachment.shown"]
    with pytest.raises(AccessDenied):
        office_attachments.set_visible(session, TECHNICIAN, owner, file.id, False)


def test_an_owner_that_does_not_exist_is_none_whatever_the_address_says(session, world):
    plaza, _offices, _campus = world
    for owner_type, owner_id in (
        ("job", "999999"),
        ("asset", plaza.id),
        ("document", 1),
        ("job", "x"),
        (None, 1),
    ):
        assert office_attachments.find_owner(session, OFFICE, owner_type, owner_id) is None
    with pytest.raises(AccessDenied):
        office_attachments.find_owner(session, TECHNICIAN, "site", plaza.id)
