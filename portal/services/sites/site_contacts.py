"""A site's Contacts tab: the people to call at one site (the caretaker, the building manager).

Site contacts are reached through their site (the visibility registry's ``Through`` rule), so a
contact limited to some sites sees and edits only the people at those, and an id from another
customer finds nothing. Adding, changing and removing one is announced to the contractor like a
change to the site itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal.core.principal import Scope
from portal.core.visibility import get, scoped
from portal.models import Site, SiteContact
from portal.services.sites import notices
from portal.services.sites.editing import SiteError, column_limit, editable_site, too_long
from portal.services.work.request_rules import one_line

FIELDS = ("first_name", "last_name", "position", "phone", "mobile", "email")
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "position": "Position",
    "phone": "Phone",
    "mobile": "Mobile",
    "email": "Email",
}
LIMITS = {name: column_limit(SiteContact, name) for name in FIELDS}
MAX_PER_SITE = 200
FIRST_NAME_MISSING = "Enter the contact's first name."
BAD_EMAIL = "Enter an email address like name@example.com."
BAD_PHONE = "Use digits, spaces and + ( ) - . only."
TOO_MANY = f"A site can have at most {MAX_PER_SITE} contacts."

# One address, no spaces or angle brackets, a dot in the domain: what a person types, not RFC 5322.
_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\.]{2,}$")
_PHONE = re.compile(r"^[0-9 +().\-]*$")


@dataclass
class ContactForm:
    first_name: str = ""
    last_name: str = ""
    position: str = ""
    phone: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class SiteContactLine:
    id: int
    first_name: str
    last_name: str
    position: str
    phone: str
    mobile: str
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


def email_problem(value: str) -> str:
    """What is wrong with an email address as typed ("" when it is empty or looks right)."""
    return "" if not value or _EMAIL.match(value) else BAD_EMAIL


def clean(form: ContactForm) -> dict[str, str]:
    values = {name: one_line(getattr(form, name)) for name in FIELDS}
    errors: dict[str, str] = {}
    if not values["first_name"]:
        errors["first_name"] = FIRST_NAME_MISSING
    for name in ("phone", "mobile"):
        if not _PHONE.match(values[name]):
            errors[name] = BAD_PHONE
    if problem := email_problem(values["email"]):
        errors["email"] = problem
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = too_long(limit)
    if errors:
        raise SiteError(errors)
    return values


def _line(row: SiteContact) -> SiteContactLine:
    assert row.id is not None, "a site contact read from the database"
    return SiteContactLine(
        row.id, row.first_name, row.last_name, row.position, row.phone, row.mobile, row.email
    )


def site_contacts(session: Session, scope: Scope, site_id: object) -> list[SiteContactLine] | None:
    """The site's contacts by name; None when the site is not the contact's to see."""
    site = editable_site(session, scope, site_id)
    if site is None:
        return None
    rows = session.exec(
        scoped(select(SiteContact), scope, SiteContact)
        .where(SiteContact.site_id == site.id)
        .order_by(col(SiteContact.first_name), col(SiteContact.last_name), col(SiteContact.id))
        .limit(MAX_PER_SITE)
    ).all()
    return [_line(row) for row in rows]


def _facts(values: dict[str, str]) -> list[str]:
    return [f"{LABELS[name]}: {values[name] or '-'}" for name in FIELDS]


def add_site_contact(
    session: Session, scope: Scope, site_id: object, form: ContactForm
) -> SiteContactLine | None:
    """A new contact at the site; None when the site is not the contact's, :class:`SiteError` when a
    field is wrong."""
    site = editable_site(session, scope, site_id)
    if site is None or site.id is None:
        return None
    values = clean(form)
    present = session.exec(select(SiteContact.id).where(SiteContact.site_id == site.id)).all()
    if len(present) >= MAX_PER_SITE:
        raise SiteError({"form": TOO_MANY})
    with session.begin_nested():
        row = SiteContact(site_id=site.id)
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)
        session.flush()
        payload = {"site_contact_id": row.id, **values}
        notices.announce(
            session, scope, "site_contact.created", row, site, payload, "Site contact added", _facts(values)
        )
        session.flush()
    return _line(row)


def _visible(session: Session, scope: Scope, contact_id: object) -> tuple[SiteContact, Site] | None:
    row = get(session, scope, SiteContact, contact_id)
    if row is None:
        return None
    site = editable_site(session, scope, row.site_id)
    return (row, site) if site is not None else None


def update_site_contact(
    session: Session, scope: Scope, contact_id: object, form: ContactForm
) -> SiteContactLine | None:
    found = _visible(session, scope, contact_id)
    if found is None:
        return None
    row, site = found
    values = clean(form)
    changed = [name for name in FIELDS if getattr(row, name) != values[name]]
    if not changed:
        return _line(row)
    with session.begin_nested():
        for name in changed:
            setattr(row, name, values[name])
        session.add(row)
        session.flush()
        payload = {"site_contact_id": row.id, "changed": {name: values[name] for name in changed}}
        notices.announce(
            session, scope, "site_contact.updated", row, site, payload, "Site contact changed", _facts(values)
        )
        session.flush()
    return _line(row)


def remove_site_contact(session: Session, scope: Scope, contact_id: object) -> bool:
    """Remove a contact from its site; False when it is not the contact's to remove."""
    found = _visible(session, scope, contact_id)
    if found is None:
        return False
    row, site = found
    values = {name: getattr(row, name) for name in FIELDS}
    target = ("site_contact", row.id)
    with session.begin_nested():
        session.delete(row)
        session.flush()
        payload = {"site_contact_id": target[1], **values}
        notices.announce(
            session,
            scope,
            "site_contact.removed",
            target,
            site,
            payload,
            "Site contact removed",
            _facts(values),
        )
        session.flush()
    return True
