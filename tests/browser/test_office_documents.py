"""Documents and attached files in a real browser: the owner publishes a site induction for one of
Northside's sites, Dana downloads it from the Advanced reports, gets v2 once it is replaced and
nothing once it is withdrawn; a file the office attaches to a job is Dana's to see until the office
switches it off, after which it is neither listed nor downloadable."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.models import (
    Attachment,
    Contractor,
    ContractorDocument,
    Customer,
    Job,
    JobStage,
    PortalTier,
    Site,
)
from tests.browser.conftest import login, office_cookie

DANA = "dana@northside.example"


def _until(check, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("the database never showed the change")


def _download(page, selector: str) -> bytes:
    with page.expect_download() as info:
        page.locator(selector).click()
    return Path(info.value.path()).read_bytes()


def test_publish_replace_withdraw_a_site_induction_and_hide_a_job_file(page, portal, tmp_path):
    marker = uuid.uuid4().hex[:6]
    title = f"Site induction {marker}"
    with Session(portal.engine) as s:
        contractor = s.exec(select(Contractor)).one()
        assert contractor.portal_tier == PortalTier.ADVANCED  # the demo's tier: the reports are there
        northside = s.exec(select(Customer).where(Customer.name.startswith("Northside"))).first()
        plaza = s.exec(
            select(Site).where(Site.customer_id == northside.id, Site.name == "Northside Plaza")
        ).one()
        job = s.exec(
            select(Job).where(Job.customer_id == northside.id, Job.stage == JobStage.PENDING)
        ).first()
    v1, v2 = tmp_path / "induction.pdf", tmp_path / "induction v2.pdf"
    v1.write_bytes(b"%PDF-1.4\n% version one\n")
    v2.write_bytes(b"%PDF-1.4\n% version two\n")

    office_cookie(page, portal, "owner")
    page.goto(f"/office/documents?customer={northside.id}")
    expect(page.locator("#filter-customer")).to_contain_text("Northside")
    page.locator("#publish-open").click()
    dialog = page.locator("#publish-dialog")
    expect(dialog.locator("#publish-customer")).to_contain_text("Northside")
    dialog.locator("#publish-site").select_option(str(plaza.id))
    dialog.locator("#publish-kind").select_option("site_induction")
    dialog.locator("#publish-title").fill(title)
    dialog.locator("input[type=file]").set_input_files(str(v1))
    expect(dialog.locator(".chosen-file")).to_have_text("induction.pdf")
    dialog.locator("#publish-send").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(f"[data-document='{title}']")).to_be_visible()
    with Session(portal.engine) as s:
        doc = s.exec(select(ContractorDocument).where(ContractorDocument.title == title)).one()
    assert (doc.site_id, doc.version) == (plaza.id, 1)

    login(page, DANA, next_path="/reports/site-inductions")
    customer_link = f"[data-document='{doc.id}']"
    assert _download(page, customer_link) == v1.read_bytes()

    page.goto(f"/office/documents?customer={northside.id}")
    page.locator(f"[data-document='{title}']").click()
    detail = page.locator("#document-dialog")
    detail.locator("input[type=file]").set_input_files(str(v2))
    expect(detail.locator(".chosen-file")).to_have_text("induction v2.pdf")
    detail.locator("#document-replace").click()
    expect(detail.locator("#version-history")).to_contain_text("v2 (current)")
    expect(detail.locator("#version-history")).to_contain_text("v1")

    page.goto("/reports/site-inductions")
    assert _download(page, customer_link) == v2.read_bytes()

    page.goto(f"/office/documents?customer={northside.id}")
    page.locator(f"[data-document='{title}']").click()
    page.locator("#document-withdraw").click()
    page.locator("#withdraw-confirm").click()
    expect(page.locator("#withdrawn-notice")).to_be_visible()

    page.goto("/reports/site-inductions")
    expect(page.locator("[data-document]").first).to_be_visible()  # the demo's own inductions
    expect(page.locator(customer_link)).to_have_count(0)
    assert page.request.get(f"/files/documents/{doc.id}").status == 404

    # A file on a job, shown to the customer, then switched off.
    note = tmp_path / f"note {marker}.txt"
    note.write_text("Access through the loading dock.")
    page.goto(f"/office/files?owner=job&id={job.id}")
    page.locator("#office-files input[type=file]").set_input_files(str(note))
    switch = page.locator(f"[data-visible='{note.name}']")
    expect(switch).to_have_attribute("data-state", "checked")
    with Session(portal.engine) as s:
        file_id = s.exec(select(Attachment.id).where(Attachment.name == note.name)).one()

    page.goto(f"/jobs?tab=pending&q={job.number}")
    page.locator(f"[data-job='{job.number}']").click()
    expect(page.locator("#job-detail .attachment-link", has_text=note.name)).to_be_visible()
    assert page.request.get(f"/files/attachments/{file_id}").status == 200

    page.goto(f"/office/files?owner=job&id={job.id}")
    page.locator(f"[data-visible='{note.name}']").click()
    expect(page.locator(f"[data-visible='{note.name}']")).to_have_attribute("data-state", "unchecked")

    def hidden() -> bool:
        with Session(portal.engine) as s:
            return not s.get(Attachment, file_id).customer_visible

    _until(hidden)
    page.goto(f"/jobs?tab=pending&q={job.number}")
    page.locator(f"[data-job='{job.number}']").click()
    expect(page.locator("#job-detail")).to_be_visible()
    expect(page.locator("#job-detail .attachment-link", has_text=note.name)).to_have_count(0)
    assert page.request.get(f"/files/attachments/{file_id}").status == 404
