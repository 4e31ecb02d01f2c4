"""Signing in to the back office: the password, then the authenticator app, set up at the first
sign-in from the key typed out on the page; recovery codes shown once and working once; a code that
works once; a reset that still asks for the code; logout; and an invite from /office/staff whose
mailed link sets up a new login."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pyotp
from sqlmodel import Session, select

from portal.config import STAFF_COOKIE
from portal.core import clock
from portal.models import Role, Staff
from portal.services.identity import mfa, staff
from tests.browser.conftest import at, last_link, login, office_cookie

GOOD = "Harbour-Lights-42"
NEW = "Quiet-Meadow-77"
_serial = itertools.count()


def new_staff(portal, role: Role = Role.OFFICE, enrolled: bool = False) -> tuple[str, str, list[str]]:
    """A staff login with its password set (and, when ``enrolled``, an app whose current code is
    still unused); returns its email, secret and recovery codes."""
    email = f"signin{next(_serial)}-{clock.now().timestamp():.0f}@office.test"
    with Session(portal.engine, expire_on_commit=False) as s:
        _, raw = staff.create_staff(s, email, role, "Sam Sign-in")
        row = staff.accept_setup(s, raw, "Sam Sign-in", GOOD, GOOD)
        secret, codes = "", []
        if enrolled:
            secret = mfa.new_secret()
            earlier = clock.now() - timedelta(seconds=mfa.STEP_SECONDS)
            codes = mfa.enrol(s, row.id, secret, mfa.code_for(secret, earlier), now=earlier).recovery_codes
        s.commit()
    return email, secret, codes


def give_password(page, email: str, password: str = GOOD, next_path: str = "") -> None:
    page.goto("/office/login" + (f"?next={next_path}" if next_path else ""))
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#password").press("Enter")


def give_code(page, code: str) -> None:
    page.locator("#code").fill(code)
    page.locator("#code").press("Enter")


def code_error(page) -> str:
    error = page.locator(".field-error")
    error.wait_for()
    return error.inner_text()


def staff_cookie(page) -> bool:
    return any(c["name"] == STAFF_COOKIE for c in page.context.cookies())


def log_out(page) -> None:
    """Once the office page has drawn (its sign-in check done, so it cannot send the browser to the
    sign-in page after the logout)."""
    page.locator("#office-home").wait_for()
    page.locator("#office-logout").click()
    at(page, "/office/login?signed_out=1")
    page.get_by_text("You have logged out.").wait_for()


def test_enrolment_by_the_typed_key_shows_recovery_codes_once(page, portal):
    email, _, _ = new_staff(portal)
    give_password(page, email)
    key = page.locator("#enrol-secret")
    key.wait_for()
    secret = key.inner_text().replace(" ", "")
    assert len(secret) == 32
    qr = page.locator("#enrol-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml") and "QR code" in qr.get_attribute("alt")
    assert page.locator("#code").get_attribute("autocomplete") == "one-time-code"
    assert not staff_cookie(page), "a password alone opens nothing"

    give_code(page, "000000")
    assert "not right" in code_error(page)
    give_code(page, pyotp.TOTP(secret).at(clock.now()))
    page.locator("#recovery-codes").wait_for()
    shown = page.locator("#recovery-codes li").all_inner_texts()
    assert len(shown) == 10 and len(set(shown)) == 10
    with Session(portal.engine) as s:
        row = s.exec(select(Staff).where(Staff.email == email)).one()
        assert row.totp_secret == secret and row.totp_enrolled_at is not None
    page.locator("#codes-saved").click()
    page.locator("#office-home").wait_for()
    assert page.locator("#staff-name").inner_text() == "Sam Sign-in"
    log_out(page)
    page.goto("/office")
    at(page, "/office/login?next=/office")
    give_password(page, email)
    page.locator("#code").wait_for()
    assert page.locator("#enrol-secret").count() == 0 and page.locator("#recovery-codes").count() == 0


def test_a_code_signs_in_once_and_a_wrong_one_is_said_beside_the_field(phone, portal):
    page = phone
    email, secret, _ = new_staff(portal, enrolled=True)
    give_password(page, email, next_path="/office")
    page.locator("#code").wait_for()
    give_code(page, "123456")
    assert "not right" in code_error(page)
    code = mfa.code_for(secret)
    give_code(page, code)
    page.locator("#office-home").wait_for()
    assert staff_cookie(page)
    log_out(page)

    give_password(page, email)
    give_code(page, code)
    assert "already used" in code_error(page)
    assert not staff_cookie(page)
    give_code(page, mfa.code_for(secret, clock.now() + timedelta(seconds=mfa.STEP_SECONDS)))
    page.locator("#office-home").wait_for()


def test_a_recovery_code_works_once(page, portal):
    email, _, codes = new_staff(portal, enrolled=True)
    give_password(page, email)
    give_code(page, codes[0])
    page.locator("#office-home").wait_for()
    log_out(page)
    give_password(page, email)
    give_code(page, codes[0])
    assert "not right" in code_error(page)
    give_code(page, codes[1].upper())
    page.locator("#office-home").wait_for()


def test_a_reset_by_link_still_asks_for_the_code(page, portal):
    email, _, codes = new_staff(portal, enrolled=True)
    page.goto("/office/login")
    page.locator("#forgot").click()
    at(page, "/office/forgot")
    page.locator("#username").fill(email)
    page.locator("#username").press("Enter")
    page.locator("#reset-sent").wait_for()
    page.goto(last_link(portal, email, "/office/reset"))
    at(page, "/office/reset")
    page.locator("#password").fill(NEW)
    page.locator("#confirm").fill(NEW)
    page.locator("#save-password").click()
    at(page, "/office/login?password_set=1")
    assert not staff_cookie(page)
    give_password(page, email, NEW)
    page.locator("#code").wait_for()
    assert not staff_cookie(page), "the new password alone opens nothing"
    give_code(page, codes[0])
    page.locator("#office-home").wait_for()


def test_a_wrong_password_says_so_and_asks_no_code(page, portal):
    email, _, _ = new_staff(portal, enrolled=True)
    give_password(page, email, "Wrong-Password-1")
    page.locator("#form-error").get_by_text("Username or password is incorrect.").wait_for()
    assert page.locator("#code").count() == 0


def test_a_customer_session_does_not_open_office_pages(page, portal):
    login(page, "dana@northside.example")
    page.locator("#dashboard-cards").wait_for()
    page.goto("/office/staff")
    at(page, "/office/login?next=/office/staff")


def test_the_owner_invites_and_the_mailed_link_sets_up_the_login(page, portal):
    office_cookie(page, portal, "owner")
    page.goto("/office/staff")
    page.locator("#office-staff").wait_for()
    email = f"invited{next(_serial)}-{clock.now().timestamp():.0f}@office.test"
    page.locator("#invite-open").click()
    page.locator("#invite-email").fill(email)
    page.locator("#invite-name").fill("Ivy Invited")
    page.locator("#invite-role").click()
    page.get_by_role("option", name="Technician").click()
    page.locator("#invite-send").click()
    row = page.locator(f"[data-staff-row='{email}']")
    row.wait_for()
    assert "Invited" in row.inner_text() and "technician" in row.inner_text()

    link = last_link(portal, email, "/office/setup")
    page.context.clear_cookies()
    page.goto(link)
    at(page, "/office/setup")
    assert page.locator("#name").input_value() == "Ivy Invited"
    page.locator("#password").fill(GOOD)
    page.locator("#confirm").fill(GOOD)
    page.locator("#save-password").click()
    at(page, "/office/login?password_set=1")
    give_password(page, email)
    page.locator("#enrol-secret").wait_for()
    with Session(portal.engine) as s:
        row = s.exec(select(Staff).where(Staff.email == email)).one()
        assert (row.role, row.name) == (Role.TECHNICIAN, "Ivy Invited") and row.password_hash


def test_office_and_technician_see_not_available_on_the_staff_screen(page, portal):
    for role in ("office", "technician"):
        office_cookie(page, portal, role)
        page.goto("/office/staff")
        page.locator("#not-available").wait_for()
        assert page.locator("#office-staff").count() == 0
        page.context.clear_cookies()
