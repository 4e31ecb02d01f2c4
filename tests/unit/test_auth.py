"""The sign-in use cases: invites, login, reset, change, nonces, deactivation."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from portal.core import clock
from portal.models import (
    AttemptKind,
    AuditEvent,
    Contact,
    Contractor,
    Credential,
    Customer,
    LoginAttempt,
    LoginSession,
    OneTimeToken,
    OutboxMail,
    TokenPurpose,
)
from portal.services.identity import auth, passwords, sessions
from portal.services.identity.auth import AuthError

GOOD = "Harbour-Lights-42"
OTHER_GOOD = "Quiet-Meadow-77"
_serial = itertools.count()


def make_contact(session, **fields) -> Contact:
    customer = Customer(name="Harbour Body Corporate")
    session.add(customer)
    session.flush()
    n = next(_serial)
    values = {"first_name": "Jane", "last_name": "Hill", "email": f"Jane{n}@Example.com", **fields}
    contact = Contact(customer_id=customer.id, **values)
    session.add(contact)
    session.flush()
    return contact


def make_user(session, username="jane", password=GOOD, **fields) -> Contact:
    contact = make_contact(session, **fields)
    raw = auth.send_invite(session, contact.id)
    auth.accept_invite(session, raw, username, password, password)
    return contact


def mails(session, kind=None):
    stmt = select(OutboxMail).order_by(OutboxMail.id)
    if kind:
        stmt = stmt.where(OutboxMail.kind == kind)
    return session.exec(stmt).all()


def actions(session):
    return list(session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all())


def login_error(session, username, password, ip="192.0.2.1", now=None) -> str:
    with pytest.raises(AuthError) as caught:
        auth.authenticate(session, username, password, ip=ip, now=now)
    assert set(caught.value.field_errors) == {"form"}
    return caught.value.field_errors["form"]


# --- invites -------------------------------------------------------------------------------------


def test_send_invite_turns_on_login_and_queues_the_mail(session):
    session.add(Contractor(company_name="Bright Spark Electrical"))
    contact = make_contact(session)
    raw = auth.send_invite(session, contact.id)
    assert contact.login_active is True
    (sent,) = mails(session, "invite")
    assert sent.to_address == contact.email
    assert f"https://portal.example.test/setup?token={raw}" in sent.body_text
    assert "Bright Spark Electrical" in sent.body_text
    assert "invite_sent" in actions(session)


def test_invite_needs_an_email(session):
    contact = make_contact(session, email="")
    with pytest.raises(AuthError) as caught:
        auth.send_invite(session, contact.id)
    assert "form" in caught.value.field_errors
    assert contact.login_active is False
    assert mails(session) == []


def test_invite_details_offer_the_email_as_username(session):
    contact = make_contact(session)
    raw = auth.send_invite(session, contact.id)
    shown = auth.invite_details(session, raw)
    assert shown.id == contact.id
    assert auth.default_username(shown) == contact.email.lower()
    assert auth.invite_details(session, "bogus") is None


def test_accept_invite_sets_username_and_password(session):
    contact = make_contact(session)
    raw = auth.send_invite(session, contact.id)
    accepted = auth.accept_invite(session, raw, "  Jane.Hill ", GOOD, GOOD)
    assert accepted.id == contact.id and contact.username == "jane.hill"
    credential = session.get(Credential, contact.id)
    assert passwords.verify_password(GOOD, credential.password_hash)
    assert credential.password_hash.startswith("$2b$04$")
    assert "password_set" in actions(session)
    assert auth.authenticate(session, "JANE.HILL", GOOD).id == contact.id
    assert auth.invite_details(session, raw) is None


def _refused_invite(session, raw, username, password, confirm, field):
    with pytest.raises(AuthError) as caught:
        auth.accept_invite(session, raw, username, password, confirm)
    assert field in caught.value.field_errors
    return caught.value.field_errors


@pytest.mark.parametrize(
    ("username", "password", "confirm", "field", "message"),
    [
        ("jh", GOOD, GOOD, "username", None),
        ("x" * 255, GOOD, GOOD, "username", None),
        ("jane hill", GOOD, GOOD, "username", None),
        ("taken", GOOD, GOOD, "username", "That username is taken"),
        ("jane.hill", "short1A", "short1A", "password", None),
        ("jane.hill", "nouppercase123", "nouppercase123", "password", None),
        ("jane.hill", "Password123", "Password123", "password", None),
        ("jane.hill", GOOD, GOOD + "x", "confirm", "Passwords do not match"),
        ("jane.hill", "é" * 200 + "A1", "é" * 200 + "A1", "password", None),
    ],
)
def test_refused_invite_saves_nothing_and_keeps_the_link(
    session, username, password, confirm, field, message
):
    make_user(session, username="taken")
    contact = make_contact(session)
    raw = auth.send_invite(session, contact.id)
    errors = _refused_invite(session, raw, username, password, confirm, field)
    if message:
        assert errors[field] == message
    assert session.get(Credential, contact.id) is None
    session.refresh(contact)
    assert contact.username is None
    assert auth.invite_details(session, raw).id == contact.id
    auth.accept_invite(session, raw, "jane.hill", GOOD, GOOD)
    assert session.get(Credential, contact.id) is not None


def test_username_taken_is_case_insensitive(session):
    make_user(session, username="jane")
    contact = make_contact(session)
    raw = auth.send_invite(session, contact.id)
    errors = _refused_invite(session, raw, "JANE", GOOD, GOOD, "username")
    assert errors["username"] == "That username is taken"


def test_reinvited_contact_may_keep_their_own_username(session):
    contact = make_user(session, username="jane")
    raw = auth.send_invite(session, contact.id)
    auth.accept_invite(session, raw, "jane", OTHER_GOOD, OTHER_GOOD)
    assert auth.authenticate(session, "jane", OTHER_GOOD).id == contact.id


def test_long_multibyte_password_within_128_characters_works(session):
    password = "é" * 120 + "A1"
    assert len(password) <= 128 and len(password.encode()) > 72
    contact = make_contact(session)
    raw = auth.send_invite(session, contact.id)
    auth.accept_invite(session, raw, "jane", password, password)
    assert auth.authenticate(session, "jane", password).id == contact.id
    assert login_error(session, "jane", "é" * 119 + "A1") == auth.LOGIN_FAILED


def test_invalid_invite_link(session):
    contact = make_contact(session)
    t0 = clock.now()
    raw = auth.send_invite(session, contact.id, now=t0)
    with pytest.raises(AuthError) as caught:
        auth.accept_invite(session, raw, "jane", GOOD, GOOD, now=t0 + timedelta(days=7))
    assert caught.value.field_errors == {"token": auth.LINK_EXPIRED}
    with pytest.raises(AuthError) as caught:
        auth.accept_invite(session, "made-up", "jane", GOOD, GOOD)
    assert caught.value.field_errors["token"] == auth.LINK_EXPIRED
    assert session.get(Credential, contact.id) is None


def test_invite_link_works_once(session):
    contact = make_contact(session)
    raw = auth.send_invite(session, contact.id)
    auth.accept_invite(session, raw, "jane", GOOD, GOOD)
    with pytest.raises(AuthError) as caught:
        auth.accept_invite(session, raw, "jane", OTHER_GOOD, OTHER_GOOD)
    assert "token" in caught.value.field_errors
    assert auth.authenticate(session, "jane", GOOD).id == contact.id


def test_a_second_invite_voids_the_first(session):
    contact = make_contact(session)
    first = auth.send_invite(session, contact.id)
    second = auth.send_invite(session, contact.id)
    assert auth.invite_details(session, first) is None
    assert auth.invite_details(session, second).id == contact.id


# --- login ---------------------------------------------------------------------------------------


def test_login_succeeds_and_is_recorded(session):
    contact = make_user(session)
    assert auth.authenticate(session, " Jane ", GOOD, ip="192.0.2.1").id == contact.id
    attempt = session.exec(select(LoginAttempt).where(LoginAttempt.kind == AttemptKind.LOGIN)).one()
    assert (attempt.username, attempt.ip, attempt.succeeded) == ("jane", "192.0.2.1", True)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "login_succeeded")).one()
    assert (event.contact_id, event.customer_id, event.ip) == (contact.id, contact.customer_id, "192.0.2.1")


def test_unknown_user_and_wrong_password_get_the_same_words(session):
    make_user(session)
    unknown = login_error(session, "nobody", GOOD)
    wrong = login_error(session, "jane", "Wrong-Password-1")
    assert unknown == wrong == "Username or password is incorrect."
    assert actions(session).count("login_failed") == 2


@pytest.mark.parametrize("change", [{"login_active": False}, {"deactivated_at": clock.now()}])
def test_inactive_accounts_get_the_same_words(session, change):
    contact = make_user(session)
    for key, value in change.items():
        setattr(contact, key, value)
    session.add(contact)
    session.flush()
    assert login_error(session, "jane", GOOD) == auth.LOGIN_FAILED


def test_unknown_user_still_costs_a_bcrypt_check(session, monkeypatch):
    checked = []
    real = passwords.verify_password
    monkeypatch.setattr(passwords, "verify_password", lambda pw, h: checked.append(h) or real(pw, h))
    login_error(session, "nobody", GOOD)
    assert checked == [passwords.dummy_hash(4)]


def test_failures_count_and_success_resets(session):
    contact = make_user(session)
    for _ in range(3):
        login_error(session, "jane", "Wrong-Password-1")
    credential = session.get(Credential, contact.id)
    assert credential.failed_count == 3 and credential.last_failed_at is not None
    auth.authenticate(session, "jane", GOOD)
    assert (credential.failed_count, credential.locked_until) == (0, None)


def test_growing_delay_after_five_failures_same_for_unknown_accounts(session):
    make_user(session)
    t = clock.now()
    for name in ("jane", "ghost"):
        for i in range(6):
            assert (
                login_error(session, name, "Wrong-Password-1", ip=f"10.0.{i}.1", now=t) == auth.LOGIN_FAILED
            )
    jane = login_error(session, "jane", GOOD, ip="10.9.9.9", now=t)
    ghost = login_error(session, "ghost", GOOD, ip="10.9.9.9", now=t)
    assert jane == ghost == "Too many attempts. Try again in 30 seconds, or reset your password."
    later = t + timedelta(seconds=30)
    login_error(session, "jane", "Wrong-Password-1", ip="10.9.9.9", now=later)
    assert "60 seconds" in login_error(session, "jane", GOOD, ip="10.9.9.9", now=later)
    assert auth.authenticate(session, "jane", GOOD, ip="10.9.9.9", now=later + timedelta(seconds=60))


def test_a_locked_account_does_not_check_the_password(session, monkeypatch):
    make_user(session)
    t = clock.now()
    for _ in range(6):
        login_error(session, "jane", "Wrong-Password-1", now=t)
    monkeypatch.setattr(passwords, "verify_password", lambda *a: pytest.fail("password was checked"))
    assert "Too many attempts" in login_error(session, "jane", GOOD, now=t)


def test_hundred_failures_an_hour_cap(session):
    make_user(session)
    now = clock.now() + timedelta(minutes=10)  # failures from before the password was set do not count
    for i in range(100):
        session.add(
            LoginAttempt(
                kind=AttemptKind.LOGIN, username="jane", ip=f"10.{i}.0.1", at=now - timedelta(minutes=5)
            )
        )
    session.flush()
    message = login_error(session, "jane", GOOD, ip="10.200.0.1", now=now)
    assert message == auth.throttled_message(55 * 60)


def test_per_address_limit(session):
    make_user(session)
    t = clock.now()
    for i in range(30):
        login_error(session, f"user{i}", "Wrong-Password-1", ip="203.0.113.7", now=t)
    assert "Too many attempts" in login_error(session, "jane", GOOD, ip="203.0.113.7", now=t)
    assert auth.authenticate(session, "jane", GOOD, ip="203.0.113.8", now=t)


def test_real_user_gets_in_after_a_reset_despite_the_lockout(session):
    contact = make_user(session)
    t = clock.now()
    for i in range(12):
        login_error(session, "jane", f"Guess-{i}-Password", ip=f"10.0.{i}.1", now=t)
    assert "Too many attempts" in login_error(session, "jane", GOOD, ip="10.8.8.8", now=t)
    auth.request_reset(session, "jane", ip="10.8.8.8", now=t)
    raw = _reset_token_from_mail(session)
    auth.reset_password(session, raw, OTHER_GOOD, OTHER_GOOD, now=t + timedelta(seconds=5))
    credential = session.get(Credential, contact.id)
    assert (credential.failed_count, credential.locked_until) == (0, None)
    assert (
        auth.authenticate(session, "jane", OTHER_GOOD, ip="10.8.8.8", now=t + timedelta(seconds=6)).id
        == contact.id
    )


def test_a_failed_login_leaves_only_what_must_be_kept(session):
    """The caller commits after this AuthError: the attempt, the counter and the audit row are
    flushed and nothing else is pending."""
    contact = make_user(session)
    login_error(session, "jane", "Wrong-Password-1")
    assert not session.new and not session.dirty and not session.deleted
    assert session.get(Credential, contact.id).failed_count == 1
    failed = session.exec(select(LoginAttempt).where(LoginAttempt.succeeded.is_(False))).one()
    assert failed.username == "jane"
    assert actions(session)[-1] == "login_failed"


# --- nonces and sessions -------------------------------------------------------------------------


def test_login_nonce_swaps_once_for_a_session(session):
    contact = make_user(session)
    nonce = auth.issue_login_nonce(session, contact.id)
    raw_session = auth.exchange_login_nonce(session, nonce, ip="192.0.2.1", user_agent="Firefox")
    assert sessions.resolve(session, raw_session).contact_id == contact.id
    assert auth.exchange_login_nonce(session, nonce) is None


def test_login_nonce_lives_60_seconds(session):
    contact = make_user(session)
    t0 = clock.now()
    nonce = auth.issue_login_nonce(session, contact.id, now=t0)
    assert auth.exchange_login_nonce(session, nonce, now=t0 + timedelta(seconds=60)) is None
    fresh = auth.issue_login_nonce(session, contact.id, now=t0)
    assert auth.exchange_login_nonce(session, fresh, now=t0 + timedelta(seconds=59)) is not None


# --- reset ---------------------------------------------------------------------------------------


def _reset_token_from_mail(session) -> str:
    body = mails(session, "reset")[-1].body_text
    return body.split("/reset?token=", 1)[1].split()[0]


@pytest.mark.parametrize("identifier", ["jane", "JANE", "{email}", "{EMAIL}"])
def test_reset_by_username_or_email(session, identifier):
    contact = make_user(session)
    auth.request_reset(
        session, identifier.format(email=contact.email, EMAIL=contact.email.upper()), ip="10.0.0.1"
    )
    (sent,) = mails(session, "reset")
    assert sent.to_address == contact.email
    assert "expires in 30 minutes" in sent.body_text
    assert auth.reset_details(session, _reset_token_from_mail(session)).id == contact.id


@pytest.mark.parametrize(
    "setup",
    ["unknown", "login_inactive", "deactivated"],
)
def test_reset_answers_the_same_and_sends_nothing(session, setup):
    contact = make_user(session)
    if setup == "login_inactive":
        contact.login_active = False
    if setup == "deactivated":
        auth.deactivate(session, contact.id)
    session.add(contact)
    session.flush()
    before = len(mails(session))
    name = "nobody" if setup == "unknown" else "jane"
    assert auth.request_reset(session, name, ip="10.0.0.1") is None
    assert len(mails(session)) == before
    assert session.exec(select(OneTimeToken).where(OneTimeToken.purpose == TokenPurpose.RESET)).all() == []


def test_reset_mails_capped_at_five_an_hour_per_account(session):
    make_user(session)
    t = clock.now()
    for i in range(7):
        assert auth.request_reset(session, "jane", ip=f"10.0.{i}.1", now=t) is None
    assert len(mails(session, "reset")) == 5
    auth.request_reset(session, "jane", ip="10.0.9.1", now=t + timedelta(hours=1))
    assert len(mails(session, "reset")) == 6


def test_reset_requests_capped_at_ten_an_hour_per_address(session):
    for n in range(3):
        make_user(session, username=f"user{n}")
    t = clock.now()
    for i in range(10):
        auth.request_reset(session, f"nobody{i}", ip="203.0.113.7", now=t)
    auth.request_reset(session, "user0", ip="203.0.113.7", now=t)
    assert mails(session, "reset") == []
    auth.request_reset(session, "user1", ip="203.0.113.8", now=t)
    assert len(mails(session, "reset")) == 1


def test_reset_password_sets_it_and_ends_sessions(session):
    contact = make_user(session)
    old_session = sessions.start(session, contact.id)
    auth.request_reset(session, "jane", ip="10.0.0.1")
    raw = _reset_token_from_mail(session)
    assert auth.reset_password(session, raw, OTHER_GOOD, OTHER_GOOD).id == contact.id
    assert sessions.resolve(session, old_session) is None
    revoked = session.exec(select(LoginSession).where(LoginSession.contact_id == contact.id)).one()
    session.refresh(revoked)
    assert revoked.revoked_reason == "password_reset"
    assert login_error(session, "jane", GOOD) == auth.LOGIN_FAILED
    assert auth.authenticate(session, "jane", OTHER_GOOD).id == contact.id
    assert "password_reset" in actions(session)
    with pytest.raises(AuthError) as caught:
        auth.reset_password(session, raw, GOOD, GOOD)
    assert "token" in caught.value.field_errors


def test_reset_link_expires_after_30_minutes(session):
    make_user(session)
    t0 = clock.now()
    auth.request_reset(session, "jane", ip="10.0.0.1", now=t0)
    raw = _reset_token_from_mail(session)
    with pytest.raises(AuthError) as caught:
        auth.reset_password(session, raw, OTHER_GOOD, OTHER_GOOD, now=t0 + timedelta(minutes=30))
    assert caught.value.field_errors == {"token": auth.LINK_EXPIRED}


@pytest.mark.parametrize(
    ("password", "confirm", "field"),
    [
        ("weak", "weak", "password"),
        (OTHER_GOOD, GOOD, "confirm"),
        ("é" * 200 + "A1", "é" * 200 + "A1", "password"),
    ],
)
def test_refused_reset_changes_nothing_and_keeps_the_link(session, password, confirm, field):
    contact = make_user(session)
    live = sessions.start(session, contact.id)
    auth.request_reset(session, "jane", ip="10.0.0.1")
    raw = _reset_token_from_mail(session)
    with pytest.raises(AuthError) as caught:
        auth.reset_password(session, raw, password, confirm)
    assert field in caught.value.field_errors
    assert auth.authenticate(session, "jane", GOOD).id == contact.id
    assert sessions.resolve(session, live) is not None
    assert auth.reset_details(session, raw) is not None


# --- change --------------------------------------------------------------------------------------


def test_change_password_ends_every_session(session):
    contact = make_user(session)
    raws = [sessions.start(session, contact.id) for _ in range(2)]
    auth.change_password(session, contact.id, GOOD, OTHER_GOOD, OTHER_GOOD)
    assert all(sessions.resolve(session, raw) is None for raw in raws)
    rows = session.exec(select(LoginSession).where(LoginSession.contact_id == contact.id)).all()
    for row in rows:
        session.refresh(row)
    assert {row.revoked_reason for row in rows} == {"password_change"}
    assert auth.authenticate(session, "jane", OTHER_GOOD).id == contact.id
    assert "password_changed" in actions(session)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field"),
    [
        ("Wrong-Password-1", OTHER_GOOD, OTHER_GOOD, "current"),
        (GOOD, "weak", "weak", "password"),
        (GOOD, OTHER_GOOD, OTHER_GOOD + "!", "confirm"),
    ],
)
def test_refused_change_keeps_the_old_password_and_sessions(session, current, new, confirm, field):
    contact = make_user(session)
    live = sessions.start(session, contact.id)
    with pytest.raises(AuthError) as caught:
        auth.change_password(session, contact.id, current, new, confirm)
    assert field in caught.value.field_errors
    assert sessions.resolve(session, live) is not None
    assert auth.authenticate(session, "jane", GOOD).id == contact.id


def test_wrong_current_password_counts_towards_the_lock(session):
    contact = make_user(session)
    t = clock.now()
    for _ in range(6):
        with pytest.raises(AuthError):
            auth.change_password(session, contact.id, "Wrong-Password-1", OTHER_GOOD, OTHER_GOOD, now=t)
    with pytest.raises(AuthError) as caught:
        auth.change_password(session, contact.id, GOOD, OTHER_GOOD, OTHER_GOOD, now=t)
    assert "Too many attempts" in caught.value.field_errors["form"]


# --- deactivation --------------------------------------------------------------------------------


def test_deactivate_ends_sessions_and_links(session):
    contact = make_user(session)
    live = sessions.start(session, contact.id)
    nonce = auth.issue_login_nonce(session, contact.id)
    auth.request_reset(session, "jane", ip="10.0.0.1")
    reset = _reset_token_from_mail(session)
    auth.deactivate(session, contact.id)
    assert contact.login_active is False and contact.deactivated_at is not None
    assert sessions.resolve(session, live) is None
    row = session.exec(select(LoginSession).where(LoginSession.contact_id == contact.id)).one()
    session.refresh(row)
    assert row.revoked_reason == "deactivated"
    outstanding = session.exec(
        select(OneTimeToken).where(
            OneTimeToken.contact_id == contact.id,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.voided_at.is_(None),
        )
    ).all()
    assert outstanding == []
    assert auth.exchange_login_nonce(session, nonce) is None
    assert auth.reset_details(session, reset) is None
    assert login_error(session, "jane", GOOD) == auth.LOGIN_FAILED
    assert "contact_deactivated" in actions(session)


def test_deactivated_contact_cannot_be_invited(session):
    contact = make_user(session)
    auth.deactivate(session, contact.id)
    with pytest.raises(AuthError):
        auth.send_invite(session, contact.id)


def test_no_raw_secret_is_stored_outside_the_mail(session):
    contact = make_contact(session)
    invite = auth.send_invite(session, contact.id)
    auth.accept_invite(session, invite, "jane", GOOD, GOOD)
    nonce = auth.issue_login_nonce(session, contact.id)
    raw_session = auth.exchange_login_nonce(session, nonce)
    for table in SQLModel.metadata.sorted_tables:
        if table.name == "outbox_mail":
            continue
        for row in session.execute(sa_select(table)).all():
            text = " ".join(str(v) for v in row)
            assert invite not in text and nonce not in text and raw_session not in text and GOOD not in text
