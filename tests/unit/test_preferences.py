"""Preferences: own details, the email change by link, the customer's files, company information."""

import re
import secrets
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.testclient import TestClient

from portal import db
from portal.api import files
from portal.api.credentials import (
    LINK_COOKIE,
    LINK_COOKIE_SECONDS,
    LINK_DIGEST,
    digest_cookie_header,
    guard_credentials,
    hashed_cookie,
)
from portal.config import SESSION_COOKIE
from portal.core import clock
from portal.models import (
    Attachment,
    AttachmentOwner,
    AuditEvent,
    Contact,
    IntegrationEvent,
    LoginSession,
    OneTimeToken,
    OutboxMail,
    TokenPurpose,
)
from portal.services.files.customer_files import MAX_LISTED, customer_files
from portal.services.files.storage import storage_path
from portal.services.identity import auth, company, principals, profile, sessions, tokens
from portal.services.identity.profile import ProfileError
from tests.unit import factories as f

GOOD = "Harbour-Lights-42"

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
        mine=mine,
        theirs=theirs,
        a=a,
        b=b,
        me=me,
        scope=principals.scope_for(session, me.id),
        signed_in=sessions.start(session, me.id),  # the browser that follows the link, signed in as me
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
    saved = profile.save_details(session, world.scope, _form(world))
    assert saved.changed == () and saved.confirmation_sent_to == ""
    assert len(_events(session, IntegrationEvent, kind="contact.updated")) == before


def test_an_email_differing_only_in_letter_case_is_saved_at_once_without_a_link(session, world):
    profile.save_details(session, world.scope, _form(world))
    saved = profile.save_details(session, world.scope, _form(world, email="Dana@mine.example"))

    assert saved.changed == ("email",) and saved.confirmation_sent_to == ""
    session.refresh(world.me)
    assert (world.me.email, world.me.username) == ("Dana@mine.example", "dana@mine.example")
    assert not session.exec(select(OneTimeToken).where(OneTimeToken.purpose == TokenPurpose.EMAIL)).all()
    assert not _mails(session, "Dana@mine.example")
    event = _events(session, IntegrationEvent, kind="contact.updated")[-1]
    assert event.payload["fields"] == ["email"] and event.payload["email"] == "Dana@mine.example"


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
    assert profile.email_link(session, raw, world.signed_in) == profile.EmailLink(
        "dana@new.example", True, ""
    )

    contact = profile.confirm_email(session, raw, world.signed_in)

    assert contact.id == world.me.id
    session.refresh(world.me)
    assert (world.me.email, world.me.username) == ("dana@new.example", "dana@mine.example")
    assert profile.profile(session, world.scope).pending_email == ""
    event = _events(session, IntegrationEvent, kind="contact.updated")[-1]
    assert event.payload == {"contact_id": world.me.id, "fields": ["email"], "email": "dana@new.example"}
    (audit,) = _events(session, AuditEvent, action="contact.email_changed")
    assert audit.detail["old_email"] == "dana@mine.example"
    with pytest.raises(ProfileError) as again:
        profile.confirm_email(session, raw, world.signed_in)
    assert "token" in again.value.field_errors
    assert profile.email_link(session, raw, world.signed_in) is None


def test_an_expired_link_changes_nothing(session, world):
    profile.save_details(session, world.scope, _form(world, email="dana@new.example"))
    raw = _link_token(session, "dana@new.example")
    later = clock.now() + timedelta(hours=24, seconds=1)
    with pytest.raises(ProfileError) as refused:
        profile.confirm_email(session, raw, world.signed_in, now=later)
    assert "token" in refused.value.field_errors
    session.refresh(world.me)
    assert world.me.email == "dana@mine.example"


def test_a_newer_request_voids_the_older_link(session, world):
    profile.save_details(session, world.scope, _form(world, email="first@new.example"))
    first = _link_token(session, "first@new.example")
    profile.save_details(session, world.scope, _form(world, email="second@new.example"))
    with pytest.raises(ProfileError):
        profile.confirm_email(session, first, world.signed_in)
    profile.confirm_email(session, _link_token(session, "second@new.example"), world.signed_in)
    session.refresh(world.me)
    assert world.me.email == "second@new.example"


def test_an_address_another_login_took_meanwhile_is_refused_and_the_link_left_unused(session, world):
    profile.save_details(session, world.scope, _form(world, email="shared@new.example"))
    raw = _link_token(session, "shared@new.example")
    f.contact(session, world.theirs, email="shared@new.example")  # another customer's login takes it

    with pytest.raises(ProfileError) as refused:
        profile.confirm_email(session, raw, world.signed_in)
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
    assert profile.email_link(session, raw, world.signed_in) is None
    with pytest.raises(ProfileError):
        profile.confirm_email(session, raw, world.signed_in)


def test_a_reset_link_is_no_email_link(session, world):
    from portal.services.identity import tokens

    raw = tokens.issue(session, world.me.id, TokenPurpose.RESET)
    with pytest.raises(ProfileError):
        profile.confirm_email(session, raw, world.signed_in)


def test_a_link_of_a_login_deactivated_since_opens_nothing(session, world):
    profile.save_details(session, world.scope, _form(world, email="dana@new.example"))
    raw = _link_token(session, "dana@new.example")
    me = session.get(Contact, world.me.id)
    me.login_active = False
    session.add(me)
    session.flush()
    with pytest.raises(ProfileError):
        profile.confirm_email(session, raw, world.signed_in)


def _live(session, token_id) -> bool:
    row = session.get(OneTimeToken, token_id)
    session.refresh(row)
    return row.used_at is None and row.voided_at is None


def _email_token(session, world, address="dana@new.example"):
    profile.save_details(session, world.scope, _form(world, email=address))
    return _link_token(session, address)


def test_the_mailed_link_leaves_the_address_bar_for_an_httponly_cookie_and_opens_the_link(session, world):
    raw = _email_token(session, world)
    pages = []

    async def page(scope, receive, send):  # the Reflex page: must never see the token
        pages.append(scope)
        await PlainTextResponse("page")(scope, receive, send)

    client = TestClient(guard_credentials(page), base_url="http://portal.test", follow_redirects=False)
    resp = client.get("/preferences/confirm-email", params={"token": raw, "utm": "mail"})

    assert resp.status_code == 303 and not pages
    assert resp.headers["location"] == "/preferences/confirm-email?utm=mail"
    assert raw not in resp.headers["location"] and resp.headers["cache-control"] == "no-store"
    assert resp.cookies[LINK_COOKIE] == raw
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and f"max-age={LINK_COOKIE_SECONDS}" in cookie
    # What the page's state gets is the digest of that cookie, and it finds the link.
    seen = hashed_cookie(digest_cookie_header(f"{LINK_COOKIE}={raw}"), LINK_DIGEST)
    assert seen is not None and seen.digest == tokens.digest(raw)
    assert profile.email_link(session, seen, world.signed_in).new_email == "dana@new.example"


def test_opening_the_link_uses_nothing_up_only_the_click_does(session, world):
    raw = _email_token(session, world)
    token = session.exec(select(OneTimeToken).where(OneTimeToken.purpose == TokenPurpose.EMAIL)).one()
    for browser in (None, world.signed_in, "made-up-session"):  # a mail scanner, the owner, anyone
        assert profile.email_link(session, raw, browser).new_email == "dana@new.example"
    assert _live(session, token.id)
    session.refresh(world.me)
    assert world.me.email == "dana@mine.example"
    profile.confirm_email(session, raw, world.signed_in)
    assert not _live(session, token.id)


def test_a_signed_out_browser_is_asked_to_log_in_and_changes_nothing(session, world):
    raw = _email_token(session, world)
    assert profile.email_link(session, raw, None) == profile.EmailLink(
        "dana@new.example", False, profile.SIGN_IN_TO_CONFIRM
    )
    ended = sessions.start(session, world.me.id)
    sessions.revoke(session, ended)
    for browser in (None, "", "not-a-session", ended, tokens.Hashed("0" * 64)):
        with pytest.raises(ProfileError) as refused:
            profile.confirm_email(session, raw, browser)
        assert refused.value.field_errors == {"form": profile.SIGN_IN_TO_CONFIRM}
    session.refresh(world.me)
    assert world.me.email == "dana@mine.example"
    token = session.exec(select(OneTimeToken).where(OneTimeToken.purpose == TokenPurpose.EMAIL)).one()
    assert token.used_at is None, "the owner can still log in and confirm"
    profile.confirm_email(session, raw, world.signed_in)
    session.refresh(world.me)
    assert world.me.email == "dana@new.example"


@pytest.mark.parametrize("whose", ["colleague", "other customer"])
def test_someone_elses_session_cannot_confirm_the_link(session, world, whose):
    """Whoever reads the mistyped inbox may well have a login of their own: it opens nothing here."""
    raw = _email_token(session, world, "typo@new.example")
    other = f.contact(session, world.mine if whose == "colleague" else world.theirs)
    theirs = sessions.start(session, other.id)

    assert profile.email_link(session, raw, theirs).problem == profile.OTHER_LOGIN
    with pytest.raises(ProfileError) as refused:
        profile.confirm_email(session, raw, theirs)
    assert refused.value.field_errors == {"form": profile.OTHER_LOGIN}
    session.refresh(world.me)
    assert world.me.email == "dana@mine.example"
    assert not _events(session, AuditEvent, action="contact.email_changed")


def test_a_staff_members_view_as_the_contact_cannot_confirm_the_link(session, world):
    """Staff viewing the portal as the contact resolve to the very same contact: without this refusal
    an office login could change the contact's address to its own, then reset the password."""
    raw = _email_token(session, world, "staff@office.example")
    view = sessions.start_view(session, world.me.id, f.staff_member(session, "office")[0].id)
    assert profile.email_link(session, raw, view).problem.endswith("read-only. Nothing was changed.")
    with pytest.raises(ProfileError) as refused:
        profile.confirm_email(session, raw, view)
    assert "read-only" in refused.value.field_errors["form"]
    session.refresh(world.me)
    assert world.me.email == "dana@mine.example"
    assert not _events(session, AuditEvent, action="contact.email_changed")


def test_confirming_voids_links_sent_to_the_old_address_and_ends_the_other_sessions(session, world):
    raw = _email_token(session, world)
    reset = tokens.issue(session, world.me.id, TokenPurpose.RESET)
    invite = tokens.issue(session, world.me.id, TokenPurpose.INVITE)
    nonce = tokens.issue(session, world.me.id, TokenPurpose.LOGIN)
    elsewhere = sessions.start(session, world.me.id)
    colleague = f.contact(session, world.mine)
    colleagues_session = sessions.start(session, colleague.id)
    colleagues_reset = tokens.issue(session, colleague.id, TokenPurpose.RESET)

    profile.confirm_email(session, raw, world.signed_in)

    assert tokens.peek(session, reset, TokenPurpose.RESET) is None
    assert tokens.peek(session, invite, TokenPurpose.INVITE) is None
    assert tokens.peek(session, nonce, TokenPurpose.LOGIN) is not None, "a browser signing in now"
    assert sessions.resolve(session, elsewhere) is None
    assert sessions.resolve(session, world.signed_in) is not None, "this browser stays signed in"
    assert sessions.resolve(session, colleagues_session) is not None
    assert tokens.peek(session, colleagues_reset, TokenPurpose.RESET) is not None
    ended = session.exec(select(LoginSession).where(LoginSession.revoked_reason == "email_changed")).all()
    assert [row.contact_id for row in ended] == [world.me.id]


def _with_password(session, world):
    auth.accept_invite(session, auth.send_invite(session, world.me.id), "dana@mine.example", GOOD, GOOD)


def test_changing_the_password_voids_a_pending_email_link(session, world, fast_settings):
    _with_password(session, world)
    raw = _email_token(session, world, "attacker@new.example")
    auth.change_password(session, world.me.id, GOOD, "Quiet-Meadow-77", "Quiet-Meadow-77")
    owner_again = sessions.start(session, world.me.id)
    assert profile.email_link(session, raw, owner_again) is None
    assert profile.profile(session, world.scope).pending_email == ""
    with pytest.raises(ProfileError) as refused:
        profile.confirm_email(session, raw, owner_again)
    assert "token" in refused.value.field_errors


def test_resetting_the_password_voids_a_pending_email_link(session, world, fast_settings):
    _with_password(session, world)
    raw = _email_token(session, world, "attacker@new.example")
    reset = tokens.issue(session, world.me.id, TokenPurpose.RESET)
    auth.reset_password(session, reset, "Quiet-Meadow-77", "Quiet-Meadow-77")
    owner_again = sessions.start(session, world.me.id)
    assert profile.email_link(session, raw, owner_again) is None
    with pytest.raises(ProfileError):
        profile.confirm_email(session, raw, owner_again)
    session.refresh(world.me)
    assert world.me.email == "dana@mine.example"


def test_new_email_requests_are_limited_per_hour_and_said_beside_the_field(session, world):
    start = clock.now()
    limit, window = profile.EMAIL_CHANGES
    for n in range(limit):
        profile.save_details(
            session, world.scope, _form(world, email=f"try{n}@new.example"), now=start + timedelta(minutes=n)
        )
    with pytest.raises(ProfileError) as refused:
        profile.save_details(
            session,
            world.scope,
            _form(world, email="one.more@new.example", position="Boss"),
            now=start + timedelta(minutes=10),
        )
    assert set(refused.value.field_errors) == {"email"}
    assert "Try again in 50 minutes" in refused.value.field_errors["email"]
    assert not _mails(session, "one.more@new.example")
    session.refresh(world.me)
    assert world.me.position == "Facility Manager", "nothing half-saved"
    # Details without a new address still save, and the hour rolls on.
    profile.save_details(session, world.scope, _form(world), now=start + timedelta(minutes=11))
    saved = profile.save_details(
        session,
        world.scope,
        _form(world, email="one.more@new.example"),
        now=start + window + timedelta(seconds=1),
    )
    assert saved.confirmation_sent_to == "one.more@new.example"


def test_another_contacts_requests_do_not_count(session, world):
    colleague = f.contact(session, world.mine)
    for n in range(profile.EMAIL_CHANGES[0]):
        tokens.issue(session, colleague.id, TokenPurpose.EMAIL, new_email=f"c{n}@new.example")
    assert profile.email_change_wait(session, world.me.id) == 0
    assert profile.email_change_wait(session, colleague.id) > 0


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


@pytest.fixture
def client(committed, monkeypatch):
    """The download route against the test database; what the test commits is deleted afterwards."""
    monkeypatch.setattr(db, "engine", lambda: committed)
    return TestClient(Starlette(routes=files.routes), base_url="http://portal.test", follow_redirects=False)


def test_a_customer_file_downloads_for_any_contact_of_the_customer_and_no_one_else(
    client, committed, fast_settings
):
    with Session(committed, expire_on_commit=False) as s:
        mine, theirs = f.customer(s, "Mine"), f.customer(s, "Theirs")
        key = secrets.token_hex(16)
        storage_path(key).parent.mkdir(parents=True, exist_ok=True)
        storage_path(key).write_bytes(b"%PDF-1.4 agreement")
        agreement = _file(s, mine.id, AttachmentOwner.CUSTOMER, mine.id, "Agreement.pdf")
        agreement.storage_key = key
        s.add(agreement)
        no_pages = sessions.start(s, f.contact(s, mine, pages=[], sites=[]).id)
        other_customer = sessions.start(s, f.contact(s, theirs).id)
        s.commit()
    url = f"/files/attachments/{agreement.id}"

    resp = client.get(url, cookies={SESSION_COOKIE: no_pages})
    assert resp.status_code == 200 and resp.content == b"%PDF-1.4 agreement"
    assert resp.headers["content-disposition"].startswith("attachment")
    assert client.get(url, cookies={SESSION_COOKIE: other_customer}).status_code == 404
    assert client.get(url).status_code == 401
