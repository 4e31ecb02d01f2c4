"""The back office's contracts: number, name, dates, value and notes, which of the customer's sites
it covers (``ContractSite``) and which assets (``asset.contract_id``).

The customer's Contracts report (``contracts.py``), PPM's contract filter and the Budget Forecast's
rates read the same rows. Sites and assets are named by ids and asset numbers from the browser and
must all be the contract's customer's: one that is not refuses the whole save, nothing half-written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.core import events
from portal.core.dates import read_day
from portal.core.money import parse_cents
from portal.core.principal import Duty, StaffMember, require_duty
from portal.core.text import multi_line, one_line
from portal.core.visibility import get
from portal.models import Asset, AssetStatus, Contract, ContractSite, Customer, Site
from portal.models.base import column_limit, too_long
from portal.services.assets.lists import whole_number

DUTY = Duty.MANAGE_CUSTOMERS
LIMITS = {name: column_limit(Contract, name) for name in ("number", "name", "notes")}
MAX_ASSET_NUMBERS = 5_000
MAX_VALUE_CENTS = 10**11
NUMBER_MISSING = "Enter the contract number."
NUMBER_TAKEN = "This customer already has a contract with this number."
NAME_MISSING = "Enter the contract's name."
EXPIRY_BEFORE_START = "The expiry must be on or after the start."
BAD_VALUE = "Enter an amount such as 12,500.00."
BAD_SITES = "Choose sites of this customer."
SITES_MISSING = "Choose at least one site the contract covers."
TOO_MANY = f"At most {MAX_ASSET_NUMBERS:,} asset numbers."

_SPLIT = re.compile(r"[\s,;]+")


class ContractError(Exception):
    """The contract cannot be saved; ``field_errors`` maps a field to the message shown beside it."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in field_errors.items()))
        self.field_errors = field_errors


@dataclass
class ContractForm:
    number: str = ""
    name: str = ""
    start_date: str = ""
    expiry_date: str = ""
    value: str = ""
    notes: str = ""
    site_ids: list[str] = field(default_factory=list)
    asset_numbers: str = ""  # one per line, or separated by commas or spaces
    all_assets: bool = False  # every active asset at the covered sites


@dataclass(frozen=True)
class ContractDetail:
    id: int
    customer_id: int
    customer_name: str
    number: str
    name: str
    start_date: date
    expiry_date: date
    value_cents: int
    notes: str
    site_ids: list[int]
    asset_numbers: list[str]


def office_customer(session: Session, staff: StaffMember, customer_id: Any) -> Customer | None:
    require_duty(staff, DUTY)
    return get(session, staff, Customer, customer_id)


def office_contract(session: Session, staff: StaffMember, contract_id: Any) -> Contract | None:
    require_duty(staff, DUTY)
    return get(session, staff, Contract, contract_id)


def _numbers(raw: str) -> list[str]:
    seen: dict[str, str] = {}
    for part in _SPLIT.split(raw or ""):
        if part:
            seen.setdefault(part.lower(), part)
    return list(seen.values())


def clean(
    session: Session, customer_id: int, form: ContractForm, own_id: int | None = None
) -> dict[str, Any]:
    """What will be stored, with the covered site ids and asset ids, or :class:`ContractError`."""
    errors: dict[str, str] = {}
    number, name, notes = one_line(form.number), one_line(form.name), multi_line(form.notes)
    for key, text in (("number", number), ("name", name), ("notes", notes)):
        if len(text) > LIMITS[key]:
            errors[key] = too_long(LIMITS[key])
    if not number:
        errors["number"] = NUMBER_MISSING
    elif "number" not in errors:
        taken = select(Contract.id).where(
            Contract.customer_id == customer_id, func.lower(Contract.number) == number.lower()
        )
        if own_id is not None:
            taken = taken.where(Contract.id != own_id)
        if session.exec(taken).first() is not None:
            errors["number"] = NUMBER_TAKEN
    if not name:
        errors["name"] = NAME_MISSING
    start, expiry = read_day(form.start_date), read_day(form.expiry_date)
    if isinstance(start, str):
        errors["start_date"] = start
    if isinstance(expiry, str):
        errors["expiry_date"] = expiry
    if isinstance(start, date) and isinstance(expiry, date) and expiry < start:
        errors["expiry_date"] = EXPIRY_BEFORE_START
    value = parse_cents(form.value) if one_line(form.value) else 0
    if value is None or value > MAX_VALUE_CENTS:
        errors["value"] = BAD_VALUE
    wanted = {whole_number(raw, 1, 2**31 - 1) for raw in form.site_ids[:1000]}
    site_ids = {
        row_id
        for row_id in session.exec(
            select(Site.id).where(Site.customer_id == customer_id, col(Site.id).in_([w for w in wanted if w]))
        ).all()
    }
    if not wanted:
        errors["site_ids"] = SITES_MISSING
    elif None in wanted or len(site_ids) != len(wanted):
        errors["site_ids"] = BAD_SITES
    numbers = _numbers(form.asset_numbers)
    asset_ids: set[int] = set()
    if len(numbers) > MAX_ASSET_NUMBERS:
        errors["asset_numbers"] = TOO_MANY
    elif numbers and site_ids:
        found = session.exec(
            select(Asset.id, Asset.number, Asset.site_id).where(
                Asset.customer_id == customer_id, func.lower(Asset.number).in_([n.lower() for n in numbers])
            )
        ).all()
        by_number = {row[1].lower(): row for row in found}
        unknown = [n for n in numbers if n.lower() not in by_number]
        elsewhere = [n for n in numbers if n.lower() in by_number and by_number[n.lower()][2] not in site_ids]
        if unknown:
            errors["asset_numbers"] = "Not assets of this customer: " + ", ".join(unknown[:10])
        elif elsewhere:
            errors["asset_numbers"] = "Not at a covered site: " + ", ".join(elsewhere[:10])
        asset_ids = {row[0] for row in found}
    if form.all_assets and site_ids:
        asset_ids |= set(
            session.exec(
                select(Asset.id).where(
                    Asset.customer_id == customer_id,
                    col(Asset.site_id).in_(site_ids),
                    Asset.status == AssetStatus.ACTIVE,
                )
            ).all()
        )
    if errors or isinstance(start, str) or isinstance(expiry, str) or value is None:
        raise ContractError(errors)
    return {
        "number": number,
        "name": name,
        "start_date": start,
        "expiry_date": expiry,
        "value_cents": value,
        "notes": notes,
        "site_ids": sorted(site_ids),
        "asset_ids": sorted(asset_ids),
    }


def _summary(contract: Contract, site_ids: list[int], asset_ids: list[int]) -> dict[str, Any]:
    return {
        "number": contract.number,
        "name": contract.name,
        "start_date": contract.start_date.isoformat(),
        "expiry_date": contract.expiry_date.isoformat(),
        "value_cents": contract.value_cents,
        "site_ids": site_ids,
        "assets": len(asset_ids),
    }


def _covered(session: Session, contract_id: int) -> tuple[list[int], list[int]]:
    sites = session.exec(select(ContractSite.site_id).where(ContractSite.contract_id == contract_id)).all()
    assets = session.exec(select(Asset.id).where(Asset.contract_id == contract_id)).all()
    return sorted(sites), sorted(assets)


def _cover(session: Session, contract: Contract, site_ids: list[int], asset_ids: list[int]) -> None:
    """Make the contract cover exactly these sites and assets."""
    assert contract.id is not None, "flushed before"
    old_sites, old_assets = _covered(session, contract.id)
    for site_id in set(old_sites) - set(site_ids):
        link = session.get(ContractSite, (contract.id, site_id))
        if link is not None:
            session.delete(link)
    for site_id in set(site_ids) - set(old_sites):
        session.add(ContractSite(contract_id=contract.id, site_id=site_id))
    dropped = set(old_assets) - set(asset_ids)
    added = set(asset_ids) - set(old_assets)
    for ids, value in ((dropped, None), (added, contract.id)):
        for asset in session.exec(select(Asset).where(col(Asset.id).in_(ids))).all() if ids else []:
            asset.contract_id = value
            session.add(asset)
    session.flush()


def create_contract(
    session: Session, staff: StaffMember, customer_id: Any, form: ContractForm
) -> Contract | None:
    """A new contract of the customer; None when there is no such customer."""
    customer = office_customer(session, staff, customer_id)
    if customer is None or customer.id is None:
        return None
    values = clean(session, customer.id, form)
    site_ids, asset_ids = values.pop("site_ids"), values.pop("asset_ids")
    contract = Contract(customer_id=customer.id, **values)
    session.add(contract)
    session.flush()
    _cover(session, contract, site_ids, asset_ids)
    events.audit(
        session,
        staff,
        "contract.created",
        contract,
        detail={"before": {}, "after": _summary(contract, site_ids, asset_ids)},
        customer_id=customer.id,
    )
    return contract


def update_contract(
    session: Session, staff: StaffMember, contract_id: Any, form: ContractForm
) -> Contract | None:
    """Save a contract and what it covers; None when there is no such contract."""
    contract = office_contract(session, staff, contract_id)
    if contract is None or contract.id is None:
        return None
    values = clean(session, contract.customer_id, form, contract.id)
    site_ids, asset_ids = values.pop("site_ids"), values.pop("asset_ids")
    before = _summary(contract, *_covered(session, contract.id))
    for key, value in values.items():
        setattr(contract, key, value)
    session.add(contract)
    session.flush()
    _cover(session, contract, site_ids, asset_ids)
    after = _summary(contract, site_ids, asset_ids)
    if before != after:
        events.audit(
            session,
            staff,
            "contract.updated",
            contract,
            detail={"before": before, "after": after},
            customer_id=contract.customer_id,
        )
    return contract


def contract_detail(session: Session, staff: StaffMember, contract_id: Any) -> ContractDetail | None:
    contract = office_contract(session, staff, contract_id)
    if contract is None or contract.id is None:
        return None
    customer = session.get(Customer, contract.customer_id)
    site_ids, _ = _covered(session, contract.id)
    numbers = session.exec(
        select(Asset.number).where(Asset.contract_id == contract.id).order_by(Asset.number, Asset.id)
    ).all()
    return ContractDetail(
        contract.id,
        contract.customer_id,
        customer.name if customer else "",
        contract.number,
        contract.name,
        contract.start_date,
        contract.expiry_date,
        contract.value_cents,
        contract.notes,
        site_ids,
        list(numbers),
    )


def site_contracts(session: Session, staff: StaffMember, site_id: int) -> list[tuple[int, str, date]]:
    """Contracts covering a site: id, "number · name", expiry; soonest expiry first."""
    require_duty(staff, DUTY)
    rows = session.exec(
        select(Contract.id, Contract.number, Contract.name, Contract.expiry_date)
        .join(ContractSite, ContractSite.contract_id == Contract.id)
        .where(ContractSite.site_id == site_id)
        .order_by(Contract.expiry_date, Contract.id)
    ).all()
    return [(r[0], f"{r[1]} · {r[2]}", r[3]) for r in rows]
