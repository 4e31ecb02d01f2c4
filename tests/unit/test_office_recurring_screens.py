"""The recurring invoice screens' handlers as Reflex runs them: the office writes one with its lines,
pauses, resumes, runs it after confirming and ends it after confirming, and the lists show it and its
runs; a technician or a customer sending the same events, with the ids in place, changes nothing."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from portal import db
from portal.models import AuditEvent, AutopayRun, Contractor, Invoice, RecurringInvoice, Role, Staff
from portal.state.office.recurring import (
    RecurringHistoryState,
    RecurringListState,
    RecurringRunsState,
    RecurringState,
)
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, signed_in_tab


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        self.customer = f.customer(s, "Northside Screens")
        self.site = f.site(s, self.customer, "Tower")
        self.cardless = f.customer(s, "Cardless Co")
        self.cardless_site = f.site(s, self.cardless, "Yard")
        f.saved_card(s, self.customer)
        self.contact = f.contact(s, self.customer, email="accounts@screens.example").id
        staff = {}
        for role in (Role.OFFICE, Role.TECHNICIAN):
            row = Staff(email=f"{role.value}@screens.example", name=role.value.title(), role=role)
            s.add(row)
            s.flush()
            staff[role] = row.id
        self.office, self.technician = staff[Role.OFFICE], staff[Role.TECHNICIAN]


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def _form(**changes) -> dict:
    return {
        "name": "Alarm monitoring",
        "description": "",
        "frequency": "monthly",
        "next_due_on": TODAY.isoformat(),
        "ends_on": "",
        "line-0-kind": "labour",
        "line-0-description": "Monitoring",
        "line-0-quantity": "1",
        "line-0-unit_price": "100",
        "line-1-kind": "material",
        "line-1-description": "Battery",
        "line-1-quantity": "2",
        "line-1-unit_price": "5",
        **changes,
    }


def _count(engine, model, *where) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def _recurring(engine) -> list[RecurringInvoice]:
    with Session(engine) as s:
        return list(s.exec(select(RecurringInvoice)).all())


def _new(world: World, engine, customer_id: int) -> Tab:
    tab = signed_in_tab(engine, f"/office/recurring/new?customer={customer_id}", staff_id=world.office)
    tab.run(RecurringState, "load")
    return tab


def test_the_office_writes_a_recurring_invoice_with_its_lines(world, committed):
    tab = _new(world, committed, world.customer.id)
    shown = tab.state(RecurringState)
    assert (shown.mode, shown.customer_name, shown.card, shown.site_id) == (
        "new",
        "Northside Screens",
        "Visa •••• 4242",
        str(world.site.id),
    )
    assert shown.form["next_due_on"] == TODAY.isoformat() and len(shown.lines) == 1
    tab.run(RecurringState, "add_line")
    refused = tab.run(RecurringState, "save", {"form": _form(**{"line-1-description": "", "name": ""})})
    assert set(refused.errors) == {"name", "line-1-description"}
    assert _recurring(committed) == []
    tab.run(RecurringState, "set_autopay", {"checked": True})
    tab.run(RecurringState, "save", {"form": _form()})
    (made,) = _recurring(committed)
    assert (made.customer_id, made.site_id, made.autopay, made.total_cents) == (
        world.customer.id,
        world.site.id,
        True,
        12_100,
    )
    assert any(f"/office/recurring/{made.id}" in repr(x) for x in tab.sent)


def test_autopay_is_not_offered_without_a_saved_card_and_a_forged_one_is_refused(world, committed):
    tab = _new(world, committed, world.cardless.id)
    assert tab.state(RecurringState).card == ""
    tab.run(RecurringState, "set_autopay", {"checked": True})  # forged: the screen shows no checkbox
    refused = tab.run(RecurringState, "save", {"form": _form(**{"line-1-description": "Fuse"})})
    assert (
        refused.errors.get("autopay")
        == "The customer has no saved card, so automatic payment cannot be turned on."
    )
    assert _recurring(committed) == []


def test_pause_resume_run_after_confirming_and_end_after_confirming(world, committed):
    tab = _new(world, committed, world.customer.id)
    tab.run(RecurringState, "set_autopay", {"checked": True})
    tab.run(RecurringState, "add_line")
    tab.run(RecurringState, "save", {"form": _form()})
    (made,) = _recurring(committed)
    one = signed_in_tab(
        committed, f"/office/recurring/{made.id}", staff_id=world.office, recurring_id=str(made.id)
    )
    shown = one.run(RecurringState, "load")
    assert (shown.mode, shown.status, shown.due_now, shown.detail["total"]) == (
        "edit",
        "Active",
        True,
        "$121.00",
    )
    assert [line["description"] for line in shown.lines] == ["Monitoring", "Battery"]
    assert one.run(RecurringState, "pause").status == "Paused"
    assert one.run(RecurringState, "resume").status == "Active"
    one.run(RecurringState, "confirm_run")  # nothing asked yet
    assert _count(committed, AutopayRun) == 0
    one.run(RecurringState, "ask", {"kind": "run"})
    ran = one.run(RecurringState, "confirm_run")
    assert ran.confirm == "" and not ran.due_now
    with Session(committed) as s:
        run = s.exec(select(AutopayRun)).one()
        assert (run.status, s.get(Invoice, run.invoice_id).status) == ("succeeded", "paid")
    history = one.state(RecurringHistoryState)
    assert [r["result"] for r in history.rows] == ["Paid by card"]  # reloaded after the run
    one.run(RecurringState, "ask", {"kind": "run"})
    again = one.run(RecurringState, "confirm_run")
    assert "is not due" in again.errors["form"] and _count(committed, AutopayRun) == 1
    one.run(RecurringState, "ask", {"kind": "end"})
    ended = one.run(RecurringState, "confirm_end")
    assert ended.status == "Ended" and not ended.editable
    actions = set(_actions(committed))
    assert {
        "recurring.created",
        "recurring.paused",
        "recurring.resumed",
        "recurring.run",
        "recurring.ended",
    } <= actions

    runs = signed_in_tab(committed, "/office/recurring/runs", staff_id=world.office)
    rows = runs.run(RecurringRunsState, "load").rows
    assert [(r["result"], r["invoice_status"]) for r in rows] == [("Paid by card", "Paid")]
    listed = signed_in_tab(
        committed, f"/office/recurring?customer={world.customer.id}&tab=ended", staff_id=world.office
    )
    shown_list = listed.run(RecurringListState, "load")
    assert shown_list.customer_name == "Northside Screens"
    assert [r["number"] for r in shown_list.rows] == [str(made.number)]
    other = signed_in_tab(
        committed, f"/office/recurring?customer={world.cardless.id}&tab=all", staff_id=world.office
    )
    assert other.run(RecurringListState, "load").rows == []


def _actions(engine):
    with Session(engine) as s:
        return s.exec(select(AuditEvent.action)).all()


@pytest.mark.parametrize("who", ["technician", "customer"])
def test_a_technician_or_customer_changes_nothing_even_with_the_ids_in_place(world, committed, who):
    with Session(committed, expire_on_commit=False) as s:
        made = f.recurring_invoice(s, world.site)
        s.commit()
    path = f"/office/recurring/{made.id}"
    who_ = {"staff_id": world.technician} if who == "technician" else {"contact_id": world.contact}
    tab = signed_in_tab(committed, path, recurring_id=str(made.id), **who_)
    shown = tab.run(RecurringState, "load")
    assert shown.detail == {}
    state = tab.state(RecurringState)
    state._recurring_id, state._customer_id, state.mode = made.id, world.customer.id, "edit"
    for kind, handler in (("run", "confirm_run"), ("end", "confirm_end")):
        state.confirm = kind
        tab.run(RecurringState, handler)
    tab.run(RecurringState, "pause")
    tab.run(RecurringState, "save", {"form": _form()})
    assert (
        _count(committed, AutopayRun) == 0 and _count(committed, Invoice) == 0 and _actions(committed) == []
    )
    with Session(committed) as s:
        stored = s.get(RecurringInvoice, made.id)
    assert stored.paused_at is None and stored.ended_at is None and stored.name == "Monitoring fee"
    assert tab.run(RecurringListState, "load").rows == []
    assert tab.run(RecurringRunsState, "load").rows == []
