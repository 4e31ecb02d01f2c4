"""Signing in and everything around it: invites, password reset and change, login nonces.

Failures never say whether an account exists: a wrong username and a wrong password get the same
words, take the same bcrypt time and are throttled alike, and a reset request answers the same
for everyone.

Transactions: these functions only flush. An :class:`AuthError` never leaves half-done work in the
session; what it may leave (the failed attempt, the account's counters, the audit row) is meant to
be kept, so commit the session when catching it; rolling back would forget the failure and
defeat the throttle.

bcrypt is slow on purpose, so the calls that check or set a password take a noticeable fraction of
a second; the UI runs them in a thread.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import func
from sqlmodel import Session, select

from portal import config
from portal.core import clock, events
from portal.models import (
    AttemptKind,
    Contact,
    Credential,
    Staff,
    TokenPurpose,
)
from portal.services.identity import passwords, sessions, throttle, tokens
from portal.services.messaging import mail

LOGIN_FAILED = "Username or password is incorrect."
LINK_EXPIRED = "This link has expired or was already used. Ask for a new one."
USERNAME_TAKEN = "That username is taken"
PASSWORDS_DIFFER = "Passwords do not match"
USERNAME_LENGTH = (3, 254)

A = TypeVar("A", Contact, Staff)  # the account a door signs in


def throttled_message(seconds: int) -> str:
    return f"Too many attempts. Try again in {seconds} seconds, or reset your password."


class AuthError(Exception):
    """What to show beside each field: keys username, password, confirm, current, token, form."""

    def __init__(self, field_errors: dict[str, str] | None = None, **fields: str) -> None:
        self.field_errors: dict[str, str] = {**(field_errors or {}), **fields}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.field_errors.items()))


def _rounds() -> int:
    return config.settings().bcrypt_rounds


def _audit(
    session: Session,
    action: str,
    contact: Contact | None = None,
    ip: str = "",
    **detail: Any,
) -> None:
    """A contact acts on its own account (or, signing in as nobody known, no one on nothing)."""
    events.audit(session, contact, action, contact, detail=detail, ip=ip)


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise AuthError(form="No such contact.")
    return contact


def _by_username(session: Session, username: str) -> Contact | None:
    if not username:
        return None
    return session.exec(select(Contact).where(Contact.username == username)).first()


def password_errors(password: str, confirm: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if broken := passwords.problems(password):
        errors["password"] = "The password needs: " + "; ".join(broken) + "."
    if password != confirm:
        errors["confirm"] = PASSWORDS_DIFFER
    return errors


def _set_password(session: Session, contact: Contact, password: str, now: datetime) -> None:
    assert contact.id is not None, "a contact read from the database"
    credential = session.get(Credential, contact.id)
    if credential is None:
        credential = Credential(contact_id=contact.id, password_hash="")
    store_password(session, credential, password, now)


def store_password(session: Session, counters: throttle.Counters, password: str, now: datetime) -> None:
    """A new password on an account's counters; its earlier failures no longer count."""
    counters.password_hash = passwords.hash_password(password, _rounds())
    counters.changed_at = now
    throttle.clear_failures(session, counters)


def _username_problem(name: str) -> str | None:
    low, high = USERNAME_LENGTH
    if not low <= len(name) <= high:
        return f"Use {low} to {high} characters."
    if any(c.isspace() or not c.isprintable() for c in name):
        return "A username cannot contain spaces."
    return None


def default_username(contact: Contact) -> str:
    """What the setup form offers as the username."""
    return contact.username or contact.email.strip().lower()


# --- invites -------------------------------------------------------------------------------------


def send_invite(
    session: Session, contact_id: int, now: datetime | None = None, *, actor: events.Who = None
) -> str:
    """Turn on the contact's login and mail a setup link; returns the raw token (for tests and CLI).

    One audit event says who sent it (``actor``: the colleague managing contacts; the contact itself
    when the contractor's command line sends it)."""
    now = now or clock.now()
    contact = _contact(session, contact_id)
    if not contact.email.strip():
        raise AuthError(form="This contact has no email address to send the invite to.")
    if contact.deactivated_at is not None:
        raise AuthError(form="This contact is deactivated.")
    contact.login_active = True
    session.add(contact)
    session.flush()
    raw = tokens.issue(session, contact_id, TokenPurpose.INVITE, now)
    mail.queue_invite(session, contact, raw)
    events.audit(
        session,
        actor or contact,
        "invite_sent",
        contact,
        detail={"to": contact.email},
        customer_id=contact.customer_id,
    )
    return raw


def invite_details(session: Session, raw: tokens.Secret | None) -> Contact | None:
    """The contact behind a live invite link, for the setup page (see :func:`default_username`)."""
    return tokens.peek(session, raw, TokenPurpose.INVITE)


def accept_invite(
    session: Session,
    raw: tokens.Secret | None,
    username: str,
    password: str,
    confirm: str,
    now: datetime | None = None,
) -> Contact:
    """Set username and password from an invite link. Validates everything before writing
    anything, so a refused form leaves the link usable and no credential behind. Every session the
    login already had ends: whoever holds the link now holds the login."""
    now = now or clock.now()
    contact = tokens.peek(session, raw, TokenPurpose.INVITE, now)
    errors: dict[str, str] = {}
    if contact is None:
        errors["token"] = LINK_EXPIRED
    name = (username or "").strip().lower()
    if problem := _username_problem(name):
        errors["username"] = problem
    elif contact is not None:
        holder = _by_username(session, name)
        if holder is not None and holder.id != contact.id:
            errors["username"] = USERNAME_TAKEN
    errors.update(password_errors(password, confirm))
    if errors:
        raise AuthError(errors)
    consumed = tokens.consume(session, raw, TokenPurpose.INVITE, now)
    if consumed is None or contact is None or consumed.id != contact.id:
        raise AuthError(token=LINK_EXPIRED)
    contact.username = name
    session.add(contact)
    _set_password(session, contact, password, now)
    assert contact.id is not None, "a contact read from the database"
    sessions.revoke_all(session, contact.id, "invite_accepted", now)
    _audit(session, "password_set", contact)
    return contact


# --- signing in ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginCheck:
    """What a password is checked against, read before the slow hash: the hash runs outside any
    transaction, so ten people signing in at once never hold the write lock for a bcrypt each."""

    name: str
    account_id: int | None
    stored_hash: str


class Door(ABC, Generic[A]):
    """One kind of login under the one set of rules: a customer's contacts, or the contractor's staff.

    The rules live here once: a bcrypt check whether or not the account exists, the throttle asked
    before and after the hash, one message for every failure, and a reset request that answers the
    same for everyone. A door only says where its accounts, attempts, links and audit rows are.
    """

    login_kind: AttemptKind
    reset_kind: AttemptKind
    accepted_action: str  # the audit action of a correct password

    @abstractmethod
    def counters(self, session: Session, name: str) -> throttle.Counters | None:
        """The password and failure counters of the account a typed name names."""

    @abstractmethod
    def owner(self, counters: throttle.Counters) -> int:
        """The account the counters belong to."""

    @abstractmethod
    def usable(self, session: Session, account_id: int) -> A | None:
        """The account when it may still sign in."""

    @abstractmethod
    def audit(self, session: Session, account_id: int | None, action: str, ip: str, **detail: Any) -> None:
        """Record the account acting on itself (or nobody known, on nothing)."""

    @abstractmethod
    def reset_candidates(self, session: Session, key: str) -> list[tuple[int, str]]:
        """``(account id, the name its reset mails are counted by)`` for the usable accounts a typed
        name or address names that have an address to mail."""

    @abstractmethod
    def send_reset(self, session: Session, account_id: int, now: datetime) -> None:
        """Issue a reset link for the account and queue its mail."""

    def blocked(self, session: Session, name: str, ip: str, now: datetime) -> int:
        return throttle.login_blocked(session, name, ip, now, kind=self.login_kind, counters=self.counters)

    def begin_login(
        self, session: Session, username: str, ip: str = "", now: datetime | None = None
    ) -> LoginCheck:
        """Read-only first half of a login; AuthError when the account or address is throttled."""
        now = now or clock.now()
        name = throttle.normalize(username)
        wait = self.blocked(session, name, ip, now)
        if wait:
            raise AuthError(form=throttled_message(wait))
        counters = self.counters(session, name) if name else None
        if counters is None:
            return LoginCheck(name, None, "")
        return LoginCheck(name, self.owner(counters), counters.password_hash)

    def finish_login(
        self, session: Session, check: LoginCheck, matches: bool, ip: str = "", now: datetime | None = None
    ) -> A:
        """Second half: record the attempt and return the account, or AuthError with one generic
        message. The password must still be the one that was checked, and the throttle is asked
        again, since other attempts may have landed while the hash ran. Commit the session also
        when this raises."""
        now = now or clock.now()
        wait = self.blocked(session, check.name, ip, now)
        if wait:
            raise AuthError(form=throttled_message(wait))
        counters = self.counters(session, check.name) if check.name else None
        if counters is not None and self.owner(counters) != check.account_id:
            counters = None  # the name now names another account: not the password that was checked
        account = self.usable(session, check.account_id) if check.account_id is not None else None
        ok = (
            matches
            and counters is not None
            and account is not None
            and counters.password_hash == check.stored_hash
        )
        throttle.record_attempt(session, self.login_kind, check.name, ip, ok, now)
        if ok and counters is not None and account is not None:
            throttle.clear_failures(session, counters)
            self.audit(session, check.account_id, self.accepted_action, ip)
            return account
        if counters is not None:
            throttle.register_failure(session, counters, now)
        self.audit(session, check.account_id, "login_failed", ip, username=check.name)
        raise AuthError(form=LOGIN_FAILED)

    def request_reset(
        self, session: Session, username_or_email: str, ip: str = "", now: datetime | None = None
    ) -> None:
        """Mail a reset link if the account exists and may have one. Returns None whatever happened,
        so the page can only ever say "if that account exists, we have sent a link"."""
        now = now or clock.now()
        key = throttle.normalize(username_or_email)
        if not throttle.reset_allowed(session, ip, now=now, kind=self.reset_kind):
            return
        sent = False
        for account_id, account in self.reset_candidates(session, key) if key else []:
            if not throttle.reset_allowed(session, ip, account=account, now=now, kind=self.reset_kind):
                continue
            self.send_reset(session, account_id, now)
            throttle.record_attempt(session, self.reset_kind, account, ip, True, now)
            self.audit(session, account_id, "reset_requested", ip)
            sent = True
        if not sent:
            throttle.record_attempt(session, self.reset_kind, key, ip, False, now)


class ContactDoor(Door[Contact]):
    """The portal's own login: a contact signs in with its username."""

    login_kind = AttemptKind.LOGIN
    reset_kind = AttemptKind.RESET
    accepted_action = "login_succeeded"

    def counters(self, session: Session, name: str) -> throttle.Counters | None:
        return throttle.credential_by_username(session, name)

    def owner(self, counters: throttle.Counters) -> int:
        assert isinstance(counters, Credential), "a contact's counters are its credential"
        return counters.contact_id

    def usable(self, session: Session, account_id: int) -> Contact | None:
        return tokens.usable_contact(session, account_id)

    def audit(self, session: Session, account_id: int | None, action: str, ip: str, **detail: Any) -> None:
        contact = session.get(Contact, account_id) if account_id is not None else None
        _audit(session, action, contact, ip, **detail)

    def reset_candidates(self, session: Session, key: str) -> list[tuple[int, str]]:
        return [
            (contact.id, default_username(contact))
            for contact in _reset_candidates(session, key)
            if contact.id is not None
            and contact.email.strip()
            and tokens.usable_contact(session, contact.id) is not None
        ]

    def send_reset(self, session: Session, account_id: int, now: datetime) -> None:
        raw = tokens.issue(session, account_id, TokenPurpose.RESET, now)
        mail.queue_reset(session, _contact(session, account_id), raw)


CONTACTS = ContactDoor()


def begin_login(session: Session, username: str, ip: str = "", now: datetime | None = None) -> LoginCheck:
    """Read-only first half of a contact's login (:meth:`Door.begin_login`)."""
    return CONTACTS.begin_login(session, username, ip, now)


def password_matches(check: LoginCheck, password: str) -> bool:
    """Always one bcrypt check, against a dummy hash when there is no account, so timing is flat."""
    return passwords.verify_password(password or "", check.stored_hash or passwords.dummy_hash(_rounds()))


def finish_login(
    session: Session, check: LoginCheck, matches: bool, ip: str = "", now: datetime | None = None
) -> Contact:
    """Second half of a contact's login (:meth:`Door.finish_login`). Commit the session also when
    this raises."""
    return CONTACTS.finish_login(session, check, matches, ip, now)


def authenticate(
    session: Session, username: str, password: str, ip: str = "", now: datetime | None = None
) -> Contact:
    """The contact whose username and password these are, in one transaction (see :class:`LoginCheck`
    for the split the sign-in screen uses). Commit the session also when this raises."""
    check = begin_login(session, username, ip, now)
    return finish_login(session, check, password_matches(check, password), ip, now)


def issue_login_nonce(session: Session, contact_id: int, now: datetime | None = None) -> str:
    """A one-minute, single-use nonce the browser swaps for the session cookie at an HTTP route."""
    return tokens.issue(session, contact_id, TokenPurpose.LOGIN, now)


def exchange_login_nonce(
    session: Session, raw: str, ip: str = "", user_agent: str = "", now: datetime | None = None
) -> str | None:
    """Use up the nonce and start a session; returns the raw session id for the cookie."""
    now = now or clock.now()
    contact = tokens.consume(session, raw, TokenPurpose.LOGIN, now)
    if contact is None or contact.id is None:
        return None
    contact.last_login_at = now  # the office's "last sign-in"; a staff member's view as it is not one
    session.add(contact)
    return sessions.start(session, contact.id, ip, user_agent, now)


# --- reset and change ----------------------------------------------------------------------------


def _reset_candidates(session: Session, key: str) -> list[Contact]:
    if not key:
        return []
    by_name = _by_username(session, key)
    if by_name is not None:
        return [by_name]
    return list(
        session.exec(
            select(Contact)
            .where(func.lower(Contact.email) == key, Contact.login_active.is_(True))
            .order_by(Contact.id)
        ).all()
    )


def request_reset(
    session: Session, username_or_email: str, ip: str = "", now: datetime | None = None
) -> None:
    """Mail a contact a reset link if the account exists and may have one (:meth:`Door.request_reset`)."""
    CONTACTS.request_reset(session, username_or_email, ip, now)


def _void_account_links(session: Session, contact_id: int, now: datetime) -> None:
    """A new password ends the links that could take the login over: other reset links, and an email
    change asked for meanwhile (perhaps by whoever had the old password, to an address of theirs)."""
    for purpose in (TokenPurpose.RESET, TokenPurpose.EMAIL):
        tokens.void(session, contact_id, purpose, now)


def reset_details(session: Session, raw: tokens.Secret | None) -> Contact | None:
    """The contact behind a live reset link, for the reset page."""
    return tokens.peek(session, raw, TokenPurpose.RESET)


def reset_password(
    session: Session,
    raw: tokens.Secret | None,
    password: str,
    confirm: str,
    ip: str = "",
    now: datetime | None = None,
) -> Contact:
    """Set a new password from a reset link. Clears the lock (the owner proved they hold the
    mailbox, so an attacker's guessing cannot keep them out) and ends every session."""
    now = now or clock.now()
    contact = tokens.peek(session, raw, TokenPurpose.RESET, now)
    errors = password_errors(password, confirm)
    if contact is None:
        errors["token"] = LINK_EXPIRED
    if errors:
        raise AuthError(errors)
    consumed = tokens.consume(session, raw, TokenPurpose.RESET, now)
    if consumed is None or consumed.id is None or contact is None or consumed.id != contact.id:
        raise AuthError(token=LINK_EXPIRED)
    _set_password(session, contact, password, now)
    sessions.revoke_all(session, consumed.id, "password_reset", now)
    _void_account_links(session, consumed.id, now)
    _audit(session, "password_reset", contact, ip)
    return contact


def change_password(
    session: Session,
    contact_id: int,
    current: str,
    new: str,
    confirm: str,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Change the password of a signed-in contact and end all their sessions; the caller starts a
    fresh one. A wrong current password counts as a failed login, so a stolen session cannot be
    used to guess the password faster than the login form allows."""
    now = now or clock.now()
    contact = _contact(session, contact_id)
    credential = session.get(Credential, contact.id)
    name = contact.username or ""
    wait = throttle.login_blocked(session, name, ip, now)
    if wait:
        raise AuthError(form=throttled_message(wait))
    if credential is None or not passwords.verify_password(current or "", credential.password_hash):
        throttle.record_attempt(session, AttemptKind.LOGIN, name, ip, False, now)
        if credential is not None:
            throttle.register_failure(session, credential, now)
        _audit(session, "password_change_failed", contact, ip)
        raise AuthError(current="Your current password is not correct.")
    errors = password_errors(new, confirm)
    if errors:
        raise AuthError(errors)
    _set_password(session, contact, new, now)
    sessions.revoke_all(session, contact_id, "password_change", now)
    _void_account_links(session, contact_id, now)
    _audit(session, "password_changed", contact, ip)


# --- staff ---------------------------------------------------------------------------------------


def deactivate(
    session: Session, contact_id: int, now: datetime | None = None, *, actor: events.Who = None
) -> None:
    """Stop the contact signing in: sessions end now and no outstanding link works any more.

    ``actor`` is who did it (the office's staff member); the contact itself when none is given."""
    now = now or clock.now()
    contact = _contact(session, contact_id)
    contact.login_active = False
    contact.deactivated_at = now
    session.add(contact)
    session.flush()
    sessions.revoke_all(session, contact_id, "deactivated", now)
    tokens.void(session, contact_id, None, now)
    events.audit(session, actor or contact, "contact_deactivated", contact, customer_id=contact.customer_id)
