"""The office's Documents and Files screens as Reflex runs their handlers: the owner publishes, replaces
and withdraws a site induction and the customer's Site Inductions screen follows; a file switched off
on the Files screen is gone for the customer; a technician or a customer changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import reflex as rx
from sqlmodel import Session, select

from portal import db
from portal.models import (
    Attachment,
    AuditEvent,
    Contractor,
    ContractorDocument,
    DocumentVersion,
    PortalTier,
    Role,
    Staff,
)
from portal.services.files import uploads
from portal.state.office.attached_files import OfficeFilesState
from portal.state.office.documents import OfficeDocumentsState
from portal.state.reports.published_documents import DocumentsState
from tests.unit import factories as f
from tests.unit.reflex_client import signed_in_tab

D = OfficeDocumentsState


class World:
    def __init__(self, s: Session):
        s.add(
            Contractor(
                company_name="Harbourside Fire",
                email="office@harbourside.example",
                portal_tier=PortalTier.ADVANCED,
            )
        )
        self.customer = f.customer(s, "Northside Plaza Group")
        self.site = f.site(s, self.customer, "Plaza")
        self.other_site = f.site(s, self.customer, "Offices")
        self.contact = f.contact(s, self.customer, sites=[self.other_site]).id
        self.everyone = f.contact(s, self.customer).id
        self.job = f.job(s, self.site)
        staff = {}
        for role in (Role.OWNER, Role.TECHNICIAN):
            row = Staff(email=f"{role.value}@harbourside.example", name=role.value.title(), role=role)
            s.add(row)
            s.flush()
            staff[role] = row.id
        self.owner, self.technician = staff[Role.OWNER], staff[Role.TECHNICIAN]


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def upload(data: bytes, name: str) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), path=Path(name))


def inductions(engine, contact_id: int) -> list[str]:
    tab = signed_in_tab(engine, "/reports/site-inductions", contact_id=contact_id)
    return [r["title"] for r in tab.run(DocumentsState, "open_kind", {"key": "site-inductions"}).rows]


def test_the_owner_publishes_replaces_and_withdraws_and_the_customer_follows(world, committed):
    tab = signed_in_tab(committed, f"/office/documents?customer={world.customer.id}", staff_id=world.owner)
    shown = tab.run(D, "load")
    assert shown.filter_customer_name == "Northside Plaza Group" and shown.rows == []
    opened = tab.run(D, "open_publish")
    assert opened.publish_open and opened.customer_name == "Northside Plaza Group"
    tab.run(D, "set_site", {"site": str(world.site.id)})
    refused = tab.run(D, "publish", {"form": {"title": "Plaza induction"}})
    assert refused.errors == {"file": "Choose the file to publish."}
    bad = tab.run(D, "choose_file", {"files": [upload(b"MZ\x90\x00" + b"\x00" * 60, "induction.pdf")]})
    assert "not an allowed type" in bad.errors["file"] and bad.file_name == ""
    chosen = tab.run(D, "choose_file", {"files": [upload(b"%PDF-1.4 v1", "Plaza induction.pdf")]})
    assert chosen.file_name == "Plaza induction.pdf" and "file" not in chosen.errors
    done = tab.run(D, "publish", {"form": {"title": "Plaza induction"}})
    assert not done.publish_open and [r["title"] for r in done.rows] == ["Plaza induction"]
    assert done.rows[0]["site"] == "Plaza" and done.rows[0]["version"] == "v1"
    assert inductions(committed, world.everyone) == ["Plaza induction"]
    assert inductions(committed, world.contact) == []  # limited to the other site

    detail = tab.run(D, "open_document", {"document_id": done.rows[0]["id"]})
    assert detail.detail_open and [v["version"] for v in detail.versions] == ["v1"]
    tab.run(D, "choose_new_version", {"files": [upload(b"%PDF-1.4 v2", "Plaza induction v2.pdf")]})
    replaced = tab.run(D, "replace")
    assert [v["version"] for v in replaced.versions] == ["v2", "v1"] and replaced.rows[0]["version"] == "v2"
    with Session(committed) as s:
        doc = s.exec(select(ContractorDocument)).one()
        assert doc.version == 2 and s.get(Attachment, doc.attachment_id).name == "Plaza induction v2.pdf"
        assert len(s.exec(select(DocumentVersion)).all()) == 2

    tab.run(D, "withdraw")  # not asked yet: the confirmation comes first
    assert inductions(committed, world.everyone) == ["Plaza induction"]
    assert tab.run(D, "ask_withdraw").confirm_open
    withdrawn = tab.run(D, "withdraw")
    assert withdrawn.detail["withdrawn"] != "" and withdrawn.rows == []  # gone from the Published tab
    assert inductions(committed, world.everyone) == []
    tab.run(D, "restore")
    assert inductions(committed, world.everyone) == ["Plaza induction"]


def test_a_file_switched_off_is_gone_for_the_customer(world, committed):
    tab = signed_in_tab(committed, f"/office/files?owner=job&id={world.job.id}", staff_id=world.owner)
    shown = tab.run(OfficeFilesState, "load")
    assert shown.heading == f"Job {world.job.number}" and shown.back == f"/office/jobs/{world.job.id}"
    added = tab.run(OfficeFilesState, "add_files", {"files": [upload(b"report text", "Report.txt")]})
    assert [r["name"] for r in added.rows] == ["Report.txt"] and added.rows[0]["visible"] == "yes"
    refused = tab.run(
        OfficeFilesState, "add_files", {"files": [upload(b"MZ\x90\x00" + b"\x00" * 60, "x.exe")]}
    )
    assert len(refused.rows) == 1 and "not an allowed type" in refused.upload_errors[0]
    file_id = added.rows[0]["id"]
    hidden = tab.run(OfficeFilesState, "set_visible", {"attachment_id": file_id, "visible": False})
    assert hidden.rows[0]["visible"] == ""
    with Session(committed) as s:
        row = s.get(Attachment, int(file_id))
        assert not row.customer_visible and row.uploaded_by_staff_id == world.owner
    missing = signed_in_tab(committed, "/office/files?owner=job&id=999999", staff_id=world.owner)
    assert missing.run(OfficeFilesState, "load").missing


@pytest.mark.parametrize("who", ["technician", "customer"])
def test_a_technician_or_customer_changes_nothing_even_with_the_ids_in_place(world, committed, who):
    signed = {"staff_id": world.technician} if who == "technician" else {"contact_id": world.everyone}
    tab = signed_in_tab(committed, "/office/documents", **signed)
    assert tab.run(D, "load").rows == []
    state = tab.state(D)
    key, name = (lambda p: (p.key, p.name))(uploads.save_pending(io.BytesIO(b"%PDF-1.4 x"), "x.pdf"))
    state._customer_id, state._file = world.customer.id, [key, name]
    tab.run(D, "publish", {"form": {"title": "Forged"}})
    files = signed_in_tab(committed, f"/office/files?owner=job&id={world.job.id}", **signed)
    files.run(OfficeFilesState, "load")
    files.state(OfficeFilesState)._owner_type, files.state(OfficeFilesState)._owner_id = "job", world.job.id
    files.run(OfficeFilesState, "add_files", {"files": [upload(b"text", "a.txt")]})
    with Session(committed) as s:
        assert s.exec(select(ContractorDocument)).all() == []
        assert s.exec(select(Attachment)).all() == []
        assert s.exec(select(AuditEvent)).all() == []
