"""Request a Quote / Book a Job: one transaction, everything loaded through the scope, nothing half-saved."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlmodel import select

from portal.core import clock
from portal.core.principal import AccessDenied, Scope
from portal.demo.files import tiny_png
from portal.models import (
    Attachment,
    AttachmentOwner,
    AuditEvent,
    Contact,
    ContactSite,
    IntegrationEvent,
    Job,
    JobAsset,
    JobItem,
    JobStage,
    OutboxMail,
    Quote,
    QuoteAsset,
    QuoteItem,
    QuoteStage,
    Site,
)
from portal.services.files import uploads
from portal.services.identity import principals
from portal.services.messaging import mail
from portal.services.sites.editing import SiteForm
from portal.services.work import requests
from portal.services.work.requests import PendingRef, RequestError, RequestForm
from tests.unit import factories as f

TODAY = date(2026, 3, 10)


@dataclass
class World:
    customer: object
    here: Site
    there: Site
    theirs: Site
    asset: object
    other_asset: object
    their_asset: object
    item: object
    me: Contact
    colleague: Contact
    outsider: Contact
    scope: Scope


@pytest.fixture
def world(session) -> World:
    mine, other = f.customer(session, "Northside"), f.customer(session, "St Brigid's")
    here, there = f.site(session, mine, "Plaza"), f.site(session, mine, "Albion")
    theirs = f.site(session, other, "Senior Campus")
    asset, other_asset, their_asset = (
        f.asset(session, here),
        f.asset(session, there),
        f.asset(session, theirs),
    )
    f.contractor(session)
    item = f.optional_item(session, "Replace exit sign", 16_500)
    me = f.contact(session, mine, email="dana@example.com")
    colleague = f.contact(session, mine, email="greg@example.com", login_active=False)
    outsider = f.contact(session, other, email="office@example.com")
    return World(
        mine,
        here,
        there,
        theirs,
        asset,
        other_asset,
        their_asset,
        item,
        me,
        colleague,
        outsider,
        principals.scope_for(session, me.id),
    )


def _png(name: str = "photo.png") -> PendingRef:
    found = uploads.save_pending(io.BytesIO(tiny_png()), name)
    return PendingRef(found.key, found.name)


def _form(w: World, purpose: str = "quote", **changes) -> RequestForm:
    values = {
        "purpose": purpose,
        "site_id": str(w.here.id),
        "contact_id": str(w.colleague.id),
        "order_number": "PO-4471",
        "preferred_date": (TODAY + timedelta(days=7)).isoformat(),
        "description": "Exit sign on level 2 flickers.",
        "asset_ids": [str(w.asset.id)],
        "items": [(str(w.item.id), "2")],
        "attachments": [],
    }
    values.update(changes)
    return RequestForm(**values)


def _count(session, model) -> int:
    return len(session.exec(select(model)).all())


def test_quote_request_saves_everything_in_one_go(session, world, fast_settings):
    ref = _png()
    before = _count(session, Quote)
    quote = requests.submit_request(session, world.scope, _form(world, attachments=[ref]), TODAY)

    assert isinstance(quote, Quote)
    assert _count(session, Quote) == before + 1
    assert quote.stage == QuoteStage.OUTSTANDING and quote.requested_on == TODAY
    assert quote.customer_id == world.customer.id and quote.site_id == world.here.id
    assert quote.contact_id == world.colleague.id and quote.requested_by_contact_id == world.me.id
    assert quote.order_number == "PO-4471" and quote.preferred_date == TODAY + timedelta(days=7)
    assert quote.number >= requests.FIRST_NUMBER["quote"]
    assert quote.subtotal_cents == 33_000 and quote.tax_cents == 3_300 and quote.total_cents == 36_300

    links = session.exec(select(QuoteAsset).where(QuoteAsset.quote_id == quote.id)).all()
    assert [link.asset_id for link in links] == [world.asset.id]
    items = session.exec(select(QuoteItem).where(QuoteItem.quote_id == quote.id)).all()
    assert [
        (i.optional_item_id, i.quantity, i.unit_price_cents, i.total_cents, i.description) for i in items
    ] == [(world.item.id, 2, 16_500, 33_000, "Replace exit sign")]

    (att,) = session.exec(
        select(Attachment).where(
            Attachment.owner_type == AttachmentOwner.QUOTE, Attachment.owner_id == quote.id
        )
    ).all()
    assert (att.name, att.content_type, att.customer_id) == ("photo.png", "image/png", world.customer.id)
    assert att.uploaded_by_contact_id == world.me.id and att.storage_key != ref.key
    stored = uploads.storage_path(att.storage_key)
    assert stored.read_bytes() == tiny_png() and stored.parent == fast_settings.files_dir

    (event,) = session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "quote.requested")).all()
    assert event.payload["quote_id"] == quote.id and event.payload["number"] == quote.number
    assert event.payload["asset_ids"] == [world.asset.id] and event.payload["attachment_ids"] == [att.id]
    assert event.payload["items"][0]["unit_price_cents"] == 16_500

    (sent,) = session.exec(select(OutboxMail).where(OutboxMail.kind == "quote.requested")).all()
    assert sent.to_address == "office@contractor.example"
    assert f"#{quote.number}" in sent.subject and "Plaza" in sent.subject
    assert "Exit sign on level 2 flickers." in sent.body_text and "$330.00" in sent.body_text

    assert uploads.pending_path(ref.key).exists(), "the pending copy stays until the commit"
    session.commit()
    assert not uploads.pending_path(ref.key).exists(), "and goes once the request is committed"
    assert stored.exists()


def test_job_booking_saves_a_pending_job(session, world):
    ref = _png("site.png")
    job = requests.submit_request(
        session, world.scope, _form(world, "job", attachments=[ref], order_number=""), TODAY
    )
    assert isinstance(job, Job)
    assert job.stage == JobStage.PENDING and job.status_text == "Job : New Service"
    assert job.number >= requests.FIRST_NUMBER["job"] and job.order_number == ""
    assert [a.asset_id for a in session.exec(select(JobAsset).where(JobAsset.job_id == job.id))] == [
        world.asset.id
    ]
    (item,) = session.exec(select(JobItem).where(JobItem.job_id == job.id)).all()
    assert (item.quantity, item.unit_price_cents, item.total_cents) == (2, 16_500, 33_000)
    (att,) = session.exec(
        select(Attachment).where(Attachment.owner_type == AttachmentOwner.JOB, Attachment.owner_id == job.id)
    ).all()
    assert att.name == "site.png"
    assert (
        session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "job.booked")).first()
        is not None
    )
    assert session.exec(select(OutboxMail).where(OutboxMail.kind == "job.booked")).first() is not None


def test_numbers_follow_the_highest(session, world):
    first = requests.submit_request(session, world.scope, _form(world), TODAY)
    second = requests.submit_request(session, world.scope, _form(world), TODAY)
    assert second.number == first.number + 1


def _refused(session, world, form, scope=None) -> dict[str, str]:
    before = (
        _count(session, Quote),
        _count(session, Job),
        _count(session, QuoteItem),
        _count(session, Attachment),
        _count(session, IntegrationEvent),
        _count(session, OutboxMail),
    )
    with pytest.raises(RequestError) as err:
        requests.submit_request(session, scope or world.scope, form, TODAY)
    after = (
        _count(session, Quote),
        _count(session, Job),
        _count(session, QuoteItem),
        _count(session, Attachment),
        _count(session, IntegrationEvent),
        _count(session, OutboxMail),
    )
    assert after == before, "nothing is saved"
    return err.value.field_errors


def test_site_of_another_customer_is_refused(session, world):
    errors = _refused(session, world, _form(world, site_id=world.theirs.id, asset_ids=[]))
    assert "site" in errors


def test_unassigned_site_is_refused_for_a_limited_contact(session, world):
    limited = f.contact(session, world.customer, sites=[world.here])
    scope = principals.scope_for(session, limited.id)
    errors = _refused(session, world, _form(world, site_id=world.there.id, asset_ids=[]), scope)
    assert "site" in errors
    quote = requests.submit_request(session, scope, _form(world), TODAY)
    assert quote.site_id == world.here.id


@pytest.mark.parametrize("site_id", ["", None, "abc", "1 OR 1=1", -1, 10**12, [1]])
def test_nonsense_site_ids_are_refused(session, world, site_id):
    assert "site" in _refused(session, world, _form(world, site_id=site_id, asset_ids=[]))


def test_asset_from_another_site_or_customer_is_refused(session, world):
    errors = _refused(session, world, _form(world, asset_ids=[world.asset.id, world.other_asset.id]))
    assert "not at the chosen site" in errors["assets"]
    errors = _refused(session, world, _form(world, asset_ids=[world.their_asset.id]))
    assert "assets" in errors


def test_item_price_comes_from_the_database(session, world):
    world.item.unit_price_cents = 12_345
    session.add(world.item)
    session.flush()
    quote = requests.submit_request(session, world.scope, _form(world, items=[(world.item.id, 3)]), TODAY)
    (item,) = session.exec(select(QuoteItem).where(QuoteItem.quote_id == quote.id)).all()
    assert (item.unit_price_cents, item.total_cents) == (12_345, 37_035)


@pytest.mark.parametrize("quantity", [0, -1, 1000, "abc", "", None, 1.5, True])
def test_bad_quantities_are_refused(session, world, quantity):
    assert "items" in _refused(session, world, _form(world, items=[(world.item.id, quantity)]))


def test_inactive_or_unknown_item_is_refused(session, world):
    gone = f.optional_item(session, "Old item", 100, active=False)
    assert "items" in _refused(session, world, _form(world, items=[(gone.id, 1)]))
    assert "items" in _refused(session, world, _form(world, items=[("999999", 1)]))


def test_contact_of_another_customer_is_refused(session, world):
    assert "contact" in _refused(session, world, _form(world, contact_id=world.outsider.id))
    world.colleague.deactivated_at = clock.now()
    session.add(world.colleague)
    session.flush()
    assert "contact" in _refused(session, world, _form(world))


def test_past_preferred_date_is_refused(session, world):
    errors = _refused(session, world, _form(world, preferred_date=(TODAY - timedelta(days=1)).isoformat()))
    assert errors["preferred_date"] == "The preferred date can't be in the past."
    for bad in ("next tuesday", "2026-02-30", "99999-01-01", (TODAY + timedelta(days=366 * 6)).isoformat()):
        assert "preferred_date" in _refused(session, world, _form(world, preferred_date=bad))
    assert requests.submit_request(session, world.scope, _form(world, preferred_date=TODAY), TODAY)
    assert (
        requests.submit_request(session, world.scope, _form(world, preferred_date=""), TODAY).preferred_date
        is None
    )


def test_description_is_required_and_limited(session, world):
    assert (
        _refused(session, world, _form(world, description="  \n "))["description"]
        == "Describe the work you need."
    )
    errors = _refused(session, world, _form(world, description="x" * 100_000))
    assert errors["description"] == "The description is too long: 100,000 characters, the limit is 20,000."
    ok = requests.submit_request(session, world.scope, _form(world, description="y" * 20_000), TODAY)
    assert len(ok.description) == 20_000


def test_order_number_is_limited(session, world):
    assert "order_number" in _refused(session, world, _form(world, order_number="9" * 61))


def test_several_errors_are_reported_together(session, world):
    errors = _refused(
        session, world, _form(world, site_id="", contact_id="", description="", order_number="1" * 99)
    )
    assert {"site", "contact", "description", "order_number"} <= set(errors)


def test_html_and_script_are_stored_as_given(session, world):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    quote = requests.submit_request(
        session, world.scope, _form(world, description=hostile, order_number="<b>PO</b>"), TODAY
    )
    session.expire_all()
    again = session.get(Quote, quote.id)
    assert again.description == hostile and again.order_number == "<b>PO</b>"


def test_missing_pending_file_refuses_the_whole_request(session, world):
    ref = _png()
    uploads.discard_pending(ref.key)
    errors = _refused(session, world, _form(world, attachments=[ref]))
    assert "expired" in errors["attachments"]


def test_forged_pending_key_is_refused(session, world):
    for key in ("../../etc/passwd", "0" * 32):
        assert "attachments" in _refused(session, world, _form(world, attachments=[PendingRef(key, "x.png")]))


def test_failure_in_the_middle_leaves_nothing(session, world, monkeypatch, fast_settings):
    ref = _png()

    def broken(*_args, **_kwargs):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(mail, "queue", broken)
    before = {m: _count(session, m) for m in (Quote, QuoteItem, QuoteAsset, Attachment, IntegrationEvent)}
    with pytest.raises(RuntimeError):
        requests.submit_request(session, world.scope, _form(world, attachments=[ref]), TODAY)
    assert {m: _count(session, m) for m in before} == before
    finals = [p for p in fast_settings.files_dir.iterdir() if p.is_file()]
    assert finals == [], "no orphan file in final storage"
    assert uploads.pending_path(ref.key).exists(), "the upload survives, so the customer can try again"


def test_rolled_back_transaction_removes_the_final_copies(session, world):
    ref = _png()
    quote = requests.submit_request(session, world.scope, _form(world, attachments=[ref]), TODAY)
    (att,) = session.exec(
        select(Attachment).where(
            Attachment.owner_id == quote.id, Attachment.owner_type == AttachmentOwner.QUOTE
        )
    ).all()
    stored = uploads.storage_path(att.storage_key)
    assert stored.exists()
    session.rollback()  # as the unit of work does when its commit fails
    assert not stored.exists()
    assert uploads.pending_path(ref.key).exists()


def test_page_access_is_required(session, world):
    quotes_only = f.contact(session, world.customer, pages=["quotes"])
    scope = principals.scope_for(session, quotes_only.id)
    with pytest.raises(AccessDenied):
        requests.submit_request(session, scope, _form(world, "job"), TODAY)
    with pytest.raises(ValueError):
        requests.submit_request(session, scope, _form(world, "invoice"), TODAY)


def test_create_site_for_a_limited_contact(session, world):
    limited = f.contact(session, world.customer, sites=[world.here], pages=["quotes"])
    scope = principals.scope_for(session, limited.id)
    site = requests.create_site(
        session,
        scope,
        SiteForm(name="  New   Depot ", street="5 Dock Rd", suburb="Pinkenba", state="QLD", postcode="4008"),
    )
    assert (site.customer_id, site.name, site.postcode) == (world.customer.id, "New Depot", "4008")
    assert session.get(ContactSite, (limited.id, site.id)) is not None
    assert site.id in principals.scope_for(session, limited.id).site_ids
    event = session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "site.created")).one()
    assert event.payload["site_id"] == site.id and event.payload["created_by_contact_id"] == limited.id
    full = requests.create_site(session, world.scope, SiteForm(name="HQ"))
    assert session.exec(select(ContactSite).where(ContactSite.site_id == full.id)).all() == []


def test_create_new_site_is_audited_and_mailed_like_the_sites_area(session, world):
    quotes_only = f.contact(session, world.customer, pages=["quotes"])
    scope = principals.scope_for(session, quotes_only.id)
    form = SiteForm(
        name="Pinkenba Depot", street="5 Dock Rd", suburb="Pinkenba", state="QLD", postcode="4008"
    )
    form.access_notes = "Gate code at the office"
    site = requests.create_site(session, scope, form)
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "site.created")).one()
    assert audit.target_id == site.id and audit.detail["by_contact_id"] == quotes_only.id
    (sent,) = session.exec(select(OutboxMail).where(OutboxMail.kind == "site.created")).all()
    assert sent.to_address == "office@contractor.example" and "Pinkenba Depot" in sent.subject
    body = sent.body_text.splitlines()
    assert "Suburb: Pinkenba" in body and "Access notes: Gate code at the office" in body
    assert site.access_notes == "Gate code at the office"


def test_create_site_validates_fields(session, world):
    sites = _count(session, Site)
    with pytest.raises(RequestError) as err:
        requests.create_site(session, world.scope, SiteForm(name=" ", postcode="<script>", state="Q" * 51))
    assert set(err.value.field_errors) == {"name", "postcode", "state"}
    assert _count(session, Site) == sites
    nobody = f.contact(session, world.customer, pages=["invoices"])
    with pytest.raises(AccessDenied):
        requests.create_site(session, principals.scope_for(session, nobody.id), SiteForm(name="X"))


def test_asset_search_is_scoped_to_the_site(session, world):
    world.asset.name, world.asset.location, world.asset.make = (
        "Exit sign 2E",
        "Level 2 east stair",
        "Clevertronics",
    )
    session.add(world.asset)
    for n in range(25):
        extra = f.asset(session, world.here)
        extra.location = f"Car park bay {n}"
        session.add(extra)
    session.flush()
    hits = requests.search_assets(session, world.scope, world.here.id, "")
    assert len(hits) == 20
    assert [h.id for h in requests.search_assets(session, world.scope, world.here.id, "level 2")] == [
        world.asset.id
    ]
    assert [h.id for h in requests.search_assets(session, world.scope, world.here.id, "clevertronics")] == [
        world.asset.id
    ]
    assert [
        h.id for h in requests.search_assets(session, world.scope, world.here.id, world.asset.number)
    ] == [world.asset.id]
    assert (
        len(requests.search_assets(session, world.scope, world.here.id, "exit SIGN")) == 20
    )  # the type's name
    assert requests.search_assets(session, world.scope, world.here.id, "%") == []
    assert requests.search_assets(session, world.scope, world.theirs.id, "") == []
    assert requests.site_asset_count(session, world.scope, world.here.id) == 26
    assert requests.site_asset_count(session, world.scope, world.theirs.id) == 0


def test_prefill_ignores_what_the_scope_hides(session, world):
    d = f.defect(session, world.other_asset)
    got = requests.prefill(session, world.scope, defect=d.id)
    assert got.site_id == world.there.id and [a.id for a in got.assets] == [world.other_asset.id]
    got = requests.prefill(session, world.scope, asset=world.asset.id)
    assert got.site_id == world.here.id and [a.id for a in got.assets] == [world.asset.id]
    got = requests.prefill(session, world.scope, site=world.here.id, asset=world.other_asset.id)
    assert got.site_id == world.here.id and got.assets == []
    assert (
        requests.prefill(session, world.scope, site=world.theirs.id, asset=world.their_asset.id).site_id
        is None
    )
    limited = principals.scope_for(session, f.contact(session, world.customer, sites=[world.here]).id)
    assert requests.prefill(session, limited, defect=d.id) == requests.Prefill()


def test_scripts_match_the_purpose(session):
    f.script(session, "Quote only", "Q body", "quote")
    f.script(session, "Job only", "J body", "job")
    both = f.script(session, "Both", "B body", "both")
    f.script(session, "Retired", "R body", "both", active=False)
    quote_titles = [s.title for s in requests.scripts_for(session, "quote")]
    assert "Quote only" in quote_titles and "Both" in quote_titles
    assert "Job only" not in quote_titles and "Retired" not in quote_titles
    job = {s.title: s.id for s in requests.scripts_for(session, "job")}
    assert "Quote only" not in job
    assert requests.script_body(session, "job", both.id) == "B body"
    quote_only = next(s for s in requests.scripts_for(session, "quote") if s.title == "Quote only")
    assert requests.script_body(session, "job", quote_only.id) is None
    assert requests.append_script("Start.  \n", "B body") == "Start.\n\nB body"
    assert requests.append_script("", "B body") == "B body"


def test_contact_choices_are_the_customers_current_contacts(session, world):
    names = {c.id for c in requests.contact_choices(session, world.scope)}
    assert {world.me.id, world.colleague.id} <= names and world.outsider.id not in names


def test_a_later_savepoint_rolled_back_beside_it_keeps_the_files(session, world):
    ref = _png()
    quote = requests.submit_request(session, world.scope, _form(world, attachments=[ref]), TODAY)
    (att,) = session.exec(
        select(Attachment).where(
            Attachment.owner_id == quote.id, Attachment.owner_type == AttachmentOwner.QUOTE
        )
    ).all()
    stored = uploads.storage_path(att.storage_key)
    with pytest.raises(RuntimeError), session.begin_nested():
        raise RuntimeError("something else the caller tried")
    assert stored.exists()
    session.commit()
    assert stored.exists() and not uploads.pending_path(ref.key).exists()


def test_sending_the_same_form_twice_saves_one_request(session, world):
    ref = _png()
    form = _form(world, attachments=[ref], submission_key="a1b2c3d4e5f60718293a4b5c6d7e8f90")
    first = requests.submit_request(session, world.scope, form, TODAY)
    session.commit()  # the pending upload is gone now: a second save could not even attach it
    counts = {m: _count(session, m) for m in (Quote, QuoteItem, Attachment, IntegrationEvent, OutboxMail)}
    again = requests.submit_request(session, world.scope, form, TODAY)
    assert again.id == first.id
    assert {m: _count(session, m) for m in counts} == counts
    other = requests.submit_request(session, world.scope, _form(world, submission_key="ffff0000"), TODAY)
    assert other.id != first.id
    job = requests.submit_request(
        session, world.scope, _form(world, "job", submission_key="a1b2c3d4e5f60718293a4b5c6d7e8f90"), TODAY
    )
    assert isinstance(job, Job), "the key is per purpose"


def test_a_defect_prefills_a_description_and_its_quote_is_recorded_against_it(session, world):
    d = f.defect(session, world.asset)
    pre = requests.prefill(session, world.scope, defect=d.id)
    assert pre.defect_id == d.id and pre.site_id == world.here.id
    assert d.description in pre.description and world.asset.number in pre.description

    quote = requests.submit_request(
        session, world.scope, _form(world, defect_id=str(d.id), description=pre.description), TODAY
    )
    session.refresh(d)
    assert d.quote_id == quote.id
    event = session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "quote.requested")).all()[-1]
    assert event.payload["defect_id"] == d.id


def test_a_defect_is_not_linked_from_another_site_a_job_or_once_rectified(session, world):
    elsewhere = f.defect(session, world.other_asset)
    requests.submit_request(session, world.scope, _form(world, defect_id=elsewhere.id), TODAY)
    here = f.defect(session, world.asset)
    requests.submit_request(session, world.scope, _form(world, "job", defect_id=here.id), TODAY)
    fixed = f.defect(session, world.asset)
    fixed.rectified_on = TODAY
    session.add(fixed)
    session.flush()
    requests.submit_request(session, world.scope, _form(world, defect_id=fixed.id), TODAY)
    assert requests.prefill(session, world.scope, defect=fixed.id).defect_id is None
    for d in (elsewhere, here, fixed):
        session.refresh(d)
        assert d.quote_id is None


def test_another_customers_defect_is_never_linked(session, world):
    theirs = f.defect(session, world.their_asset)
    requests.submit_request(session, world.scope, _form(world, defect_id=theirs.id), TODAY)
    session.refresh(theirs)
    assert theirs.quote_id is None
