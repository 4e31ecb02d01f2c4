"""Preferences: own details, the email change by link, the customer's files, company information."""

import re
import secrets
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from sqlmodel import select

from portal.api.credentials import LINK_PAGES
from portal.core import clock
from portal.models import (
    Attachment,
    AttachmentOwner,
    AuditEvent,
    Contact,
    IntegrationEvent,
    OneTimeToken,
    OutboxMail,
    TokenPurpose,
)
from portal.services.files.customer_files import MAX_LISTED, customer_files
from portal.services.identity import company, principals, profile
from portal.services.identity.profile import ProfileError
from tests.unit import factories as f

DETAILS = {
    "first_name": "Dana",
    "last_name": "Whitfield",
    "phone": "07 3350 8812",
    "mobile": "0412 558 204",
    "position": "Facility Manager",
}


@pytest.fixture
def world(session):
    f.contractor(session)
    mine, theirs = f.customer(session, "Mine Pty Ltd"), f.customer(session, "Theirs Pty Ltd")
    a, b = f.site(session, mine, "Alpha House"), f.site(session, mine, "Bravo Tower")
    me = f.contact(session, mine, email="dana@mine.example")
    return SimpleNamespace(
        mine=mine, theirs=theirs, a=a, b=b, me=me, scope=principals.scope_for(session, me.id)
    )


def _form(world, **changes):
    return {**DETAILS, "email": world.me.email, **changes}


def _mails(session, to):
    return session.exec(select(OutboxMail).where(OutboxMail.to_address == to).order_by(OutboxMail.id)).all()


def _link_token(session, to) -> str:
    body = _mails(session, to)[-1].body_text
    found = re.search(r"/preferences/confirm-email\?token=(\S+)", body)
    assert found, body
    return unquote(found.group(1))


def _events(session, model, **where):
    stmt = select(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.exec(stmt).all()


# Details.


def test_saving_details_changes_them_and_tells_the_back_office(session, world):
    saved = profile.save_details(session, world.scope, _form(world, position="  Site Manager  "))

    session.refresh(world.me)
    assert (world.me.first_name, world.me.position, world.me.mobile) == (
        "Dana",
        "Site Manager",
        "0412 558 204",
    )
    assert set(saved.changed) == {"first_name", "last_name", "phone", "mobile", "position"}
    assert saved.confirmation_sent_to == ""
    (event,) = _events(session, IntegrationEvent, kind="contact.updated")
    assert event.payload["contact_id"] == world.me.id and event.payload["position"] == "Site Manager"
    assert _events(session, AuditEvent, action="contact.details_updated")


def test_saving_the_same_details_again_changes_nothing_and_says_nothing(session, world):
    profile.save_details(session, world.scope, _form(world))
    before = len(_events(session, IntegrationEvent, kind="contact.updated"))
    saved = profile.save_details(session, world.scope, _form(world, email=world.me.email.upper()))
    assert saved.changed == () and saved.confirmation_sent_to == ""
    assert len(_events(session, IntegrationEvent, kind="contact.updated")) == before


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("first_name", ""),
        ("first_name", "   "),
        ("first_name", "x" * 101),
        ("position", "y" * 101),
        ("phone", "call me"),
        ("phone", "=1+1"),
        ("mobile", "12"),
        ("mobile", "0" * 41),
        ("email", "not-an-email"),
        ("email", ""),
        ("email", "two@@example.com"),
        ("email", "<script>@example.com"),
        ("email", "a b@example.com"),
        ("email", "x" * 250 + "@example.com"),
    ],
)
def test_a_bad_field_is_said_beside_it_and_nothing_is_half_saved(session, world, name, value):
    before = (world.me.first_name, world.me.last_name, world.me.email)
    with pytest.raises(ProfileError) as refused:
        profile.save_details(session, world.scope, _form(world, **{"last_name": "Changed", name: value}))
    assert name in refused.value.field_errors
    session.refresh(world.me)
    assert (world.me.first_name, world.me.last_name, world.me.email) == before
    assert not _events(session, IntegrationEvent, kind="contact.updated")
    assert not _mails(session, value)


def test_line_breaks_and_control_characters_are_cleaned_as_everywhere_else(session, world):
    """The one rule for a one-line field (core/text.one_line), as Contacts and Sites clean them."""
    profile.save_details(
        session, world.scope, _form(world, last_name="Line\nbreak", position="Tab\there\u202e\x00")
    )
    session.refresh(world.me)
    assert (world.me.last_name, world.me.position) == ("Line break", "Tab here")


def test_a_stored_value_the_form_did_not_touch_never_blocks_a_save(session, world):
    """An old phone typed before today's rule (or by the back office) is not checked again."""
    world.me.phone = "call the office"
    session.add(world.me)
    session.flush()
    saved = profile.save_details(
        session, world.scope, _form(world, first_name="Dana-Maree", phone="call the office")
    )
    assert "phone" not in saved.changed and "first_name" in saved.changed
    session.refresh(world.me)
    assert (world.me.first_name, world.me.phone) == ("Dana-Maree", "call the office")


def test_values_of_the_wrong_kind_count_as_empty(session, world):
    with pytest.raises(ProfileError) as refused:
        profile.save_details(session, world.scope, {"first_name": ["Dana"], "email": {"x": 1}})
    assert set(refused.value.field_errors) == {"first_name", "email"}


def test_html_in_a_name_is_kept_as_text(session, world):
    profile.save_details(session, world.scope, _form(world, last_name="<b>Whitfield</b> & Co"))
    session.refresh(world.me)
    assert world.me.last_name == "<b>Whitfield</b> & Co"


def test_a_deactivated_login_saves_nothing(session, world):
    world.me.login_active = False
    session.add(world.me)
    session.flush()
    assert profile.profile(session, world.scope) is None
    with pytest.raises(ProfileError):
        profile.save_details(session, world.scope, _form(world, first_name="Mallory"))


def test_the_username_is_never_changed_by_the_form(session, world):
    profile.save_details(session, world.scope, {**_form(world), "username": "mallory"})
    session.refresh(world.me)
    assert world.me.username == "dana@mine.example"


# Email change.


def test_a_new_email_waits_for_its_link_and_the_old_address_is_told(session, world):
    saved = profile.save_details(session, world.scope, _form(world, email="Dana.W@New.example"))

    session.refresh(world.me)
    assert world.me.email == "dana@mine.example"
    assert saved.confirmation_sent_to == "Dana.W@new.example"
    assert profile.profile(session, world.scope).pending_email == "Dana.W@new.example"
    (confirm,) = _mails(session, "Dana.W@new.example")
    assert "/preferences/confirm-email?token=" in confirm.body_text and "1 day" in confirm.body_text
    (notice,) = _mails(session, "dana@mine.example")
    assert "Dana.W@new.example" in notice.body_text and "token=" not in notice.body_text
    token = session.exec(select(OneTimeToken).where(OneTimeToken.purpose == TokenPurpose.EMAIL)).one()
    assert token.new_email == "Dana.W@new.example" and token.contact_id == world.me.id


def test_following_the_link_changes_the_email_once_and_keeps_the_username(session, world):
    profile.save_details(session, world.scope, _form(world, email="dana@new.example"))
    raw = _link_token(session, "dana@new.example")
    assert profile.email_link_details(session, raw) == "dana@new.example"

    contact = profile.confirm_email(session, raw)

    assert contact.id == world.me.id
    session.refresh(world.me)
    assert (world.me.email, world.me.username) == ("dana@new.example", "dana@mine.example")
    assert profile.profile(session, world.scope).pending_email == ""
    event = _events(session, IntegrationEvent, kind="contact.updated")[-1]
    assert event.payload == {"contact_id": world.me.id, "fields": ["email"], "email": "dana@new.example"}
    (audit,) = _events(session, AuditEvent, action="contact.email_changed")
    assert audit.detail["old_email"] == "dana@mine.example"
    with pytest.raises(ProfileError) as again:
        profile.confirm_email(session, raw)
    assert "token" in again.value.field_errors
    assert profile.email_link_details(session, raw) is None


def test_an_expired_link_changes_nothing(session, world):
    profile.save_details(session, world.scope, _form(world, email="dana@new.example"))
    raw = _link_token(session, "dana@new.example")
    later = clock.now() + timedelta(hours=24, seconds=1)
    with pytest.raises(ProfileError) as refused:
        profile.confirm_email(session, raw, now=later)
    assert "token" in refused.value.field_errors
    session.refresh(world.me)
    assert world.me.email == "dana@mine.example"


def test_a_newer_request_voids_the_older_link(session, world):
    profile.save_details(session, world.scope, _form(world, email="first@new.example"))
    first = _link_token(session, "first@new.example")
    profile.save_details(session, world.scope, _form(world, email="second@new.example"))
    with pytest.raises(ProfileError):
        profile.confirm_email(session, first)
    profile.confirm_email(session, _link_token(session, "second@new.example"))
    session.refresh(world.me)
    assert world.me.email == "second@new.example"


def test_an_address_another_login_took_meanwhile_is_refused_and_the_link_left_unused(session, world):
    profile.save_details(session, world.scope, _form(world, email="shared@new.example"))
    raw = _link_token(session, "shared@new.example")
    f.contact(session, world.theirs, email="shared@new.example")  # another customer's login takes it

    with pytest.raises(ProfileError) as refused:
        profile.confirm_email(session, raw)
    assert refused.value.field_errors == {"email": profile.EMAIL_TAKEN}
    session.refresh(world.me)
    assert world.me.email == "dana@mine.example"
    token = session.exec(select(OneTimeToken).where(OneTimeToken.purpose == TokenPurpose.EMAIL)).one()
    assert token.used_at is None


@pytest.mark.parametrize("taken_as", ["email", "username"])
def test_an_address_another_login_uses_is_refused_beside_the_field(session, world, taken_as):
    other = f.contact(session, world.mine, email="other@mine.example")
    if taken_as == "username":
        other.email, other.username = "elsewhere@mine.example", "taken@mine.example"
    else:
        other.email = "taken@mine.example"
    session.add(other)
    session.flush()
    with pytest.raises(ProfileError) as refused:
        profile.save_details(session, world.scope, _form(world, email="TAKEN@mine.example"))
    assert refused.value.field_errors == {"email": profile.EMAIL_TAKEN}
    assert not _mails(session, "TAKEN@mine.example")


def test_a_contact_without_a_login_does_not_hold_an_address(session, world):
    f.contact(session, world.mine, email="caretaker@mine.example", login_active=False).username = None
    session.flush()
    saved = profile.save_details(session, world.scope, _form(world, email="caretaker@mine.example"))
    assert saved.confirmation_sent_to == "caretaker@mine.example"


@pytest.mark.parametrize(
    "raw", [None, "", "nonsense", "x" * 5000, "A" * 43], ids=["none", "empty", "word", "huge", "well-formed"]
)
def test_a_link_that_is_not_ours_opens_nothing(session, world, raw):
    assert profile.email_link_details(session, raw) is None
    with pytest.raises(ProfileError):
        profile.confirm_email(session, raw)


def test_a_reset_link_is_no_email_link(session, world):
    from portal.services.identity import tokens

    raw = tokens.issue(session, world.me.id, TokenPurpose.RESET)
    with pytest.raises(ProfileError):
        profile.confirm_email(session, raw)


def test_a_link_of_a_login_deactivated_since_opens_nothing(session, world):
    profile.save_details(session, world.scope, _form(world, email="dana@new.example"))
    raw = _link_token(session, "dana@new.example")
    me = session.get(Contact, world.me.id)
    me.login_active = False
    session.add(me)
    session.flush()
    with pytest.raises(ProfileError):
        profile.confirm_email(session, raw)


def test_the_link_page_takes_its_token_out_of_the_address():
    assert "/preferences/confirm-email" in LINK_PAGES


# Attachments.


def _file(session, owner_id, kind, on, name):
    row = Attachment(
        customer_id=owner_id,
        owner_type=kind,
        owner_id=on,
        name=name,
        content_type="application/pdf",
        size_bytes=1234,
        sha256="0" * 64,
        storage_key=secrets.token_hex(16),
    )
    session.add(row)
    session.flush()
    return row


def test_the_customers_own_files_are_listed_and_searched_by_name(session, world):
    agreement = _file(
        session, world.mine.id, AttachmentOwner.CUSTOMER, world.mine.id, "Service agreement.pdf"
    )
    contract = _file(
        session, world.mine.id, AttachmentOwner.CUSTOMER, world.mine.id, "Contract 100%_final.pdf"
    )
    _file(session, world.mine.id, AttachmentOwner.SITE, world.a.id, "Site plan.pdf")
    _file(session, world.theirs.id, AttachmentOwner.CUSTOMER, world.theirs.id, "Their agreement.pdf")

    assert {x.id for x in customer_files(session, world.scope).files} == {agreement.id, contract.id}
    assert [x.id for x in customer_files(session, world.scope, "AGREEMENT").files] == [agreement.id]
    assert [x.id for x in customer_files(session, world.scope, "100%_").files] == [contract.id]
    assert customer_files(session, world.scope, "%").total == 1
    assert customer_files(session, world.scope, "x" * 5000).total == 0
    assert customer_files(session, world.scope, None).total == 2  # type: ignore[arg-type]


def test_a_limited_contact_sees_the_customers_files_and_no_other_customers(session, world):
    ours = _file(session, world.mine.id, AttachmentOwner.CUSTOMER, world.mine.id, "Agreement.pdf")
    # A row that names our customer as owner but belongs to another customer is still not ours.
    _file(session, world.theirs.id, AttachmentOwner.CUSTOMER, world.mine.id, "Mislinked.pdf")
    limited = principals.scope_for(session, f.contact(session, world.mine, sites=[world.b], pages=[]).id)
    assert [x.id for x in customer_files(session, limited).files] == [ours.id]
    theirs = principals.scope_for(session, f.contact(session, world.theirs).id)
    assert customer_files(session, theirs).files == []


def test_a_long_list_is_capped_with_its_total(session, world):
    for n in range(MAX_LISTED + 3):
        _file(session, world.mine.id, AttachmentOwner.CUSTOMER, world.mine.id, f"File {n}.pdf")
    found = customer_files(session, world.scope)
    assert (len(found.files), found.total) == (MAX_LISTED, MAX_LISTED + 3)


# Company information.


def test_company_information_is_the_contacts_own_customer_and_the_contractor(session, world):
    world.mine.business_number, world.mine.postal_address = "ABN 1", "PO Box 1"
    session.add(world.mine)
    session.flush()
    record = company.customer_record(session, world.scope)
    assert (record.name, record.business_number, record.postal_address) == (
        "Mine Pty Ltd",
        "ABN 1",
        "PO Box 1",
    )
    contractor = company.contractor_record(session)
    assert contractor.name == "Harbourside Fire" and contractor.email == "office@contractor.example"


@pytest.mark.parametrize(
    ("website", "href"),
    [
        ("https://harbourside.example", "https://harbourside.example"),
        ("http://x.example/a", "http://x.example/a"),
        ("javascript:alert(1)", ""),
        ("JAVASCRIPT:alert(1)", ""),
        ("data:text/html,<b>x</b>", ""),
        ("harbourside.example", ""),
        ("https://a.example onmouseover=x", ""),
        ("", ""),
    ],
)
def test_the_contractors_website_is_a_link_only_when_it_is_a_web_address(website, href):
    assert company.website_href(website) == href
