"""Site Details: reading a site, creating one (Create New Site) and editing one, through the scope.

A site is loaded only through the visibility registry, so a contact limited to some sites reads and
edits only those, and another customer's id finds nothing. A site a limited contact creates is
assigned to it at once; otherwise it could not see what it just made. Every create or change is
announced to the contractor (``notices.announce``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from portal.core import clock
from portal.core.principal import AccessDenied, Scope, customer_of
from portal.core.visibility import get
from portal.models import ContactSite, Page, Site
from portal.models.base import column_limit, too_long
from portal.services.sites import notices
from portal.services.work.request_rules import multi_line, one_line

PAGE = Page.SITES
SINGLE_LINE = ("name", "street", "suburb", "state", "postcode")
FIELDS = (*SINGLE_LINE, "access_notes")
LABELS = {
    "name": "Site name",
    "street": "Street",
    "suburb": "Suburb",
    "state": "State",
    "postcode": "Postcode",
    "access_notes": "Access notes",
}
NAME_MISSING = "Enter the site's name."
POSTCODE_CHARACTERS = "Use letters, digits, spaces and hyphens only."


LIMITS = {name: column_limit(Site, name) for name in FIELDS}


class SiteError(Exception):
    """The form cannot be saved; ``field_errors`` maps a field to the message shown beside it."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in field_errors.items()))
        self.field_errors = field_errors


@dataclass
class SiteForm:
    name: str = ""
    street: str = ""
    suburb: str = ""
    state: str = ""
    postcode: str = ""
    access_notes: str = ""


@dataclass(frozen=True)
class SiteDetails:
    id: int
    name: str
    street: str
    suburb: str
    state: str
    postcode: str
    access_notes: str


def _tidy(values: dict[str, Any]) -> dict[str, str]:
    """Values as they are stored. Applied to what is already stored too, so a site saved elsewhere
    with odd spacing compares equal to the same values sent back untouched."""
    tidy = {name: one_line(values.get(name)) for name in SINGLE_LINE}
    tidy["access_notes"] = multi_line(values.get("access_notes"))
    return tidy


def clean(form: SiteForm) -> dict[str, str]:
    """The form's values as they will be saved, or :class:`SiteError` naming each bad field."""
    values = _tidy(asdict(form))
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = too_long(limit)
    if not values["name"]:
        errors["name"] = NAME_MISSING
    if values["postcode"] and not all(ch.isalnum() or ch in " -" for ch in values["postcode"]):
        errors["postcode"] = POSTCODE_CHARACTERS
    if errors:
        raise SiteError(errors)
    return values


def editable_site(session: Session, scope: Scope, site_id: object) -> Site | None:
    """An active site of the contact's by an id from the browser; None for anything else."""
    scope.require(PAGE)
    site = get(session, scope, Site, site_id)
    return site if site is not None and site.is_active else None


def details(site: Site) -> SiteDetails:
    assert site.id is not None, "a site read from the database"
    return SiteDetails(
        site.id,
        site.name,
        site.street,
        site.suburb,
        site.state,
        site.postcode,
        site.access_notes,
    )


def site_details(session: Session, scope: Scope, site_id: object) -> SiteDetails | None:
    site = editable_site(session, scope, site_id)
    return details(site) if site is not None else None


def _facts(values: dict[str, str], names: Iterable[str]) -> list[str]:
    return [f"{LABELS[name]}: {values[name] or '-'}" for name in names]


def create_site(
    session: Session,
    scope: Scope,
    form: SiteForm,
    *,
    pages: Iterable[str] = (PAGE,),
    now: datetime | None = None,
) -> Site:
    """A new site of the contact's customer, or :class:`SiteError`; nothing is written on an error.

    ``pages``: a contact with any of them may create a site (Request a Quote offers Create New to a
    contact without the Sites page).
    """
    allowed = tuple(pages)
    if not any(scope.can(page) for page in allowed):
        raise AccessDenied(PAGE)
    values = clean(form)
    stamp = now or clock.now()
    with session.begin_nested():
        site = Site(customer_id=customer_of(scope), created_at=stamp)
        for name, value in values.items():
            setattr(site, name, value)
        session.add(site)
        session.flush()
        assert site.id is not None, "flushed above"
        if scope.limited:
            session.add(ContactSite(contact_id=scope.contact_id, site_id=site.id))
        payload = {"created_by_contact_id": scope.contact_id, **values}
        notices.announce(
            session, scope, "site.created", site, site, payload, "New site created", _facts(values, FIELDS)
        )
        session.flush()
    return site


def update_site(session: Session, scope: Scope, site_id: object, form: SiteForm) -> Site | None:
    """Save the Site Details; None when the site is not the contact's to edit, :class:`SiteError` when a
    field is wrong. Saving what is already stored changes nothing and tells no one."""
    site = editable_site(session, scope, site_id)
    if site is None:
        return None
    values = clean(form)
    before = {name: getattr(site, name) for name in FIELDS}
    tidy = _tidy(before)
    changed = [name for name in FIELDS if tidy[name] != values[name]]
    if not changed:
        return site
    with session.begin_nested():
        for name in changed:
            setattr(site, name, values[name])
        session.add(site)
        session.flush()
        payload = {
            "changed": {name: values[name] for name in changed},
            "before": {n: before[n] for n in changed},
        }
        notices.announce(
            session,
            scope,
            "site.updated",
            site,
            site,
            payload,
            "Site details changed",
            _facts(values, changed),
        )
        session.flush()
    return site


def form_of(values: dict[str, Any]) -> SiteForm:
    """A form from named values (the state's), any missing field empty."""
    return SiteForm(**{name: str(values.get(name, "") or "") for name in asdict(SiteForm())})
