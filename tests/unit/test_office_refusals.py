"""Every back-office event refused to whoever may not send it, whatever ids it carries.

The handlers come from the states under ``portal.state.office`` (sign-in excepted), so a new one is
covered without touching this file. Each is sent by a customer's session, by a signed-out tab and,
for the screens a technician's role does not open, by a technician, with every backend id of its
state planted on a real row and every argument filled with real ids and well-formed values: the
strongest forged event a browser could send. Every staff command writes an audit event and customer
mail goes through the outbox, so "refused" is checked as: no audit event, no mail, no row changed
in the tables the office writes. The same sweep as the owner does change things, so the events are
ones that work for a role allowed them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from portal import db
from portal.models import (
    AuditEvent,
    Contractor,
    IntegrationEvent,
    Invoice,
    Job,
    JobStage,
    OutboxMail,
    Payment,
    Quote,
    Role,
    ServiceRecord,
    Staff,
)
from portal.state.office.session import OfficeSession
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import STATES, arguments, portal_handlers, signed_in_tab

OFFICE_STATES = [
    cls
    for cls in STATES
    if cls.__module__.startswith("portal.state.office.")
    and cls.__module__ not in ("portal.state.office.login", "portal.state.office.session")
]
# The screens a technician works in; every other office screen must refuse it.
TECHNICIAN_SCREENS = ("portal.state.office.day",)
WRITTEN = (AuditEvent, OutboxMail, Payment, ServiceRecord, Staff)


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        owner = f.customer(s, "Northside")
        site = f.site(s, owner, "North Tower")
        self.contact = f.contact(s, owner).id
        self.quote = f.quote(s, site).id
        self.pending = f.job_with(s, site, scheduled_on=None).id
        progress = f.job_with(s, site, stage=JobStage.PROGRESS, scheduled_on=TODAY)
        self.invoice = f.invoice_with(s, site, total_cents=10_000).id
        self.event = IntegrationEvent(kind="quote.requested", customer_id=owner.id, payload={"quote_id": 1})
        s.add(self.event)
        rows = {}
        for role in Role:
            row = Staff(email=f"{role.value}@office.test", name=f"{role.value.title()} Sweep", role=role)
            s.add(row)
            s.flush()
            rows[role] = row.id
        # Booked to a colleague: a technician may complete its own jobs, never another's.
        progress.technician_id = rows[Role.OFFICE]
        s.add(progress)
        s.flush()
        self.staff = rows
        self.progress = progress.id
        self.ids = {
            "quote": self.quote,
            "job": self.pending,
            "invoice": self.invoice,
            "customer": owner.id,
            "site": site.id,
            "event": self.event.id,
            "member": rows[Role.OFFICE],
            "staff": rows[Role.OFFICE],
            "contact": self.contact,
        }


@pytest.fixture(scope="module")
def world(committed_module) -> World:
    with Session(committed_module, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


@pytest.fixture(autouse=True)
def _database(committed_module, monkeypatch, fast_settings):
    monkeypatch.setattr(db, "engine", lambda: committed_module)


def _value(name: str, world: World) -> object:
    """A well-formed value for an argument of this name: an id of a real row, a form of real ids."""
    for key, row_id in world.ids.items():
        if key in name:
            return str(row_id)
    if name in ("form", "values", "data"):
        return {
            **{f"{k}_id": str(v) for k, v in world.ids.items()},
            **{k: str(v) for k, v in world.ids.items()},
            "day": TODAY.isoformat(),
            "start": "08:00",
            "end": "10:00",
            "technician": str(world.staff[Role.TECHNICIAN]),
            "amount": "10.00",
            "method": "bank_transfer",
            "paid_on": TODAY.isoformat(),
            "reason": "Sweep",
            "result": "pass",
            "notes": "Sweep",
            "severity": "critical",
            "description": "Sweep",
            "email": "new.person@office.test",
            "name": "New Person",
            "role": "owner",
            f"allocation-{world.invoice}": "10.00",
        }
    if name in ("ids", "event_ids", "selected"):
        return [str(world.event)]
    return str(world.quote)


def _plant(state, world: World) -> None:
    """Every backend id of the state on a real row, as if the page had loaded for someone allowed."""
    declared = {n for k in type(state).__mro__ for n in vars(k).get("__annotations__", {})}
    for name in sorted(n for n in declared if n.startswith("_") and not n.startswith("__")):
        current = getattr(state, name, None)
        if isinstance(current, int) and not isinstance(current, bool) and name.endswith("_id"):
            key = next((k for k in world.ids if k in name), "job")
            setattr(state, name, world.progress if "job" in name else world.ids[key])


def _fingerprint(engine) -> tuple:
    with Session(engine) as s:
        counts = tuple(s.exec(select(func.count()).select_from(m)).one() for m in WRITTEN)
        quotes = tuple(s.exec(select(Quote.stage, Quote.total_cents, Quote.priced_at)).all())
        jobs = tuple(s.exec(select(Job.stage, Job.scheduled_on, Job.technician_id)).all())
        invoices = tuple(s.exec(select(Invoice.status, Invoice.paid_cents, Invoice.voided_at)).all())
        handled = tuple(s.exec(select(IntegrationEvent.handled_at)).all())
        roles = tuple(s.exec(select(Staff.role, Staff.is_active)).all())
    return counts, quotes, jobs, invoices, handled, roles


def _sweep(engine, world: World, who: dict, states) -> list[str]:
    """Send every handler of ``states`` as ``who``; the handlers after which the database moved."""
    moved = []
    for cls in states:
        for name, handler in portal_handlers(cls).items():
            before = _fingerprint(engine)
            tab = signed_in_tab(engine, "/office", **who)
            tab.state(OfficeSession)  # the shell's state, which a page's guard has always loaded
            _plant(tab.state(cls), world)
            tab.run(cls, name, {arg: _value(arg, world) for arg in arguments(handler)})
            if _fingerprint(engine) != before:
                moved.append(f"{cls.__name__}.{name}")
    return moved


def test_the_sweep_covers_every_office_screen():
    modules = {cls.__module__.rsplit(".", 1)[1] for cls in OFFICE_STATES}
    assert {"inbox", "quotes", "jobs", "day", "invoices", "payments", "staff"} <= modules


def test_a_customer_session_or_none_is_refused_every_office_event(committed_module, world):
    assert _sweep(committed_module, world, {"contact_id": world.contact}, OFFICE_STATES) == []
    assert _sweep(committed_module, world, {}, OFFICE_STATES) == []


def test_a_technician_is_refused_every_event_of_the_screens_its_role_lacks(committed_module, world):
    others = [cls for cls in OFFICE_STATES if cls.__module__ not in TECHNICIAN_SCREENS]
    assert _sweep(committed_module, world, {"staff_id": world.staff[Role.TECHNICIAN]}, others) == []


def test_office_cannot_manage_staff(committed_module, world):
    staff_screens = [cls for cls in OFFICE_STATES if cls.__module__ == "portal.state.office.staff"]
    assert staff_screens
    assert _sweep(committed_module, world, {"staff_id": world.staff[Role.OFFICE]}, staff_screens) == []


def test_the_same_events_do_change_things_for_the_owner(committed_module, world):
    """Without this, the sweeps above could pass on events that change nothing for anyone."""
    moved = _sweep(committed_module, world, {"staff_id": world.staff[Role.OWNER]}, OFFICE_STATES)
    assert {"OfficeInvoiceState.void", "OfficeJobState.complete", "StaffListState.invite"} <= set(moved)
