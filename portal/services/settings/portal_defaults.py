"""Settings > Portal: the tier the contractor runs (Standard, or Advanced with its reports) and the
pages a new contact's login gets unless the office picks others."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session

from portal.core import events, tenant
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import ALL_PAGES, Contractor, Page, PortalTier
from portal.services.settings.errors import SettingsError

TIERS = {PortalTier.STANDARD.value: "Standard", PortalTier.ADVANCED.value: "Advanced"}
PAGE_LABELS: dict[str, str] = {page.value: page.value.title() for page in Page}


def save_portal(session: Session, staff: StaffMember, tier: object, pages: Iterable[object]) -> Contractor:
    """Save the tier and the default pages together, or neither."""
    require_duty(staff, Duty.MANAGE_SETTINGS)
    errors: dict[str, str] = {}
    if not isinstance(tier, str) or tier not in TIERS:
        errors["tier"] = "Choose Standard or Advanced."
    wanted = {page for page in pages if isinstance(page, str)}
    chosen = [page for page in ALL_PAGES if page in wanted]
    if not chosen:
        errors["pages"] = "Choose at least one page; a contact always sees the dashboard as well."
    if errors:
        raise SettingsError(errors)
    row = tenant.contractor(session)
    if row.id is None:
        session.add(row)
    before = {"portal_tier": PortalTier(row.portal_tier).value, "default_pages": tenant.default_pages(row)}
    row.portal_tier = PortalTier(str(tier))
    row.default_pages = chosen
    after = {"portal_tier": PortalTier(row.portal_tier).value, "default_pages": chosen}
    session.add(row)
    session.flush()
    if before != after:
        events.audit(
            session, staff, "settings_portal_changed", row, detail={"before": before, "after": after}
        )
    return row
