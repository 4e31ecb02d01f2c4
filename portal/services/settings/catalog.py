"""Settings > Portal: the contractor's own lists, the pre-written description scripts and the price
list (whose ``offered`` items customers may add to a request as Optional Items).

Nothing is deleted: a quote or request may name an item or have used a script, so retiring one
only takes it out of what is offered and picked (``is_active``); it can be brought back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal.core import events, text
from portal.core.money import format_money, parse_cents
from portal.core.principal import MAX_ID, Duty, StaffMember, require_duty
from portal.models import DescriptionScript, ItemKind, OptionalItem, ScriptUse
from portal.services.settings.errors import SettingsError

PAGE_SIZE = 20
SCRIPT_USES = {ScriptUse.QUOTE.value: "Quotes", ScriptUse.JOB.value: "Jobs", ScriptUse.BOTH.value: "Both"}
ITEM_KINDS = {ItemKind.LABOUR.value: "Labour", ItemKind.MATERIAL.value: "Material"}
MAX_PRICE_CENTS = 100_000_000
GONE = "That entry is no longer there. Close this and open it again."


@dataclass(frozen=True)
class Listed:
    rows: list[dict[str, str]]
    total: int
    page: int
    pages: int


def _row_id(value: object) -> int | None:
    if value in (None, "", "new"):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        return -1
    try:
        number = int(value)
    except ValueError:
        return -1
    return number if 0 < number <= MAX_ID else -1


def _page(page: object, total: int) -> tuple[int, int]:
    pages = max(1, -(-total // PAGE_SIZE))
    try:
        wanted = int(page) if isinstance(page, int | str) and not isinstance(page, bool) else 1
    except ValueError:
        wanted = 1
    return min(max(1, wanted), pages), pages


def scripts(session: Session, staff: StaffMember, page: object = 1) -> Listed:
    """One page of the scripts, the ones in use first, then by title."""
    require_duty(staff, Duty.MANAGE_SETTINGS)
    total = int(session.scalar(select(func.count()).select_from(DescriptionScript)) or 0)
    number, pages = _page(page, total)
    found = session.exec(
        select(DescriptionScript)
        .order_by(
            col(DescriptionScript.is_active).desc(), func.lower(DescriptionScript.title), DescriptionScript.id
        )
        .offset((number - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    rows = [
        {
            "id": str(s.id),
            "title": s.title,
            "body": s.body,
            "use": ScriptUse(s.use).value,
            "use_label": SCRIPT_USES[ScriptUse(s.use).value],
            "active": "yes" if s.is_active else "",
        }
        for s in found
    ]
    return Listed(rows, total, number, pages)


def items(session: Session, staff: StaffMember, page: object = 1, currency: str = "AUD") -> Listed:
    """One page of the price list, the items in use first, then by name."""
    require_duty(staff, Duty.MANAGE_SETTINGS)
    total = int(session.scalar(select(func.count()).select_from(OptionalItem)) or 0)
    number, pages = _page(page, total)
    found = session.exec(
        select(OptionalItem)
        .order_by(col(OptionalItem.is_active).desc(), func.lower(OptionalItem.name), OptionalItem.id)
        .offset((number - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    ).all()
    rows = [
        {
            "id": str(i.id),
            "name": i.name,
            "description": i.description,
            "price": f"{i.unit_price_cents // 100}.{i.unit_price_cents % 100:02d}",
            "price_label": format_money(i.unit_price_cents, currency),
            "kind": ItemKind(i.kind).value,
            "kind_label": ITEM_KINDS[ItemKind(i.kind).value],
            "offered": "yes" if i.offered else "",
            "active": "yes" if i.is_active else "",
        }
        for i in found
    ]
    return Listed(rows, total, number, pages)


def _flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("on", "true", "yes", "1"))


def _audit(
    session: Session,
    staff: StaffMember,
    action: str,
    row: DescriptionScript | OptionalItem,
    before: Mapping[str, object],
    after: Mapping[str, object],
) -> None:
    if before != after:
        events.audit(session, staff, action, row, detail={"before": dict(before), "after": dict(after)})


def save_script(
    session: Session, staff: StaffMember, script_id: object, form: Mapping[str, object]
) -> DescriptionScript:
    """Add a script (``script_id`` None or "new") or change one; ``active`` off retires it."""
    require_duty(staff, Duty.MANAGE_SETTINGS)
    number = _row_id(script_id)
    row = (
        DescriptionScript()
        if number is None
        else session.get(DescriptionScript, number)
        if number > 0
        else None
    )
    if row is None:
        raise SettingsError(form=GONE)
    title = text.one_line(form.get("title"))
    body = text.multi_line(form.get("body"))
    use = text.one_line(form.get("use"))
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = "Give the script a title staff will recognise."
    elif len(title) > 120:
        errors["title"] = "Use at most 120 characters."
    if not body:
        errors["body"] = "Write the description the script fills in."
    elif len(body) > 4000:
        errors["body"] = "Use at most 4000 characters."
    if use not in SCRIPT_USES:
        errors["use"] = "Choose quotes, jobs or both."
    if errors:
        raise SettingsError(errors)
    before = {"title": row.title, "body": row.body, "use": row.use, "active": row.is_active} if number else {}
    row.title, row.body, row.use = title, body, ScriptUse(use)
    row.is_active = _flag(form.get("active")) if number else True
    session.add(row)
    session.flush()
    after = {"title": row.title, "body": row.body, "use": ScriptUse(row.use).value, "active": row.is_active}
    if before:
        before["use"] = ScriptUse(str(before["use"])).value
    _audit(session, staff, "settings_script_saved", row, before, after)
    return row


def save_item(
    session: Session, staff: StaffMember, item_id: object, form: Mapping[str, object]
) -> OptionalItem:
    """Add a price list item or change one; ``active`` off retires it, ``offered`` lets customers
    add it to a request as an Optional Item."""
    require_duty(staff, Duty.MANAGE_SETTINGS)
    number = _row_id(item_id)
    row = (
        OptionalItem(unit_price_cents=0)
        if number is None
        else session.get(OptionalItem, number)
        if number > 0
        else None
    )
    if row is None:
        raise SettingsError(form=GONE)
    name = text.one_line(form.get("name"))
    description = text.multi_line(form.get("description"))
    price = parse_cents(form.get("price"))
    kind = text.one_line(form.get("kind"))
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = "Give the item a name customers will understand."
    elif len(name) > 200:
        errors["name"] = "Use at most 200 characters."
    if len(description) > 1000:
        errors["description"] = "Use at most 1000 characters."
    if price is None or price > MAX_PRICE_CENTS:
        errors["price"] = "Enter the price in dollars and cents, such as 85.00."
    if kind not in ITEM_KINDS:
        errors["kind"] = "Choose labour or material."
    if errors:
        raise SettingsError(errors)
    assert price is not None
    before = (
        {
            "name": row.name,
            "description": row.description,
            "unit_price_cents": row.unit_price_cents,
            "kind": ItemKind(row.kind).value,
            "offered": row.offered,
            "active": row.is_active,
        }
        if number
        else {}
    )
    row.name, row.description, row.unit_price_cents, row.kind = name, description, price, ItemKind(kind)
    row.offered = _flag(form.get("offered"))
    row.is_active = _flag(form.get("active")) if number else True
    session.add(row)
    session.flush()
    after = {
        "name": row.name,
        "description": row.description,
        "unit_price_cents": row.unit_price_cents,
        "kind": ItemKind(row.kind).value,
        "offered": row.offered,
        "active": row.is_active,
    }
    _audit(session, staff, "settings_item_saved", row, before, after)
    return row
