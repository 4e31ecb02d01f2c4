"""Writing a checked import: everything in the caller's one transaction, or nothing.

The files are checked again here, inside the transaction that writes them, so what the preview
showed and what is saved cannot drift apart (a colleague may have added one of the customers
since). Rows are written kind by kind in the order a row may name an earlier one (lists, customers,
sites, contacts, assets with their schedules); each kind is added in bulk and flushed once, which
is what makes a file of thousands of assets take about a second.

A contact with ``login`` yes gets a login whose username is its email, with the contractor's default
pages and every site, and no password: the import sends no email. The office sends the setup email
from the customer's page when it is ready for the customer to sign in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert
from sqlmodel import Session, SQLModel, select

from portal.core import events, tenant
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import AssetStatus, Contact, CustomerKind, ServiceLevel
from portal.services.imports.checking import NEW, Batch, RowCheck, check
from portal.services.imports.formats import (
    ASSET_TYPES,
    ASSETS,
    CONTACTS,
    CUSTOMERS,
    KINDS,
    SERVICE_LEVELS,
    SITES,
)
from portal.services.imports.reading import ReadFile

ACTION = "customers_imported"
_TABLES = {
    ASSET_TYPES.key: "asset_type",
    SERVICE_LEVELS.key: "service_level",
    CUSTOMERS.key: "customer",
    SITES.key: "site",
    CONTACTS.key: "contact",
    ASSETS.key: "asset",
}


class NotReady(Exception):
    """The files have problems (now, if not at the preview): nothing was written."""

    def __init__(self, batch: Batch):
        super().__init__("the import has errors")
        self.batch = batch


@dataclass
class Summary:
    created: dict[str, int] = field(default_factory=dict)  # kind key -> rows created
    present: dict[str, int] = field(default_factory=dict)  # kind key -> rows already there, skipped
    logins: int = 0

    def lines(self) -> list[str]:
        """What the office reads after the import, one line per kind that had rows."""
        out = []
        for kind in KINDS:
            if kind.key in self.created:
                made, there = self.created[kind.key], self.present.get(kind.key, 0)
                out.append(f"{kind.label}: {made:,} created, {there:,} already present (skipped).")
        if self.logins:
            out.append(
                f"{self.logins:,} contact{'s' if self.logins != 1 else ''} got a portal login. "
                "No email was sent: send the setup email from the customer's page when they should sign in."
            )
        return out


class _Ids:
    """The rows' references (``db:<id>``, ``new:<row>``) to database ids, per kind."""

    def __init__(self) -> None:
        self.made: dict[str, dict[str, int]] = {k.key: {} for k in KINDS}

    def of(self, kind: str, ref: Any) -> int:
        text = str(ref)
        return int(text[3:]) if text.startswith("db:") else self.made[kind][text]


def _new(rows: list[RowCheck]) -> list[RowCheck]:
    return [r for r in rows if r.action == NEW]


def _add(session: Session, ids: _Ids, kind: str, rows: list[RowCheck], build: Any) -> list[int]:
    """Insert one row per check, built as a dict of columns, in one statement; the new ids in order.

    A Core ``INSERT ... RETURNING`` of plain dicts: building thousands of SQLModel objects and
    flushing them costs ten times the insert itself. The columns' own defaults (``created_at``
    from the portal's clock, empty texts) fill what a dict leaves out.
    """
    if not rows:
        return []
    table = SQLModel.metadata.tables[_TABLES[kind]]
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    made = [int(i) for i in session.execute(statement, [build(r.values) for r in rows]).scalars()]
    for row, new_id in zip(rows, made, strict=True):
        ids.made[kind][f"new:{row.line}"] = new_id
    return made


def _primary_needed(session: Session, customer_ids: set[int]) -> set[int]:
    """The existing customers among these with no primary contact yet."""
    if not customer_ids:
        return set()
    have = set(
        session.exec(
            select(Contact.customer_id).where(
                Contact.customer_id.in_(customer_ids), Contact.is_primary.is_(True)
            )
        ).all()
    )
    return customer_ids - have


def save(session: Session, staff: StaffMember, files: list[tuple[str, ReadFile]]) -> Summary:
    """Check ``files`` again and write their new rows; :class:`NotReady` (having written nothing) when
    any row has errors. One audit event names the files and the counts."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    batch = check(session, files)
    if not batch.ok:
        raise NotReady(batch)
    ids = _Ids()
    summary = Summary()
    rows = {kind.key: (batch.of(kind).rows if batch.of(kind) else []) for kind in KINDS}  # type: ignore[union-attr]
    for kind in KINDS:
        if batch.of(kind) is not None:
            summary.created[kind.key] = len(_new(rows[kind.key]))
            summary.present[kind.key] = len(rows[kind.key]) - summary.created[kind.key]

    _add(
        session,
        ids,
        ASSET_TYPES.key,
        _new(rows[ASSET_TYPES.key]),
        lambda v: {"name": v["name"], "expected_life_years": v["expected_life_years"], "is_active": True},
    )
    order = session.exec(select(func.max(ServiceLevel.sort_order))).one() or 0
    levels = sorted(_new(rows[SERVICE_LEVELS.key]), key=lambda r: int(r.values["interval_months"]))
    place = {id(r.values): order + i for i, r in enumerate(levels, start=1)}  # shortest interval first
    _add(
        session,
        ids,
        SERVICE_LEVELS.key,
        levels,
        lambda v: {
            "name": v["name"],
            "interval_months": v["interval_months"],
            "sort_order": place[id(v)],
            "is_active": True,
        },
    )
    _add(
        session,
        ids,
        CUSTOMERS.key,
        _new(rows[CUSTOMERS.key]),
        lambda v: {
            "code": v["code"],
            "name": v["name"],
            "kind": CustomerKind(v["kind"]).value,
            "email": v["email"] or "",
            "phone": v["phone"],
            "address": v["address"],
            "business_number": v["business_number"],
            "is_active": True,
        },
    )
    _add(
        session,
        ids,
        SITES.key,
        _new(rows[SITES.key]),
        lambda v: {
            "customer_id": ids.of(CUSTOMERS.key, v["customer_ref"]),
            "name": v["site"],
            "street": v["street"],
            "suburb": v["suburb"],
            "state": v["state"],
            "postcode": v["postcode"],
            "access_notes": v["access_notes"],
            "is_active": True,
        },
    )
    summary.logins = _add_contacts(session, ids, _new(rows[CONTACTS.key]))
    _add_assets(session, ids, _new(rows[ASSETS.key]))
    events.audit(
        session,
        staff,
        ACTION,
        None,
        detail={
            "files": [f.name for f in batch.files],
            "created": summary.created,
            "already_present": summary.present,
            "logins": summary.logins,
        },
    )
    return summary


def _add_contacts(session: Session, ids: _Ids, rows: list[RowCheck]) -> int:
    """The new contacts; the first one of a customer without a primary contact becomes its primary."""
    pages = tenant.default_pages(tenant.contractor(session))
    customers = {ids.of(CUSTOMERS.key, r.values["customer_ref"]) for r in rows}
    existing = {
        int(str(r.values["customer_ref"])[3:])
        for r in rows
        if str(r.values["customer_ref"]).startswith("db:")
    }
    needs_primary = (customers - existing) | _primary_needed(session, existing)

    def build(v: dict[str, Any]) -> dict[str, Any]:
        customer_id = ids.of(CUSTOMERS.key, v["customer_ref"])
        primary = customer_id in needs_primary
        needs_primary.discard(customer_id)
        login = bool(v["login"])
        return {
            "customer_id": customer_id,
            "first_name": v["first_name"],
            "last_name": v["last_name"],
            "email": v["email"] or "",
            "phone": v["phone"],
            "mobile": v["mobile"],
            "position": v["position"],
            "is_quote_contact": v["quote_contact"],
            "is_job_contact": v["job_contact"],
            "is_invoice_contact": v["invoice_contact"],
            "is_statement_contact": v["statement_contact"],
            "is_primary": primary,
            "login_active": login,
            "username": str(v["email"]).lower() if login else None,
            "pages": list(pages) if login else [],
            "all_sites": True,
        }

    _add(session, ids, CONTACTS.key, rows, build)
    return sum(1 for r in rows if r.values["login"])


def _add_assets(session: Session, ids: _Ids, rows: list[RowCheck]) -> None:
    """The new assets, then one schedule for each that names a service level (due on ``next_due``,
    or today)."""
    made = _add(
        session,
        ids,
        ASSETS.key,
        rows,
        lambda v: {
            "customer_id": ids.of(CUSTOMERS.key, v["customer_ref"]),
            "site_id": ids.of(SITES.key, v["site_ref"]),
            "asset_type_id": ids.of(ASSET_TYPES.key, v["type_ref"]),
            "number": v["number"],
            "name": v["name"],
            "location": v["location"],
            "make": v["make"],
            "model": v["model"],
            "serial": v["serial"],
            "details": v["details"],
            "install_date": v["install_date"],
            "expected_life_years": v["expected_life_years"],
            "status": AssetStatus.ACTIVE.value,
        },
    )
    today = tenant.today(session)
    schedules = [
        {
            "asset_id": asset_id,
            "service_level_id": ids.of(SERVICE_LEVELS.key, row.values["level_ref"]),
            "next_due_on": row.values["next_due"] or today,
        }
        for row, asset_id in zip(rows, made, strict=True)
        if row.values["level_ref"]
    ]
    if schedules:
        session.execute(insert(SQLModel.metadata.tables["asset_service_level"]), schedules)
