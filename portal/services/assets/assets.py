"""Assets > View Assets: one site's equipment grouped by type, one asset's details and history, the CSV.

A site of a large customer holds thousands of assets, so nothing here loads a site's whole
register: the groups are one GROUP BY, an open group is one page, and the CSV streams. Every
query is narrowed by the scope, so an asset or site id from the browser that the contact may
not see simply finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func
from sqlalchemy import select as rows_select
from sqlalchemy.sql import Select
from sqlmodel import Session, select

from portal.core import exports, visibility
from portal.core.lists import Page, PageRequest, search_filter
from portal.core.principal import Scope
from portal.core.visibility import of_customer, scoped, visible
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Contract,
    Job,
    ServiceLevel,
    ServiceRecord,
    Site,
    TestResult,
    Transfer,
)
from portal.models import Page as PageKey

PAGE = PageKey.ASSETS
GROUP_SIZE = 25
HISTORY_LIMIT = 100  # newest first; older tests are on the Test History report
OTHER_SITE = "Another site"
CSV_HEADER = (
    "Asset No.",
    "Type",
    "Name",
    "Location",
    "Make",
    "Model",
    "Serial No.",
    "Install Date",
    "Next Service Due",
    "Status",
    "Contract",
    "Details",
)


@dataclass(frozen=True)
class AssetGroup:
    type_id: int
    name: str
    count: int


@dataclass(frozen=True)
class AssetRow:
    id: int
    number: str
    name: str
    location: str
    make: str
    model: str
    next_due_on: date | None
    status: str


@dataclass(frozen=True)
class LevelLine:
    name: str
    next_due_on: date | None
    last_tested_on: date | None


@dataclass(frozen=True)
class ServiceLine:
    tested_on: date
    level: str
    result: str
    technician: str
    notes: str
    job_number: int | None


@dataclass(frozen=True)
class TransferLine:
    transferred_on: date
    from_place: str
    to_place: str
    reason: str


@dataclass
class AssetDetail:
    id: int
    site_id: int
    number: str
    name: str
    type_name: str
    site_name: str
    location: str
    make: str
    model: str
    serial: str
    install_date: date | None
    details: str
    status: str
    contract: str
    contract_expiry: date | None
    levels: list[LevelLine] = field(default_factory=list)
    services: list[ServiceLine] = field(default_factory=list)
    services_total: int = 0
    transfers: list[TransferLine] = field(default_factory=list)
    transfers_total: int = 0


def _next_due() -> Any:
    """The asset's earliest next due date over its service levels (one indexed lookup per row)."""
    return (
        select(func.min(AssetServiceLevel.next_due_on))
        .where(AssetServiceLevel.asset_id == Asset.id)
        .correlate(Asset)
        .scalar_subquery()
    )


def site_assets(scope: Scope, site_id: int, search: str = "") -> Select[int]:
    """The site's assets the scope may see, filtered by the search; the base of every query here.

    A plain SQLAlchemy select, so that the narrower column lists built on it come back as rows.
    """
    scope.require(PAGE)
    stmt = scoped(rows_select(Asset.id), scope, Asset).where(Asset.site_id == site_id)
    found = search_filter(search, Asset.number, Asset.name, Asset.location, Asset.details)
    return stmt if found is None else stmt.where(found)


def asset_groups(session: Session, scope: Scope, site_id: int, search: str = "") -> list[AssetGroup]:
    """Asset types at the site with how many assets each has (matching the search), by type name."""
    base = site_assets(scope, site_id, search)
    stmt = (
        base.with_only_columns(Asset.asset_type_id, func.count(Asset.id).label("n"))
        .group_by(Asset.asset_type_id)
        .subquery()
    )
    rows = session.exec(
        select(AssetType.id, AssetType.name, stmt.c.n)
        .join(stmt, stmt.c.asset_type_id == AssetType.id)
        .order_by(AssetType.name, AssetType.id)
    ).all()
    return [AssetGroup(row[0], row[1], int(row[2])) for row in rows]


def group_page(
    session: Session,
    scope: Scope,
    site_id: int,
    type_id: int,
    search: str = "",
    page: int = 1,
    size: int = GROUP_SIZE,
) -> Page[AssetRow]:
    """One page of one type's assets at the site, by asset number; the page is clamped to the last."""
    request = PageRequest(page=page, size=size).clean()
    base = site_assets(scope, site_id, search).where(Asset.asset_type_id == type_id)
    total = int(session.scalar(base.with_only_columns(func.count(Asset.id))) or 0)
    last = max(1, -(-total // request.size))
    current = min(request.page, last)
    rows: list[AssetRow] = []
    if total:
        stmt = (
            base.with_only_columns(
                Asset.id,
                Asset.number,
                Asset.name,
                Asset.location,
                Asset.make,
                Asset.model,
                _next_due(),
                Asset.status,
            )
            .order_by(Asset.number, Asset.id)
            .limit(request.size)
            .offset((current - 1) * request.size)
        )
        rows = [
            AssetRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], AssetStatus(r[7]).value)
            # SQLModel types exec() for its own selects only; a SQLAlchemy one runs the same, as rows.
            for r in session.exec(stmt).all()  # type: ignore[call-overload]
        ]
    return Page(rows=rows, total=total, page=current, size=request.size)


def _site_names(session: Session, scope: Scope, ids: set[int]) -> dict[int, str]:
    """Names of the sites among ``ids`` the contact may see; the others stay unnamed."""
    if not ids:
        return {}
    rows = session.exec(scoped(select(Site.id, Site.name).where(Site.id.in_(ids)), scope, Site)).all()
    return {row[0]: row[1] for row in rows}


def _place(site_id: int | None, label: str, names: dict[int, str]) -> str:
    if site_id is None:
        return label or "—"
    return names.get(site_id, OTHER_SITE)


def _services(session: Session, scope: Scope, asset_id: int, limit: int) -> tuple[list[ServiceLine], int]:
    """The newest tests first; a job number shows only when the job is one the contact may see."""
    visible_job = and_(Job.id == ServiceRecord.job_id, visible(scope, Job))
    rows = session.exec(
        select(
            ServiceRecord.tested_on,
            ServiceLevel.name,
            ServiceRecord.result,
            ServiceRecord.technician,
            ServiceRecord.notes,
            Job.number,
        )
        .join(ServiceLevel, ServiceLevel.id == ServiceRecord.service_level_id)
        .outerjoin(Job, visible_job)
        .where(ServiceRecord.asset_id == asset_id)
        .order_by(ServiceRecord.tested_on.desc(), ServiceRecord.id.desc())
        .limit(limit)
    ).all()
    total = (
        session.scalar(select(func.count(ServiceRecord.id)).where(ServiceRecord.asset_id == asset_id)) or 0
    )
    lines = [ServiceLine(r[0], r[1], TestResult(r[2]).value, r[3], r[4], r[5]) for r in rows]
    return lines, int(total)


def _transfers(session: Session, scope: Scope, asset_id: int, limit: int) -> tuple[list[TransferLine], int]:
    rows = session.exec(
        select(Transfer)
        .where(Transfer.asset_id == asset_id)
        .order_by(Transfer.transferred_on.desc(), Transfer.id.desc())
        .limit(limit)
    ).all()
    total = session.scalar(select(func.count(Transfer.id)).where(Transfer.asset_id == asset_id)) or 0
    names = _site_names(
        session, scope, {i for t in rows for i in (t.from_site_id, t.to_site_id) if i is not None}
    )
    lines = [
        TransferLine(
            t.transferred_on,
            _place(t.from_site_id, t.from_label, names),
            _place(t.to_site_id, t.to_label, names),
            t.reason,
        )
        for t in rows
    ]
    return lines, int(total)


def asset_detail(
    session: Session, scope: Scope, asset_id: Any, history_limit: int = HISTORY_LIMIT
) -> AssetDetail | None:
    """Everything the pop-up shows about one asset, or None when the id is not the contact's to see."""
    scope.require(PAGE)
    asset = visibility.get(session, scope, Asset, asset_id)
    if asset is None or asset.id is None:
        return None
    kind = session.get(AssetType, asset.asset_type_id)
    site = session.get(Site, asset.site_id)
    contract = None
    if asset.contract_id is not None:
        contract = session.exec(
            # The asset's contract, seen with the asset even when it covers none of the contact's sites.
            select(Contract).where(Contract.id == asset.contract_id, of_customer(scope, Contract))
        ).first()
    levels = session.exec(
        select(ServiceLevel.name, AssetServiceLevel.next_due_on, AssetServiceLevel.last_tested_on)
        .join(ServiceLevel, ServiceLevel.id == AssetServiceLevel.service_level_id)
        .where(AssetServiceLevel.asset_id == asset.id)
        .order_by(ServiceLevel.sort_order, ServiceLevel.interval_months, ServiceLevel.id)
    ).all()
    services, services_total = _services(session, scope, asset.id, history_limit)
    transfers, transfers_total = _transfers(session, scope, asset.id, history_limit)
    return AssetDetail(
        id=asset.id,
        site_id=asset.site_id,
        number=asset.number,
        name=asset.name,
        type_name=kind.name if kind else "",
        site_name=site.name if site else "",
        location=asset.location,
        make=asset.make,
        model=asset.model,
        serial=asset.serial,
        install_date=asset.install_date,
        details=asset.details,
        status=AssetStatus(asset.status).value,
        contract=f"{contract.number} · {contract.name}" if contract else "",
        contract_expiry=contract.expiry_date if contract else None,
        levels=[LevelLine(*row) for row in levels],
        services=services,
        services_total=services_total,
        transfers=transfers,
        transfers_total=transfers_total,
    )


def asset_csv(session: Session, scope: Scope, site_id: int, search: str = "") -> Iterator[str]:
    """Every asset of the site matching the search, by type then number, streamed."""
    base = site_assets(scope, site_id, search)
    stmt = (
        base.with_only_columns(
            Asset.number,
            AssetType.name,
            Asset.name,
            Asset.location,
            Asset.make,
            Asset.model,
            Asset.serial,
            Asset.install_date,
            _next_due(),
            Asset.status,
            Contract.number,
            Asset.details,
        )
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .outerjoin(Contract, and_(Contract.id == Asset.contract_id, of_customer(scope, Contract)))
        .order_by(AssetType.name, Asset.number, Asset.id)
    )

    def rows() -> Iterator[list[Any]]:
        # SQLModel types exec() for its own selects only; a SQLAlchemy one runs the same, as rows.
        for r in session.exec(stmt.execution_options(yield_per=exports.STREAM_BATCH)):  # type: ignore[call-overload]
            yield [
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                r[8],
                AssetStatus(r[9]).value.title(),
                r[10] or "",
                r[11],
            ]

    return exports.csv_stream(CSV_HEADER, rows())
