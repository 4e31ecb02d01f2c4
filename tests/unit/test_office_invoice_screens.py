"""The office invoice screens' handlers as Reflex runs them: the office records a payment through the
confirmation; a technician or a customer sending the same events, even with the ids in place, changes
nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from portal import db
from portal.models import Contractor, Invoice, InvoiceStatus, OutboxMail, Payment, Role, Staff
from portal.state.office.invoices import NewInvoiceState, OfficeInvoicesState, OfficeInvoiceState
from portal.state.office.payments import OfficePaymentsState
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, signed_in_tab


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        self.customer = f.customer(s, "Northside Screens")
        self.site = f.site(s, self.customer, "Tower")
        billing = f.contact(s, self.customer, email="accounts@screens.example")
        billing.is_invoice_contact = billing.is_statement_contact = True
        s.add(billing)
        self.contact = billing.id
        self.invoice = f.invoice_with(s, self.site, total_cents=10_000, due_on=TODAY - timedelta(days=3))
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


def staff_tab(engine, staff_id: int, path: str, **query: str) -> Tab:
    return signed_in_tab(engine, path, staff_id=staff_id, **query)


def customer_tab(engine, contact_id: int, path: str, **query: str) -> Tab:
    return signed_in_tab(engine, path, contact_id=contact_id, **query)


def _invoice(engine, invoice_id: int) -> Invoice:
    with Session(engine) as s:
        return s.get(Invoice, invoice_id)


def _payments(engine) -> list[Payment]:
    with Session(engine) as s:
        return list(s.exec(select(Payment)).all())


def _form(world: World, amount: str = "100.00") -> dict:
    return {
        "method": "bank_transfer",
        "reference": "NAB 1",
        "paid_on": TODAY.isoformat(),
        "amount": amount,
        f"allocation-{world.invoice.id}": amount,
    }


def test_the_office_records_a_payment_only_after_confirming_it(world, committed):
    path = f"/office/invoices/{world.invoice.id}"
    tab = staff_tab(committed, world.office, path, invoice_id=str(world.invoice.id))
    shown = tab.run(OfficeInvoiceState, "load")
    assert shown.found and shown.detail["number"] == str(world.invoice.number) and shown.overdue
    tab.run(OfficeInvoiceState, "record_payment")  # nothing confirmed yet
    assert _payments(committed) == []
    opened = tab.run(OfficeInvoiceState, "open_payment")
    assert opened.allocations == {str(world.invoice.id): "100.00"} and opened.typed["amount"] == "100.00"
    asked = tab.run(OfficeInvoiceState, "review_payment", {"form": _form(world)})
    assert asked.pay_step == "confirm" and any(
        "bank transfer of 100.00" in line for line in asked.confirm_lines
    )
    assert _payments(committed) == []
    done = tab.run(OfficeInvoiceState, "record_payment")
    assert not done.pay_open and done.detail["status"] == "Paid"
    (payment,) = _payments(committed)
    assert payment.method == "bank_transfer" and payment.recorded_by_staff_id == world.office
    assert _invoice(committed, world.invoice.id).status == InvoiceStatus.PAID
    tab.run(OfficeInvoiceState, "record_payment")  # a double click, or the event replayed
    assert len(_payments(committed)) == 1


def test_a_refused_payment_goes_back_to_the_form_with_the_fields_errors(world, committed):
    tab = staff_tab(committed, world.office, "/office/invoices/x", invoice_id=str(world.invoice.id))
    tab.run(OfficeInvoiceState, "load")
    tab.run(OfficeInvoiceState, "open_payment")
    tab.run(OfficeInvoiceState, "review_payment", {"form": {**_form(world), "amount": "150.00"}})
    shown = tab.run(OfficeInvoiceState, "record_payment")
    assert shown.pay_step == "form" and "not the payment's" in shown.pay_errors["allocations"]
    assert _payments(committed) == []


@pytest.mark.parametrize("who", ["technician", "customer"])
def test_a_technician_or_customer_changes_nothing_even_with_the_ids_in_place(world, committed, who):
    path = f"/office/invoices/{world.invoice.id}"
    query = {"invoice_id": str(world.invoice.id)}
    if who == "technician":
        tab = staff_tab(committed, world.technician, path, **query)
    else:
        tab = customer_tab(committed, world.contact, path, **query)
    shown = tab.run(OfficeInvoiceState, "load")
    assert shown.detail == {} and shown.lines == []
    # Forged: the ids and the confirmed form as if the screen had loaded for someone allowed.
    state = tab.state(OfficeInvoiceState)
    state._invoice_id, state._customer_id = world.invoice.id, world.customer.id
    state.pay_step, state.owed = "confirm", [{"id": str(world.invoice.id), "number": "1"}]
    state.typed = {k: v for k, v in _form(world).items() if not k.startswith("allocation-")}
    state.allocations = {str(world.invoice.id): "100.00"}
    tab.run(OfficeInvoiceState, "record_payment")
    tab.run(OfficeInvoiceState, "open_payment")
    tab.run(OfficeInvoiceState, "void", {"form": {"reason": "forged"}})
    state.letter_open = "reminder"
    tab.run(OfficeInvoiceState, "send_letter")
    assert _payments(committed) == []
    stored = _invoice(committed, world.invoice.id)
    assert stored.status == InvoiceStatus.UNPAID and stored.void_reason == "" and stored.paid_cents == 0
    with Session(committed) as s:
        assert s.exec(select(OutboxMail)).all() == []
    assert tab.run(OfficeInvoicesState, "load").rows == []
    assert tab.run(OfficePaymentsState, "load").rows == []
    new = tab.run(NewInvoiceState, "load")
    assert new.waiting_jobs == []
    new_state = tab.state(NewInvoiceState)
    new_state._customer_id, new_state.site_id, new_state.step, new_state.mode = (
        world.customer.id,
        str(world.site.id),
        "confirm",
        "free",
    )
    new_state.lines = [{"key": "0", "kind": "labour", "description": "x", "quantity": "1", "unit_price": "9"}]
    tab.run(NewInvoiceState, "issue")
    with Session(committed) as s:
        assert len(s.exec(select(Invoice).where(Invoice.customer_id == world.customer.id)).all()) == 1


def test_the_office_lists_show_the_invoice_and_the_letters_are_sent(world, committed):
    tab = staff_tab(committed, world.office, "/office/invoices", tab="overdue")
    rows = tab.run(OfficeInvoicesState, "load").rows
    assert [r["number"] for r in rows] == [str(world.invoice.number)] and rows[0]["status"] == "Overdue"
    detail = staff_tab(committed, world.office, "/office/invoices/x", invoice_id=str(world.invoice.id))
    detail.run(OfficeInvoiceState, "load")
    detail.run(OfficeInvoiceState, "ask_letter", {"kind": "reminder"})
    detail.run(OfficeInvoiceState, "send_letter")
    detail.run(OfficeInvoiceState, "ask_letter", {"kind": "statement"})
    detail.run(OfficeInvoiceState, "send_letter")
    with Session(committed) as s:
        kinds = sorted(m.kind for m in s.exec(select(OutboxMail)).all())
    assert kinds == ["overdue_reminder", "statement"]


def test_a_free_invoice_is_issued_from_the_screen_after_review(world, committed):
    tab = staff_tab(committed, world.office, "/office/invoices/new")
    tab.run(NewInvoiceState, "load")
    tab.run(NewInvoiceState, "find_customers", {"form": {"customer_query": "screens"}})
    picked = tab.run(NewInvoiceState, "choose_customer", {"customer_id": str(world.customer.id)})
    assert picked.site_id == str(world.site.id)
    tab.run(NewInvoiceState, "add_line")
    form = {
        "line-0-kind": "labour",
        "line-0-description": "Call-out",
        "line-0-quantity": "1",
        "line-0-unit_price": "100",
        "line-1-kind": "material",
        "line-1-description": "",
        "line-1-quantity": "2",
        "line-1-unit_price": "5",
    }
    refused = tab.run(NewInvoiceState, "review", {"form": form})
    assert refused.step == "form" and "line-1-description" in refused.errors
    asked = tab.run(NewInvoiceState, "review", {"form": {**form, "line-1-description": "Fuse"}})
    assert asked.step == "confirm" and asked.totals["total"] == "$121.00"
    with Session(committed) as s:
        assert len(s.exec(select(Invoice).where(Invoice.customer_id == world.customer.id)).all()) == 1
    tab.run(NewInvoiceState, "issue")
    with Session(committed) as s:
        made = s.exec(
            select(Invoice).where(Invoice.customer_id == world.customer.id, Invoice.id != world.invoice.id)
        ).one()
    assert made.total_cents == 12_100
    assert any(f"/office/invoices/{made.id}" in repr(x) for x in tab.sent)
