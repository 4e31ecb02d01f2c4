"""Sites in a real browser: the list, search and CSV, a site's Details, Contacts and Attachments tabs,
Save and Finish, Create New Site, and a contact limited to some sites."""

from __future__ import annotations

import csv
import io
import re
import secrets
from pathlib import Path

from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.models import (
    Attachment,
    AttachmentOwner,
    Contact,
    ContactSite,
    Contractor,
    Customer,
    IntegrationEvent,
    OutboxMail,
    Site,
    SiteContact,
)
from tests.browser.conftest import at, login

MAIN = "Northside Property Group"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _db(portal) -> Session:
    return Session(portal.engine)


def _site(portal, name: str) -> Site:
    with _db(portal) as s:
        return s.exec(select(Site).where(Site.name == name)).one()


def _active_sites(portal, customer: str = MAIN) -> list[Site]:
    with _db(portal) as s:
        owner = s.exec(select(Customer.id).where(Customer.name == customer)).one()
        return list(s.exec(select(Site).where(Site.customer_id == owner, Site.is_active.is_(True))).all())


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _download_csv(page) -> list[list[str]]:
    page.locator("#download-menu").click()
    with page.expect_download() as info:
        page.locator("#download-csv").click()
    return list(csv.reader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))


def test_sites_list_search_and_csv(page, portal):
    sites = _active_sites(portal)
    login(page, "dana@northside.example", next_path="/sites")
    at(page, "/sites")
    expect(page.locator("#result-count")).to_contain_text(f"of {len(sites)}")
    expect(page.locator("#list-table tbody tr").first).to_contain_text(sorted(s.name for s in sites)[0])
    _shot(page, "sites.png")

    page.locator("#list-search").fill("Gympie Road")  # part of an address, not a name
    page.locator("#list-search").press("Enter")
    expect(page.locator("#result-count")).to_have_text("1–1 of 1")
    expect(page.locator("#list-table")).to_contain_text("Northside Plaza")
    searched = _download_csv(page)  # the CSV has what the search found, not every site
    assert [r[0] for r in searched[1:]] == ["Northside Plaza"]

    page.locator("#list-search").fill("")
    page.locator("#search-button").click()
    expect(page.locator("#result-count")).to_contain_text(f"of {len(sites)}")
    page.locator("[data-sort=contacts]").click()
    expect(page.locator("[data-sort=contacts]").locator("xpath=..")).to_have_attribute(
        "aria-sort", "ascending"
    )
    rows = _download_csv(page)
    assert rows[0] == ["Site", "Street", "Suburb", "State", "Postcode", "Site contacts", "Open jobs"]
    with _db(portal) as s:
        counts = {
            site.id: len(s.exec(select(SiteContact.id).where(SiteContact.site_id == site.id)).all())
            for site in sites
        }
    by_contacts = sorted(sites, key=lambda site: (counts[site.id], site.id))  # ties by id, as the list
    assert [r[0] for r in rows[1:]] == [site.name for site in by_contacts]
    assert [int(r[5]) for r in rows[1:]] == [counts[site.id] for site in by_contacts]

    page.locator("#create-site").click()  # the list's own way to Create New Site (the menu's is below)
    at(page, "/sites/new")
    expect(page.locator("#site-heading")).to_have_text("Create New Site")


def test_edit_a_site_add_a_contact_and_a_file_then_save_and_finish(page, portal, tmp_path):
    site = _site(portal, "Northside Plaza")
    marker = secrets.token_hex(3)
    login(page, "dana@northside.example", next_path="/sites")
    page.locator(f"[data-site='{site.id}']").click()
    at(page, f"/sites/{site.id}")
    expect(page.locator("#site-heading")).to_have_text("Northside Plaza")
    expect(page.locator("#site-street")).to_have_value(site.street)

    # Details: an empty name is refused beside the field, nothing saved; then a real change is saved.
    page.locator("#site-name").fill("")
    page.locator("#site-street").fill(f"148 Gympie Road {marker}")
    page.locator("#site-save").click()
    expect(page.locator(".field-error")).to_have_text("Enter the site's name.")
    assert _site(portal, "Northside Plaza").street == site.street
    page.locator("#site-name").fill("Northside Plaza")
    page.locator("#site-name").press("Enter")  # the keyboard saves too
    expect(page.locator(".field-error")).to_have_count(0)
    expect(page.get_by_text("Site details saved.")).to_be_visible()
    assert _site(portal, "Northside Plaza").street == f"148 Gympie Road {marker}"

    # Contacts: create one in the dialog (a bad email first), see it in the table.
    page.locator("[data-tab=contacts]").click()
    page.locator("#contact-new").click()
    page.locator("#contact-first-name").fill(f"Greta {marker}")
    page.locator("#contact-last-name").fill("Nilsson")
    page.locator("#contact-position").fill("Centre Manager")
    page.locator("#contact-email").fill("greta@northside")  # the browser accepts it, the portal does not
    page.locator("#contact-mobile").fill("0400 111 222")
    page.locator("#contact-save").click()
    expect(page.locator("#contact-dialog .field-error")).to_contain_text("Enter an email address")
    page.locator("#contact-email").fill("greta@northside.example")
    page.locator("#contact-save").click()
    expect(page.locator("#contact-dialog")).to_have_count(0)
    expect(page.locator("#site-contacts")).to_contain_text(f"Greta {marker} Nilsson")
    with _db(portal) as s:
        added = s.exec(select(SiteContact).where(SiteContact.first_name == f"Greta {marker}")).one()
        assert (added.site_id, added.email, added.mobile) == (
            site.id,
            "greta@northside.example",
            "0400 111 222",
        )
        kinds = s.exec(select(IntegrationEvent.kind).order_by(IntegrationEvent.id.desc()).limit(2)).all()
        assert kinds == ["site_contact.created", "site.updated"]
    _shot(page, "site-contacts.png")

    # Attachments: upload, find it by name, and the download link is the file route.
    page.locator("[data-tab=attachments]").click()
    plan = tmp_path / f"floor plan {marker}.png"
    plan.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 256)
    page.locator("#attachments input[type=file]").set_input_files(str(plan))
    link = page.locator(".attachment-link", has_text=plan.name)
    expect(link).to_be_visible()
    page.locator("#file-search").fill(marker)
    page.locator("#file-search-button").click()
    expect(page.locator(".attachment-link")).to_have_count(1)
    with _db(portal) as s:
        stored = s.exec(
            select(Attachment).where(
                Attachment.owner_type == AttachmentOwner.SITE, Attachment.owner_id == site.id
            )
        ).all()
    assert plan.name in {a.name for a in stored}
    assert re.fullmatch(r"/files/attachments/\d+", link.get_attribute("href"))

    # Save and Finish from another tab saves the details and goes back to the list.
    page.locator("[data-tab=details]").click()
    page.locator("#site-suburb").fill(f"Chermside {marker}")
    page.locator("[data-tab=contacts]").click()
    page.locator("#site-save-finish").click()
    at(page, "/sites")
    assert _site(portal, "Northside Plaza").suburb == f"Chermside {marker}"


def test_create_new_site_from_the_menu_then_its_contacts_tab(page, portal):
    marker = secrets.token_hex(3)
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    page.locator("header [data-page=sites]").hover()
    page.locator("[data-submenu=sites]").get_by_role("link", name="Create New Site").click()
    at(page, "/sites/new")
    expect(page.locator("#site-heading")).to_have_text("Create New Site")
    expect(page.locator("[data-tab=contacts]")).to_be_disabled()
    page.locator("#site-name").fill(f"Pinkenba Depot {marker}")
    page.locator("#site-street").fill("5 Dock Road")
    page.locator("#site-suburb").fill("Pinkenba")
    page.locator("#site-state").fill("QLD")
    page.locator("#site-postcode").fill("4008")
    page.locator("#site-save").click()
    page.wait_for_url(re.compile(r"/sites/\d+/?\?tab=contacts$"))
    created = _site(portal, f"Pinkenba Depot {marker}")
    assert f"/sites/{created.id}" in page.url
    expect(page.locator("[data-tab=contacts]")).to_have_attribute("data-state", "active")
    expect(page.locator("#no-site-contacts")).to_be_visible()
    with _db(portal) as s:
        event = s.exec(
            select(IntegrationEvent)
            .where(IntegrationEvent.kind == "site.created")
            .order_by(IntegrationEvent.id.desc())
        ).first()
        assert event.payload["site_id"] == created.id
        office = s.exec(select(Contractor.email)).first()
        mailed = s.exec(
            select(OutboxMail).where(OutboxMail.kind == "site.created").order_by(OutboxMail.id.desc())
        ).first()
        assert mailed.to_address == office and f"Pinkenba Depot {marker}" in mailed.subject
    page.locator("#contact-new").click()
    page.locator("#contact-first-name").fill("Ray")
    page.locator("#contact-save").click()
    expect(page.locator("#site-contacts")).to_contain_text("Ray")
    page.locator("[data-remove-contact]").first.click()
    page.locator("#contact-remove-confirm").click()
    expect(page.locator("#no-site-contacts")).to_be_visible()
    page.locator("#site-save-finish").click()
    at(page, "/sites")


def test_a_contact_limited_to_some_sites_sees_and_opens_only_those(phone, portal):
    page = phone
    with _db(portal) as s:
        sam = s.exec(select(Contact).where(Contact.username == "sam@northside.example")).one()
        mine = set(s.exec(select(ContactSite.site_id).where(ContactSite.contact_id == sam.id)).all())
    others = [site for site in _active_sites(portal) if site.id not in mine]
    assert others, "the demo gives Sam some of Northside's sites only"
    login(page, "sam@northside.example", next_path="/sites")
    at(page, "/sites")
    shown = {site.id for site in _active_sites(portal) if site.id in mine}
    expect(page.locator("#result-count")).to_contain_text(f"of {len(shown)}")
    for site in others:
        expect(page.locator(f"[data-site='{site.id}']")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "no sideways scroll"
    )
    own = min(shown)
    page.locator(f"[data-site='{own}']").click()
    at(page, f"/sites/{own}")
    page.locator("[data-tab=contacts]").click()
    expect(page.locator("#contact-new")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), (
        "no sideways scroll"
    )
    page.goto(f"/sites/{others[0].id}")
    expect(page.locator("#site-missing")).to_be_visible()
    expect(page.locator("#site-name")).to_have_count(0)

    # A site Sam creates is Sam's to see at once.
    marker = secrets.token_hex(3)
    page.goto("/sites/new")
    page.locator("#site-name").fill(f"Sam's Annex {marker}")
    page.locator("#site-save-finish").click()
    at(page, "/sites")
    created = _site(portal, f"Sam's Annex {marker}")
    expect(page.locator(f"[data-site='{created.id}']")).to_be_visible()
    with _db(portal) as s:
        assert s.get(ContactSite, (sam.id, created.id)) is not None
