"""Quotes and jobs in a real browser: tabs, search, paging, CSV, print, accept, and site limits."""

from __future__ import annotations

import csv
import io
import re
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func
from sqlmodel import Session, select

from portal.models import (
    Attachment,
    AttachmentOwner,
    Contact,
    ContactSite,
    Customer,
    IntegrationEvent,
    Job,
    JobStage,
    Quote,
    QuoteDecision,
    QuoteStage,
    Site,
)
from tests.browser.conftest import at, login
from tests.frozen import TODAY

MAIN = "Northside Property Group"


def _customer_id(portal, name: str = MAIN) -> int:
    with Session(portal.engine) as s:
        return s.exec(select(Customer.id).where(Customer.name == name)).one()


def _sam_sites(portal) -> set[int]:
    with Session(portal.engine) as s:
        sam = s.exec(select(Contact).where(Contact.username == "sam@northside.example")).one()
        return set(s.exec(select(ContactSite.site_id).where(ContactSite.contact_id == sam.id)).all())


def _count(portal, model, *where) -> int:
    with Session(portal.engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def _cookie_header(page) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())


def _get(portal, path: str, cookie: str) -> tuple[int, bytes, dict]:
    req = urllib.request.Request(portal.url + path, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
            return resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()}
    except urllib.error.HTTPError as err:
        return err.code, err.read(), {}


def _total_shown(page) -> int:
    expect(page.locator("#result-count")).not_to_have_text("")
    text = page.locator("#result-count").inner_text()
    return 0 if text == "No results" else int(text.rsplit(" of ", 1)[1].replace(",", ""))


def test_quote_tabs_search_and_pages(page, portal):
    customer = _customer_id(portal)
    login(page, "dana@northside.example", next_path="/quotes")
    at(page, "/quotes")
    outstanding = _count(portal, Quote, Quote.customer_id == customer, Quote.stage == QuoteStage.OUTSTANDING)
    expect(page.locator("#result-count")).to_contain_text(f"of {outstanding}")
    page.locator("[data-tab=actioned]").click()
    actioned = _count(portal, Quote, Quote.customer_id == customer, Quote.stage == QuoteStage.ACTIONED)
    expect(page.locator("#result-count")).to_contain_text(f"of {actioned}")

    with Session(portal.engine) as s:
        wanted = s.exec(
            select(Quote)
            .where(Quote.customer_id == customer, Quote.stage == QuoteStage.ACTIONED)
            .order_by(Quote.number)
        ).first()
    page.locator("#list-search").fill(str(wanted.number))
    page.locator("#search-button").click()
    expect(page.locator("#result-count")).to_have_text("1–1 of 1")
    expect(page.locator(f"[data-quote='{wanted.number}']")).to_be_visible()
    page.locator("#list-search").fill("no such thing at all")
    page.locator("#list-search").press("Enter")
    expect(page.locator("#empty-list")).to_contain_text("Nothing matches your search")


def test_job_stage_tabs_show_spec_statuses(page, portal):
    customer = _customer_id(portal)
    login(page, "dana@northside.example", next_path="/jobs")
    at(page, "/jobs")
    labels = {
        "pending": "Job : New Service",
        "progress": "Job : In Progress",
        "complete": "Job : Complete",
        "invoiced": "Job : Invoiced",
        "archive": "Job : Archived",
    }
    for tab, label in labels.items():
        page.locator(f"[data-tab={tab}]").click()
        expected = _count(portal, Job, Job.customer_id == customer, Job.stage == JobStage(tab))
        expect(page.locator("#result-count")).to_contain_text(f"of {expected}")
        if expected:
            expect(page.locator("#list-table tbody tr").first).to_contain_text(label)
    page.locator("[data-tab=progress]").click()
    expect(page.locator("#list-table tbody tr").first).to_contain_text(re.compile(r"\d{1,2} \w{3} \d{4}"))


def test_page_size_and_next_page(page, portal):
    customer = _customer_id(portal)
    total = _count(portal, Job, Job.customer_id == customer, Job.stage == JobStage.ARCHIVE)
    assert total > 10, "the demo has enough archived jobs to page"
    login(page, "dana@northside.example", next_path="/jobs?tab=archive")
    expect(page.locator("#result-count")).to_contain_text(f"of {total}")
    page.locator("#page-size").click()
    page.get_by_role("option", name="10", exact=True).click()
    expect(page.locator("#result-count")).to_have_text(f"1–10 of {total}")
    first = page.locator("#list-table tbody tr").first.inner_text()
    page.locator("#next-page").click()
    expect(page.locator("#result-count")).to_have_text(f"11–{min(20, total)} of {total}")
    assert page.locator("#list-table tbody tr").first.inner_text() != first


def test_jobs_csv_has_every_matching_row(page, portal):
    customer = _customer_id(portal)
    login(page, "dana@northside.example", next_path="/jobs?tab=archive")
    expect(page.locator("#result-count")).to_contain_text("of")
    page.locator("#download-menu").click()
    with page.expect_download() as info:
        page.locator("#download-csv").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Job No.", "Site", "Description"]
    numbers = {int(r[0]) for r in rows[1:]}
    with Session(portal.engine) as s:
        expected = set(
            s.exec(select(Job.number).where(Job.customer_id == customer, Job.stage == JobStage.ARCHIVE)).all()
        )
    assert numbers == expected and len(numbers) > 25, "all rows, not one page"


def test_print_quote_pdf_has_number_and_total(page, portal):
    customer = _customer_id(portal)
    with Session(portal.engine) as s:
        quote = s.exec(
            select(Quote).where(
                Quote.customer_id == customer, Quote.stage == QuoteStage.ACTIONED, Quote.total_cents > 100_000
            )
        ).first()
    login(page, "dana@northside.example", next_path="/quotes?tab=actioned")
    expect(page.locator("#result-count")).to_contain_text("of")
    status, body, headers = _get(portal, f"/documents/quotes/{quote.id}.pdf", _cookie_header(page))
    assert status == 200 and headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    whole, cents = divmod(quote.total_cents, 100)
    assert str(quote.number) in text and f"${whole:,}.{cents:02d}" in text


def test_accept_an_actioned_quote(page, portal):
    customer = _customer_id(portal)
    with Session(portal.engine) as s:
        quote = s.exec(
            select(Quote).where(
                Quote.customer_id == customer,
                Quote.stage == QuoteStage.ACTIONED,
                Quote.decision == QuoteDecision.NONE,
                Quote.valid_until >= TODAY,
            )
        ).first()
    assert quote is not None, "the demo has a quote ready to accept"
    login(page, "dana@northside.example", next_path=f"/quotes?tab=actioned&q={quote.number}")
    page.locator(f"[data-quote='{quote.number}']").click()
    page.locator("#accept-quote").click()
    page.locator("#signer").fill("Dana Whitfield")
    page.locator("#accept-order").fill("PO-77881")
    page.locator("#confirm-accept").click()
    expect(page.locator("#quote-detail")).to_contain_text("Accepted")
    with Session(portal.engine) as s:
        stored = s.get(Quote, quote.id)
        event = s.exec(
            select(IntegrationEvent)
            .where(IntegrationEvent.kind == "quote.accepted")
            .order_by(IntegrationEvent.id.desc())
        ).first()
    assert stored.decision == QuoteDecision.ACCEPTED and stored.signer_name == "Dana Whitfield"
    assert stored.accepted_order_number == "PO-77881"
    assert event is not None and event.payload["quote_number"] == quote.number
    expect(page.locator("#accept-quote")).to_have_count(0)


def test_limited_contact_never_sees_other_sites(page, portal):
    customer = _customer_id(portal)
    allowed = _sam_sites(portal)
    with Session(portal.engine) as s:
        foreign = s.exec(
            select(Quote)
            .join(Site, Site.id == Quote.site_id)
            .where(Quote.customer_id == customer, Quote.site_id.not_in(allowed))
        ).first()
        foreign_job = s.exec(
            select(Job).where(Job.customer_id == customer, Job.site_id.not_in(allowed))
        ).first()
        own_count = s.exec(
            select(func.count())
            .select_from(Quote)
            .where(
                Quote.customer_id == customer,
                Quote.stage == QuoteStage.OUTSTANDING,
                Quote.site_id.in_(allowed),
            )
        ).one()
        att = s.exec(
            select(Attachment).where(
                Attachment.customer_id == customer,
                Attachment.owner_type == AttachmentOwner.QUOTE,
                Attachment.owner_id == foreign.id,
            )
        ).first()
    login(page, "sam@northside.example", next_path="/quotes")
    expect(page.locator("#result-count")).to_contain_text(f"of {own_count}")
    page.locator("#list-search").fill(str(foreign.number))
    page.locator("#search-button").click()
    expect(page.locator("#empty-list")).to_be_visible()

    cookie = _cookie_header(page)
    status, body, _ = _get(portal, f"/export/quotes.csv?tab={foreign.stage}&q={foreign.number}", cookie)
    assert status == 200 and str(foreign.number) not in body.decode("utf-8-sig")
    status, body, _ = _get(portal, "/export/jobs.csv?tab=archive", cookie)
    assert str(foreign_job.number) not in body.decode("utf-8-sig")
    assert _get(portal, f"/documents/quotes/{foreign.id}.pdf", cookie)[0] == 404
    assert _get(portal, f"/documents/jobs/{foreign_job.id}.pdf", cookie)[0] == 404
    if att is not None:
        assert _get(portal, f"/files/attachments/{att.id}", cookie)[0] == 404


def test_other_customer_gets_nothing_by_forged_id(page, portal):
    customer = _customer_id(portal)
    with Session(portal.engine) as s:
        quote = s.exec(select(Quote).where(Quote.customer_id == customer)).first()
        job = s.exec(select(Job).where(Job.customer_id == customer)).first()
    login(page, "office@stbrigids.example")
    at(page, "/dashboard")
    cookie = _cookie_header(page)
    assert _get(portal, f"/documents/quotes/{quote.id}.pdf", cookie)[0] == 404
    assert _get(portal, f"/documents/jobs/{job.id}.pdf", cookie)[0] == 404
    assert _get(portal, "/documents/quotes/99999999999999.pdf", cookie)[0] == 404
    status, body, _ = _get(portal, f"/export/quotes.csv?tab={quote.stage}&q={quote.number}", cookie)
    assert status == 200 and str(quote.number) not in body.decode("utf-8-sig")
    assert _get(portal, "/export/quotes.csv?tab=outstanding", "")[0] == 401


def test_add_attachments_to_a_job_and_refuse_an_executable(page, portal, tmp_path):
    customer = _customer_id(portal)
    with Session(portal.engine) as s:
        job = s.exec(select(Job).where(Job.customer_id == customer, Job.stage == JobStage.PENDING)).first()
    photo = tmp_path / "meter board.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 256)
    fake = tmp_path / "quote.pdf"
    fake.write_bytes(b"\x7fELF\x02\x01\x01" + b"\x00" * 256)
    huge = tmp_path / "site survey.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * (1024 * 1024 + 10))  # the test server allows 1 MB

    login(page, "dana@northside.example", next_path=f"/jobs?tab=pending&q={job.number}")
    page.locator(f"[data-job='{job.number}']").click()
    zone = page.locator("#job-detail #attachments input[type=file]")
    zone.set_input_files(str(photo))
    expect(page.locator("#job-detail .attachment-link", has_text="meter board.png")).to_be_visible()
    zone.set_input_files(str(fake))
    expect(page.locator("#job-detail .upload-error")).to_contain_text("quote.pdf")
    zone.set_input_files(str(huge))
    expect(page.locator("#job-detail .upload-error")).to_contain_text("larger than")
    with Session(portal.engine) as s:
        names = s.exec(
            select(Attachment.name).where(
                Attachment.owner_type == AttachmentOwner.JOB, Attachment.owner_id == job.id
            )
        ).all()
    assert "meter board.png" in names and "quote.pdf" not in names and "site survey.png" not in names


def test_csv_cells_that_could_run_as_formulas_are_escaped(page, portal):
    customer = _customer_id(portal)
    with Session(portal.engine) as s:
        site = s.exec(select(Site).where(Site.customer_id == customer)).first()
        top = s.exec(select(func.max(Quote.number))).one()
        s.add(
            Quote(
                number=top + 1,
                customer_id=customer,
                site_id=site.id,
                requested_on=TODAY,
                description='=HYPERLINK("http://evil.example","click")',
                order_number="+61 7 3000 0000",
            )
        )
        s.commit()
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    status, body, _ = _get(portal, f"/export/quotes.csv?tab=outstanding&q={top + 1}", _cookie_header(page))
    row = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1]
    assert row[0] == str(top + 1), "numbers stay numbers"
    assert row[2] == "'" + '=HYPERLINK("http://evil.example","click")'
    assert row[3] == "'+61 7 3000 0000"


def test_quotes_list_fits_a_phone(phone, portal):
    login(phone, "dana@northside.example", next_path="/quotes?tab=actioned")
    expect(phone.locator("#list-table tbody tr").first).to_be_visible()
    first = phone.locator("#list-table tbody tr").first
    expect(first.locator("[data-card=status]")).to_be_visible()
    expect(first.locator("[data-card=hidden]").first).to_be_hidden()  # the description stays off the card
    overflow = phone.evaluate(
        "(() => { const t = document.getElementById('list-table'); return t.scrollWidth - "
        "t.parentElement.clientWidth; })()"
    )
    assert overflow <= 1, f"the list is {overflow}px wider than a phone"
