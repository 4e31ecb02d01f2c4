"""Request a Quote and Book a Job in a real browser: the whole form, hostile input, hostile files."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, func, select

from portal.core import clock
from portal.demo.files import tiny_png
from portal.models import (
    Asset,
    AssetStatus,
    Attachment,
    AttachmentOwner,
    Contact,
    ContactSite,
    Contractor,
    DescriptionScript,
    IntegrationEvent,
    Job,
    JobStage,
    OptionalItem,
    OutboxMail,
    Quote,
    QuoteAsset,
    QuoteItem,
    QuoteStage,
    Site,
)
from tests.browser.conftest import ROOT, at, login
from tests.frozen import TODAY

DANA, SAM = "dana@northside.example", "sam@northside.example"


@pytest.fixture
def dialogs(page):
    """Every alert/confirm the page opens; a script that ran would show up here."""
    seen: list[str] = []

    def record(dialog):
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return seen


def _db(portal) -> Session:
    return Session(portal.engine)


def _site(portal, name: str) -> Site:
    with _db(portal) as s:
        return s.exec(select(Site).where(Site.name == name)).one()


def _open(page, path: str) -> None:
    page.goto(path)
    expect(page.locator("#site")).to_be_visible()
    expect(page.locator("#description")).to_be_editable()


def _created(page, list_path: str, tab: str) -> int:
    """The new number, from the list page the form sends the customer to."""
    try:
        page.wait_for_url(re.compile(re.escape(list_path) + rf"/?\?tab={tab}&created=(\d+)$"), timeout=20_000)
    except Exception:
        errors = page.locator(".field-error, #form-error, .upload-error").all_inner_texts()
        page.screenshot(path="/tmp/request-form-failure.png", full_page=True)
        raise AssertionError(f"not redirected from {page.url}; errors on the form: {errors}") from None
    return int(re.search(r"created=(\d+)", page.url).group(1))


def _uploaded_files_dir() -> set[str]:
    folder = ROOT / "uploaded_files"
    return {str(p) for p in folder.rglob("*")} if folder.exists() else set()


def test_request_a_quote_with_everything_on_it(page, portal, dialogs, tmp_path):
    public_before = _uploaded_files_dir()
    marker = uuid.uuid4().hex[:8]
    login(page, DANA)
    at(page, "/dashboard")
    page.locator("header").get_by_role("button", name="Request a Quote").click()
    at(page, "/quotes/request")
    expect(page.get_by_role("heading", name="Request a Quote")).to_be_visible()
    expect(page.locator("#site")).to_be_visible()
    expect(page.locator("#contact")).to_have_value(str(_contact(portal, DANA).id))

    # 1. Create New: validated in the dialog, then created and selected.
    page.locator("#create-site").click()
    expect(page.locator("#site-dialog")).to_be_visible()
    page.locator("#new-site-postcode").fill("<4008>")
    page.locator("#save-site").click()
    expect(page.locator("#site-dialog .field-error")).to_have_count(2)
    expect(page.locator("#site-dialog")).to_contain_text("Enter the site's name.")
    page.locator("#new-site-name").fill(f"Pinkenba Depot {marker}")
    page.locator("#new-site-street").fill("5 Dock Road")
    page.locator("#new-site-suburb").fill("Pinkenba")
    page.locator("#new-site-state").fill("QLD")
    page.locator("#new-site-postcode").fill("4008")
    page.locator("#save-site").click()
    expect(page.locator("#site-dialog")).to_have_count(0)
    new_site = _site(portal, f"Pinkenba Depot {marker}")
    expect(page.locator("#site")).to_have_value(str(new_site.id))
    expect(page.locator("#assets-section")).to_have_count(0)  # a new site has no assets yet
    with _db(portal) as s:
        event = s.exec(
            select(IntegrationEvent)
            .where(IntegrationEvent.kind == "site.created")
            .order_by(IntegrationEvent.id.desc())
        ).first()
        assert event.payload["site_id"] == new_site.id and new_site.postcode == "4008"

    # 5. Assets: a demo site that has some; Enter in the search box searches.
    plaza = _site(portal, "Northside Plaza")
    page.locator("#site").select_option(str(plaza.id))
    expect(page.locator("#assets-section")).to_be_visible()
    expect(page.locator("#asset-results [data-asset]")).to_have_count(20)
    with _db(portal) as s:
        wanted = s.exec(
            select(Asset)
            .where(Asset.site_id == plaza.id, Asset.status == AssetStatus.ACTIVE)
            .order_by(Asset.number.desc())
        ).first()
    page.locator("#asset-search").fill(wanted.number)
    page.locator("#asset-search").press("Enter")
    expect(page.locator("#asset-results [data-asset]")).to_have_count(1)
    page.locator(f"[data-add-asset='{wanted.id}']").click()
    expect(page.locator(f"#added-assets [data-added-asset='{wanted.id}']")).to_be_visible()
    expect(page.locator(f"#asset-results [data-asset='{wanted.id}']")).to_contain_text("Added")

    # 3-4. Order number, date, description with an inserted script.
    page.locator("#order-number").fill(f"NPG-PO-{marker}")
    preferred = (TODAY + timedelta(days=30)).isoformat()
    page.locator("#preferred-date").fill(preferred)
    page.locator("#description").fill(f"Level 2 exit signs {marker}.")
    with _db(portal) as s:
        script = s.exec(
            select(DescriptionScript).where(DescriptionScript.title == "Fire door inspection")
        ).one()
    page.locator("#insert-script").click()
    page.get_by_role("menuitem", name="Fire door inspection").click()
    expect(page.locator("#description")).to_have_value(f"Level 2 exit signs {marker}.\n\n{script.body}")
    typed = f"Level 2 exit signs {marker}.\n\n{script.body}"
    expect(page.locator("#description-count")).to_contain_text(f"{len(typed)} / 20,000")

    # 6. Optional item: price from the catalogue.
    with _db(portal) as s:
        item = s.exec(
            select(OptionalItem).where(OptionalItem.name == "Replace exit sign (LED, single sided)")
        ).one()
    page.locator("#item").select_option(str(item.id))
    page.locator("#quantity").fill("2")
    page.locator("#add-item").click()
    expect(page.locator(f"#added-items [data-item='{item.id}']")).to_contain_text("$165.00")
    expect(page.locator("#items-total")).to_have_text("$330.00")

    # 7. Attachment: written straight to private storage, shown by name.
    photo = tmp_path / "site-photo.png"
    photo.write_bytes(tiny_png(seed=3))
    page.locator("#attachments-zone input[type=file]").set_input_files(str(photo))
    expect(page.locator("#attached-files")).to_contain_text("site-photo.png")
    expect(page.locator("#attached-files")).to_contain_text("PNG image")

    # 8. Submit.
    page.locator("#submit-request").click()
    number = _created(page, "/quotes", "outstanding")

    with _db(portal) as s:
        quote = s.exec(select(Quote).where(Quote.number == number)).one()
        dana = _contact(portal, DANA)
        assert quote.stage == QuoteStage.OUTSTANDING and quote.site_id == plaza.id
        assert quote.requested_by_contact_id == dana.id and quote.contact_id == dana.id
        assert quote.order_number == f"NPG-PO-{marker}" and str(quote.preferred_date) == preferred
        assert quote.description == f"Level 2 exit signs {marker}.\n\n{script.body}"
        assert s.exec(select(QuoteAsset.asset_id).where(QuoteAsset.quote_id == quote.id)).all() == [wanted.id]
        (line,) = s.exec(select(QuoteItem).where(QuoteItem.quote_id == quote.id)).all()
        assert (line.optional_item_id, line.quantity, line.unit_price_cents, line.total_cents) == (
            item.id,
            2,
            16_500,
            33_000,
        )
        (att,) = s.exec(
            select(Attachment).where(
                Attachment.owner_type == AttachmentOwner.QUOTE, Attachment.owner_id == quote.id
            )
        ).all()
        assert (att.name, att.content_type, att.size_bytes) == (
            "site-photo.png",
            "image/png",
            len(tiny_png(seed=3)),
        )
        files_dir = Path(portal.env["PORTAL_DATA_DIR"]) / "files"
        assert (files_dir / att.storage_key).read_bytes() == tiny_png(seed=3)
        assert list((files_dir / "pending").iterdir()) == [], "the pending copy is gone after the commit"
        assert s.exec(
            select(IntegrationEvent).where(
                IntegrationEvent.kind == "quote.requested",
                IntegrationEvent.payload["number"].as_integer() == number,
            )
        ).one()
        contractor = s.exec(select(Contractor)).first()
        mails = s.exec(
            select(OutboxMail).where(
                OutboxMail.kind == "quote.requested", OutboxMail.to_address == contractor.email
            )
        ).all()
        assert any(f"#{number}" in m.subject for m in mails)
    download = page.request.get(f"/files/attachments/{att.id}")
    assert download.status == 200 and download.body() == tiny_png(seed=3)
    assert download.headers["content-disposition"].startswith("attachment")
    assert _uploaded_files_dir() == public_before, "nothing lands in Reflex's public upload folder"
    assert dialogs == []


def _contact(portal, email: str) -> Contact:
    with _db(portal) as s:
        return s.exec(select(Contact).where(Contact.email == email)).one()


def test_book_a_job_on_an_existing_site_once_even_on_double_click(page, portal):
    marker = uuid.uuid4().hex[:8]
    login(page, DANA)
    at(page, "/dashboard")
    page.locator("header").get_by_role("button", name="Book a Job").click()
    at(page, "/jobs/book")
    expect(page.get_by_role("heading", name="Book a Job")).to_be_visible()
    kedron = _site(portal, "Kedron Brook Offices")
    page.locator("#site").select_option(str(kedron.id))
    expect(page.locator("#assets-section")).to_be_visible()
    page.locator("#description").fill(f"Fire panel shows a fault {marker}")
    with _db(portal) as s:
        greg = s.exec(select(Contact).where(Contact.email == "greg.malone@northside.example")).one()
    page.locator("#contact").select_option(str(greg.id))
    page.locator("#submit-request").dblclick()
    number = _created(page, "/jobs", "pending")
    with _db(portal) as s:
        jobs = s.exec(select(Job).where(Job.description == f"Fire panel shows a fault {marker}")).all()
        assert len(jobs) == 1, "a double click makes one job"
        (job,) = jobs
        assert (
            job.number == number and job.stage == JobStage.PENDING and job.status_text == "Job : New Service"
        )
        assert job.site_id == kedron.id and job.contact_id == greg.id
        assert s.exec(
            select(IntegrationEvent).where(
                IntegrationEvent.kind == "job.booked",
                IntegrationEvent.payload["number"].as_integer() == number,
            )
        ).one()


def test_limited_contact_creates_a_site_and_books_a_job_on_it(page, portal):
    marker = uuid.uuid4().hex[:8]
    login(page, SAM)
    at(page, "/dashboard")
    _open(page, "/jobs/book")
    expect(page.locator("#site option")).to_have_count(3)  # "Choose a site…" and Sam's two sites
    page.locator("#create-site").click()
    page.locator("#new-site-name").fill(f"Sam's Annex {marker}")
    page.locator("#save-site").click()
    expect(page.locator("#site-dialog")).to_have_count(0)
    new_site = _site(portal, f"Sam's Annex {marker}")
    expect(page.locator("#site")).to_have_value(str(new_site.id))
    expect(page.locator("#site option")).to_have_count(4)
    page.locator("#description").fill(f"Install extinguishers in the annex {marker}")
    page.locator("#submit-request").click()
    number = _created(page, "/jobs", "pending")
    sam = _contact(portal, SAM)
    with _db(portal) as s:
        assert s.get(ContactSite, (sam.id, new_site.id)) is not None
        job = s.exec(select(Job).where(Job.number == number)).one()
        assert job.site_id == new_site.id and job.requested_by_contact_id == sam.id


def _quote_count(portal) -> int:
    with _db(portal) as s:
        return s.scalar(select(func.count()).select_from(Quote))


def test_hostile_text_is_refused_or_stored_verbatim_and_never_run(page, portal, dialogs):
    login(page, DANA)
    at(page, "/dashboard")
    _open(page, "/quotes/request")
    plaza = _site(portal, "Northside Plaza")
    page.locator("#site").select_option(str(plaza.id))

    before = _quote_count(portal)
    page.locator("#description").fill("x" * 100_000)
    page.locator("#submit-request").click()
    expect(page.locator("#description-error")).to_contain_text("too long: 100,000 characters")
    expect(page.locator("#form-error")).to_be_visible()
    expect(page.locator("#description-count")).to_contain_text("100000 / 20,000")
    assert _quote_count(portal) == before, "nothing is saved"
    assert "/quotes/request" in page.url

    script = "<script>alert(1)</script>"
    description = f"{script}<img src=x onerror=alert(2)> {uuid.uuid4().hex[:8]}"
    page.locator("#description").fill(description)
    page.locator("#order-number").fill(script)
    expect(page.locator("#description-error")).to_have_count(0)
    page.locator("#submit-request").click()
    number = _created(page, "/quotes", "outstanding")
    with _db(portal) as s:
        quote = s.exec(select(Quote).where(Quote.number == number)).one()
    assert quote.description == description and quote.order_number == script
    page.wait_for_timeout(500)
    assert dialogs == []


def test_past_date_is_refused_beside_the_field(page, portal):
    login(page, DANA)
    at(page, "/dashboard")
    _open(page, "/jobs/book")
    assert page.locator("#preferred-date").get_attribute("min") is not None
    page.locator("#preferred-date").fill("2020-01-01")
    page.locator("#description").fill("Anything")
    page.locator("#submit-request").click()
    expect(page.locator("#form-error")).to_be_visible()
    expect(page.get_by_text("The preferred date can't be in the past.")).to_be_visible()
    expect(page.get_by_text("Choose one of your sites, or create a new one.")).to_be_visible()
    page.locator("#cancel-request").click()
    at(page, "/dashboard")


def test_hostile_files_are_refused_with_a_reason(page, portal, tmp_path):
    login(page, DANA)
    at(page, "/dashboard")
    _open(page, "/quotes/request")
    fake_pdf = tmp_path / "invoice.pdf"
    fake_pdf.write_bytes(
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"
    )
    elf_pdf = tmp_path / "manual.pdf"
    elf_pdf.write_bytes(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    page.locator("#attachments-zone input[type=file]").set_input_files(
        [str(fake_pdf), str(elf_pdf), str(empty)]
    )
    errors = page.locator("#upload-errors")
    expect(errors).to_contain_text("invoice.pdf: That file is not an allowed type")
    expect(errors).to_contain_text("manual.pdf: That file is not an allowed type")
    expect(errors).to_contain_text("empty.txt: The file is empty.")
    expect(page.locator("#attached-files")).to_have_count(0)

    page.locator("#attachments-zone input[type=file]").set_input_files(
        files=[{"name": "../../etc/passwd", "mimeType": "text/plain", "buffer": b"root:x:0:0\n"}]
    )
    expect(page.locator("#attached-files")).to_contain_text("passwd.txt")
    expect(page.locator("#upload-errors")).to_have_count(0)
    page.get_by_role("button", name="Remove passwd.txt").click()
    expect(page.locator("#attached-files")).to_have_count(0)
    pending = Path(portal.env["PORTAL_DATA_DIR"]) / "files" / "pending"
    assert not pending.exists() or list(pending.iterdir()) == [], (
        "refused and removed files leave nothing behind"
    )


def test_a_revoked_session_sends_nothing(page, portal):
    from portal.models import LoginSession

    login(page, DANA)
    at(page, "/dashboard")
    _open(page, "/jobs/book")
    page.locator("#site").select_option(str(_site(portal, "Albion Central").id))
    page.locator("#description").fill("Sent after logout elsewhere")
    dana = _contact(portal, DANA)
    with _db(portal) as s:
        for row in s.exec(
            select(LoginSession).where(LoginSession.contact_id == dana.id, LoginSession.revoked_at.is_(None))
        ).all():
            row.revoked_at = clock.now()
            s.add(row)
        s.commit()
    page.locator("#submit-request").click()
    expect(page.locator("#form-error")).to_contain_text("Your session has ended")
    with _db(portal) as s:
        assert s.exec(select(Job).where(Job.description == "Sent after logout elsewhere")).all() == []


def test_form_fits_a_phone(phone, portal):
    login(phone, DANA)
    at(phone, "/dashboard")
    _open(phone, "/quotes/request")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    expect(phone.locator("#submit-request")).to_be_visible()
