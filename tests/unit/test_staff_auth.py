"""Staff logins: setup links, the password half of a sign-in under the customers' rules, resets,
the back office's cookie, and the owner's commands on colleagues (refused to every other role)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal import db
from portal.api import auth_routes
from portal.api.headers import security_headers
from portal.config import SESSION_COOKIE, STAFF_COOKIE
from portal.core import clock
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, StaffMember
from portal.models import (
    AttemptKind,
    AuditEvent,
    LoginAttempt,
    LoginSession,
    OutboxMail,
    Role,
    Staff,
    TokenPurpose,
)
from portal.services.identity import auth, mfa, principals, sessions, staff, throttle, tokens
from portal.services.identity.auth import AuthError
from tests.unit import factories as f
from tests.unit.staff_logins import GOOD, enrolled, mailed_token, member, set_up

OTHER = "Quiet-Meadow-77"


def password_error(session, email, password, ip="192.0.2.1", now=None) -> str:
    with pytest.raises(AuthError) as caught:
        check = staff.begin_login(session, email, ip, now)
        staff.finish_login(session, check, auth.password_matches(check, password), ip, now)
    return caught.value.field_errors["form"]


def sign_in_password(session, email, password=GOOD, ip="192.0.2.1", now=None) -> Staff:
    check = staff.begin_login(session, email, ip, now)
    return staff.finish_login(session, check, auth.password_matches(check, password), ip, now)


# --- creating and setting up ---------------------------------------------------------------------


def test_create_staff_mails_a_setup_link_and_audits(session):
    f.contractor(session)
    row, raw = staff.create_staff(session, " Kim@Harbourside.TEST ", "technician", "Kim  Lee")
    assert (row.email, row.name, row.role, row.password_hash) == (
        "kim@harbourside.test",
        "Kim Lee",
        Role.TECHNICIAN,
        "",
    )
    sent = session.exec(select(OutboxMail).where(OutboxMail.kind == "staff_invite")).one()
    assert sent.to_address == "kim@harbourside.test" and f"/office/setup?token={raw}" in sent.body_text
    assert "authenticator app" in sent.body_text
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "staff_invited")).one()
    assert event.target_id == row.id and event.detail["after"]["role"] == "technician"


@pytest.mark.parametrize(
    ("email", "role", "name", "field"),
    [
        ("", "office", "", "email"),
        ("not an email", "office", "", "email"),
        ("taken@harbourside.test", "office", "", "email"),
        ("TAKEN@harbourside.test", "office", "", "email"),
        ("new@harbourside.test", "admin", "", "role"),
        ("new@harbourside.test", ["owner"], "", "role"),
        ("new@harbourside.test", "office", "x" * 201, "name"),
    ],
)
def test_create_staff_refuses_bad_input_and_writes_nothing(session, email, role, name, field):
    staff.create_staff(session, "taken@harbourside.test", "office")
    before = session.exec(select(Staff.id)).all()
    with pytest.raises(AuthError) as caught:
        staff.create_staff(session, email, role, name)
    assert field in caught.value.field_errors
    assert session.exec(select(Staff.id)).all() == before


def test_setup_sets_name_and_password_once(session):
    row, raw = staff.create_staff(session, "kim@harbourside.test", "office")
    assert staff.setup_details(session, raw).id == row.id
    with pytest.raises(AuthError) as caught:
        staff.accept_setup(session, raw, "", "short", "other")
    assert set(caught.value.field_errors) == {"name", "password", "confirm"}
    assert staff.setup_details(session, raw) is not None, "a refused form keeps the link"
    staff.accept_setup(session, raw, " Kim Lee ", GOOD, GOOD)
    assert row.name == "Kim Lee" and row.password_hash
    with pytest.raises(AuthError) as again:
        staff.accept_setup(session, raw, "Kim", GOOD, GOOD)
    assert "token" in again.value.field_errors
    assert row.totp_enrolled_at is None, "the app is set up at the first sign-in"


def test_a_customers_invite_link_opens_no_staff_setup(session):
    contact = f.contact(session, f.customer(session))
    raw = tokens.issue(session, contact.id, TokenPurpose.INVITE)
    assert staff.setup_details(session, raw) is None
    with pytest.raises(AuthError):
        staff.accept_setup(session, raw, "Mallory", GOOD, GOOD)
    row, staff_raw = staff.create_staff(session, "kim@harbourside.test", "office")
    assert auth.invite_details(session, staff_raw) is None
    assert row.id


# --- the password half ---------------------------------------------------------------------------


def test_a_right_password_is_half_a_sign_in(session):
    row = set_up(session, email="kim@harbourside.test")
    assert sign_in_password(session, " KIM@harbourside.test ").id == row.id
    attempt = session.exec(select(LoginAttempt).where(LoginAttempt.kind == AttemptKind.STAFF_LOGIN)).one()
    assert (attempt.username, attempt.succeeded) == ("kim@harbourside.test", True)
    assert session.exec(select(LoginSession).where(LoginSession.staff_id == row.id)).all() == []
    assert session.exec(select(AuditEvent.action).where(AuditEvent.staff_id == row.id)).all()[-1] == (
        "password_accepted"
    )


def test_unknown_email_wrong_password_and_no_password_yet_get_the_same_words(session):
    set_up(session, email="kim@harbourside.test")
    staff.create_staff(session, "new@harbourside.test", "office")
    words = {
        password_error(session, "nobody@harbourside.test", GOOD),
        password_error(session, "kim@harbourside.test", "Wrong-Password-1"),
        password_error(session, "new@harbourside.test", ""),
    }
    assert words == {auth.LOGIN_FAILED}


def test_a_customers_username_and_password_do_not_sign_in_to_the_office(session):
    contact = f.contact(session, f.customer(session), email="kim@harbourside.test")
    raw = auth.send_invite(session, contact.id)
    auth.accept_invite(session, raw, "kim@harbourside.test", GOOD, GOOD)
    assert password_error(session, "kim@harbourside.test", GOOD) == auth.LOGIN_FAILED


def test_deactivated_staff_are_refused_with_the_same_words(session):
    row = set_up(session, email="kim@harbourside.test")
    owner = member(set_up(session, Role.OWNER))
    staff.deactivate(session, owner, row.id)
    assert password_error(session, "kim@harbourside.test", GOOD) == auth.LOGIN_FAILED


def test_staff_failures_follow_the_customers_throttle(session):
    row = set_up(session, email="kim@harbourside.test")
    t = clock.now()
    for i in range(6):
        password_error(session, "kim@harbourside.test", "Wrong-Password-1", now=t + timedelta(seconds=i))
    session.refresh(row)
    assert row.failed_count == 6 and row.locked_until is not None
    t += timedelta(seconds=6)
    assert password_error(session, "kim@harbourside.test", GOOD, now=t) == auth.throttled_message(29)
    for name in ("nobody@harbourside.test",):
        for i in range(6):
            password_error(session, name, "Wrong-Password-1", now=t + timedelta(seconds=i))
        assert "Too many attempts" in password_error(session, name, GOOD, now=t + timedelta(seconds=6))
    assert sign_in_password(session, "kim@harbourside.test", now=t + timedelta(seconds=31)).id == row.id


def test_staff_and_customers_do_not_share_a_streak(session):
    set_up(session, email="kim@harbourside.test")
    t = clock.now()
    for i in range(8):
        throttle.record_attempt(session, AttemptKind.LOGIN, "kim@harbourside.test", "192.0.2.1", False, t)
        del i
    assert sign_in_password(session, "kim@harbourside.test", now=t).email == "kim@harbourside.test"
    assert (
        throttle.login_blocked(session, "kim@harbourside.test", "192.0.2.1", t, kind=AttemptKind.STAFF_LOGIN)
        == 0
    )


# --- reset ---------------------------------------------------------------------------------------


def test_reset_sets_the_password_ends_sessions_and_keeps_the_app(session):
    row, secret, _ = enrolled(session, email="kim@harbourside.test")
    live = sessions.start_staff(session, row.id)
    staff.request_reset(session, "Kim@Harbourside.test", ip="192.0.2.7")
    raw = mailed_token(session, "kim@harbourside.test", "office/reset")
    assert staff.reset_details(session, raw).id == row.id
    staff.reset_password(session, raw, OTHER, OTHER)
    assert sessions.resolve_staff(session, live) is None
    assert sign_in_password(session, "kim@harbourside.test", OTHER).id == row.id
    session.refresh(row)
    assert row.totp_secret == secret and row.totp_enrolled_at is not None
    with pytest.raises(AuthError):
        staff.reset_password(session, raw, GOOD, GOOD)


def test_reset_answers_the_same_and_mails_only_a_set_up_active_login(session):
    set_up(session, email="kim@harbourside.test")
    staff.create_staff(session, "new@harbourside.test", "office")
    for who in ("nobody@harbourside.test", "new@harbourside.test", ""):
        assert staff.request_reset(session, who) is None
    assert session.exec(select(OutboxMail).where(OutboxMail.kind == "staff_reset")).all() == []
    staff.request_reset(session, "kim@harbourside.test")
    assert len(session.exec(select(OutboxMail).where(OutboxMail.kind == "staff_reset")).all()) == 1
    kinds = session.exec(select(LoginAttempt.kind).where(LoginAttempt.kind == AttemptKind.STAFF_RESET)).all()
    assert len(kinds) == 4, "every request counts against the address, answered or not"


def test_a_customers_reset_link_does_not_reset_a_staff_password(session):
    contact = f.contact(session, f.customer(session))
    raw = tokens.issue(session, contact.id, TokenPurpose.RESET)
    assert staff.reset_details(session, raw) is None
    with pytest.raises(AuthError) as caught:
        staff.reset_password(session, raw, OTHER, OTHER)
    assert "token" in caught.value.field_errors


# --- nonces and cookies --------------------------------------------------------------------------


@pytest.fixture
def client(committed, monkeypatch):
    monkeypatch.setattr(db, "engine", lambda: committed)
    app = security_headers(Starlette(routes=auth_routes.routes))
    return TestClient(app, base_url="http://portal.test", follow_redirects=False)


def _committed(engine, build):
    with Session(engine, expire_on_commit=False) as s:
        result = build(s)
        s.commit()
        return result


def _staff_nonce(s, row_id):
    row = s.get(Staff, row_id)
    factor = mfa.verify(s, row.id, mfa.code_for(row.totp_secret))
    return staff.issue_login_nonce(s, factor)


def test_a_staff_nonce_becomes_the_office_cookie(client, committed):
    row = _committed(committed, lambda s: enrolled(s)[0])
    nonce = _committed(committed, lambda s: _staff_nonce(s, row.id))
    resp = client.get("/auth/staff-session", params={"nonce": nonce, "next": "/office/staff"})
    assert resp.status_code == 303 and resp.headers["location"] == "/office/staff"
    assert (
        "httponly" in resp.headers["set-cookie"].lower()
        and SESSION_COOKIE + "=" not in resp.headers["set-cookie"]
    )
    raw = resp.cookies[STAFF_COOKIE]
    with Session(committed) as s:
        assert principals.signed_in_staff(s, raw).staff_id == row.id
        assert principals.signed_in_scope(s, raw) is None, "a staff cookie is no customer's session"
    again = client.get("/auth/staff-session", params={"nonce": nonce})
    assert again.headers["location"] == "/office/login?expired=1"


def test_the_office_cookie_lands_in_the_office_by_default_and_never_off_site(client, committed):
    row = _committed(committed, lambda s: enrolled(s)[0])
    nonce = _committed(committed, lambda s: _staff_nonce(s, row.id))
    resp = client.get("/auth/staff-session", params={"nonce": nonce, "next": "//evil.example"})
    assert resp.headers["location"] == "/office"


def test_a_customer_nonce_opens_no_staff_session_nor_the_other_way(client, committed):
    contact = _committed(committed, lambda s: f.contact(s, f.customer(s)))
    customer_nonce = _committed(committed, lambda s: auth.issue_login_nonce(s, contact.id))
    resp = client.get("/auth/staff-session", params={"nonce": customer_nonce})
    assert resp.headers["location"] == "/office/login?expired=1" and "set-cookie" not in resp.headers
    row = _committed(committed, lambda s: enrolled(s)[0])
    staff_nonce = _committed(committed, lambda s: _staff_nonce(s, row.id))
    resp = client.get("/auth/session", params={"nonce": staff_nonce})
    assert resp.headers["location"] == "/login?expired=1" and "set-cookie" not in resp.headers
    with Session(committed) as s:
        assert s.exec(select(LoginSession).where(LoginSession.staff_id == row.id)).all() == []


def test_a_customer_session_is_no_staff_member(session):
    contact = f.contact(session, f.customer(session))
    raw = sessions.start(session, contact.id)
    assert principals.signed_in_staff(session, raw) is None


def test_staff_logout_ends_the_session_from_the_offices_own_page_only(client, committed):
    row = _committed(committed, lambda s: enrolled(s)[0])
    nonce = _committed(committed, lambda s: _staff_nonce(s, row.id))
    raw = client.get("/auth/staff-session", params={"nonce": nonce}).cookies[STAFF_COOKIE]
    cross = client.post(
        "/auth/staff-logout", cookies={STAFF_COOKIE: raw}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross.status_code == 403
    assert client.get("/auth/staff-logout", cookies={STAFF_COOKIE: raw}).headers["location"] == "/office"
    with Session(committed) as s:
        assert principals.signed_in_staff(s, raw) is not None
    resp = client.post(
        "/auth/staff-logout", cookies={STAFF_COOKIE: raw}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/office/login?signed_out=1"
    assert resp.headers["clear-site-data"] == '"storage"'
    with Session(committed) as s:
        assert principals.signed_in_staff(s, raw) is None


# --- managing staff ------------------------------------------------------------------------------


@pytest.fixture
def team(session):
    owner = set_up(session, Role.OWNER, email="owner@harbourside.test", name="Olive Owner")
    office = set_up(session, Role.OFFICE, email="office@harbourside.test", name="Kylie Hart")
    tech = set_up(session, Role.TECHNICIAN, email="tech@harbourside.test", name="Liam Carter")
    return {"owner": owner, "office": office, "technician": tech}


def test_the_owner_lists_invites_changes_roles_and_deactivates(session, team):
    owner = member(team["owner"])
    page = staff.staff_list(session, owner, PageRequest(sort="name", descending=False))
    assert [r.name for r in page.rows] == ["Kylie Hart", "Liam Carter", "Olive Owner"]
    assert all(r.active and r.set_up and not r.mfa_enrolled for r in page.rows)
    raw = staff.invite(session, owner, "new@harbourside.test", "Nina New", "office")
    assert mailed_token(session, "new@harbourside.test", "office/setup") == raw
    tech = team["technician"]
    staff.change_role(session, owner, str(tech.id), "office")
    assert tech.role == Role.OFFICE
    live = sessions.start_staff(session, tech.id)
    link = tokens.issue_staff(session, tech.id, TokenPurpose.RESET)
    staff.deactivate(session, owner, tech.id)
    assert not tech.is_active and tech.deactivated_at is not None
    assert sessions.resolve_staff(session, live) is None and staff.reset_details(session, link) is None
    events = session.exec(
        select(AuditEvent).where(AuditEvent.target_id == tech.id, AuditEvent.staff_id == owner.staff_id)
    ).all()
    by_action = {e.action: e.detail for e in events}
    assert by_action["staff_role_changed"]["before"] == {"role": "technician"}
    assert by_action["staff_role_changed"]["after"] == {"role": "office"}
    assert by_action["staff_deactivated"]["after"] == {"active": False}


@pytest.mark.parametrize("role", ["office", "technician"])
def test_other_roles_may_not_manage_staff(session, team, role):
    who = member(team[role])
    target = team["owner" if role == "office" else "office"]
    before = (target.role, target.is_active)
    staff_count = len(session.exec(select(Staff.id)).all())
    for command in (
        lambda: staff.staff_list(session, who, PageRequest()),
        lambda: staff.invite(session, who, "new@harbourside.test", "Nina", "owner"),
        lambda: staff.change_role(session, who, target.id, "technician"),
        lambda: staff.change_role(session, who, who.staff_id, "owner"),
        lambda: staff.deactivate(session, who, target.id),
    ):
        with pytest.raises(AccessDenied):
            command()
    session.refresh(target)
    assert (target.role, target.is_active) == before
    assert len(session.exec(select(Staff.id)).all()) == staff_count
    assert session.exec(select(OutboxMail).where(OutboxMail.to_address == "new@harbourside.test")).all() == []


def test_a_customer_contact_may_not_manage_staff(session, team):
    contact = principals.scope_for(session, f.contact(session, f.customer(session)).id)
    with pytest.raises(AccessDenied):
        staff.deactivate(session, contact, team["office"].id)  # type: ignore[arg-type]
    assert team["office"].is_active


@pytest.mark.parametrize("bad", [None, "abc", -1, 0, 10**30, "1; drop table staff", 99_999])
def test_a_bad_staff_id_is_a_clear_error(session, team, bad):
    owner = member(team["owner"])
    with pytest.raises(AuthError) as caught:
        staff.deactivate(session, owner, bad)
    assert caught.value.field_errors == {"form": "That staff member is not available."}


def test_the_last_owner_keeps_the_role_and_no_one_deactivates_themselves(session, team):
    owner = member(team["owner"])
    with pytest.raises(AuthError) as caught:
        staff.change_role(session, owner, owner.staff_id, "office")
    assert caught.value.field_errors == {"role": staff.LAST_OWNER}
    with pytest.raises(AuthError):
        staff.deactivate(session, owner, owner.staff_id)
    with pytest.raises(AuthError) as bad_role:
        staff.change_role(session, owner, team["office"].id, "admin")
    assert "role" in bad_role.value.field_errors
    second = StaffMember(team["office"].id, "Kylie", Role.OWNER)
    staff.change_role(session, owner, team["office"].id, "owner")
    staff.change_role(session, second, owner.staff_id, "office")
    assert team["owner"].role == Role.OFFICE
