"""The sites and asset types a contact can pick in a filter: only what the scope lets it see."""

from __future__ import annotations

from sqlmodel import Session, select

from portal.core.principal import Scope
from portal.core.visibility import get, scoped
from portal.models import Asset, AssetType, Site


def site_options(session: Session, scope: Scope) -> list[tuple[int, str]]:
    """Active sites of the contact, by name: every site filter offers exactly these."""
    rows = session.exec(
        scoped(select(Site.id, Site.name).where(Site.is_active.is_(True)), scope, Site).order_by(
            Site.name, Site.id
        )
    ).all()
    return [(row_id, name) for row_id, name in rows]


def site_for(session: Session, scope: Scope, site_id: object) -> Site | None:
    """The site behind an id from the browser, or None when the contact may not see it."""
    return get(session, scope, Site, site_id)


def asset_type_options(session: Session, scope: Scope, site_id: int | None = None) -> list[tuple[int, str]]:
    """Asset types the contact has equipment of (at one site, or at any of its sites)."""
    assets = scoped(select(Asset.asset_type_id), scope, Asset)
    if site_id is not None:
        assets = assets.where(Asset.site_id == site_id)
    rows = session.exec(
        select(AssetType.id, AssetType.name)
        .where(AssetType.id.in_(assets.distinct()))
        .order_by(AssetType.name)
    ).all()
    return [(row_id, name) for row_id, name in rows]
