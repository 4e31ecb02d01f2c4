"""Preferences > Details: the signed-in contact edits its own name, phones and position, and asks for a
new email address.

A login's email address is where its reset links go, so a new one takes effect only once a link
mailed to it is followed (a mistyped or someone else's address never takes over the account), and
the current address is told that a change was asked for. The username never changes here: other
contacts and the contractor know the login by it.

Every form is checked whole before anything is written, so a refused form leaves the contact as it
was. These functions only flush; the caller's unit of work commits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_
from sqlmodel import Session, select

from portal.core import clock, emails, events, visibility
from portal.core.principal import Principal, Scope, ViewOnly
from portal.core.text import one_line
from portal.models import Contact, OneTimeToken, TokenPurpose
from portal.models.base import column_limit, too_long
from portal.services.identity import principals, sessions, tokens
from portal.services.messaging import mail

DETAILS = ("first_name", "last_name", "phone", "mobile", "position")
# The details a contact edits, with the longest text each column holds (read from the model).
LIMITS: dict[str, int] = {name: column_limit(Contact, name) for name in (*DETAILS, "email")}
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "phone": "Phone",
    "mobile": "Mobile",
    "position": "Position",
    "email": "Email",
}

LINK_EXPIRED = "This link has expired or was already used. Ask for a new one from Preferences."
EMAIL_TAKEN = "Another login already uses this email address."
EMAIL_NEEDED = "A login needs an email address."
NOT_AVAILABLE = "Your details are not available. Please log in again."
SIGN_IN_TO_CONFIRM = (
    "Log in to confirm this address: only the login that asked for the change can confirm it, so an "
    "email that reached the wrong inbox cannot take the account over."
)
OTHER_LOGIN = (
    "You are logged in as someone else. Log out, then log in as the login that asked for this "
    "address to confirm it."
)
# A contact may ask for a new address this many times in a rolling window: each request mails a
# stranger's inbox, so a stolen or playful session cannot turn the portal into a mail cannon.
EMAIL_CHANGES = (5, timedelta(hours=1))


def too_many_changes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        f"You have asked for a new email address {EMAIL_CHANGES[0]} times in the last hour. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


_PHONE = re.compile(r"[0-9+()\-. ]*")


class ProfileError(Exception):
    """What to show beside each field (``form`` when it is about no field, ``token`` for a link)."""

    def __init__(self, field_errors: dict[str, str] | None = None, **fields: str) -> None:
        self.field_errors: dict[str, str] = {**(field_errors or {}), **fields}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.field_errors.items()))


@dataclass(frozen=True)
class Profile:
    first_name: str
    last_name: str
    email: str
    phone: str
    mobile: str
    position: str
    username: str
    pending_email: str  # a new address waiting for its link to be followed, or empty


@dataclass(frozen=True)
class Saved:
    # The fields that changed; the email only when it differs in letter case alone (the same mailbox),
    # any other new address waits for its link.
    changed: tuple[str, ...]
    confirmation_sent_to: str  # the new address a link went to, or empty


def email_problem(address: str) -> str | None:
    """Why ``address`` cannot be a login's email address, or None: the portal's one email rule
    (:mod:`portal.core.emails`), and a login cannot be without one."""
    return emails.email_problem(address) if address else EMAIL_NEEDED


def _text_problem(name: str, value: str) -> str | None:
    if len(value) > LIMITS[name]:
        return too_long(LIMITS[name])
    if name == "first_name" and not value:
        return "Enter your first name."
    if name in ("phone", "mobile") and value:
        if not _PHONE.fullmatch(value):
            return "Use digits, spaces and + ( ) - . only."
        if sum(c.isdigit() for c in value) < 6:
            return "Enter the whole number, area code included."
    return None


def _own(session: Session, scope: Scope) -> Contact | None:
    """The signed-in contact's own row, while it may still sign in."""
    contact = visibility.get(session, scope, Contact, scope.contact_id)
    if contact is None or contact.id is None or tokens.usable_contact(session, contact.id) is None:
        return None
    return contact


def pending_email(session: Session, contact_id: int, now: datetime | None = None) -> str:
    """The new address of the contact's live email link, or empty."""
    found = session.exec(
        select(OneTimeToken.new_email)
        .where(
            OneTimeToken.contact_id == contact_id,
            OneTimeToken.purpose == TokenPurpose.EMAIL,
            OneTimeToken.used_at.is_(None),
            OneTimeToken.voided_at.is_(None),
            OneTimeToken.expires_at > (now or clock.now()),
        )
        .order_by(OneTimeToken.created_at.desc(), OneTimeToken.id.desc())
    ).first()
    return found or ""


def email_change_wait(session: Session, contact_id: int, now: datetime | None = None) -> int:
    """Seconds until the contact may ask for another new address; 0 when it may now.

    Counted from the email links issued (a newer one voids the older, but it was still mailed)."""
    now = now or clock.now()
    limit, window = EMAIL_CHANGES
    nth_latest = session.exec(
        select(OneTimeToken.created_at)
        .where(
            OneTimeToken.contact_id == contact_id,
            OneTimeToken.purpose == TokenPurpose.EMAIL,
            OneTimeToken.created_at > now - window,
        )
        .order_by(OneTimeToken.created_at.desc())
        .offset(limit - 1)
        .limit(1)
    ).first()
    return 0 if nth_latest is None else max(0, math.ceil((nth_latest + window - now).total_seconds()))


def profile(session: Session, scope: Scope) -> Profile | None:
    contact = _own(session, scope)
    if contact is None or contact.id is None:
        return None
    return Profile(
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        phone=contact.phone,
        mobile=contact.mobile,
        position=contact.position,
        username=contact.username or "",
        pending_email=pending_email(session, contact.id),
    )


def email_taken(session: Session, address: str, contact_id: int) -> bool:
    """Whether another login signs in with, or gets its links at, ``address`` (case ignored)."""
    key = address.strip().lower()
    other = session.exec(
        select(Contact.id).where(
            Contact.id != contact_id,
            or_(
                Contact.username == key,
                (func.lower(Contact.email) == key) & Contact.login_active.is_(True),
            ),
        )
    ).first()
    return other is not None


def save_details(
    session: Session,
    scope: Scope,
    values: Mapping[str, object],
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Saved:
    """Save the contact's own details; a different email address is mailed a confirmation link instead.

    Raises :class:`ProfileError` with every field's problem, having written nothing.
    """
    now = now or clock.now()
    contact = _own(session, scope)
    if contact is None or contact.id is None:
        raise ProfileError(form=NOT_AVAILABLE)
    wanted = {name: one_line(values.get(name)) for name in DETAILS}
    # Only what the form changes is checked: a stored value it left alone never blocks a save.
    changed = tuple(name for name in DETAILS if getattr(contact, name) != wanted[name])
    errors = {name: problem for name in changed if (problem := _text_problem(name, wanted[name]))}
    new_email = emails.normalised(one_line(values.get("email")))
    asks_new_email = new_email.lower() != contact.email.strip().lower()
    if asks_new_email and (problem := new_email_problem(session, contact, new_email, now)):
        errors["email"] = problem
    # Only the letter case differs: the same mailbox, so it is saved at once, with no link.
    recased = not asks_new_email and new_email != contact.email and email_problem(new_email) is None
    if errors:
        raise ProfileError(errors)

    if recased:
        wanted["email"] = new_email
        changed = (*changed, "email")
    for name in changed:
        setattr(contact, name, wanted[name])
    session.add(contact)
    session.flush()
    if changed:
        detail = {name: wanted[name] for name in changed}
        events.audit(
            session, scope, "contact.details_updated", contact, detail={"fields": list(changed)}, ip=ip
        )
        events.integration(
            session,
            "contact.updated",
            contact.customer_id,
            {"contact_id": contact.id, "fields": list(changed), **detail},
            at=now,
        )
    if not asks_new_email:
        return Saved(changed, "")
    request_email_change(session, scope, contact, new_email, now, ip=ip)
    return Saved(changed, new_email)


def new_email_problem(
    session: Session, contact: Contact, address: str, now: datetime | None = None
) -> str | None:
    """Why a login cannot move to ``address``: not an address, another active login's, or too many
    new addresses asked for it this hour."""
    assert contact.id is not None, "a saved contact"
    if problem := email_problem(address):
        return problem
    if email_taken(session, address, contact.id):
        return EMAIL_TAKEN
    wait = email_change_wait(session, contact.id, now)
    return too_many_changes(wait) if wait else None


def request_email_change(
    session: Session, actor: Principal, contact: Contact, new_email: str, now: datetime, *, ip: str = ""
) -> None:
    """Ask for a login's email to become ``new_email``: a link goes to the new address (the change
    happens only when it is followed, :func:`confirm_email`) and the current address is told. Used by
    the contact itself (Preferences) and by a colleague managing contacts, so a login's mailbox, where
    its reset links go, never changes without its new owner proving it reads it."""
    assert contact.id is not None, "a saved contact"
    raw = tokens.issue(session, contact.id, TokenPurpose.EMAIL, now, new_email=new_email)
    mail.queue_email_confirmation(session, contact, new_email, raw)
    if contact.email.strip():
        mail.queue_email_change_notice(session, contact, new_email)
    events.audit(
        session, actor, "contact.email_change_requested", contact, detail={"new_email": new_email}, ip=ip
    )


@dataclass(frozen=True)
class EmailLink:
    """What the page behind an email link shows before anything is used up."""

    new_email: str
    signed_in: bool  # the browser is signed in at all
    problem: str  # why this browser cannot confirm it (not signed in, another login), or empty


def _confirm_problem(session: Session, signed_in: tokens.Secret | None, contact_id: int) -> str:
    scope = principals.signed_in_scope(session, signed_in) if signed_in is not None else None
    if scope is None:
        return SIGN_IN_TO_CONFIRM
    if scope.read_only:  # a staff member viewing the portal as the contact may not change its address
        return str(ViewOnly(scope.viewed_as))
    return "" if scope.contact_id == contact_id else OTHER_LOGIN


def email_link(
    session: Session, raw: tokens.Secret | None, signed_in: tokens.Secret | None
) -> EmailLink | None:
    """The live email link behind ``raw`` as the browser with session ``signed_in`` sees it; None when
    expired. Looking never uses the link up: mail scanners open every link they see."""
    token = tokens.live_token(session, raw, TokenPurpose.EMAIL)
    if token is None or token.contact_id is None or tokens.usable_contact(session, token.contact_id) is None:
        return None
    problem = _confirm_problem(session, signed_in, token.contact_id)
    return EmailLink(token.new_email, problem != SIGN_IN_TO_CONFIRM, problem)


def confirm_email(
    session: Session,
    raw: tokens.Secret | None,
    signed_in: tokens.Secret | None,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Contact:
    """Follow an email link: the login's email becomes the address the link was sent to.

    Only the login that asked may confirm, signed in (``signed_in`` is its session id): whoever
    reads a mistyped inbox holds the link but not the password. The link works once and expires;
    it is refused, and left as it is, when another login has taken the address since it was sent or
    the browser is signed in as someone else. The username stays as it was. Links sent to the old
    address (reset, setup) stop working and the login's other sessions end; this one stays.
    """
    now = now or clock.now()
    token = tokens.live_token(session, raw, TokenPurpose.EMAIL, now)
    owner = token.contact_id if token is not None else None
    contact = tokens.usable_contact(session, owner) if owner is not None else None
    if token is None or contact is None or contact.id is None:
        raise ProfileError(token=LINK_EXPIRED)
    if problem := _confirm_problem(session, signed_in, contact.id):
        raise ProfileError(form=problem)
    new_email = token.new_email
    if email_problem(new_email) is not None:
        raise ProfileError(token=LINK_EXPIRED)
    if email_taken(session, new_email, contact.id):
        raise ProfileError(email=EMAIL_TAKEN)
    consumed = tokens.consume(session, raw, TokenPurpose.EMAIL, now)
    if consumed is None or consumed.id != contact.id:
        raise ProfileError(token=LINK_EXPIRED)
    old_email = contact.email
    contact.email = new_email
    session.add(contact)
    session.flush()
    # Login nonces are left alone: they live a minute and belong to browsers signing in right now.
    for purpose in (TokenPurpose.INVITE, TokenPurpose.RESET, TokenPurpose.EMAIL):
        tokens.void(session, contact.id, purpose, now)
    sessions.revoke_all(session, contact.id, "email_changed", now, keep=signed_in)
    events.audit(
        session,
        contact,
        "contact.email_changed",
        contact,
        detail={"old_email": old_email, "new_email": new_email},
        ip=ip,
    )
    events.integration(
        session,
        "contact.updated",
        contact.customer_id,
        {"contact_id": contact.id, "fields": ["email"], "email": new_email},
        at=now,
    )
    return contact
