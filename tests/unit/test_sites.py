"""Sites: the list, Site Details, site contacts and attachments, through the scope, each change told
to the contractor."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.core import exports, tenant
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied
from portal.models import (
    AttachmentOwner,
    AuditEvent,
    ContactSite,
    IntegrationEvent,
    JobStage,
    OutboxMail,
    Site,
    SiteContact,
)
from portal.services.files import attachments, uploads
from portal.services.identity import principals
from portal.services.sites import editing, listing, site_contacts, site_files
from portal.services.sites.editing import SiteError, SiteForm
from portal.services.sites.site_contacts import ContactForm
from tests.frozen import TODAY
from tests.unit import factories as f

OFFICE = "office@contractor.example"


def _count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


@pytest.fixture
def world(session):
    f.contractor(session, email=OFFICE)
    mine, theirs = f.customer(session, "Mine"), f.customer(session, "Theirs")
    here, there = f.site(session, mine, "Albion Depot"), f.site(session, mine, "Kedron Hall")
    elsewhere = f.site(session, theirs, "Their Wharf")
    full = principals.scope_for(session, f.contact(session, mine).id)
    limited_row = f.contact(session, mine, sites=[here])
    limited = principals.scope_for(session, limited_row.id)
    stranger = principals.scope_for(session, f.contact(session, theirs).id)
    return dict(
        mine=mine,
        here=here,
        there=there,
        elsewhere=elsewhere,
        full=full,
        limited=limited,
        limited_row=limited_row,
        stranger=stranger,
    )


def _csv(session, scope, request=PageRequest()) -> list[list[str]]:
    text = "".join(listing.site_csv(session, scope, request, TODAY))
    return list(csv.reader(io.StringIO(text[len(exports.BOM) :], newline="")))


# --- the list -------------------------------------------------------------------------------------


def test_list_shows_contacts_and_open_jobs_of_each_site(session, world):
    here = world["here"]
    for stage in (
        JobStage.PENDING,
        JobStage.PROGRESS,
        JobStage.COMPLETE,
        JobStage.INVOICED,
        JobStage.ARCHIVE,
    ):
        f.job(session, here, stage)
    session.add_all(
        [SiteContact(site_id=here.id, first_name="Greg"), SiteContact(site_id=here.id, first_name="Jo")]
    )
    session.flush()
    page = listing.list_sites(session, world["full"], PageRequest(sort="name", descending=False), TODAY)
    assert [(r.name, r.contacts, r.open_jobs) for r in page.rows] == [
        ("Albion Depot", 2, 2),
        ("Kedron Hall", 0, 0),
    ]
    assert page.rows[0].address == "1 Main St, Brisbane, QLD 4000"


def test_no_job_figures_without_the_jobs_page(session, world):
    f.job(session, world["here"])
    no_jobs = principals.scope_for(session, f.contact(session, world["mine"], pages=["sites"]).id)
    assert [r.open_jobs for r in listing.list_sites(session, no_jobs, PageRequest(), TODAY).rows] == [0, 0]


def test_search_by_name_or_any_part_of_the_address(session, world):
    world["there"].suburb, world["there"].postcode = "Kedron", "4031"
    session.add(world["there"])
    session.flush()

    def found(text: str) -> list[str]:
        return [
            r.name for r in listing.list_sites(session, world["full"], PageRequest(search=text), TODAY).rows
        ]

    assert found("albion") == ["Albion Depot"]
    assert found("4031") == ["Kedron Hall"]
    assert found("kedron") == ["Kedron Hall"]
    assert found("%") == [] and found("_") == []
    assert found("Their") == []  # another customer's site


def test_sorts_and_pages(session, world):
    for n in range(30):
        f.site(session, world["mine"], f"Site {n:02d}")
    first = listing.list_sites(
        session, world["full"], PageRequest(sort="name", descending=False, size=10), TODAY
    )
    assert first.total == 32 and first.pages == 4 and first.rows[0].name == "Albion Depot"
    last = listing.list_sites(
        session, world["full"], PageRequest(sort="name", descending=False, size=10, page=99), TODAY
    )
    assert last.page == 4 and [r.name for r in last.rows] == ["Site 28", "Site 29"]
    desc = listing.list_sites(
        session, world["full"], PageRequest(sort="name", descending=True, size=10), TODAY
    )
    assert desc.rows[0].name == "Site 29"


def test_each_sort_orders_the_rows(session, world):
    here, there = world["here"], world["there"]  # Albion Depot, Kedron Hall
    third = f.site(session, world["mine"], "Zillmere Yard")
    here.street, there.street, third.street = "9 Zeta St", "1 Alpha St", "5 Mid St"
    here.suburb, there.suburb, third.suburb = "Bardon", "Chermside", "Ascot"
    session.add_all([here, there, third])
    session.add_all([SiteContact(site_id=there.id, first_name=n) for n in ("A", "B", "C")])
    session.add(SiteContact(site_id=third.id, first_name="D"))
    for _ in range(2):
        f.job(session, third, JobStage.PENDING)
    f.job(session, here, JobStage.PROGRESS)
    session.flush()
    expected = {
        "name": ["Albion Depot", "Kedron Hall", "Zillmere Yard"],
        "address": ["Kedron Hall", "Zillmere Yard", "Albion Depot"],
        "suburb": ["Zillmere Yard", "Albion Depot", "Kedron Hall"],
        "contacts": ["Albion Depot", "Zillmere Yard", "Kedron Hall"],
        "open_jobs": ["Kedron Hall", "Albion Depot", "Zillmere Yard"],
    }
    assert set(expected) == set(listing.SITE_SORTS)

    def order(key: str, descending: bool) -> list[str]:
        request = PageRequest(sort=key, descending=descending)
        return [r.name for r in listing.list_sites(session, world["full"], request, TODAY).rows]

    for key, names in expected.items():
        assert order(key, False) == names, key
        assert order(key, True) == names[::-1], key
    assert order("bogus", False) == expected["name"]  # an unknown sort falls back to the name


def test_inactive_sites_are_not_listed_nor_editable(session, world):
    world["there"].is_active = False
    session.add(world["there"])
    session.flush()
    assert [r.name for r in listing.list_sites(session, world["full"], PageRequest(), TODAY).rows] == [
        "Albion Depot"
    ]
    assert editing.site_details(session, world["full"], world["there"].id) is None


def test_csv_has_every_matching_row_with_formula_cells_escaped(session, world):
    world["here"].name, world["here"].street = '=HYPERLINK("http://x")', "+61 Evil St"
    session.add(world["here"])
    session.flush()
    rows = _csv(session, world["full"], PageRequest(sort="name", descending=False))
    assert rows[0] == listing.CSV_HEADER
    assert rows[1][0] == '\'=HYPERLINK("http://x")' and rows[1][1] == "'+61 Evil St"
    assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("http://x")', "Kedron Hall"]


def test_a_limited_contact_lists_only_its_sites(session, world):
    assert [r.name for r in listing.list_sites(session, world["limited"], PageRequest(), TODAY).rows] == [
        "Albion Depot"
    ]
    assert [r[0] for r in _csv(session, world["limited"])[1:]] == ["Albion Depot"]


def test_the_list_needs_the_sites_page(session, world):
    quotes_only = principals.scope_for(session, f.contact(session, world["mine"], pages=["quotes"]).id)
    with pytest.raises(AccessDenied):
        listing.list_sites(session, quotes_only, PageRequest(), TODAY)


# --- Site Details ---------------------------------------------------------------------------------


def test_create_site_tells_the_contractor(session, world):
    form = SiteForm(
        name="  New   Depot ", street="5 Dock Rd", suburb="Pinkenba", state="QLD", postcode="4008"
    )
    site = editing.create_site(session, world["full"], form)
    assert (site.customer_id, site.name, site.postcode) == (world["mine"].id, "New Depot", "4008")
    event = session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "site.created")).one()
    assert event.payload["site_id"] == site.id and event.payload["name"] == "New Depot"
    assert (
        _count(session, AuditEvent, AuditEvent.action == "site.created", AuditEvent.target_id == site.id) == 1
    )
    (sent,) = session.exec(select(OutboxMail).where(OutboxMail.kind == "site.created")).all()
    assert sent.to_address == OFFICE and "New Depot" in sent.subject and "Pinkenba" in sent.body_text
    assert _count(session, ContactSite, ContactSite.site_id == site.id) == 0  # a full contact sees all sites


def test_a_limited_contact_is_assigned_the_site_it_creates(session, world):
    site = editing.create_site(session, world["limited"], SiteForm(name="Annex"))
    assert session.get(ContactSite, (world["limited_row"].id, site.id)) is not None
    fresh = principals.scope_for(session, world["limited_row"].id)
    assert editing.site_details(session, fresh, site.id).name == "Annex"


def test_create_site_checks_each_field_and_saves_nothing(session, world):
    sites, events = _count(session, Site), _count(session, IntegrationEvent)
    with pytest.raises(SiteError) as err:
        editing.create_site(
            session,
            world["full"],
            SiteForm(name=" ", postcode="<script>", state="Q" * 51, access_notes="n" * 2001),
        )
    assert set(err.value.field_errors) == {"name", "postcode", "state", "access_notes"}
    assert err.value.field_errors["state"] == f"At most {editing.LIMITS['state']} characters."
    assert (_count(session, Site), _count(session, IntegrationEvent)) == (sites, events)


def test_create_site_needs_the_sites_page(session, world):
    quotes_only = principals.scope_for(session, f.contact(session, world["mine"], pages=["quotes"]).id)
    with pytest.raises(AccessDenied):
        editing.create_site(session, quotes_only, SiteForm(name="X"))


def test_update_site_saves_and_tells_the_contractor_once(session, world):
    here = world["here"]
    form = SiteForm(name="Albion Depot", street="9 New Rd", suburb="Brisbane", state="QLD", postcode="4000")
    form.access_notes = "Key at reception\nAsk for Greg"
    saved = editing.update_site(session, world["full"], str(here.id), form)
    assert saved.street == "9 New Rd" and saved.access_notes == "Key at reception\nAsk for Greg"
    event = session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "site.updated")).one()
    assert event.payload["changed"] == {
        "street": "9 New Rd",
        "access_notes": "Key at reception\nAsk for Greg",
    }
    assert event.payload["before"]["street"] == "1 Main St"
    assert _count(session, OutboxMail, OutboxMail.kind == "site.updated") == 1
    editing.update_site(session, world["full"], here.id, form)  # nothing changed: nothing said
    assert _count(session, IntegrationEvent, IntegrationEvent.kind == "site.updated") == 1


def test_update_site_errors_are_per_field_and_change_nothing(session, world):
    here = world["here"]
    with pytest.raises(SiteError) as err:
        editing.update_site(session, world["full"], here.id, SiteForm(name="", street="s" * 201))
    assert set(err.value.field_errors) == {"name", "street"}
    session.refresh(here)
    assert here.name == "Albion Depot" and here.street == "1 Main St"


@pytest.mark.parametrize("who", ["limited", "stranger"])
def test_sites_outside_the_scope_find_nothing(session, world, who):
    target = world["there"] if who == "limited" else world["here"]
    scope = world[who]
    assert editing.site_details(session, scope, target.id) is None
    assert editing.update_site(session, scope, target.id, SiteForm(name="Taken")) is None
    assert site_contacts.site_contacts(session, scope, target.id) is None
    assert site_contacts.add_site_contact(session, scope, target.id, ContactForm(first_name="X")) is None
    assert site_files.site_attachments(session, scope, target.id) is None
    session.refresh(target)
    assert target.name != "Taken" and _count(session, IntegrationEvent) == 0


@pytest.mark.parametrize("raw", [None, "", "abc", "-1", 0, 2**63, "1e3", [1], {"id": 1}, "²"])
def test_nonsense_ids_find_nothing(session, world, raw):
    assert editing.site_details(session, world["full"], raw) is None
    assert site_contacts.update_site_contact(session, world["full"], raw, ContactForm(first_name="X")) is None
    assert site_contacts.remove_site_contact(session, world["full"], raw) is False


def test_hostile_text_is_stored_as_text(session, world):
    html = "<script>alert(1)</script>"
    site = editing.create_site(
        session,
        world["full"],
        SiteForm(name=html, street="=cmd|'/c calc'!A1", access_notes="\x00" + "é" * 10),
    )
    assert site.name == html and site.street == "=cmd|'/c calc'!A1" and site.access_notes == "é" * 10
    line = site_contacts.add_site_contact(
        session, world["full"], site.id, ContactForm(first_name="Bob\r\nBcc: x@y.z", position=html)
    )
    assert line.first_name == "Bob Bcc: x@y.z"  # one line: no header injection into the mail
    mail = session.exec(select(OutboxMail).where(OutboxMail.kind == "site_contact.created")).one()
    body = mail.body_text.splitlines()
    assert "First name: Bob Bcc: x@y.z" in body and not any(line.startswith("Bcc:") for line in body)
    assert f"Position: {html}" in body  # mailed as plain text, as typed


# --- site contacts --------------------------------------------------------------------------------


def test_add_edit_and_remove_a_site_contact(session, world):
    here, scope = world["here"], world["full"]
    line = site_contacts.add_site_contact(
        session,
        scope,
        here.id,
        ContactForm(
            first_name="Greg",
            last_name="Malone",
            position="Caretaker",
            mobile="0438 902 117",
            email="g@x.com.au",
        ),
    )
    assert (line.full_name, line.position) == ("Greg Malone", "Caretaker")
    assert [c.full_name for c in site_contacts.site_contacts(session, scope, here.id).lines] == [
        "Greg Malone"
    ]
    changed = site_contacts.update_site_contact(
        session,
        scope,
        str(line.id),
        ContactForm(first_name="Greg", last_name="Malone", phone="(07) 3350-8812"),
    )
    assert changed.phone == "(07) 3350-8812" and changed.email == ""
    assert site_contacts.remove_site_contact(session, scope, line.id) is True
    assert site_contacts.site_contacts(session, scope, here.id).lines == []
    kinds = session.exec(select(IntegrationEvent.kind).order_by(IntegrationEvent.id)).all()
    assert kinds == ["site_contact.created", "site_contact.updated", "site_contact.removed"]
    assert _count(session, OutboxMail, OutboxMail.to_address == OFFICE) == 3
    audited = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert audited == kinds


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        (ContactForm(), {"first_name"}),
        (ContactForm(first_name="A", email="not an email"), {"email"}),
        (ContactForm(first_name="A", email="a@b"), {"email"}),
        (ContactForm(first_name="A", email="<a@b.com>"), {"email"}),
        (ContactForm(first_name="A", phone="call me", mobile="=1+1"), {"phone", "mobile"}),
        (ContactForm(first_name="x" * 101, position="p" * 101), {"first_name", "position"}),
        (ContactForm(first_name="A", email="a" * 250 + "@b.com"), {"email"}),
    ],
)
def test_site_contact_fields_are_checked(session, world, form, fields):
    with pytest.raises(SiteError) as err:
        site_contacts.add_site_contact(session, world["full"], world["here"].id, form)
    assert set(err.value.field_errors) == fields
    assert _count(session, SiteContact) == 0


def test_a_limited_contact_cannot_touch_contacts_at_other_sites(session, world):
    theirs = SiteContact(site_id=world["there"].id, first_name="Hidden")
    other = SiteContact(site_id=world["elsewhere"].id, first_name="Other")
    session.add_all([theirs, other])
    session.flush()
    for scope, row in ((world["limited"], theirs), (world["stranger"], theirs), (world["full"], other)):
        assert site_contacts.update_site_contact(session, scope, row.id, ContactForm(first_name="X")) is None
        assert site_contacts.remove_site_contact(session, scope, row.id) is False
    session.refresh(theirs)
    assert theirs.first_name == "Hidden" and _count(session, SiteContact) == 2


# --- attachments ----------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_site_files_are_added_listed_and_searched_through_the_scope(session, world):
    here = world["here"]
    for name in ("floor-plan.png", "keys.png"):
        pending = uploads.save_pending(io.BytesIO(PNG), name)
        assert attachments.add_to(session, world["full"], AttachmentOwner.SITE, here.id, [pending])
    assert [a.name for a in site_files.site_attachments(session, world["full"], here.id).lines] == [
        "keys.png",
        "floor-plan.png",
    ]
    assert [a.name for a in site_files.site_attachments(session, world["full"], here.id, "FLOOR").lines] == [
        "floor-plan.png"
    ]
    assert site_files.site_attachments(session, world["full"], here.id, "%").lines == []
    event = session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "attachments.added")).first()
    assert event.payload["owner"] == "site" and event.payload["site_id"] == here.id
    pending = uploads.save_pending(io.BytesIO(PNG), "x.png")
    assert (
        attachments.add_to(session, world["limited"], AttachmentOwner.SITE, world["there"].id, [pending])
        is None
    )
    assert attachments.add_to(session, world["stranger"], AttachmentOwner.SITE, here.id, [pending]) is None


def test_adding_files_to_a_site_tells_the_contractor(session, world):
    pending = uploads.save_pending(io.BytesIO(PNG), "keys.png")
    assert attachments.add_to(session, world["full"], AttachmentOwner.SITE, world["here"].id, [pending])
    (sent,) = session.exec(select(OutboxMail).where(OutboxMail.kind == "attachments.added")).all()
    assert sent.to_address == OFFICE and "Albion Depot" in sent.subject
    assert "File: keys.png" in sent.body_text.splitlines()
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "attachments.added")).one()
    assert audit.detail["site_id"] == world["here"].id and audit.detail["files"] == ["keys.png"]
    assert _count(session, IntegrationEvent, IntegrationEvent.kind == "attachments.added") == 1


def test_files_are_not_added_to_an_inactive_site(session, world):
    there = world["there"]
    there.is_active = False
    session.add(there)
    session.flush()
    pending = uploads.save_pending(io.BytesIO(PNG), "x.png")
    assert attachments.add_to(session, world["full"], AttachmentOwner.SITE, there.id, [pending]) is None
    assert site_files.site_attachments(session, world["full"], there.id) is None
    assert _count(session, IntegrationEvent) == 0 and _count(session, OutboxMail) == 0


def test_a_login_without_the_sites_page_reaches_no_site_contacts_or_files(session, world):
    here = world["here"]
    session.add(SiteContact(site_id=here.id, first_name="Greg"))
    session.flush()
    no_sites = principals.scope_for(session, f.contact(session, world["mine"], pages=["quotes", "jobs"]).id)
    with pytest.raises(AccessDenied):
        site_contacts.site_contacts(session, no_sites, here.id)
    with pytest.raises(AccessDenied):
        site_contacts.add_site_contact(session, no_sites, here.id, ContactForm(first_name="X"))
    with pytest.raises(AccessDenied):
        site_files.site_attachments(session, no_sites, here.id)
    pending = uploads.save_pending(io.BytesIO(PNG), "x.png")
    assert attachments.add_to(session, no_sites, AttachmentOwner.SITE, here.id, [pending]) is None
    assert _count(session, SiteContact) == 1 and _count(session, IntegrationEvent) == 0


@pytest.mark.parametrize("raw", [None, "", "abc", "-1", 0, 2**63, "1e3", [1], {"id": 1}, "²"])
def test_nonsense_site_ids_add_nothing(session, world, raw):
    form = ContactForm(first_name="X")
    assert site_contacts.add_site_contact(session, world["full"], raw, form) is None
    assert site_files.site_attachments(session, world["full"], raw) is None
    pending = uploads.save_pending(io.BytesIO(PNG), "x.png")
    assert attachments.add_to(session, world["full"], AttachmentOwner.SITE, raw, [pending]) is None
    assert _count(session, SiteContact) == 0 and _count(session, IntegrationEvent) == 0


def test_a_site_has_at_most_its_limit_of_contacts(session, world, monkeypatch):
    monkeypatch.setattr(site_contacts, "MAX_PER_SITE", 3)
    here = world["here"]
    session.add_all([SiteContact(site_id=here.id, first_name=f"P{n}") for n in range(2)])
    session.flush()
    assert site_contacts.add_site_contact(session, world["full"], here.id, ContactForm(first_name="Third"))
    with pytest.raises(SiteError) as err:
        site_contacts.add_site_contact(session, world["full"], here.id, ContactForm(first_name="Fourth"))
    assert err.value.field_errors == {"form": site_contacts.TOO_MANY}
    assert _count(session, SiteContact, SiteContact.site_id == here.id) == 3
    assert _count(session, IntegrationEvent, IntegrationEvent.kind == "site_contact.created") == 1
    # A site imported with more than the tab shows says so rather than hiding them silently.
    session.add(SiteContact(site_id=here.id, first_name="Imported"))
    session.flush()
    shown = site_contacts.site_contacts(session, world["full"], here.id)
    assert len(shown.lines) == 3 and shown.more


def test_an_untouched_save_of_oddly_spaced_values_says_nothing(session, world):
    here = world["here"]
    here.name, here.street, here.access_notes = "Albion  Depot", " 1 Main St", "Key at desk\n"
    row = SiteContact(
        site_id=here.id, first_name="Greg ", last_name="Malone", phone="07  3350 8812", email="g@X.com"
    )
    session.add_all([here, row])
    session.flush()
    sent = SiteForm(
        name="Albion  Depot", street=" 1 Main St", suburb="Brisbane", state="QLD", postcode="4000"
    )
    sent.access_notes = "Key at desk\n"
    editing.update_site(session, world["full"], here.id, sent)
    contact = ContactForm(first_name="Greg ", last_name="Malone", phone="07  3350 8812", email="g@X.com")
    site_contacts.update_site_contact(session, world["full"], row.id, contact)
    assert _count(session, IntegrationEvent) == 0 and _count(session, AuditEvent) == 0
    assert _count(session, OutboxMail) == 0


def test_a_site_contact_change_says_what_it_was_before(session, world):
    row = SiteContact(site_id=world["here"].id, first_name="Greg", phone="07 3350 8812")
    session.add(row)
    session.flush()
    site_contacts.update_site_contact(
        session, world["full"], row.id, ContactForm(first_name="Greg", phone="0438 902 117")
    )
    event = session.exec(
        select(IntegrationEvent).where(IntegrationEvent.kind == "site_contact.updated")
    ).one()
    assert event.payload["changed"] == {"phone": "0438 902 117"}
    assert event.payload["before"] == {"phone": "07 3350 8812"}


@pytest.mark.parametrize(
    "email", ["a@b.co?cc=evil%40x.com&body=hi", "a@b.co#x", "a@..co", "a@b.com&body=x", "a b@c.com"]
)
def test_a_site_contact_email_that_could_trick_a_mail_link_is_refused(session, world, email):
    with pytest.raises(SiteError) as err:
        site_contacts.add_site_contact(
            session, world["full"], world["here"].id, ContactForm(first_name="A", email=email)
        )
    assert set(err.value.field_errors) == {"email"}
    assert _count(session, SiteContact) == 0


def test_a_site_contact_email_is_stored_normalised(session, world):
    line = site_contacts.add_site_contact(
        session, world["full"], world["here"].id, ContactForm(first_name="A", email=" Greg@Example.COM ")
    )
    assert line.email == "Greg@example.com"


def test_without_a_contractor_email_the_change_stands_and_is_logged(session, world, caplog):
    office = tenant.contractor(session)
    office.email = ""
    session.add(office)
    session.flush()
    site = editing.create_site(session, world["full"], SiteForm(name="Quiet Site"))
    assert _count(session, OutboxMail) == 0
    assert _count(session, IntegrationEvent, IntegrationEvent.kind == "site.created") == 1
    assert f"site.created for site {site.id} not mailed" in caplog.text
