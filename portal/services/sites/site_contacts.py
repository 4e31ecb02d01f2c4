"""A site's Contacts tab: the people to call at one site (the caretaker, the building manager).

Site contacts are reached through their site (the visibility registry's ``Through`` rule), so a
contact limited to some sites sees and edits only the people at those, and an id from another
customer finds nothing. Adding, changing and removing one is announced to the contractor like a
change to the site itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.core import emails
from portal.core.principal import Scope
from portal.core.visibility import get, scoped
from portal.models import Site, SiteContact
from portal.models.base import column_limit, too_long
from portal.services.sites import notices
from portal.services.sites.editing import SiteError, editable_site
from portal.services.sites.shown import Shown
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
BAD_PHONE = "Use digits, spaces and + ( ) - . only."
TOO_MANY = f"A site can have at most {MAX_PER_SITE} contacts."

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


def _tidy(values: dict[str, object]) -> dict[str, str]:
    """Values as they are stored: one line each, the email in its normalised form. Applied to what is
    already stored too, so a row saved with odd spacing compares equal to the same row sent back."""
    tidy = {name: one_line(values.get(name)) for name in FIELDS}
    tidy["email"] = emails.normalised(tidy["email"])
    return tidy


def clean(form: ContactForm) -> dict[str, str]:
    """The form's values as they are stored, or :class:`SiteError` naming each bad field."""
    values = _tidy({name: getattr(form, name) for name in FIELDS})
    errors: dict[str, str] = {}
    if not values["first_name"]:
        errors["first_name"] = FIRST_NAME_MISSING
    for name in ("phone", "mobile"):
        if not _PHONE.match(values[name]):
            errors[name] = BAD_PHONE
    if problem := emails.email_problem(values["email"]):
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


def site_contacts(session: Session, scope: Scope, site_id: object) -> Shown[SiteContactLine] | None:
    """The site's contacts by name, at most :data:`MAX_PER_SITE`: the most the portal lets a site
    have, so only a site imported with more has ``more`` set (and the tab says so). None when the
    site is not the contact's to see."""
    site = editable_site(session, scope, site_id)
    if site is None:
        return None
    rows = session.exec(
        scoped(select(SiteContact), scope, SiteContact)
        .where(SiteContact.site_id == site.id)
        .order_by(col(SiteContact.first_name), col(SiteContact.last_name), col(SiteContact.id))
        .limit(MAX_PER_SITE + 1)
    ).all()
    return Shown([_line(row) for row in rows[:MAX_PER_SITE]], len(rows) > MAX_PER_SITE)


def _count_locked(session: Session, site_id: int) -> int:
    """The site's contacts, counted after locking the site's row: two adds at the same moment take
    turns here, so together they cannot pass :data:`MAX_PER_SITE` (SQLite serialises writers anyway)."""
    session.exec(select(Site.id).where(Site.id == site_id).with_for_update()).one()
    return session.exec(select(func.count(col(SiteContact.id))).where(SiteContact.site_id == site_id)).one()


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
    with session.begin_nested():
        if _count_locked(session, site.id) >= MAX_PER_SITE:
            raise SiteError({"form": TOO_MANY})
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
    stored = {name: getattr(row, name) for name in FIELDS}
    tidy = _tidy(stored)
    changed = [name for name in FIELDS if tidy[name] != values[name]]
    if not changed:
        return _line(row)
    with session.begin_nested():
        for name in changed:
            setattr(row, name, values[name])
        session.add(row)
        session.flush()
        payload = {
            "site_contact_id": row.id,
            "changed": {name: values[name] for name in changed},
            "before": {name: stored[name] for name in changed},
        }
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
