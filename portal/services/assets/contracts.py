"""Contracts: the customer's maintenance agreements, what they cover, and when they run out.

A contact limited to some sites sees only the contracts covering at least one of them, and of
each contract only those sites and the equipment there.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from portal.core import exports
from portal.core.principal import Scope
from portal.core.visibility import scoped
from portal.models import Asset, AssetStatus, Contract, ContractSite
from portal.services.reports.advanced_reports import allowed, report_sites

EXPIRING_DAYS = 60
EXPIRED, EXPIRING, CURRENT, NOT_STARTED = "Expired", "Expiring soon", "Current", "Not started"


@dataclass(frozen=True)
class ContractRow:
    id: int
    number: str
    name: str
    start_date: date
    expiry_date: date
    status: str
    value_cents: int
    site_names: tuple[str, ...]
    assets: int


def contract_status(start: date, expiry: date, today: date) -> str:
    if expiry < today:
        return EXPIRED
    if expiry <= today + timedelta(days=EXPIRING_DAYS):
        return EXPIRING
    return NOT_STARTED if start > today else CURRENT


def list_contracts(session: Session, scope: Scope, site_id: object, today: date) -> list[ContractRow]:
    """Contracts covering the chosen site, or any of the contact's sites; soonest expiry first."""
    allowed(scope)
    chosen = set(report_sites(session, scope, site_id))
    if not chosen:
        return []
    sites = report_sites(session, scope)  # a chosen site's contracts still list every site the contact sees
    links = session.exec(
        scoped(
            select(ContractSite.contract_id, ContractSite.site_id)
            .join(Contract, Contract.id == ContractSite.contract_id)
            .where(ContractSite.site_id.in_(list(sites))),
            scope,
            Contract,
        )
    ).all()
    covered: dict[int, list[int]] = {}
    for contract_id, sid in links:
        covered.setdefault(contract_id, []).append(sid)
    wanted = [cid for cid, sids in covered.items() if chosen.intersection(sids)]
    if not wanted:
        return []
    counts = dict(
        session.exec(
            scoped(select(Asset.contract_id, func.count()), scope, Asset)
            .where(
                Asset.contract_id.in_(wanted),
                Asset.site_id.in_(list(sites)),
                Asset.status == AssetStatus.ACTIVE,
            )
            .group_by(Asset.contract_id)
        ).all()
    )
    contracts = session.exec(
        scoped(select(Contract), scope, Contract)
        .where(Contract.id.in_(wanted))
        .order_by(Contract.expiry_date, Contract.id)
    ).all()
    return [
        ContractRow(
            c.id,
            c.number,
            c.name,
            c.start_date,
            c.expiry_date,
            contract_status(c.start_date, c.expiry_date, today),
            c.value_cents,
            tuple(sorted(sites[s] for s in covered[c.id])),
            counts.get(c.id, 0),
        )
        for c in contracts
        if c.id is not None
    ]


HEADER = ("Contract No.", "Name", "Start", "Expiry", "Status", "Value", "Sites", "Assets")


def contracts_csv(session: Session, scope: Scope, site_id: object, today: date) -> Iterator[str]:
    rows = (
        [
            c.number,
            c.name,
            c.start_date.isoformat(),
            c.expiry_date.isoformat(),
            c.status,
            exports.cents(c.value_cents),
            "; ".join(c.site_names),
            c.assets,
        ]
        for c in list_contracts(session, scope, site_id, today)
    )
    yield from exports.csv_stream(HEADER, rows)
