"""The contractor's own lists: asset types (with their expected life) and service levels (with their
interval), as the back office adds, renames and retires them.

A retired entry (``is_active`` false) is no longer offered for a new asset or a new schedule, but
the assets and schedules that already use it keep it: nothing is deleted, so the customer's
registers and reports read as before. Neither table holds customer data, so every staff member with
the duty sees the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import or_
from sqlmodel import Session, col, func, select

from portal.core import events
from portal.core.principal import Duty, StaffMember, require_duty
from portal.core.text import one_line
from portal.models import AssetType, ServiceLevel
from portal.models.base import column_limit, too_long

DUTY = Duty.MANAGE_CUSTOMERS
Row = TypeVar("Row", AssetType, ServiceLevel)
MAX_LIFE_YEARS = 100
MAX_INTERVAL_MONTHS = 120
MAX_ORDER = 1000
NAME_MISSING = "Enter a name."
NAME_TAKEN = "There is already one with this name."
BAD_LIFE = f"Enter a whole number of years from 1 to {MAX_LIFE_YEARS}."
BAD_INTERVAL = f"Enter a whole number of months from 1 to {MAX_INTERVAL_MONTHS}."
BAD_ORDER = f"Enter a whole number from 0 to {MAX_ORDER}."
TYPE_NAME_LIMIT = column_limit(AssetType, "name")
LEVEL_NAME_LIMIT = column_limit(ServiceLevel, "name")


class ListError(Exception):
    """The entry cannot be saved; ``field_errors`` maps a field to the message shown beside it."""

    def __init__(self, field_errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in field_errors.items()))
        self.field_errors = field_errors


@dataclass(frozen=True)
class TypeLine:
    id: int
    name: str
    expected_life_years: int
    active: bool


@dataclass(frozen=True)
class LevelLine:
    id: int
    name: str
    interval_months: int
    sort_order: int
    active: bool


def whole_number(raw: Any, low: int, high: int) -> int | None:
    """A whole number typed in a field ("12", 12), within ``low``..``high``; None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        value = raw
    else:
        text = raw.strip() if isinstance(raw, str) else ""
        if not text.isdigit() or len(text) > 6:
            return None
        value = int(text)
    return value if low <= value <= high else None


def _name(raw: Any, limit: int, errors: dict[str, str]) -> str:
    name = one_line(raw)
    if not name:
        errors["name"] = NAME_MISSING
    elif len(name) > limit:
        errors["name"] = too_long(limit)
    return name


def _taken(session: Session, model: Any, name: str, own_id: int | None) -> bool:
    """Another entry of the list already has this name, ignoring case (two "Exit Sign"s confuse everyone)."""
    stmt = select(model.id).where(func.lower(model.name) == name.lower())
    if own_id is not None:
        stmt = stmt.where(model.id != own_id)
    return session.exec(stmt).first() is not None


# --- asset types ---------------------------------------------------------------------------------


def asset_types(session: Session, staff: StaffMember) -> list[TypeLine]:
    """Every asset type, in use first, then by name."""
    require_duty(staff, DUTY)
    rows = session.exec(
        select(AssetType).order_by(col(AssetType.is_active).desc(), AssetType.name, AssetType.id)
    ).all()
    return [TypeLine(r.id, r.name, r.expected_life_years, r.is_active) for r in rows if r.id is not None]


def type_options(session: Session, keep: int | None = None) -> list[tuple[int, str]]:
    """The types offered for an asset: the active ones, plus ``keep`` (the asset's own, even retired)."""
    cond = or_(col(AssetType.is_active).is_(True), AssetType.id == (keep or 0))
    rows = session.exec(select(AssetType.id, AssetType.name).where(cond).order_by(AssetType.name)).all()
    return [(row_id, name) for row_id, name in rows]


def _type_values(session: Session, name: Any, life: Any, own_id: int | None) -> tuple[str, int]:
    errors: dict[str, str] = {}
    clean_name = _name(name, TYPE_NAME_LIMIT, errors)
    years = whole_number(life, 1, MAX_LIFE_YEARS)
    if years is None:
        errors["expected_life_years"] = BAD_LIFE
    if "name" not in errors and _taken(session, AssetType, clean_name, own_id):
        errors["name"] = NAME_TAKEN
    if errors or years is None:
        raise ListError(errors)
    return clean_name, years


def add_asset_type(session: Session, staff: StaffMember, name: Any, life: Any) -> AssetType:
    require_duty(staff, DUTY)
    clean_name, years = _type_values(session, name, life, None)
    row = AssetType(name=clean_name, expected_life_years=years)
    session.add(row)
    session.flush()
    after = {"name": clean_name, "expected_life_years": years}
    events.audit(session, staff, "asset_type.created", row, detail={"before": {}, "after": after})
    return row


def _type(session: Session, type_id: Any) -> AssetType | None:
    number = whole_number(type_id, 1, 2**31 - 1)
    return session.get(AssetType, number) if number else None


def update_asset_type(
    session: Session, staff: StaffMember, type_id: Any, name: Any, life: Any
) -> AssetType | None:
    """Rename a type or change its expected life; None when there is no such type."""
    require_duty(staff, DUTY)
    row = _type(session, type_id)
    if row is None:
        return None
    clean_name, years = _type_values(session, name, life, row.id)
    before = {"name": row.name, "expected_life_years": row.expected_life_years}
    after = {"name": clean_name, "expected_life_years": years}
    if before == after:
        return row
    row.name, row.expected_life_years = clean_name, years
    session.add(row)
    session.flush()
    events.audit(session, staff, "asset_type.updated", row, detail={"before": before, "after": after})
    return row


def set_type_active(session: Session, staff: StaffMember, type_id: Any, active: bool) -> AssetType | None:
    """Retire a type (no longer offered for new assets) or bring it back; None when there is none."""
    require_duty(staff, DUTY)
    return _set_active(session, staff, _type(session, type_id), active, "asset_type")


# --- service levels ------------------------------------------------------------------------------


def service_levels(session: Session, staff: StaffMember) -> list[LevelLine]:
    """Every service level, in use first, then in the contractor's order."""
    require_duty(staff, DUTY)
    rows = session.exec(
        select(ServiceLevel).order_by(
            col(ServiceLevel.is_active).desc(),
            ServiceLevel.sort_order,
            ServiceLevel.interval_months,
            ServiceLevel.id,
        )
    ).all()
    return [
        LevelLine(r.id, r.name, r.interval_months, r.sort_order, r.is_active)
        for r in rows
        if r.id is not None
    ]


def level_options(session: Session) -> list[tuple[int, str]]:
    """The levels offered for a new schedule: the active ones, in the contractor's order."""
    rows = session.exec(
        select(ServiceLevel.id, ServiceLevel.name)
        .where(col(ServiceLevel.is_active).is_(True))
        .order_by(ServiceLevel.sort_order, ServiceLevel.interval_months, ServiceLevel.id)
    ).all()
    return [(row_id, name) for row_id, name in rows]


def _level_values(
    session: Session, name: Any, interval: Any, order: Any, own_id: int | None
) -> dict[str, Any]:
    errors: dict[str, str] = {}
    clean_name = _name(name, LEVEL_NAME_LIMIT, errors)
    months = whole_number(interval, 1, MAX_INTERVAL_MONTHS)
    if months is None:
        errors["interval_months"] = BAD_INTERVAL
    position = (
        0 if one_line(order) == "" and not isinstance(order, int) else whole_number(order, 0, MAX_ORDER)
    )
    if position is None:
        errors["sort_order"] = BAD_ORDER
    if "name" not in errors and _taken(session, ServiceLevel, clean_name, own_id):
        errors["name"] = NAME_TAKEN
    if errors:
        raise ListError(errors)
    return {"name": clean_name, "interval_months": months, "sort_order": position}


def add_service_level(
    session: Session, staff: StaffMember, name: Any, interval: Any, order: Any
) -> ServiceLevel:
    require_duty(staff, DUTY)
    values = _level_values(session, name, interval, order, None)
    row = ServiceLevel(**values)
    session.add(row)
    session.flush()
    events.audit(session, staff, "service_level.created", row, detail={"before": {}, "after": values})
    return row


def _level(session: Session, level_id: Any) -> ServiceLevel | None:
    number = whole_number(level_id, 1, 2**31 - 1)
    return session.get(ServiceLevel, number) if number else None


def update_service_level(
    session: Session, staff: StaffMember, level_id: Any, name: Any, interval: Any, order: Any
) -> ServiceLevel | None:
    """Change a level's name, interval or order; schedules keep their next due dates (the next test
    recorded steps on by the new interval)."""
    require_duty(staff, DUTY)
    row = _level(session, level_id)
    if row is None:
        return None
    values = _level_values(session, name, interval, order, row.id)
    before = {name: getattr(row, name) for name in values}
    if before == values:
        return row
    for key, value in values.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    events.audit(session, staff, "service_level.updated", row, detail={"before": before, "after": values})
    return row


def set_level_active(
    session: Session, staff: StaffMember, level_id: Any, active: bool
) -> ServiceLevel | None:
    """Retire a level (no longer offered for new schedules) or bring it back; None when there is none."""
    require_duty(staff, DUTY)
    return _set_active(session, staff, _level(session, level_id), active, "service_level")


def _set_active(session: Session, staff: StaffMember, row: Row | None, active: bool, kind: str) -> Row | None:
    """Retire or restore a list entry, audited as ``{kind}.retired``/``.restored``; a no-op writes nothing."""
    if row is None or row.is_active == active:
        return row
    row.is_active = active
    session.add(row)
    session.flush()
    action = f"{kind}.restored" if active else f"{kind}.retired"
    events.audit(
        session,
        staff,
        action,
        row,
        detail={"before": {"is_active": not active}, "after": {"is_active": active}},
    )
    return row
