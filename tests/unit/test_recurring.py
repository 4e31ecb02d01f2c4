"""Recurring billing in the back office: writing and changing a recurring invoice, its lines and totals,
pause, resume, end and end date, the run it follows (invoice lines, the saved card, failures with
their reasons, idempotent), the lists, and who is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from portal.core.lists import PageRequest
from portal.core.months import add_months
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import (
    AuditEvent,
    AutopayRun,
    Invoice,
    InvoiceItem,
    OutboxMail,
    Payment,
    RecurringInvoice,
    RecurringInvoiceItem,
)
from portal.services.billing import autopay, recurring
from portal.services.billing.gateways import SandboxGateway
from portal.services.billing.invoicing import InvoicingError, LineInput
from portal.services.identity import principals
from tests.frozen import TODAY
from tests.unit import factories as f

OFFICE = StaffMember(1, "Office", Role.OFFICE)
OWNER = StaffMember(3, "Owner", Role.OWNER)
TECHNICIAN = StaffMember(2, "Sam the technician", Role.TECHNICIAN)
ASK = PageRequest()
LINES = (
    LineInput("labour", "Monitoring, 24/7", "1", "120.00"),
    LineInput("material", "Battery check", "2", "15.50"),
)


@pytest.fixture
def world(session):
    f.contractor(session)  # 10 % tax
    owner = f.customer(session, "Northside Medical")
    place = f.site(session, owner, "Clinic")
    billing = f.contact(session, owner, email="accounts@northside.example")
    billing.is_invoice_contact = True
    other = f.customer(session, "Elsewhere Pty Ltd")
    elsewhere = f.site(session, other, "Depot")
    session.add(billing)
    session.flush()
    return {"owner": owner, "site": place, "billing": billing, "other": other, "elsewhere": elsewhere}


def typed(world, **changes):
    values = {
        "customer_id": world["owner"].id,
        "site_id": world["site"].id,
        "name": "Alarm monitoring",
        "description": "Monitoring of the clinic's fire panel.",
        "frequency": "monthly",
        "next_due_on": TODAY.isoformat(),
        "ends_on": "",
        "autopay": False,
        "lines": LINES,
        **changes,
    }
    return recurring.RecurringInput(**values)


def count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def lines_of(session, model, column, row_id):
    return [
        (i.kind, i.description, i.quantity, i.unit_price_cents, i.total_cents)
        for i in session.exec(select(model).where(column == row_id).order_by(model.sort_order)).all()
    ]


# Writing and changing.


def test_a_new_recurring_invoice_takes_its_totals_from_its_lines(session, world):
    ri = recurring.save_recurring(session, OFFICE, None, typed(world))
    assert (ri.subtotal_cents, ri.tax_cents, ri.total_cents) == (15_100, 1_510, 16_610)
    assert (ri.customer_id, ri.site_id, ri.frequency, ri.next_due_on, ri.autopay) == (
        world["owner"].id,
        world["site"].id,
        "monthly",
        TODAY,
        False,
    )
    assert lines_of(session, RecurringInvoiceItem, RecurringInvoiceItem.recurring_invoice_id, ri.id) == [
        ("labour", "Monitoring, 24/7", 1, 12_000, 12_000),
        ("material", "Battery check", 2, 1_550, 3_100),
    ]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "recurring.created")).one()
    assert event.staff_id == OFFICE.staff_id and event.customer_id == world["owner"].id
    assert event.detail["after"]["total_cents"] == 16_610 and event.detail["before"] == {}
    shown = recurring.recurring_for_office(session, OFFICE, ri.id)
    assert (
        shown.status == "Active"
        and shown.due_now
        and [x.kind_label for x in shown.lines]
        == [
            "Labour",
            "Material",
        ]
    )


def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(session, world):
    with pytest.raises(InvoicingError) as refused:
        recurring.save_recurring(
            session,
            OFFICE,
            None,
            typed(
                world,
                name="  ",
                frequency="weekly",
                next_due_on=(TODAY - timedelta(days=1)).isoformat(),
                ends_on="31/12/2026",
                autopay=True,
                lines=(LineInput("labour", "", "0", "12.345"),),
            ),
        )
    assert refused.value.field_errors == {
        "name": "Name the recurring invoice, as the customer will read it.",
        "frequency": "Choose how often it is invoiced.",
        "next_due_on": "The next date cannot be before today.",
        "ends_on": "Enter a date as DD/MM/YYYY.",
        "autopay": recurring.NO_CARD,
        "line-0-description": "Describe the line.",
        "line-0-quantity": "A whole number from 1 to 100,000.",
        "line-0-unit_price": "An amount such as 120.50.",
    }
    with pytest.raises(InvoicingError) as early_end:
        recurring.save_recurring(
            session,
            OFFICE,
            None,
            typed(
                world,
                next_due_on=(TODAY + timedelta(days=10)).isoformat(),
                ends_on=TODAY.isoformat(),
                lines=(),
            ),
        )
    assert early_end.value.field_errors == {
        "ends_on": "The end date cannot be before the next date.",
        "lines": "Add at least one line.",
    }
    assert count(session, RecurringInvoice) == 0 and count(session, RecurringInvoiceItem) == 0
    assert count(session, AuditEvent) == 0


def test_other_customers_sites_and_ids_that_are_no_recurring_invoice_are_refused(session, world):
    with pytest.raises(InvoicingError) as wrong_site:
        recurring.save_recurring(session, OFFICE, None, typed(world, site_id=world["elsewhere"].id))
    assert wrong_site.value.field_errors == {"site": "Choose one of the customer's sites."}
    for garbage in ("nope", 10**30, -1, None, [1], {"id": 1}):
        with pytest.raises(InvoicingError):
            recurring.save_recurring(session, OFFICE, None, typed(world, customer_id=garbage))
        assert recurring.recurring_for_office(session, OFFICE, garbage) is None
        with pytest.raises(InvoicingError):
            recurring.pause(session, OFFICE, garbage)
    assert recurring.customer_choice(session, OFFICE, "x") is None
    ri = recurring.save_recurring(session, OFFICE, None, typed(world))
    # Editing cannot move it to another customer: the customer stays its own, the site must be its.
    with pytest.raises(InvoicingError) as moved:
        recurring.save_recurring(
            session,
            OFFICE,
            ri.id,
            typed(world, customer_id=world["other"].id, site_id=world["elsewhere"].id),
        )
    assert set(moved.value.field_errors) == {"site"}
    session.refresh(ri)
    assert (ri.customer_id, ri.site_id) == (world["owner"].id, world["site"].id)


def test_roles_without_recurring_billing_are_refused(session, world):
    ri = f.recurring_invoice(session, world["site"])
    for call in (
        lambda: recurring.save_recurring(session, TECHNICIAN, None, typed(world)),
        lambda: recurring.recurring_for_office(session, TECHNICIAN, ri.id),
        lambda: recurring.pause(session, TECHNICIAN, ri.id),
        lambda: recurring.resume(session, TECHNICIAN, ri.id),
        lambda: recurring.end(session, TECHNICIAN, ri.id),
        lambda: recurring.run_now(session, TECHNICIAN, ri.id, SandboxGateway()),
        lambda: recurring.find_customers(session, TECHNICIAN, ""),
        lambda: recurring.list_recurring(session, TECHNICIAN, "all", ASK, TODAY),
        lambda: recurring.list_runs(session, TECHNICIAN, "all", ASK, TODAY),
    ):
        with pytest.raises(AccessDenied):
            call()
    customer = principals.scope_for(session, world["billing"].id)
    with pytest.raises((AccessDenied, TypeError)):
        recurring.pause(session, customer, ri.id)
    assert count(session, AutopayRun) == 0 and count(session, AuditEvent) == 0
    session.refresh(ri)
    assert ri.paused_at is None and ri.is_active


def test_editing_replaces_the_lines_and_is_audited_with_before_and_after(session, world):
    ri = recurring.save_recurring(session, OFFICE, None, typed(world))
    recurring.save_recurring(
        session,
        OFFICE,
        ri.id,
        typed(
            world, name="Alarm monitoring (new panel)", lines=(LineInput("other", "Monitoring", "1", "200"),)
        ),
    )
    session.refresh(ri)
    assert (ri.name, ri.total_cents) == ("Alarm monitoring (new panel)", 22_000)
    assert lines_of(session, RecurringInvoiceItem, RecurringInvoiceItem.recurring_invoice_id, ri.id) == [
        ("", "Monitoring", 1, 20_000, 20_000)
    ]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "recurring.changed")).one()
    assert event.detail["before"]["total_cents"] == 16_610 and event.detail["after"]["total_cents"] == 22_000


# Pause, resume, end, end date.


def test_a_paused_recurring_invoice_issues_nothing_and_resumes_from_today(session, world):
    ri = recurring.save_recurring(
        session, OFFICE, None, typed(world, next_due_on=(TODAY + timedelta(days=1)).isoformat())
    )
    recurring.pause(session, OFFICE, ri.id)
    assert recurring.recurring_for_office(session, OFFICE, ri.id).status == "Paused"
    # Months later, while still paused, the run skips it.
    much_later = add_months(TODAY, 3)
    assert autopay.autopay_run(session, SandboxGateway(), much_later).due == 0
    assert count(session, Invoice) == 0
    ri.next_due_on = TODAY - timedelta(days=40)  # its date passed while it was paused
    session.add(ri)
    session.flush()
    recurring.resume(session, OFFICE, ri.id)
    session.refresh(ri)
    assert ri.paused_at is None and ri.next_due_on == add_months(TODAY - timedelta(days=40), 2)
    assert ri.next_due_on >= TODAY and ri.next_due_on < add_months(TODAY, 1)
    actions = session.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["recurring.created", "recurring.paused", "recurring.resumed"]


def test_an_ended_recurring_invoice_issues_nothing_and_cannot_be_changed(session, world):
    ri = recurring.save_recurring(session, OFFICE, None, typed(world))
    recurring.end(session, OFFICE, ri.id)
    assert autopay.autopay_run(session, SandboxGateway(), TODAY).due == 0 and count(session, Invoice) == 0
    shown = recurring.recurring_for_office(session, OFFICE, ri.id)
    assert shown.status == "Ended" and not shown.editable and not shown.due_now
    for call in (
        lambda: recurring.save_recurring(session, OFFICE, ri.id, typed(world)),
        lambda: recurring.pause(session, OFFICE, ri.id),
        lambda: recurring.end(session, OFFICE, ri.id),
        lambda: recurring.run_now(session, OFFICE, ri.id, SandboxGateway()),
    ):
        with pytest.raises(InvoicingError) as refused:
            call()
        assert refused.value.field_errors == {"form": f"Recurring invoice {ri.number} has ended."}


def test_the_end_date_stops_it_after_that_date(session, world):
    ends = TODAY + timedelta(days=20)
    ri = recurring.save_recurring(session, OFFICE, None, typed(world, ends_on=ends.isoformat()))
    first = autopay.autopay_run(session, SandboxGateway(), TODAY)
    assert first.due == 1
    session.refresh(ri)
    assert ri.next_due_on == add_months(TODAY, 1) and ri.ended_at is not None
    assert autopay.autopay_run(session, SandboxGateway(), add_months(TODAY, 1)).due == 0
    assert count(session, Invoice) == 1
    assert recurring.recurring_for_office(session, OFFICE, ri.id).status == "Ended"


# The run.


def test_the_run_issues_an_invoice_carrying_the_lines(session, world):
    ri = recurring.save_recurring(session, OFFICE, None, typed(world))
    summary = autopay.autopay_run(session, SandboxGateway(), TODAY)
    assert (summary.due, summary.invoiced) == (1, 1)
    inv = session.exec(select(Invoice)).one()
    assert (inv.recurring_invoice_id, inv.subtotal_cents, inv.tax_cents, inv.total_cents, inv.status) == (
        ri.id,
        15_100,
        1_510,
        16_610,
        "unpaid",
    )
    assert inv.due_on == TODAY + timedelta(days=30)  # no card charged: the payment terms
    assert lines_of(session, InvoiceItem, InvoiceItem.invoice_id, inv.id) == [
        ("labour", "Monitoring, 24/7", 1, 12_000, 12_000),
        ("material", "Battery check", 2, 1_550, 3_100),
    ]
    mailed = session.exec(select(OutboxMail).where(OutboxMail.kind == "invoice_issued")).one()
    assert mailed.to_address == "accounts@northside.example"


def test_autopay_charges_the_saved_card_through_the_sandbox(session, world):
    f.saved_card(session, world["owner"])
    ri = recurring.save_recurring(session, OFFICE, None, typed(world, autopay=True))
    run = recurring.run_now(session, OFFICE, ri.id, SandboxGateway())
    inv = session.get(Invoice, run.invoice_id)
    payment = session.get(Payment, run.payment_id)
    assert (run.status, run.error, inv.status, inv.paid_cents) == ("succeeded", "", "paid", 16_610)
    assert payment.is_autopay and payment.status == "succeeded" and payment.card_last4 == "4242"
    assert count(session, InvoiceItem, InvoiceItem.invoice_id == inv.id) == 2
    page = recurring.list_runs(session, OFFICE, "paid", ASK, TODAY, ri.id)
    (row,) = page.rows
    assert (row.invoice_number, row.result, row.invoice_status, row.card) == (
        inv.number,
        "Paid by card",
        "Paid",
        "Visa •••• 4242",
    )
    assert (
        session.exec(select(AuditEvent).where(AuditEvent.action == "recurring.run"))
        .one()
        .detail["after"]["result"]
        == "succeeded"
    )


def test_failures_are_recorded_with_their_reasons(session, world):
    declined_customer = f.customer(session, "Declined Co")
    declined_site = f.site(session, declined_customer, "Shop")
    f.saved_card(session, declined_customer, handle="tok_sandbox_decline_abc")
    declined = recurring.save_recurring(
        session,
        OFFICE,
        None,
        typed(world, customer_id=declined_customer.id, site_id=declined_site.id, autopay=True),
    )
    f.saved_card(session, world["owner"])
    cancelled = recurring.save_recurring(session, OFFICE, None, typed(world, autopay=True))
    autopay.cancel_autopay(session, principals.scope_for(session, world["billing"].id), cancelled.id)
    no_card_customer = f.customer(session, "Cardless Co")
    no_card_site = f.site(session, no_card_customer, "Yard")
    no_card = f.recurring_invoice(session, no_card_site)  # set to pay automatically, no card saved
    autopay.autopay_run(session, SandboxGateway(), TODAY)
    page = recurring.list_runs(session, OFFICE, "failed", ASK, TODAY)
    reasons = {row.recurring_id: (row.result, row.reason) for row in page.rows}
    assert reasons == {
        declined.id: ("Not paid", "Your card was declined."),
        cancelled.id: ("Not paid", autopay.CANCELLED_BY_CUSTOMER),
        no_card.id: ("Not paid", autopay.NO_CARD),
    }
    assert count(session, Invoice, Invoice.status == "unpaid") == 3
    shown = recurring.recurring_for_office(session, OFFICE, cancelled.id)
    assert shown.cancelled_by_customer and not shown.autopay


def test_running_twice_issues_and_charges_once(session, world):
    f.saved_card(session, world["owner"])
    ri = recurring.save_recurring(session, OFFICE, None, typed(world, autopay=True))
    recurring.run_now(session, OFFICE, ri.id, SandboxGateway())
    with pytest.raises(InvoicingError) as again:
        recurring.run_now(session, OFFICE, ri.id, SandboxGateway())
    next_day = add_months(TODAY, 1)
    assert again.value.field_errors == {
        "form": f"Recurring invoice {ri.number} is not due: its next date is {next_day:%d/%m/%Y}."
    }
    assert autopay.autopay_run(session, SandboxGateway(), TODAY).due == 0
    # A second worker that read the row before the first advanced it finds the run already claimed.
    ri.next_due_on = TODAY
    session.add(ri)
    session.flush()
    assert autopay.autopay_run(session, SandboxGateway(), TODAY).skipped == 1
    assert count(session, Invoice) == 1 and count(session, Payment) == 1 and count(session, AutopayRun) == 1


def test_run_now_refuses_one_that_is_not_due_or_paused(session, world):
    ri = recurring.save_recurring(
        session, OFFICE, None, typed(world, next_due_on=(TODAY + timedelta(days=3)).isoformat())
    )
    with pytest.raises(InvoicingError):
        recurring.run_now(session, OFFICE, ri.id, SandboxGateway())
    paused = recurring.save_recurring(session, OFFICE, None, typed(world))
    recurring.pause(session, OFFICE, paused.id)
    with pytest.raises(InvoicingError) as refused:
        recurring.run_now(session, OFFICE, paused.id, SandboxGateway())
    assert "paused" in refused.value.field_errors["form"]
    assert count(session, Invoice) == 0 and count(session, AutopayRun) == 0


# The lists.


def test_the_list_filters_by_customer_and_status_and_searches_in_sql(session, world):
    mine = recurring.save_recurring(session, OFFICE, None, typed(world))
    paused = recurring.save_recurring(session, OFFICE, None, typed(world, name="Sprinkler service"))
    recurring.pause(session, OFFICE, paused.id)
    theirs = recurring.save_recurring(
        session,
        OFFICE,
        None,
        typed(world, customer_id=world["other"].id, site_id=world["elsewhere"].id, name="Depot monitoring"),
    )
    ended = recurring.save_recurring(session, OFFICE, None, typed(world, name="Old plan"))
    recurring.end(session, OFFICE, ended.id)

    def numbers(tab, customer=0, search=""):
        page = recurring.list_recurring(session, OWNER, tab, PageRequest(search=search), TODAY, customer)
        return sorted(r.number for r in page.rows), page.total

    assert numbers("active") == (sorted([mine.number, theirs.number]), 2)
    assert numbers("active", world["owner"].id) == ([mine.number], 1)
    assert numbers("paused") == ([paused.number], 1)
    assert numbers("ended") == ([ended.number], 1)
    assert numbers("all", world["other"].id) == ([theirs.number], 1)
    assert numbers("all", search="sprinkler") == ([paused.number], 1)
    assert numbers("all", search="elsewhere") == ([theirs.number], 1)
    row = recurring.list_recurring(session, OWNER, "paused", ASK, TODAY).rows[0]
    assert (row.customer_name, row.site_name, row.frequency, row.total_cents, row.status) == (
        "Northside Medical",
        "Clinic",
        "Monthly",
        16_610,
        "Paused",
    )


def test_the_demos_recurring_invoices_carry_a_line_for_what_they_bill(session, fast_settings):
    from portal.demo import seed_demo

    seed_demo(session, today=TODAY)
    plans = session.exec(select(RecurringInvoice)).all()
    assert plans
    for plan in plans:
        shown = recurring.recurring_for_office(session, OWNER, plan.id)
        assert [(x.description, x.total_cents) for x in shown.lines] == [(plan.name, plan.subtotal_cents)]
    # The next run bills the line, at the same total the earlier invoices had.
    due = plans[0]
    autopay.autopay_run(session, SandboxGateway(), due.next_due_on, only=due.id)
    run = session.exec(
        select(AutopayRun).where(AutopayRun.recurring_invoice_id == due.id).order_by(AutopayRun.id.desc())
    ).first()
    invoice = session.get(Invoice, run.invoice_id)
    assert invoice.total_cents == due.total_cents
    assert lines_of(session, InvoiceItem, InvoiceItem.invoice_id, invoice.id) == [
        ("", due.name, 1, due.subtotal_cents, due.subtotal_cents)
    ]
