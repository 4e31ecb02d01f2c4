"""The back office's side of a customer's sites: create, edit and close a site, and its site contacts.

The fields and their rules are the customer's Site Details and Contacts tab's (``editing.clean``,
``site_contacts.clean``), so a site reads the same whoever made it. What differs is who asks: a staff
member with ``MANAGE_CUSTOMERS``, for any customer, and each command is an audit event naming the
customer (which is also what makes the customer's open screens follow), not a mail to the office.

Closing a site keeps everything on it: its assets stay on the register but leave the customer's
site lists, PPM and reports (they cover open sites); a site with open jobs cannot be closed until
they are finished or moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.core import clock, events
from portal.core.principal import Duty, StaffMember, require_duty
from portal.core.visibility import get
from portal.models import Asset, AssetStatus, Customer, Job, JobStage, Site, SiteContact
from portal.services.sites import editing, site_contacts
from portal.services.sites.editing import SiteError, SiteForm
from portal.services.sites.site_contacts import ContactForm, SiteContactLine

DUTY = Duty.MANAGE_CUSTOMERS
OPEN_JOB_STAGES = (JobStage.PENDING, JobStage.PROGRESS)
HAS_OPEN_JOBS = "This site has open jobs ({count}). Finish or move them before closing the site."
CLOSED = "This site is closed."


@dataclass(frozen=True)
class SiteSummary:
    """What the office's site page shows besides the form: whose site, open or closed, what is on it."""

    id: int
    customer_id: int
    customer_name: str
    is_active: bool
    closed_at: datetime | None
    active_assets: int
    open_jobs: int


def office_customer(session: Session, staff: StaffMember, customer_id: Any) -> Customer | None:
    require_duty(staff, DUTY)
    return get(session, staff, Customer, customer_id)


def office_site(session: Session, staff: StaffMember, site_id: Any) -> Site | None:
    """Any customer's site by an id from the browser (closed ones too, to be read); None for no site."""
    require_duty(staff, DUTY)
    return get(session, staff, Site, site_id)


def _open_site(session: Session, staff: StaffMember, site_id: Any) -> Site | None:
    site = office_site(session, staff, site_id)
    if site is not None and not site.is_active:
        raise SiteError({"form": CLOSED})
    return site


def open_jobs(session: Session, site_id: int) -> int:
    return int(
        session.scalar(
            select(func.count(col(Job.id))).where(Job.site_id == site_id, col(Job.stage).in_(OPEN_JOB_STAGES))
        )
        or 0
    )


def summary(session: Session, staff: StaffMember, site_id: Any) -> SiteSummary | None:
    site = office_site(session, staff, site_id)
    if site is None or site.id is None:
        return None
    customer = session.get(Customer, site.customer_id)
    assets = session.scalar(
        select(func.count(col(Asset.id))).where(Asset.site_id == site.id, Asset.status == AssetStatus.ACTIVE)
    )
    return SiteSummary(
        site.id,
        site.customer_id,
        customer.name if customer else "",
        site.is_active,
        site.closed_at,
        int(assets or 0),
        open_jobs(session, site.id),
    )


def create_site(session: Session, staff: StaffMember, customer_id: Any, form: SiteForm) -> Site | None:
    """A new site of the customer; None when there is no such customer, :class:`SiteError` on a bad field."""
    customer = office_customer(session, staff, customer_id)
    if customer is None or customer.id is None:
        return None
    values = editing.clean(form)
    site = Site(customer_id=customer.id, created_at=clock.now())
    for name, value in values.items():
        setattr(site, name, value)
    session.add(site)
    session.flush()
    events.audit(
        session, staff, "site.created", site, detail={"before": {}, "after": values}, customer_id=customer.id
    )
    return site


def update_site(session: Session, staff: StaffMember, site_id: Any, form: SiteForm) -> Site | None:
    """Save a site's details; None for no such site. Saving what is stored writes nothing."""
    site = _open_site(session, staff, site_id)
    if site is None:
        return None
    values = editing.clean(form)
    stored = {name: getattr(site, name) for name in editing.FIELDS}
    tidy = editing._tidy(stored)
    changed = [name for name in editing.FIELDS if tidy[name] != values[name]]
    if not changed:
        return site
    for name in changed:
        setattr(site, name, values[name])
    session.add(site)
    session.flush()
    events.audit(
        session,
        staff,
        "site.updated",
        site,
        detail={"before": {n: stored[n] for n in changed}, "after": {n: values[n] for n in changed}},
        customer_id=site.customer_id,
    )
    return site


def close_site(session: Session, staff: StaffMember, site_id: Any) -> Site | None:
    """Close an open site (``closed_at`` now, no longer active); refused with :class:`SiteError` while
    it has open jobs. None for no such site."""
    site = _open_site(session, staff, site_id)
    if site is None or site.id is None:
        return None
    count = open_jobs(session, site.id)
    if count:
        raise SiteError({"form": HAS_OPEN_JOBS.format(count=count)})
    site.is_active, site.closed_at = False, clock.now()
    session.add(site)
    session.flush()
    events.audit(
        session,
        staff,
        "site.closed",
        site,
        detail={
            "before": {"is_active": True},
            "after": {"is_active": False, "closed_at": site.closed_at.isoformat()},
        },
        customer_id=site.customer_id,
    )
    return site


# --- site contacts -------------------------------------------------------------------------------


def contacts(session: Session, staff: StaffMember, site_id: Any) -> list[SiteContactLine]:
    """The site's contacts by name, at most as many as a site may have."""
    site = office_site(session, staff, site_id)
    if site is None:
        return []
    rows = session.exec(
        select(SiteContact)
        .where(SiteContact.site_id == site.id)
        .order_by(col(SiteContact.first_name), col(SiteContact.last_name), col(SiteContact.id))
        .limit(site_contacts.MAX_PER_SITE)
    ).all()
    return [site_contacts._line(row) for row in rows]


def add_contact(
    session: Session, staff: StaffMember, site_id: Any, form: ContactForm
) -> SiteContactLine | None:
    site = _open_site(session, staff, site_id)
    if site is None or site.id is None:
        return None
    values = site_contacts.clean(form)
    if site_contacts._count_locked(session, site.id) >= site_contacts.MAX_PER_SITE:
        raise SiteError({"form": site_contacts.TOO_MANY})
    row = SiteContact(site_id=site.id)
    for name, value in values.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    events.audit(
        session,
        staff,
        "site_contact.created",
        row,
        detail={"before": {}, "after": {"site_id": site.id, **values}},
        customer_id=site.customer_id,
    )
    return site_contacts._line(row)


def _contact(
    session: Session, staff: StaffMember, site_id: Any, contact_id: Any
) -> tuple[SiteContact, Site] | None:
    """A contact of this site by an id from the browser; a contact of another site finds nothing."""
    site = _open_site(session, staff, site_id)
    row = get(session, staff, SiteContact, contact_id)
    if site is None or row is None or row.site_id != site.id:
        return None
    return row, site


def update_contact(
    session: Session, staff: StaffMember, site_id: Any, contact_id: Any, form: ContactForm
) -> SiteContactLine | None:
    found = _contact(session, staff, site_id, contact_id)
    if found is None:
        return None
    row, site = found
    values = site_contacts.clean(form)
    stored = {name: getattr(row, name) for name in site_contacts.FIELDS}
    tidy = site_contacts._tidy(stored)
    changed = [name for name in site_contacts.FIELDS if tidy[name] != values[name]]
    if changed:
        for name in changed:
            setattr(row, name, values[name])
        session.add(row)
        session.flush()
        events.audit(
            session,
            staff,
            "site_contact.updated",
            row,
            detail={"before": {n: stored[n] for n in changed}, "after": {n: values[n] for n in changed}},
            customer_id=site.customer_id,
        )
    return site_contacts._line(row)


def remove_contact(session: Session, staff: StaffMember, site_id: Any, contact_id: Any) -> bool:
    found = _contact(session, staff, site_id, contact_id)
    if found is None:
        return False
    row, site = found
    before = {name: getattr(row, name) for name in site_contacts.FIELDS}
    target = ("site_contact", row.id)
    session.delete(row)
    session.flush()
    events.audit(
        session,
        staff,
        "site_contact.removed",
        target,
        detail={"before": before, "after": {}, "site_id": site.id},
        customer_id=site.customer_id,
    )
    return True
