"""The principal behind a login: which customer, pages and sites a signed-in contact has, or which
role a signed-in staff member has."""

from __future__ import annotations

from sqlmodel import Session, select

from portal.core import tenant
from portal.core.principal import CustomerContact, Duty, StaffMember
from portal.models import ALL_PAGES, ContactSite, Customer, PortalTier, Role, Site, Staff
from portal.services.identity import sessions, tokens
from portal.services.identity.tokens import Secret


def scope_for(
    session: Session, contact_id: int, viewer_staff_id: int | None = None
) -> CustomerContact | None:
    """The principal of an active login, or None when the contact may not sign in; read-only, and naming
    the contact and its customer, when a staff member (``viewer_staff_id``) views the portal as it."""
    contact = tokens.usable_contact(session, contact_id)
    if contact is None:
        return None
    site_ids: frozenset[int] | None = None
    if not contact.all_sites:
        rows = session.exec(
            select(ContactSite.site_id)
            .join(Site, Site.id == ContactSite.site_id)
            .where(ContactSite.contact_id == contact.id, Site.customer_id == contact.customer_id)
        ).all()
        site_ids = frozenset(rows)
    settings = tenant.contractor(session)
    tier, timezone = settings.portal_tier, settings.timezone
    pages = frozenset(p for p in contact.pages if p in ALL_PAGES)
    viewed_as = ""
    if viewer_staff_id is not None:
        customer = session.get(Customer, contact.customer_id)
        viewed_as = f"{contact.full_name or contact.email} ({customer.name if customer else ''})"
    return CustomerContact(
        contact.customer_id,
        contact_id,
        pages,
        site_ids,
        PortalTier(tier or PortalTier.STANDARD),
        timezone or "UTC",
        viewer_staff_id,
        viewed_as,
    )


def signed_in_scope(session: Session, session_id: Secret | None) -> CustomerContact | None:
    """The principal behind a session cookie (raw, or hashed at the edge), or None when it is not live."""
    login = sessions.resolve(session, session_id) if session_id else None
    if login is None or login.contact_id is None:
        return None
    if login.viewer_staff_id is not None:
        viewer = staff_for(session, login.viewer_staff_id)
        if viewer is None or not viewer.has(Duty.VIEW_AS_CUSTOMER):
            return None  # the viewer was deactivated or its role changed since: so ends its view
    return scope_for(session, login.contact_id, login.viewer_staff_id)


def staff_for(session: Session, staff_id: int) -> StaffMember | None:
    """The principal of an active staff login, or None when it may not sign in."""
    staff = tokens.usable_staff(session, staff_id)
    return member(staff) if staff is not None else None


def member(staff: Staff) -> StaffMember:
    """The principal a staff row acts as: signing in, checking a code, and what a login does to itself
    all build it here, so its name and role are read the same way everywhere."""
    assert staff.id is not None, "a staff member read from the database"
    return StaffMember(staff.id, staff.name or staff.email, Role(staff.role))


def signed_in_staff(session: Session, session_id: Secret | None) -> StaffMember | None:
    """The staff member behind a back-office cookie, or None (a customer's cookie is None here)."""
    login = sessions.resolve_staff(session, session_id) if session_id else None
    return staff_for(session, login.staff_id) if login and login.staff_id is not None else None
