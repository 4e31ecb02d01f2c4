"""The back office changes a customer's contacts and their logins: the same form, flags, page access
and site access as the customer's own Contacts screen, under the same rules where they apply.

It lives beside :mod:`contact_changes` so that the rules are that module's, not copies: the typed
details, their limits and the page list (``_fields``), the sites asked for (``_site_ids``, read
through the whole customer's account), what stops an email becoming a login's address
(``_login_email_problem``: a login that has been set up moves to a new address only when a link
mailed there is followed), the audit snapshot, and exactly one primary contact.

What differs is who acts. A staff member with ``Duty.MANAGE_CUSTOMERS`` may give any page and any of
the customer's sites (the contractor owns the portal), and may take the last login that manages
contacts away (the contractor can always give it back). A new contact's pages default to the
contractor's ``default_pages`` when they are set, else every page. Every change is an audit event
naming the staff member and the customer (which also makes the customer's open screens follow).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from portal.core import clock, events, tenant, visibility
from portal.core.lists import Page, PageRequest, paginate
from portal.core.principal import CustomerContact, Duty, StaffMember, require_duty
from portal.models import ALL_PAGES, Contact, Credential, Customer, Site, TokenPurpose
from portal.services.identity import auth, profile, tokens
from portal.services.identity.contact_changes import (
    EMAIL_IN_USE,
    EMAIL_NEEDED,
    LOGIN_OFF,
    NOT_AVAILABLE,
    SETUP_DONE,
    SITES_NEEDED,
    SITES_UNKNOWN,
    ContactError,
    ContactInput,
    Saved,
    _changed,
    _check_email,
    _has_password,
    _lock_customer,
    _plan,
    _site_ids,
    _snapshot,
    _write,
)
from portal.services.identity.contacts import (
    FLAGS,
    ROLE_LABELS,
    ContactForm,
    SiteChoice,
    assigned_site_ids,
)
from portal.services.messaging import mail

DUTY = Duty.MANAGE_CUSTOMERS
CUSTOMER_INACTIVE = "This customer is deactivated: reactivate it first."
CONTACT_INACTIVE = "This contact is deactivated: turn Login Active on and save to let it sign in again."
NOT_SET_UP = "This login has not been set up yet: send the setup email instead."
LIST_SIZE = 25


def _customer(session: Session, staff: StaffMember, customer_id: Any) -> Customer:
    require_duty(staff, DUTY)
    customer = visibility.get(session, staff, Customer, customer_id)
    if customer is None or customer.id is None:
        raise ContactError(form="That customer is not available.")
    return customer


def whole_account(customer_id: int) -> CustomerContact:
    """The customer's whole account (every page, every site) as a scope: what the office may give,
    and how the shared rules read "the customer's sites" without a signed-in contact."""
    return CustomerContact(customer_id, 0, frozenset(ALL_PAGES), None)


def _find(session: Session, customer: Customer, contact_id: Any) -> Contact | None:
    """One of this customer's contacts by an id from the browser; another customer's finds None."""
    assert customer.id is not None, "a customer read from the database"
    return visibility.get(session, whole_account(customer.id), Contact, contact_id)


# --- the customer's contacts ------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeContactRow:
    id: int
    name: str
    email: str
    position: str
    roles: tuple[str, ...]
    is_primary: bool
    login: str  # "Active", "Invited", "No login" or "Deactivated"
    last_login_at: datetime | None
    may_view_as: bool  # an active login, set up, of an active customer


def login_label(active: bool, deactivated: bool, has_password: bool) -> str:
    if deactivated:
        return "Deactivated"
    if not active:
        return "No login"
    return "Active" if has_password else "Invited"


def list_contacts(
    session: Session, staff: StaffMember, customer_id: Any, page: Any
) -> Page[OfficeContactRow] | None:
    """One page of the customer's contacts by name; None for an id not a customer."""
    try:
        customer = _customer(session, staff, customer_id)
    except ContactError:
        return None
    has_password = (
        select(Credential.contact_id).where(Credential.contact_id == Contact.id).correlate(Contact).exists()
    )
    query = select(Contact, has_password.label("has_password")).where(Contact.customer_id == customer.id)

    def row(values: Any) -> OfficeContactRow:
        contact, password = values
        assert contact.id is not None, "a contact read from the database"
        active = contact.login_active and contact.deactivated_at is None
        return OfficeContactRow(
            id=contact.id,
            name=contact.full_name,
            email=contact.email,
            position=contact.position,
            roles=tuple(label for key, label in ROLE_LABELS if getattr(contact, key)),
            is_primary=contact.is_primary,
            login=login_label(active, contact.deactivated_at is not None, bool(password)),
            last_login_at=contact.last_login_at,
            may_view_as=active and bool(password) and customer.is_active,
        )

    request = PageRequest(page=page, size=LIST_SIZE, sort="name", descending=False).clean()
    sorts = {"name": func.lower(Contact.first_name + " " + Contact.last_name)}
    return paginate(session, query, request, sorts, "name", row, tiebreak=Contact.id)


# --- one contact's form -----------------------------------------------------------------------------


@dataclass
class OfficeContactForm(ContactForm):
    """The customer's form, plus what only the office reads: the last sign-in, and whether it is
    deactivated."""

    last_login_at: datetime | None = None
    deactivated: bool = False
    customer_active: bool = True


def _choices(session: Session, customer: Customer, assigned: set[int]) -> tuple[SiteChoice, ...]:
    """The customer's open sites, and any closed one the contact is still assigned."""
    query = select(Site.id, Site.name).where(
        Site.customer_id == customer.id,
        (col(Site.is_active).is_(True)) | (col(Site.id).in_(sorted(assigned))),
    )
    return tuple(SiteChoice(i, n) for i, n in session.exec(query.order_by(Site.name, Site.id)).all())


def blank_form(session: Session, staff: StaffMember, customer_id: Any) -> OfficeContactForm | None:
    try:
        customer = _customer(session, staff, customer_id)
    except ContactError:
        return None
    return OfficeContactForm(
        id=None,
        pages=tuple(tenant.default_pages(tenant.contractor(session))),
        all_sites=True,
        choices=_choices(session, customer, set()),
        grantable=tuple(ALL_PAGES),
        may_give_all_sites=True,
        customer_active=customer.is_active,
    )


def contact_form(
    session: Session, staff: StaffMember, customer_id: Any, contact_id: Any
) -> OfficeContactForm | None:
    """The contact for the form, or None when the id is not one of this customer's contacts."""
    try:
        customer = _customer(session, staff, customer_id)
    except ContactError:
        return None
    contact = _find(session, customer, contact_id)
    if contact is None or contact.id is None:
        return None
    assigned = assigned_site_ids(session, contact)
    choices = _choices(session, customer, assigned)
    return OfficeContactForm(
        id=contact.id,
        **{name: getattr(contact, name) for name in ("first_name", "last_name", "position", "email")},
        phone=contact.phone,
        mobile=contact.mobile,
        **{name: getattr(contact, name) for name in FLAGS},
        pending_email=profile.pending_email(session, contact.id) if contact.username else "",
        login_active=contact.login_active and contact.deactivated_at is None,
        username=contact.username or "",
        has_password=session.get(Credential, contact.id) is not None,
        pages=tuple(p for p in ALL_PAGES if p in (contact.pages or [])),
        all_sites=contact.all_sites,
        assigned=tuple(c for c in choices if c.id in assigned),
        choices=choices,
        grantable=tuple(ALL_PAGES),
        may_give_all_sites=True,
        last_login_at=contact.last_login_at,
        deactivated=contact.deactivated_at is not None,
        customer_active=customer.is_active,
    )


# --- create and edit --------------------------------------------------------------------------------


def save_contact(
    session: Session,
    staff: StaffMember,
    customer_id: Any,
    contact_id: Any,
    data: ContactInput,
    now: datetime | None = None,
) -> Saved:
    """Create (``contact_id`` None) or change one of the customer's contacts. Everything is checked
    before anything is written; a form that changes nothing writes nothing."""
    now = now or clock.now()
    customer = _customer(session, staff, customer_id)
    assert customer.id is not None, "a customer read from the database"
    _lock_customer(session, customer.id)
    whole = whole_account(customer.id)
    existing: Contact | None = None
    if contact_id is not None:
        existing = _find(session, customer, contact_id)
        if existing is None or existing.id is None:
            raise ContactError(form=NOT_AVAILABLE)
    plan = _plan(session, existing, customer.id, data)
    if not plan.all_sites:
        asked = _site_ids(session, whole, data.site_ids)
        if asked is None:
            plan.errors["sites"] = SITES_UNKNOWN
        else:
            plan.new_sites = asked
            if plan.login_on and not asked:
                plan.errors["sites"] = SITES_NEEDED
    _check_email(session, whole, plan)
    return _write(session, staff, plan, data, now)


# --- the setup email, a reset link, deactivating -----------------------------------------------------


def _contact(session: Session, staff: StaffMember, customer_id: Any, contact_id: Any) -> Contact:
    customer = _customer(session, staff, customer_id)
    contact = _find(session, customer, contact_id)
    if contact is None or contact.id is None:
        raise ContactError(form=NOT_AVAILABLE)
    if not customer.is_active:
        raise ContactError(form=CUSTOMER_INACTIVE)
    return contact


def send_setup_email(
    session: Session, staff: StaffMember, customer_id: Any, contact_id: Any, now: datetime | None = None
) -> str:
    """Mail the contact a new setup link (the last one stops working); returns the address it went to.

    A contact without a login gets one (its username is its email, as when Login Active is turned on
    and saved); one whose login was never set up gets a fresh link; one with a password is refused,
    since a setup link lets its holder choose a new password: Reset Password is for that."""
    now = now or clock.now()
    contact = _contact(session, staff, customer_id, contact_id)
    assert contact.id is not None, "a contact read from the database"
    _lock_customer(session, contact.customer_id)
    if contact.deactivated_at is not None:
        raise ContactError(form=CONTACT_INACTIVE)
    if _has_password(session, contact):
        raise ContactError(form=SETUP_DONE)
    email = contact.email.strip().lower()
    if not email:
        raise ContactError(email=EMAIL_NEEDED)
    if not contact.login_active or not contact.username:
        if profile.email_taken(session, email, contact.id):
            raise ContactError(email=EMAIL_IN_USE)
        if not contact.all_sites and not assigned_site_ids(session, contact):
            raise ContactError(sites=SITES_NEEDED)
        before = _snapshot(session, contact)
        contact.username = contact.username or email
        session.add(contact)
        auth.send_invite(session, contact.id, now, actor=staff)
        _changed(session, staff, contact, "updated", before)
    else:
        auth.send_invite(session, contact.id, now, actor=staff)
    return contact.email


def send_password_reset(
    session: Session, staff: StaffMember, customer_id: Any, contact_id: Any, now: datetime | None = None
) -> str:
    """Mail the contact a link to choose a new password; returns the address it went to."""
    contact = _contact(session, staff, customer_id, contact_id)
    assert contact.id is not None, "a contact read from the database"
    if tokens.usable_contact(session, contact.id) is None:
        raise ContactError(login=LOGIN_OFF)
    if not _has_password(session, contact):
        raise ContactError(form=NOT_SET_UP)
    if not contact.email.strip():
        raise ContactError(email=EMAIL_NEEDED)
    raw = tokens.issue(session, contact.id, TokenPurpose.RESET, now or clock.now())
    mail.queue_reset(session, contact, raw)
    events.audit(
        session,
        staff,
        "contact_reset_sent",
        contact,
        detail={"to": contact.email},
        customer_id=contact.customer_id,
    )
    return contact.email


def deactivate_contact(
    session: Session, staff: StaffMember, customer_id: Any, contact_id: Any, now: datetime | None = None
) -> Contact:
    """Stop the contact signing in and hearing from the portal: its sessions end now and its links stop
    working. A contact already deactivated is left as it is."""
    customer = _customer(session, staff, customer_id)
    contact = _find(session, customer, contact_id)
    if contact is None or contact.id is None:
        raise ContactError(form=NOT_AVAILABLE)
    if contact.deactivated_at is not None:
        return contact
    auth.deactivate(session, contact.id, now or clock.now(), actor=staff)
    return contact
