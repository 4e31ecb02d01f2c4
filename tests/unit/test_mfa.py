"""The back office's second factor: enrolment, codes that work once, recovery codes, throttling,
and a password reset that leaves all of it in place."""

from __future__ import annotations

import threading
from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select, update

from portal import db
from portal.core import clock
from portal.models import AttemptKind, AuditEvent, LoginAttempt, RecoveryCode, Staff
from portal.services.identity import auth, mfa, staff
from portal.services.identity.auth import AuthError
from tests.unit.staff_logins import GOOD, enrolled, mailed_token, set_up


def code_error(call) -> str:
    with pytest.raises(AuthError) as caught:
        call()
    return caught.value.field_errors.get("code") or caught.value.field_errors.get("form", "")


def test_a_new_secret_is_base32_and_its_uri_and_qr_name_the_login():
    secret = mfa.new_secret()
    assert mfa.valid_secret(secret) and len(secret) == 32
    uri = mfa.otpauth_uri(secret, "kim@harbourside.test", "Harbourside Fire")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri and "issuer=Harbourside" in uri
    assert mfa.qr_data_uri(uri).startswith("data:image/svg+xml")
    assert mfa.grouped("ABCDEFGH") == "ABCD EFGH"
    assert mfa.new_secret() != secret


def test_the_code_is_the_apps_code():
    secret = mfa.new_secret()
    now = clock.now()
    assert mfa.code_for(secret, now) == pyotp.TOTP(secret).at(now)


def test_enrolment_keeps_the_secret_only_after_a_right_code(session):
    row = set_up(session)
    secret = mfa.new_secret()
    assert "not right" in code_error(lambda: mfa.enrol(session, row.id, secret, "000000"))
    assert row.totp_secret == "" and row.totp_enrolled_at is None
    done = mfa.enrol(session, row.id, secret, mfa.code_for(secret))
    session.refresh(row)
    assert row.totp_secret == secret and row.totp_enrolled_at is not None
    assert done.factor.staff_id == row.id and done.factor.method == "enrolment"
    assert len(done.recovery_codes) == 10 == len(set(done.recovery_codes))
    stored = session.exec(select(RecoveryCode.code_hash).where(RecoveryCode.staff_id == row.id)).all()
    assert len(stored) == 10
    assert not any(code.replace("-", "") in h or code in h for code in done.recovery_codes for h in stored)
    assert (
        "mfa_enrolled" in session.exec(select(AuditEvent.action).where(AuditEvent.staff_id == row.id)).all()
    )


def test_enrolment_is_refused_once_done(session):
    row, secret, _ = enrolled(session)
    other = mfa.new_secret()
    message = code_error(lambda: mfa.enrol(session, row.id, other, mfa.code_for(other)))
    assert "already set up" in message
    session.refresh(row)
    assert row.totp_secret == secret


def test_the_code_used_to_enrol_does_not_sign_in(session):
    row = set_up(session)
    secret = mfa.new_secret()
    code = mfa.code_for(secret)
    mfa.enrol(session, row.id, secret, code)
    assert code_error(lambda: mfa.verify(session, row.id, code)) == mfa.USED_CODE


def test_a_right_code_signs_in_and_a_wrong_one_does_not(session):
    row, secret, _ = enrolled(session)
    assert code_error(lambda: mfa.verify(session, row.id, "123456")) == mfa.WRONG_CODE
    assert code_error(lambda: mfa.verify(session, row.id, "not a code")) == mfa.WRONG_CODE
    factor = mfa.verify(session, row.id, f" {mfa.code_for(secret)} ")
    assert (factor.staff_id, factor.method) == (row.id, "totp")
    attempts = session.exec(
        select(LoginAttempt.succeeded)
        .where(LoginAttempt.kind == AttemptKind.STAFF_CODE)
        .order_by(LoginAttempt.id)
    ).all()
    assert attempts[-3:] == [False, False, True]


def test_a_replayed_code_is_refused(session):
    row, secret, _ = enrolled(session)
    code = mfa.code_for(secret)
    mfa.verify(session, row.id, code)
    assert code_error(lambda: mfa.verify(session, row.id, code)) == mfa.USED_CODE
    later = clock.now() + timedelta(seconds=mfa.STEP_SECONDS)
    assert code_error(lambda: mfa.verify(session, row.id, code, now=later)) == mfa.USED_CODE, (
        "still inside the window, still used"
    )
    assert mfa.verify(session, row.id, mfa.code_for(secret, later), now=later).method == "totp"


def test_an_older_code_after_a_newer_one_is_refused(session):
    row, secret, _ = enrolled(session)
    now = clock.now()
    mfa.verify(session, row.id, mfa.code_for(secret, now + timedelta(seconds=30)), now=now)
    assert (
        code_error(lambda: mfa.verify(session, row.id, mfa.code_for(secret, now), now=now)) == mfa.USED_CODE
    )


def test_codes_one_step_off_are_accepted_two_are_not(session):
    row, secret, _ = enrolled(session)
    now = clock.now()
    far = mfa.code_for(secret, now + timedelta(seconds=61))
    if far not in {mfa.code_for(secret, now + timedelta(seconds=d)) for d in (-30, 0, 30)}:
        assert code_error(lambda: mfa.verify(session, row.id, far, now=now)) == mfa.WRONG_CODE
    assert mfa.verify(session, row.id, mfa.code_for(secret, now + timedelta(seconds=30)), now=now)


def test_the_same_code_twice_at_once_signs_in_once(committed, monkeypatch):
    monkeypatch.setattr(db, "engine", lambda: committed)
    with db.unit_of_work() as s:
        row, secret, _ = enrolled(s)
    code = mfa.code_for(secret)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def attempt():
        barrier.wait()
        try:
            with db.unit_of_work() as s:
                mfa.verify(s, row.id, code)
            results.append("in")
        except AuthError:
            results.append("refused")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["in", "refused"]


def test_a_stale_read_of_the_last_step_lets_no_used_code_through(session):
    """The guard is the conditional UPDATE, not what the session last read of the row."""
    row, secret, _ = enrolled(session)
    code = mfa.code_for(secret)
    step = mfa.step_at(clock.now())
    session.exec(
        update(Staff)
        .where(Staff.id == row.id)
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    assert session.get(Staff, row.id).totp_last_step < step, "the session still holds the old value"
    assert code_error(lambda: mfa.verify(session, row.id, code)) == mfa.USED_CODE


def test_a_recovery_code_works_once(session):
    row, _, codes = enrolled(session)
    assert mfa.recovery_codes_left(session, row.id) == 10
    factor = mfa.verify(session, row.id, codes[0].upper())
    assert factor.method == "recovery"
    assert code_error(lambda: mfa.verify(session, row.id, codes[0])) == mfa.WRONG_CODE
    assert mfa.recovery_codes_left(session, row.id) == 9
    assert mfa.verify(session, row.id, codes[1].replace("-", "")).method == "recovery"


def test_another_staff_members_recovery_code_opens_nothing(session):
    mine, _, _ = enrolled(session)
    _, _, theirs = enrolled(session)
    assert code_error(lambda: mfa.verify(session, mine.id, theirs[0])) == mfa.WRONG_CODE


def test_five_wrong_codes_are_free_then_the_lock_doubles(session):
    row, secret, _ = enrolled(session)
    t = clock.now()
    for i in range(5):
        at = t + timedelta(seconds=i)
        assert code_error(lambda at=at: mfa.verify(session, row.id, "000000", now=at)) == mfa.WRONG_CODE
    t += timedelta(seconds=5)
    assert code_error(lambda: mfa.verify(session, row.id, "000000", now=t)) == mfa.WRONG_CODE
    locked = code_error(lambda: mfa.verify(session, row.id, mfa.code_for(secret, t), now=t))
    assert locked == mfa.code_throttled(30), "the right code waits too"
    t += timedelta(seconds=30)
    code_error(lambda: mfa.verify(session, row.id, "000000", now=t))
    assert mfa.code_throttled(60) == code_error(lambda: mfa.verify(session, row.id, "000000", now=t))
    t += timedelta(seconds=60)
    assert mfa.verify(session, row.id, mfa.code_for(secret, t), now=t).method == "totp"


def test_a_password_reset_keeps_the_second_factor_and_its_lock(session):
    row, secret, codes = enrolled(session)
    t = clock.now()
    for i in range(6):
        code_error(lambda i=i: mfa.verify(session, row.id, "000000", now=t + timedelta(seconds=i)))
    last_step = session.get(Staff, row.id).totp_last_step
    staff.request_reset(session, row.email, now=t)
    raw = mailed_token(session, row.email, "office/reset")
    staff.reset_password(session, raw, "Other-Harbour-77", "Other-Harbour-77", now=t)
    session.refresh(row)
    assert (row.totp_secret, row.totp_last_step) == (secret, last_step) and row.totp_enrolled_at
    assert mfa.recovery_codes_left(session, row.id) == 10
    assert "Too many codes" in code_error(
        lambda: mfa.verify(session, row.id, codes[0], now=t + timedelta(seconds=6))
    ), "a new password does not unlock the code"


def test_codes_are_refused_for_a_login_without_an_app_or_deactivated(session):
    row = set_up(session)
    assert code_error(lambda: mfa.verify(session, row.id, "123456")) == mfa.NOT_ENROLLED
    other, secret, _ = enrolled(session)
    other.is_active = False
    session.add(other)
    session.flush()
    assert "ended" in code_error(lambda: mfa.verify(session, other.id, mfa.code_for(secret)))


def test_no_nonce_without_a_recent_second_factor(session):
    row, secret, _ = enrolled(session)
    factor = mfa.verify(session, row.id, mfa.code_for(secret))
    later = clock.now() + mfa.FACTOR_LIFETIME + timedelta(seconds=1)
    with pytest.raises(AuthError):
        staff.issue_login_nonce(session, factor, now=later)
    with pytest.raises(AuthError):
        staff.issue_login_nonce(session, "a password is not a factor")  # type: ignore[arg-type]
    assert staff.issue_login_nonce(session, factor)


def test_password_then_code_is_the_only_way_to_a_session(session):
    row, secret, _ = enrolled(session)
    check = staff.begin_login(session, row.email.upper())
    signed = staff.finish_login(session, check, auth.password_matches(check, GOOD))
    assert signed.id == row.id
    nonce = staff.issue_login_nonce(session, mfa.verify(session, row.id, mfa.code_for(secret)))
    raw = staff.exchange_login_nonce(session, nonce, ip="192.0.2.9")
    assert raw and staff.exchange_login_nonce(session, nonce) is None, "a nonce works once"
    session.refresh(row)
    assert row.last_login_at is not None
    actions = session.exec(select(AuditEvent.action).where(AuditEvent.staff_id == row.id)).all()
    assert {"password_accepted", "code_accepted", "login_succeeded"} <= set(actions)
