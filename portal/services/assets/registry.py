"""The back office's asset register: register, edit, transfer, retire an asset, and its schedules.

The customer's own screens read the same rows (``assets.py``, ``ppm.py``, ``reports/``), so what the
office does here is what the customer sees: a transfer is a ``Transfer`` row on the asset's history,
a retired asset is ``REMOVED`` (PPM, Life Cycle, Budget Forecast and contract counts take active
assets only) and a schedule is the ``AssetServiceLevel`` PPM projects. Every row is loaded by an id
from the browser through ``visibility.get`` and checked to belong to the same customer, so another
customer's site or asset id finds nothing.

An asset at the workshop keeps its home site (``site_id`` is never empty): the latest transfer says
where it is, and it comes back to its home site or to another site of the customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.core import events
from portal.core.dates import read_day
from portal.core.lists import Page, PageRequest, paginate, search_filter
from portal.core.principal import Duty, StaffMember, require_duty
from portal.core.text import multi_line, one_line
from portal.core.visibility import get
from portal.models import Asset, AssetServiceLevel, AssetStatus, AssetType, ServiceLevel, Site, Transfer
from portal.models.base import column_limit, too_long
from portal.services.assets.lists import MAX_LIFE_YEARS, whole_number
from portal.services.sites.office_sites import office_site

DUTY = Duty.MANAGE_CUSTOMERS
WORKSHOP = "Workshop"
TO_WORKSHOP = "workshop"  # the destination value a transfer form sends for the workshop
SINGLE_LINE = ("number", "name", "location", "make", "model", "serial")
FIELDS = ("asset_type_id", *SINGLE_LINE, "details", "install_date", "expected_life_years")
LABELS = {
    "asset_type_id": "Type",
    "number": "Asset number",
    "name": "Name",
    "location": "Location",
    "make": "Make",
    "model": "Model",
    "serial": "Serial number",
    "details": "Details",
    "install_date": "Install date",
    "expected_life_years": "Expected life (years)",
}
LIMITS = {name: column_limit(Asset, name) for name in (*SINGLE_LINE, "details")}
REASON_LIMIT = column_limit(Transfer, "reason")
RETIRE_LIMIT = column_limit(Asset, "retire_reason")
TYPE_MISSING = "Choose the asset's type."
NUMBER_MISSING = "Enter the asset number (the barcode label)."
NUMBER_TAKEN = "This customer already has an asset with this number."
BAD_LIFE = f"Leave empty for the type's, or enter a whole number of years from 1 to {MAX_LIFE_YEARS}."
SITE_MISSING = "Choose where the asset goes."
SAME_PLACE = "The asset is already there."
ALREADY_AT_WORKSHOP = "The asset is already at the workshop."
RETIRED = "This asset is retired."
REASON_MISSING = "Say why."
LEVEL_MISSING = "Choose a service level."
LEVEL_TAKEN = "The asset already has this service level."


class RegistryError(Exception):
    """The command cannot be done; ``field_errors`` maps a field to the message shown beside it."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in field_errors.items()))
        self.field_errors = field_errors


@dataclass
class AssetForm:
    asset_type_id: str = ""
    number: str = ""
    name: str = ""
    location: str = ""
    make: str = ""
    model: str = ""
    serial: str = ""
    details: str = ""
    install_date: str = ""
    expected_life_years: str = ""


def form_of(values: dict[str, Any]) -> AssetForm:
    """A form from named values (the state's), any missing field empty."""
    return AssetForm(**{name: str(values.get(name, "") or "") for name in FIELDS})


def form_from(asset: Asset) -> AssetForm:
    """The stored asset as its form shows it."""
    return AssetForm(
        asset_type_id=str(asset.asset_type_id),
        number=asset.number,
        name=asset.name,
        location=asset.location,
        make=asset.make,
        model=asset.model,
        serial=asset.serial,
        details=asset.details,
        install_date=asset.install_date.isoformat() if asset.install_date else "",
        expected_life_years=str(asset.expected_life_years or ""),
    )


def _number_taken(session: Session, customer_id: int, number: str, own_id: int | None) -> bool:
    """Another asset of the customer (retired ones too: a label is never reused) has this number."""
    stmt = select(Asset.id).where(
        Asset.customer_id == customer_id, func.lower(Asset.number) == number.lower()
    )
    if own_id is not None:
        stmt = stmt.where(Asset.id != own_id)
    return session.exec(stmt).first() is not None


def clean(session: Session, customer_id: int, form: AssetForm, asset: Asset | None = None) -> dict[str, Any]:
    """The form's values as they are stored, or :class:`RegistryError` naming each bad field.

    A retired type is refused for a new asset, but an asset already of that type keeps it.
    """
    values: dict[str, Any] = {name: one_line(getattr(form, name)) for name in SINGLE_LINE}
    values["details"] = multi_line(form.details)
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if len(values[name]) > limit:
            errors[name] = too_long(limit)
    type_id = whole_number(form.asset_type_id, 1, 2**31 - 1)
    kind = session.get(AssetType, type_id) if type_id else None
    keeps = asset is not None and kind is not None and kind.id == asset.asset_type_id
    if kind is None or not (kind.is_active or keeps):
        errors["asset_type_id"] = TYPE_MISSING
    values["asset_type_id"] = type_id
    if not values["number"]:
        errors["number"] = NUMBER_MISSING
    elif "number" not in errors and _number_taken(
        session, customer_id, values["number"], asset.id if asset is not None else None
    ):
        errors["number"] = NUMBER_TAKEN
    values["install_date"] = None
    if one_line(form.install_date):
        day = read_day(form.install_date)
        if isinstance(day, str):
            errors["install_date"] = day
        else:
            values["install_date"] = day
    values["expected_life_years"] = None
    if one_line(form.expected_life_years):
        years = whole_number(one_line(form.expected_life_years), 1, MAX_LIFE_YEARS)
        if years is None:
            errors["expected_life_years"] = BAD_LIFE
        values["expected_life_years"] = years
    if errors:
        raise RegistryError(errors)
    return values


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Values as an audit event keeps them (dates as text)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def office_asset(session: Session, staff: StaffMember, asset_id: Any) -> Asset | None:
    require_duty(staff, DUTY)
    return get(session, staff, Asset, asset_id)


def register_asset(session: Session, staff: StaffMember, site_id: Any, form: AssetForm) -> Asset | None:
    """A new asset at an open site; None when there is no such site, :class:`RegistryError` on a bad field."""
    site = office_site(session, staff, site_id)
    if site is None or not site.is_active or site.id is None:
        return None
    values = clean(session, site.customer_id, form)
    asset = Asset(customer_id=site.customer_id, site_id=site.id, **values)
    session.add(asset)
    session.flush()
    events.audit(
        session,
        staff,
        "asset.registered",
        asset,
        detail={"before": {}, "after": {"site_id": site.id, **_stored(values)}},
        customer_id=site.customer_id,
    )
    return asset


def update_asset(session: Session, staff: StaffMember, asset_id: Any, form: AssetForm) -> Asset | None:
    """Save an asset's details; None when there is no such asset. Saving what is stored writes nothing."""
    asset = office_asset(session, staff, asset_id)
    if asset is None:
        return None
    values = clean(session, asset.customer_id, form, asset)
    before = {name: getattr(asset, name) for name in values}
    changed = [name for name in values if before[name] != values[name]]
    if not changed:
        return asset
    for name in changed:
        setattr(asset, name, values[name])
    session.add(asset)
    session.flush()
    events.audit(
        session,
        staff,
        "asset.updated",
        asset,
        detail={
            "before": _stored({n: before[n] for n in changed}),
            "after": _stored({n: values[n] for n in changed}),
        },
        customer_id=asset.customer_id,
    )
    return asset


# --- where it is ---------------------------------------------------------------------------------


def at_workshop(session: Session, asset_id: int) -> bool:
    """Whether the asset's latest move took it to the workshop (and none has brought it back)."""
    last = session.exec(
        select(Transfer.to_site_id, Transfer.to_label)
        .where(Transfer.asset_id == asset_id)
        .order_by(col(Transfer.transferred_on).desc(), col(Transfer.id).desc())
        .limit(1)
    ).first()
    return last is not None and last[0] is None and last[1] == WORKSHOP


def site_options(session: Session, staff: StaffMember, customer_id: int) -> list[tuple[int, str]]:
    """The customer's open sites by name: where an asset may be registered or moved to."""
    require_duty(staff, DUTY)
    rows = session.exec(
        select(Site.id, Site.name)
        .where(Site.customer_id == customer_id, col(Site.is_active).is_(True))
        .order_by(Site.name, Site.id)
    ).all()
    return [(row_id, name) for row_id, name in rows]


def transfer_asset(
    session: Session, staff: StaffMember, asset_id: Any, destination: Any, reason: Any, on: Any
) -> Transfer | None:
    """Move an asset to another open site of its customer, to the workshop, or back from it.

    None when there is no such asset; :class:`RegistryError` for a destination of another customer,
    a closed site, the place it already is, or a missing reason or date.
    """
    asset = office_asset(session, staff, asset_id)
    if asset is None or asset.id is None:
        return None
    errors: dict[str, str] = {}
    if asset.status != AssetStatus.ACTIVE:
        raise RegistryError({"form": RETIRED})
    away = at_workshop(session, asset.id)
    target: Site | None = None
    if destination == TO_WORKSHOP:
        if away:
            errors["destination"] = ALREADY_AT_WORKSHOP
    else:
        target = get(session, staff, Site, destination)
        if target is None or target.customer_id != asset.customer_id or not target.is_active:
            errors["destination"] = SITE_MISSING
        elif target.id == asset.site_id and not away:
            errors["destination"] = SAME_PLACE
    why = one_line(reason)
    if not why:
        errors["reason"] = REASON_MISSING
    elif len(why) > REASON_LIMIT:
        errors["reason"] = too_long(REASON_LIMIT)
    day = read_day(on)
    if isinstance(day, str):
        errors["transferred_on"] = day
    if errors or isinstance(day, str):
        raise RegistryError(errors)
    from_site = None if away else asset.site_id
    move = Transfer(
        asset_id=asset.id,
        from_site_id=from_site,
        from_label=WORKSHOP if away else "",
        to_site_id=target.id if target is not None else None,
        to_label="" if target is not None else WORKSHOP,
        transferred_on=day,
        reason=why,
    )
    session.add(move)
    before = {"site_id": asset.site_id, "at_workshop": away}
    if target is not None and target.id is not None:
        asset.site_id = target.id
        session.add(asset)
    session.flush()
    events.audit(
        session,
        staff,
        "asset.transferred",
        asset,
        detail={
            "before": before,
            "after": {"site_id": asset.site_id, "at_workshop": target is None},
            "transfer_id": move.id,
            "reason": why,
        },
        customer_id=asset.customer_id,
    )
    return move


def retire_asset(session: Session, staff: StaffMember, asset_id: Any, reason: Any, on: Any) -> Asset | None:
    """Retire an asset: ``REMOVED`` from the day given, with the reason. It stays on the register (and
    the customer's Assets screen) as Removed; PPM, Life Cycle and Budget Forecast count active assets."""
    asset = office_asset(session, staff, asset_id)
    if asset is None:
        return None
    if asset.status != AssetStatus.ACTIVE:
        raise RegistryError({"form": RETIRED})
    errors: dict[str, str] = {}
    why = multi_line(reason)
    if not why:
        errors["retire_reason"] = REASON_MISSING
    elif len(why) > RETIRE_LIMIT:
        errors["retire_reason"] = too_long(RETIRE_LIMIT)
    day = read_day(on)
    if isinstance(day, str):
        errors["retired_on"] = day
    if errors or isinstance(day, str):
        raise RegistryError(errors)
    asset.status, asset.retired_on, asset.retire_reason = AssetStatus.REMOVED, day, why
    session.add(asset)
    session.flush()
    events.audit(
        session,
        staff,
        "asset.retired",
        asset,
        detail={
            "before": {"status": AssetStatus.ACTIVE.value},
            "after": {
                "status": AssetStatus.REMOVED.value,
                "retired_on": day.isoformat(),
                "retire_reason": why,
            },
        },
        customer_id=asset.customer_id,
    )
    return asset


# --- schedules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleLine:
    id: int
    level: str
    interval_months: int
    next_due_on: date
    last_tested_on: date | None


def schedules(session: Session, staff: StaffMember, asset_id: Any) -> list[ScheduleLine]:
    """The asset's service levels, in the contractor's order; none for an asset not found."""
    asset = office_asset(session, staff, asset_id)
    if asset is None:
        return []
    rows = session.exec(
        select(
            AssetServiceLevel.id,
            ServiceLevel.name,
            ServiceLevel.interval_months,
            AssetServiceLevel.next_due_on,
            AssetServiceLevel.last_tested_on,
        )
        .join(ServiceLevel, ServiceLevel.id == AssetServiceLevel.service_level_id)
        .where(AssetServiceLevel.asset_id == asset.id)
        .order_by(ServiceLevel.sort_order, ServiceLevel.interval_months, ServiceLevel.id)
    ).all()
    return [ScheduleLine(*row) for row in rows]


def _due(raw: Any, errors: dict[str, str]) -> date | None:
    day = read_day(raw)
    if isinstance(day, str):
        errors["next_due_on"] = day
        return None
    return day


def add_schedule(
    session: Session, staff: StaffMember, asset_id: Any, level_id: Any, next_due: Any
) -> AssetServiceLevel | None:
    """Test the asset at an active service level from ``next_due``; None when there is no such asset."""
    asset = office_asset(session, staff, asset_id)
    if asset is None or asset.id is None:
        return None
    if asset.status != AssetStatus.ACTIVE:
        raise RegistryError({"form": RETIRED})
    errors: dict[str, str] = {}
    number = whole_number(level_id, 1, 2**31 - 1)
    level = session.get(ServiceLevel, number) if number else None
    if level is None or not level.is_active:
        errors["service_level_id"] = LEVEL_MISSING
    elif session.exec(
        select(AssetServiceLevel.id).where(
            AssetServiceLevel.asset_id == asset.id, AssetServiceLevel.service_level_id == level.id
        )
    ).first():
        errors["service_level_id"] = LEVEL_TAKEN
    due = _due(next_due, errors)
    if errors or level is None or level.id is None or due is None:
        raise RegistryError(errors)
    row = AssetServiceLevel(asset_id=asset.id, service_level_id=level.id, next_due_on=due)
    session.add(row)
    session.flush()
    events.audit(
        session,
        staff,
        "asset.schedule_added",
        asset,
        detail={"before": {}, "after": {"service_level": level.name, "next_due_on": due.isoformat()}},
        customer_id=asset.customer_id,
    )
    return row


def _schedule(
    session: Session, staff: StaffMember, schedule_id: Any, asset_id: Any
) -> tuple[AssetServiceLevel, Asset] | None:
    """A schedule of this asset by ids from the browser (the asset loaded through visibility)."""
    asset = office_asset(session, staff, asset_id)
    number = whole_number(schedule_id, 1, 2**31 - 1)
    row = session.get(AssetServiceLevel, number) if number and asset is not None else None
    return (row, asset) if row is not None and asset is not None and row.asset_id == asset.id else None


def change_next_due(
    session: Session, staff: StaffMember, asset_id: Any, schedule_id: Any, next_due: Any
) -> AssetServiceLevel | None:
    """Move the next test of one of the asset's schedules; None when it is not the asset's."""
    found = _schedule(session, staff, schedule_id, asset_id)
    if found is None:
        return None
    row, asset = found
    errors: dict[str, str] = {}
    due = _due(next_due, errors)
    if due is None:
        raise RegistryError(errors)
    if due == row.next_due_on:
        return row
    before = row.next_due_on.isoformat()
    row.next_due_on = due
    session.add(row)
    session.flush()
    events.audit(
        session,
        staff,
        "asset.schedule_changed",
        asset,
        detail={
            "before": {"next_due_on": before},
            "after": {"next_due_on": due.isoformat()},
            "schedule_id": row.id,
        },
        customer_id=asset.customer_id,
    )
    return row


def remove_schedule(session: Session, staff: StaffMember, asset_id: Any, schedule_id: Any) -> bool:
    """Stop testing the asset at this level; its past tests stay on its history. False when not found."""
    found = _schedule(session, staff, schedule_id, asset_id)
    if found is None:
        return False
    row, asset = found
    level = session.get(ServiceLevel, row.service_level_id)
    before = {"service_level": level.name if level else "", "next_due_on": row.next_due_on.isoformat()}
    session.delete(row)
    session.flush()
    events.audit(
        session,
        staff,
        "asset.schedule_removed",
        asset,
        detail={"before": before, "after": {}},
        customer_id=asset.customer_id,
    )
    return True


# --- a site's assets, paged ----------------------------------------------------------------------


@dataclass(frozen=True)
class SiteAssetRow:
    id: int
    number: str
    type_name: str
    name: str
    location: str
    status: str
    next_due_on: date | None


SORTS = {"number": Asset.number, "type": AssetType.name, "name": Asset.name, "status": Asset.status}


def site_asset_page(
    session: Session, staff: StaffMember, site_id: Any, request: PageRequest
) -> Page[SiteAssetRow]:
    """One page of the site's assets (retired ones too), searched by number, name, location, serial."""
    site = office_site(session, staff, site_id)
    next_due = (
        select(func.min(AssetServiceLevel.next_due_on))
        .where(AssetServiceLevel.asset_id == Asset.id)
        .correlate(Asset)
        .scalar_subquery()
    )
    stmt = (
        select(Asset.id, Asset.number, AssetType.name, Asset.name, Asset.location, Asset.status, next_due)
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .where(Asset.site_id == (site.id if site is not None else -1))
    )
    found = search_filter(request.search, Asset.number, Asset.name, Asset.location, Asset.serial)
    if found is not None:
        stmt = stmt.where(found)

    def row(r: Any) -> SiteAssetRow:
        return SiteAssetRow(r[0], r[1], r[2], r[3], r[4], AssetStatus(r[5]).value, r[6])

    return paginate(session, stmt, request, SORTS, "number", row, tiebreak=Asset.id)


@dataclass(frozen=True)
class MoveLine:
    transferred_on: date
    from_place: str
    to_place: str
    reason: str


HISTORY_LIMIT = 50


def transfer_history(session: Session, staff: StaffMember, asset_id: Any) -> list[MoveLine]:
    """The asset's latest moves, newest first, as the customer's Transfer History names the places."""
    asset = office_asset(session, staff, asset_id)
    if asset is None:
        return []
    rows = session.exec(
        select(Transfer)
        .where(Transfer.asset_id == asset.id)
        .order_by(col(Transfer.transferred_on).desc(), col(Transfer.id).desc())
        .limit(HISTORY_LIMIT)
    ).all()
    ids = {i for t in rows for i in (t.from_site_id, t.to_site_id) if i is not None}
    names = dict(session.exec(select(Site.id, Site.name).where(col(Site.id).in_(ids))).all()) if ids else {}

    def place(site_id: int | None, label: str) -> str:
        return names.get(site_id, "") if site_id is not None else (label or "-")

    return [
        MoveLine(
            t.transferred_on, place(t.from_site_id, t.from_label), place(t.to_site_id, t.to_label), t.reason
        )
        for t in rows
    ]
