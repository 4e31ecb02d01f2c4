"""The contractor's staff logins: creating and inviting them, their password, their sign-in, their role.

A staff member signs in with the same rules as a customer's contact (one bcrypt check, the same
throttle and generic failure, reset by a mailed link; :class:`auth.Door`), under attempt kinds of
their own, and then with a second factor (``mfa.py``). The login nonce that the browser swaps for
the back office's cookie is issued only for a :class:`mfa.SecondFactor`, so a password alone (a
fresh one from a reset included) never opens a staff session.

Managing staff is the owner's (``Duty.MANAGE_STAFF``); the command line may create a staff member
with no one signed in (the first owner). Every command is an audit event, by the staff member
acting or (signing in, setting a password) by the staff member on itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from portal.core import clock, emails, events, text
from portal.core.lists import Page, PageRequest, paginate
from portal.core.principal import MAX_ID, Duty, StaffMember, require_duty
from portal.models import AttemptKind, Role, Staff, TokenPurpose
from portal.models.base import column_limit, too_long
from portal.services.identity import auth, mfa, principals, sessions, throttle, tokens
from portal.services.identity.auth import AuthError, LoginCheck
from portal.services.messaging import mail

NAME_LIMIT = column_limit(Staff, "name")
EMAIL_TAKEN = "There is already a staff login with this email address."
LAST_OWNER = "The business needs at least one active owner."


def _by_email(session: Session, email: str) -> Staff | None:
    if not email:
        return None
    return session.exec(select(Staff).where(func.lower(Staff.email) == email.lower())).first()


class StaffDoor(auth.Door[Staff]):
    """The back office's login: a staff member signs in with its email."""

    login_kind = AttemptKind.STAFF_LOGIN
    reset_kind = AttemptKind.STAFF_RESET
    accepted_action = "password_accepted"  # the session waits for the second factor

    def counters(self, session: Session, name: str) -> throttle.Counters | None:
        return _by_email(session, name)

    def owner(self, counters: throttle.Counters) -> int:
        assert isinstance(counters, Staff) and counters.id is not None, "a staff row keeps its own counters"
        return counters.id

    def usable(self, session: Session, account_id: int) -> Staff | None:
        return tokens.usable_staff(session, account_id)

    def audit(self, session: Session, account_id: int | None, action: str, ip: str, **detail: Any) -> None:
        staff = session.get(Staff, account_id) if account_id is not None else None
        who = principals.member(staff) if staff is not None else None
        events.audit(session, who, action, staff, detail=detail, ip=ip)

    def reset_candidates(self, session: Session, key: str) -> list[tuple[int, str]]:
        staff = _by_email(session, key)
        if staff is None or staff.id is None or not staff.password_hash:
            return []  # not set up yet: the invite link (or a new one from the owner) is the way in
        if tokens.usable_staff(session, staff.id) is None:
            return []
        return [(staff.id, staff.email)]

    def send_reset(self, session: Session, account_id: int, now: datetime) -> None:
        staff = session.get(Staff, account_id)
        assert staff is not None, "a reset candidate"
        mail.queue_staff_reset(
            session, staff, tokens.issue_staff(session, account_id, TokenPurpose.RESET, now)
        )


STAFF = StaffDoor()


# --- creating and inviting -----------------------------------------------------------------------


def _role(value: object) -> Role | None:
    try:
        return Role(str(value))
    except ValueError:
        return None


def _new_staff_errors(session: Session, email: str, name: str, role: Role | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "Enter an email address."
    elif problem := emails.email_problem(email):
        errors["email"] = problem
    elif _by_email(session, email) is not None:
        errors["email"] = EMAIL_TAKEN
    if len(name) > NAME_LIMIT:
        errors["name"] = too_long(NAME_LIMIT)
    if role is None:
        errors["role"] = "Choose owner, office or technician."
    return errors


def create_staff(
    session: Session,
    email: str,
    role: object,
    name: str = "",
    *,
    actor: StaffMember | None = None,
    now: datetime | None = None,
) -> tuple[Staff, str]:
    """A new staff login and its mailed setup link; returns the row and the raw link token.

    ``actor`` is the owner inviting from the back office, None for the contractor's command line.
    Validates everything before writing (AuthError with the fields' errors)."""
    now = now or clock.now()
    address = emails.normalised(email).lower()
    clean_name = text.one_line(name)
    chosen = _role(role)
    errors = _new_staff_errors(session, address, clean_name, chosen)
    if errors or chosen is None:
        raise AuthError(errors)
    staff = Staff(
        email=address, name=clean_name, role=chosen, password_hash="", created_at=now, changed_at=now
    )
    session.add(staff)
    session.flush()
    assert staff.id is not None, "flushed"
    raw = tokens.issue_staff(session, staff.id, TokenPurpose.INVITE, now)
    mail.queue_staff_invite(session, staff, raw)
    events.audit(
        session,
        actor,
        "staff_invited",
        staff,
        detail={"after": {"email": address, "name": clean_name, "role": chosen.value}},
    )
    return staff, raw


def invite(session: Session, staff: StaffMember, email: str, name: str, role: object) -> str:
    """The owner adds a colleague from the back office; returns the raw setup token."""
    require_duty(staff, Duty.MANAGE_STAFF)
    _, raw = create_staff(session, email, role, name, actor=staff)
    return raw


def setup_details(session: Session, raw: tokens.Secret | None) -> Staff | None:
    """The staff member behind a live setup link, for the setup page."""
    return tokens.peek_staff(session, raw, TokenPurpose.INVITE)


def _name_errors(name: str) -> dict[str, str]:
    if not name:
        return {"name": "Enter your name."}
    if len(name) > NAME_LIMIT:
        return {"name": too_long(NAME_LIMIT)}
    return {}


def accept_setup(
    session: Session,
    raw: tokens.Secret | None,
    name: str,
    password: str,
    confirm: str,
    now: datetime | None = None,
) -> Staff:
    """Set name and password from the setup link. Validates before writing, so a refused form keeps
    the link. Signing in then still needs the authenticator app, set up at the first sign-in."""
    now = now or clock.now()
    staff = tokens.peek_staff(session, raw, TokenPurpose.INVITE, now)
    clean_name = text.one_line(name)
    errors = {**_name_errors(clean_name), **auth.password_errors(password, confirm)}
    if staff is None:
        errors["token"] = auth.LINK_EXPIRED
    if errors:
        raise AuthError(errors)
    consumed = tokens.consume_staff(session, raw, TokenPurpose.INVITE, now)
    if consumed is None or staff is None or consumed.id != staff.id:
        raise AuthError(token=auth.LINK_EXPIRED)
    before = staff.name
    staff.name = clean_name
    auth.store_password(session, staff, password, now)
    assert staff.id is not None, "a staff member read from the database"
    sessions.revoke_all_staff(session, staff.id, "setup", now)
    events.audit(
        session,
        principals.member(staff),
        "password_set",
        staff,
        detail={"before": {"name": before}, "after": {"name": clean_name}},
    )
    return staff


# --- signing in ----------------------------------------------------------------------------------


def begin_login(session: Session, email: str, ip: str = "", now: datetime | None = None) -> LoginCheck:
    """Read-only first half of the password check (:meth:`auth.Door.begin_login`)."""
    return STAFF.begin_login(session, email, ip, now)


def finish_login(
    session: Session, check: LoginCheck, matches: bool, ip: str = "", now: datetime | None = None
) -> Staff:
    """The staff member whose password this is; the second factor comes next. Commit the session
    also when this raises."""
    return STAFF.finish_login(session, check, matches, ip, now)


def issue_login_nonce(session: Session, factor: mfa.SecondFactor, now: datetime | None = None) -> str:
    """A one-minute nonce the browser swaps for the back office's cookie, for a second factor
    checked in the last few minutes (the recovery codes may be read in between)."""
    now = now or clock.now()
    if not isinstance(factor, mfa.SecondFactor) or not now - mfa.FACTOR_LIFETIME <= factor.at <= now:
        raise AuthError(form="This sign-in has expired. Start again.")
    if tokens.usable_staff(session, factor.staff_id) is None:
        raise AuthError(form="This sign-in has ended. Start again.")
    return tokens.issue_staff(session, factor.staff_id, TokenPurpose.LOGIN, now)


def exchange_login_nonce(
    session: Session, raw: str, ip: str = "", user_agent: str = "", now: datetime | None = None
) -> str | None:
    """Use up a staff nonce and start a back-office session; the raw session id for the cookie. A
    customer's nonce opens nothing here (and is used up)."""
    now = now or clock.now()
    staff = tokens.consume_staff(session, raw, TokenPurpose.LOGIN, now)
    if staff is None or staff.id is None:
        return None
    staff.last_login_at = now
    session.add(staff)
    events.audit(session, principals.member(staff), "login_succeeded", staff, ip=ip)
    return sessions.start_staff(session, staff.id, ip, user_agent, now)


# --- reset ---------------------------------------------------------------------------------------


def request_reset(session: Session, email: str, ip: str = "", now: datetime | None = None) -> None:
    """Mail a reset link when the address is an active, set-up staff login; answers nothing."""
    STAFF.request_reset(session, email, ip, now)


def reset_details(session: Session, raw: tokens.Secret | None) -> Staff | None:
    return tokens.peek_staff(session, raw, TokenPurpose.RESET)


def reset_password(
    session: Session,
    raw: tokens.Secret | None,
    password: str,
    confirm: str,
    ip: str = "",
    now: datetime | None = None,
) -> Staff:
    """A new password from a reset link: its lock clears and every session ends. The authenticator
    app, the last accepted code and the recovery codes stay as they are, so the next sign-in still
    asks for a code."""
    now = now or clock.now()
    staff = tokens.peek_staff(session, raw, TokenPurpose.RESET, now)
    errors = auth.password_errors(password, confirm)
    if staff is None:
        errors["token"] = auth.LINK_EXPIRED
    if errors:
        raise AuthError(errors)
    consumed = tokens.consume_staff(session, raw, TokenPurpose.RESET, now)
    if consumed is None or consumed.id is None or staff is None or consumed.id != staff.id:
        raise AuthError(token=auth.LINK_EXPIRED)
    auth.store_password(session, staff, password, now)
    sessions.revoke_all_staff(session, consumed.id, "password_reset", now)
    tokens.void_staff(session, consumed.id, TokenPurpose.RESET, now)
    events.audit(session, principals.member(staff), "password_reset", staff, ip=ip)
    return staff


# --- managing staff ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    email: str
    role: Role
    mfa_enrolled: bool
    last_login_at: datetime | None
    active: bool
    set_up: bool  # the setup link has been followed
    codes_left: int  # unused recovery codes


SORTS = {"name": Staff.name, "email": Staff.email, "role": Staff.role, "last_login": Staff.last_login_at}


def staff_list(session: Session, staff: StaffMember, request: PageRequest) -> Page[StaffRow]:
    """One page of the contractor's staff, active first by default (sorted by name)."""
    require_duty(staff, Duty.MANAGE_STAFF)
    stmt = select(
        Staff.id,
        Staff.name,
        Staff.email,
        Staff.role,
        Staff.totp_enrolled_at,
        Staff.last_login_at,
        Staff.is_active,
        Staff.password_hash,
        mfa.codes_left_column(),
    )

    def row(values: Sequence[Any]) -> StaffRow:
        sid, name, email, role, enrolled, last, active, hashed, codes = values
        return StaffRow(
            sid, name, email, Role(role), enrolled is not None, last, bool(active), bool(hashed), int(codes)
        )

    return paginate(session, stmt, request, SORTS, "name", row, tiebreak=Staff.id)


def _staff_id(value: object) -> int | None:
    """An id from the browser, or None for anything that cannot be one (Staff holds no customer
    data, so ``visibility.get`` does not apply; its bounds do)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


def _managed(session: Session, staff: StaffMember, staff_id: object) -> Staff:
    require_duty(staff, Duty.MANAGE_STAFF)
    number = _staff_id(staff_id)
    row = session.get(Staff, number) if number is not None else None
    if row is None or row.id is None:
        raise AuthError(form="That staff member is not available.")
    return row


def _other_active_owners(session: Session, staff_id: int) -> int:
    return int(
        session.exec(
            select(func.count()).where(
                Staff.role == Role.OWNER, Staff.is_active.is_(True), Staff.id != staff_id
            )
        ).one()
    )


def change_role(session: Session, staff: StaffMember, staff_id: object, role: object) -> Staff:
    """Give a colleague another role; it takes effect on their next click. The last active owner
    keeps the role, so someone can always manage staff and settings."""
    row = _managed(session, staff, staff_id)
    chosen = _role(role)
    if chosen is None:
        raise AuthError(role="Choose owner, office or technician.")
    if chosen == row.role:
        return row
    if row.role == Role.OWNER and row.is_active and not _other_active_owners(session, row.id or 0):
        raise AuthError(role=LAST_OWNER)
    before = Role(row.role).value
    row.role = chosen
    session.add(row)
    session.flush()
    # Their open sessions end: the next click signs in again under the new role, so no screen
    # already open keeps showing what the old role could see.
    assert row.id is not None, "a staff member read from the database"
    sessions.revoke_all_staff(session, row.id, "role_changed")
    events.audit(
        session,
        staff,
        "staff_role_changed",
        row,
        detail={"before": {"role": before}, "after": {"role": chosen.value}},
    )
    return row


def deactivate(session: Session, staff: StaffMember, staff_id: object, now: datetime | None = None) -> Staff:
    """Stop a colleague signing in: their sessions end now and no link of theirs works any more."""
    now = now or clock.now()
    row = _managed(session, staff, staff_id)
    assert row.id is not None, "a staff member read from the database"
    if row.id == staff.staff_id:
        raise AuthError(form="You cannot deactivate your own login.")
    if not row.is_active:
        return row
    if row.role == Role.OWNER and not _other_active_owners(session, row.id):
        raise AuthError(form=LAST_OWNER)
    row.is_active = False
    row.deactivated_at = now
    session.add(row)
    session.flush()
    sessions.revoke_all_staff(session, row.id, "deactivated", now)
    tokens.void_staff(session, row.id, None, now)
    events.audit(
        session,
        staff,
        "staff_deactivated",
        row,
        detail={"before": {"active": True}, "after": {"active": False}},
    )
    return row


def reset_mfa(session: Session, staff: StaffMember, staff_id: object, now: datetime | None = None) -> Staff:
    """Clear a colleague's authenticator app and recovery codes (a lost phone) and end their
    sessions, so their next sign-in, after the password, sets up an app again.

    An owner cannot reset its own here: it would sign itself out with no second factor on record.
    """
    now = now or clock.now()
    row = _managed(session, staff, staff_id)
    assert row.id is not None, "a staff member read from the database"
    if row.id == staff.staff_id:
        raise AuthError(form="You cannot reset your own authenticator app here; ask another owner.")
    enrolled = row.totp_enrolled_at is not None
    mfa.clear(session, row.id)
    session.refresh(row)
    sessions.revoke_all_staff(session, row.id, "mfa_reset", now)
    events.audit(
        session,
        staff,
        "staff_mfa_reset",
        row,
        detail={"before": {"mfa_enrolled": enrolled}, "after": {"mfa_enrolled": False}},
    )
    return row
