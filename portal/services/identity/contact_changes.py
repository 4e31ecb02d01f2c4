"""A customer's administrator changes contacts and their logins: create, edit, setup email, reset.

The rules, each checked here whatever the screen offered (a forged event reaches these too):

- only a login with the ``contacts`` page may use any of this (:func:`contacts.manager`);
- nobody gives a page or a site it does not have itself. Keeping what a colleague already has is
  not giving, and taking it away is allowed; turning a login on gives everything it then has;
- nobody removes the last active login that can manage contacts, its own included, since then no
  one at the customer could manage them again without the contractor;
- a username is never typed by a customer: it is the email when the login is first turned on, and
  the invitee may change it on the setup page;
- nobody redirects a login with more access than its own to another mailbox (its email, its
  setup or reset link), which would hand over that login;
- a login's email (where its reset links go) changes only when a link mailed to the new address
  is followed, as in Preferences (:func:`profile.request_email_change`); the old address is told
  and the login's outstanding links stop working. A contact without a login is edited directly;
- a setup email goes only to a login without a password: one with a password gets Reset Password;
- exactly one primary contact per customer: making one primary clears the other in the same
  transaction, and the primary cannot simply be unticked;
- every change is an audit event with the contact before and after, and an integration event
  (a contact that loses Primary gets its own); a save that changes nothing writes none.

Changes to one customer's contacts are serialized by locking the customer's row (PostgreSQL; a
writing SQLite transaction already holds the database), so two administrators cannot each remove
the other's last login, nor make two primaries at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from portal.core import clock, emails, events
from portal.core.principal import MAX_ID, AccessDenied, CustomerContact, Principal, StaffMember
from portal.core.text import one_line
from portal.core.visibility import scoped
from portal.models import ALL_PAGES, Contact, ContactSite, Credential, Customer, Site, TokenPurpose
from portal.models.base import too_long
from portal.services.identity import auth, principals, profile, sessions, tokens
from portal.services.identity.contacts import (
    DETAILS,
    FLAGS,
    LIMITS,
    PAGE,
    PAGE_LABELS,
    assigned_site_ids,
    find,
    manager,
)
from portal.services.messaging import mail

MAX_SITES = 5000  # more site ids than any customer has sites: the rest of a forged list is not read

NOT_AVAILABLE = "That contact is not available."
EMAIL_NEEDED = profile.EMAIL_NEEDED
EMAIL_BAD = emails.BAD_EMAIL
EMAIL_IN_USE = profile.EMAIL_TAKEN
EMAIL_NEEDS_LOGIN = (
    "This contact has a login: turn Login Active on to change its email, so the new address can "
    "confirm the change."
)
FIRST_NAME_NEEDED = "Enter a first name."
PRIMARY_NEEDED = "Make another contact the primary contact instead."
LAST_MANAGER = "At least one active login must be able to manage contacts."
PAGES_UNKNOWN = "Choose pages from the list."
SITES_UNKNOWN = "Choose sites from the list."
SITES_NEEDED = "Assign at least one site, or choose All sites."
ALL_SITES_NOT_YOURS = "Your login is limited to some sites, so you cannot give access to all sites."
UNSEEN_SITES = "This contact has sites your login does not include, so only a login with them can turn it on."
OUTRANKED = "This login has more access than yours, so only a login with that access can do this."
LOGIN_OFF = "Turn Login Active on and save first."
SETUP_DONE = "This login already has a password. Use Reset Password to send a link to choose a new one."


class ContactError(Exception):
    """What to show beside each field: keys are the form's fields, plus ``pages``, ``sites``,
    ``login``, ``primary`` and ``form``."""

    def __init__(self, field_errors: dict[str, str] | None = None, **fields: str) -> None:
        self.field_errors: dict[str, str] = {**(field_errors or {}), **fields}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.field_errors.items()))


@dataclass(frozen=True)
class ContactInput:
    """The form as submitted; every value may be anything a browser can send, and is checked here."""

    first_name: str = ""
    last_name: str = ""
    position: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    is_quote_contact: bool = False
    is_job_contact: bool = False
    is_invoice_contact: bool = False
    is_statement_contact: bool = False
    is_primary: bool = False
    login_active: bool = False
    pages: tuple[Any, ...] = ()
    all_sites: bool = False
    site_ids: tuple[Any, ...] = ()


assert {*DETAILS, *FLAGS} <= {f.name for f in dataclass_fields(ContactInput)}, "the form carries every detail"


@dataclass(frozen=True)
class Saved:
    contact_id: int
    invited: bool  # a setup email went out because the login was turned on
    confirmation_sent_to: str = ""  # the login's new address, mailed a link to confirm it


def _lock_customer(session: Session, customer_id: int) -> None:
    session.exec(select(Customer.id).where(Customer.id == customer_id).with_for_update()).first()


def _require_manager(session: Session, principal: Principal) -> CustomerContact:
    """The signed-in contact, built again from the database inside this unit of work once the
    customer is locked: its pages and sites are what they are now, not when the principal was made,
    so a login whose contacts page, pages or sites were taken a moment ago cannot use the old ones."""
    who = manager(principal)
    _lock_customer(session, who.customer_id)
    fresh = principals.scope_for(session, who.contact_id)
    if fresh is None or fresh.customer_id != who.customer_id or not fresh.can(PAGE):
        raise AccessDenied(PAGE)
    return fresh


def _is_manager(contact: Contact) -> bool:
    return contact.login_active and contact.deactivated_at is None and PAGE in (contact.pages or [])


def _other_managers(session: Session, contact: Contact) -> int:
    """Other logins that can manage contacts now: active, and with a password (a login whose invite
    was never accepted cannot sign in, so cannot manage anything)."""
    rows = session.exec(
        select(Contact)
        .join(Credential, col(Credential.contact_id) == Contact.id)
        .where(
            Contact.customer_id == contact.customer_id,
            Contact.id != contact.id,
            Contact.login_active.is_(True),
            col(Contact.deactivated_at).is_(None),
        )
    ).all()
    return sum(1 for row in rows if _is_manager(row))


def _has_password(session: Session, contact: Contact) -> bool:
    """Whether the contact's login has been set up: a password, and so a mailbox to take over."""
    return contact.id is not None and session.get(Credential, contact.id) is not None


def within(session: Session, who: CustomerContact, contact: Contact) -> bool:
    """Whether everything the contact's login may open, ``who`` may open too."""
    if not set(contact.pages or []) <= set(who.pages):
        return False
    if who.site_ids is None:
        return True
    return not contact.all_sites and assigned_site_ids(session, contact) <= who.site_ids


def _snapshot(session: Session, contact: Contact) -> dict[str, Any]:
    """The contact as the audit trail and the back office read it (never a password or token)."""
    return {
        **{name: getattr(contact, name) for name in (*DETAILS, *FLAGS)},
        "login_active": contact.login_active,
        "username": contact.username,
        "pages": list(contact.pages or []),
        "all_sites": contact.all_sites,
        "site_ids": sorted(assigned_site_ids(session, contact)) if contact.id is not None else [],
    }


# --- reading the form ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fields:
    texts: dict[str, str]
    pages: list[str]


def _fields(data: ContactInput, errors: dict[str, str]) -> _Fields:
    texts = {name: one_line(getattr(data, name)) for name in DETAILS}
    texts["email"] = emails.normalised(texts["email"])
    for name, limit in LIMITS.items():
        if len(texts[name]) > limit:
            errors[name] = too_long(limit)
    if not texts["first_name"] and "first_name" not in errors:
        errors["first_name"] = FIRST_NAME_NEEDED
    if "email" not in errors and (problem := emails.email_problem(texts["email"])):
        errors["email"] = problem
    asked = list(data.pages) if isinstance(data.pages, list | tuple) else []
    if len(asked) > len(ALL_PAGES) or not all(isinstance(p, str) and p in ALL_PAGES for p in asked):
        errors["pages"] = PAGES_UNKNOWN
        asked = []
    return _Fields(texts, [p for p in ALL_PAGES if p in asked])


def _site_ids(session: Session, who: CustomerContact, raw: tuple[Any, ...]) -> set[int] | None:
    """The sites asked for, when every one is a site ``who`` sees; None when any is not."""
    ids: set[int] = set()
    for value in list(raw)[:MAX_SITES] if isinstance(raw, list | tuple) else []:
        try:
            number = int(value) if isinstance(value, int | str) and not isinstance(value, bool) else 0
        except ValueError:
            return None
        if not 0 < number <= MAX_ID:
            return None
        ids.add(number)
    if not ids:
        return ids
    found = set(session.exec(scoped(select(Site.id).where(col(Site.id).in_(sorted(ids))), who, Site)).all())
    return ids if found == ids else None


# --- create and edit ----------------------------------------------------------------------------


def _login_email_problem(
    session: Session,
    who: CustomerContact,
    contact: Contact,
    email: str,
    *,
    login_on: bool,
    turning_on: bool,
    by_link: bool,
    readdress: bool,
) -> str | None:
    """What stops the email from becoming (or being asked to become) a login's address."""
    if readdress:
        if not within(session, who, contact):
            return OUTRANKED
        if login_on and not email:
            return EMAIL_NEEDED
        if login_on and profile.email_taken(session, email, contact.id or 0):
            return EMAIL_IN_USE
        return None
    if by_link:
        if not within(session, who, contact):
            return OUTRANKED
        if not email:
            return EMAIL_NEEDED
        if not login_on:
            return EMAIL_NEEDS_LOGIN
        return profile.new_email_problem(session, contact, email)
    if login_on and (turning_on or not contact.username):
        if not email:
            return EMAIL_NEEDED
        if profile.email_taken(session, email, contact.id or 0):
            return EMAIL_IN_USE
    return None


def _clear_other_primary(session: Session, who: CustomerContact | StaffMember, contact: Contact) -> None:
    """The contact that was primary is not any more: its own change, audited and sent on."""
    others = session.exec(
        select(Contact).where(
            Contact.customer_id == contact.customer_id,
            Contact.id != contact.id,
            Contact.is_primary.is_(True),
        )
    ).all()
    for other in others:
        before = _snapshot(session, other)
        other.is_primary = False
        session.add(other)
        session.flush()
        _changed(session, who, other, "updated", before)


def _changed(
    session: Session, who: CustomerContact | StaffMember, contact: Contact, kind: str, before: dict[str, Any]
) -> None:
    """Audit and send on one contact's change; ``customer_id`` names the customer when staff act."""
    after = _snapshot(session, contact)
    events.audit(
        session,
        who,
        f"contact_{kind}",
        contact,
        detail={"before": before, "after": after},
        customer_id=contact.customer_id,
    )
    events.integration(
        session,
        f"contact.{kind}",
        contact.customer_id,
        {"contact_id": contact.id, "before": before, "after": after},
    )


@dataclass
class _Plan:
    """One save's contact and what the checks decided before anything is written. The customer's
    Contacts screen and the back office check pages and sites under their own rules, then share the
    rest (:func:`_plan`, :func:`_check_email`, :func:`_write`), so those rules live once."""

    contact: Contact
    existing: bool
    before: dict[str, Any]
    errors: dict[str, str]
    fields: _Fields
    was_active: bool
    login_on: bool
    turning_on: bool
    all_sites: bool
    old_sites: set[int]
    new_sites: set[int] = dataclass_field(default_factory=set)
    email: str = ""
    by_link: bool = False
    readdress: bool = False


def _plan(session: Session, existing: Contact | None, customer_id: int, data: ContactInput) -> _Plan:
    """The contact to change (a new one of ``customer_id`` when ``existing`` is None), its typed
    details checked into ``errors``, and whether its login is being turned on."""
    contact = existing or Contact(customer_id=customer_id)
    before = _snapshot(session, contact) if existing else {}
    errors: dict[str, str] = {}
    fields = _fields(data, errors)
    was_active = existing is not None and contact.login_active and contact.deactivated_at is None
    login_on = data.login_active is True
    return _Plan(
        contact,
        existing is not None,
        before,
        errors,
        fields,
        was_active,
        login_on,
        login_on and not was_active,
        data.all_sites is True,
        assigned_site_ids(session, contact) if existing else set(),
    )


def _check_email(session: Session, scope: CustomerContact, plan: _Plan) -> None:
    """Login: an email nobody else's login has; a login's new email waits for its link.

    A login that has never been set up has no mailbox to take over yet: its address is corrected
    at once, its old setup link voided and a new one sent to the right address."""
    contact, email = plan.contact, plan.fields.texts["email"]
    moves = plan.existing and email.lower() != contact.email.strip().lower()
    plan.email = email
    plan.by_link = moves and _has_password(session, contact)
    plan.readdress = moves and not plan.by_link and bool(contact.username)
    if "email" not in plan.errors and (
        problem := _login_email_problem(
            session,
            scope,
            contact,
            email,
            login_on=plan.login_on,
            turning_on=plan.turning_on,
            by_link=plan.by_link,
            readdress=plan.readdress,
        )
    ):
        plan.errors["email"] = problem


def _write(
    session: Session,
    who: CustomerContact | StaffMember,
    plan: _Plan,
    data: ContactInput,
    now: datetime,
) -> Saved:
    """Exactly one primary contact, then write the contact, its sites, its login's links and
    sessions, the audit events and the setup email. Raises :class:`ContactError` with ``errors``
    (nothing written) when any check failed."""
    c, contact, errors = plan, plan.contact, plan.errors
    primary = data.is_primary is True
    if c.existing and contact.is_primary and not primary:
        errors["primary"] = PRIMARY_NEEDED
    if errors:
        raise ContactError(errors)
    if not primary:
        others = select(Contact.id).where(
            Contact.customer_id == contact.customer_id, Contact.is_primary.is_(True)
        )
        primary = (
            session.exec(others.where(Contact.id != contact.id) if contact.id else others).first() is None
        )

    for name, value in c.fields.texts.items():
        if not (name == "email" and c.by_link):
            setattr(contact, name, value)
    for name in FLAGS:
        setattr(contact, name, getattr(data, name) is True)
    contact.is_primary = primary
    contact.pages = c.fields.pages
    contact.all_sites = c.all_sites
    if c.login_on and (not contact.username or c.readdress):
        contact.username = c.email.lower()  # follows the email until the login is set up; never typed
    turning_off = c.was_active and not c.login_on
    if c.login_on:
        contact.login_active, contact.deactivated_at = True, None
    elif turning_off:
        contact.login_active, contact.deactivated_at = False, now
    try:
        with session.begin_nested():  # a username taken a moment ago by another form's save
            session.add(contact)
            session.flush()
    except IntegrityError:
        raise ContactError(email=EMAIL_IN_USE) from None
    assert contact.id is not None, "flushed"
    if primary:
        _clear_other_primary(session, who, contact)
    if c.new_sites != c.old_sites:
        session.exec(delete(ContactSite).where(col(ContactSite.contact_id) == contact.id))
        session.add_all(ContactSite(contact_id=contact.id, site_id=s) for s in sorted(c.new_sites))
        session.flush()
    if turning_off or c.by_link or c.readdress:
        tokens.void(session, contact.id, None, now)
    if turning_off:
        sessions.revoke_all(session, contact.id, "login_disabled", now)

    kind = "updated" if c.existing else "created"
    if _snapshot(session, contact) != c.before:
        _changed(session, who, contact, kind, c.before)
    if c.turning_on or turning_off:
        state = "enabled" if c.turning_on else "disabled"
        events.audit(
            session,
            who,
            f"contact_login_{state}",
            contact,
            detail={"username": contact.username},
            customer_id=contact.customer_id,
        )
        events.integration(
            session,
            f"contact.login_{state}",
            contact.customer_id,
            {"contact_id": contact.id, "username": contact.username},
        )
    if c.by_link:
        profile.request_email_change(session, who, contact, c.email, now)
    invited = False
    if (c.turning_on or (c.readdress and c.login_on)) and session.get(Credential, contact.id) is None:
        auth.send_invite(session, contact.id, now, actor=who)
        invited = True
    return Saved(contact.id, invited, c.email if c.by_link else "")


def save_contact(
    session: Session,
    principal: Principal,
    contact_id: Any,
    data: ContactInput,
    now: datetime | None = None,
) -> Saved:
    """Create (``contact_id`` None) or change a contact of the signed-in contact's customer.

    Everything is checked before anything is written, so a refused form changes nothing; a form
    that changes nothing writes nothing (a second click of Save is harmless).
    """
    now = now or clock.now()
    who = _require_manager(session, principal)
    existing: Contact | None = None
    if contact_id is not None:
        existing = find(session, who, contact_id)
        if existing is None or existing.id is None:
            raise ContactError(form=NOT_AVAILABLE)
    plan = _plan(session, existing, who.customer_id, data)
    contact, errors, fields, login_on, turning_on = (
        plan.contact,
        plan.errors,
        plan.fields,
        plan.login_on,
        plan.turning_on,
    )

    # Pages: only the ones the signed-in contact has may be added.
    kept_pages = set() if turning_on else set(contact.pages or [])
    given = [p for p in fields.pages if p not in kept_pages and p not in who.pages]
    if given and "pages" not in errors:
        names = ", ".join(PAGE_LABELS[p] for p in given)
        errors["pages"] = f"Your login does not include {names}, so you cannot give it."

    # Sites: all of them, or the ones asked for plus those already assigned that the signed-in
    # contact cannot see (it cannot take away what it cannot see either).
    unseen = plan.old_sites - who.site_ids if who.site_ids is not None else set()
    if plan.all_sites:
        kept_all = existing is not None and contact.all_sites and not turning_on
        if who.site_ids is not None and not kept_all:
            errors["sites"] = ALL_SITES_NOT_YOURS
    else:
        asked = _site_ids(session, who, data.site_ids)
        if asked is None:
            errors["sites"] = SITES_UNKNOWN
        else:
            plan.new_sites = asked | unseen
            if turning_on and unseen:
                errors["sites"] = UNSEEN_SITES
            elif login_on and not plan.new_sites:
                errors["sites"] = SITES_NEEDED

    _check_email(session, who, plan)

    # The last login that can manage contacts stays.
    stays_manager = login_on and PAGE in fields.pages
    if (
        existing is not None
        and _is_manager(contact)
        and not stays_manager
        and _other_managers(session, contact) == 0
    ):
        errors["login" if not login_on else "pages"] = LAST_MANAGER
    return _write(session, who, plan, data, now)


# --- mail ---------------------------------------------------------------------------------------


def _mailable(session: Session, principal: Principal, contact_id: Any) -> tuple[CustomerContact, Contact]:
    """The signed-in manager and a contact with a live login it may send a link for."""
    who = _require_manager(session, principal)
    contact = find(session, who, contact_id)
    if contact is None or contact.id is None:
        raise ContactError(form=NOT_AVAILABLE)
    if tokens.usable_contact(session, contact.id) is None:
        raise ContactError(login=LOGIN_OFF)
    if not contact.email.strip():
        raise ContactError(email=EMAIL_NEEDED)
    if not within(session, who, contact):
        raise ContactError(form=OUTRANKED)
    return who, contact


def _invite(session: Session, who: CustomerContact, contact: Contact, now: datetime) -> None:
    assert contact.id is not None, "a saved contact"
    auth.send_invite(session, contact.id, now, actor=who)


def send_setup_email(
    session: Session, principal: Principal, contact_id: Any, now: datetime | None = None
) -> str:
    """Mail the contact a new 7-day, single-use setup link (the last one stops working); returns
    the address it went to. A login that already has a password is refused: a setup link would let
    its holder choose a new password (and username), so it gets Reset Password instead."""
    who, contact = _mailable(session, principal, contact_id)
    if session.get(Credential, contact.id) is not None:
        raise ContactError(form=SETUP_DONE)
    _invite(session, who, contact, now or clock.now())
    return contact.email


def send_password_reset(
    session: Session, principal: Principal, contact_id: Any, now: datetime | None = None
) -> str:
    """Options > Reset Password: mail the contact a reset link; returns the address it went to."""
    who, contact = _mailable(session, principal, contact_id)
    assert contact.id is not None, "a saved contact"
    raw = tokens.issue(session, contact.id, TokenPurpose.RESET, now or clock.now())
    mail.queue_reset(session, contact, raw)
    events.audit(session, who, "contact_reset_sent", contact, detail={"to": contact.email})
    return contact.email
