"""The office's invoice commands: a job's invoice, a free invoice, voiding, offline payments, letters."""

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.core import clock
from portal.core.money import parse_cents
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import (
    AuditEvent,
    Invoice,
    InvoiceItem,
    Job,
    JobStage,
    OutboxMail,
    Payment,
    PaymentAllocation,
    PaymentMethod,
)
from portal.services.billing import invoices, invoicing, letters, office_invoices
from portal.services.billing.invoicing import InvoicingError, LineInput, PaymentInput
from portal.services.identity import principals
from tests.frozen import TODAY
from tests.unit import factories as f

OFFICE = StaffMember(1, "Office", Role.OFFICE)
TECHNICIAN = StaffMember(2, "Sam the technician", Role.TECHNICIAN)
OWNER = StaffMember(3, "Owner", Role.OWNER)
ASK = office_invoices.PageRequest()


@pytest.fixture
def world(session):
    settings = f.contractor(session)
    settings.payment_terms_days = 14
    owner = f.customer(session, "Northside Medical")
    place = f.site(session, owner, "Clinic")
    billing = f.contact(session, owner, email="accounts@northside.example")
    billing.is_invoice_contact = billing.is_statement_contact = True
    quiet = f.contact(session, owner, email="reception@northside.example")
    other = f.customer(session, "Elsewhere Pty Ltd")
    elsewhere = f.site(session, other, "Depot")
    session.add_all([settings, billing, quiet])
    session.flush()
    return {
        "owner": owner,
        "site": place,
        "billing": billing,
        "quiet": quiet,
        "other": other,
        "elsewhere": elsewhere,
    }


def completed(session, place, lines=(("Labour", 2, 9_000), ("Exit sign", 1, 12_000))):
    job = f.job_with(session, place, stage=JobStage.COMPLETE, completed_on=TODAY)
    for n, (text, qty, unit) in enumerate(lines):
        f.job_line(session, job, text, qty, unit, n)
    return job


def mails(session, kind):
    return session.exec(select(OutboxMail).where(OutboxMail.kind == kind).order_by(OutboxMail.id)).all()


def audits(session, action):
    return session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def pay(customer, allocations, amount, method="bank_transfer", paid_on=None, reference="NAB 5512", key=None):
    return PaymentInput(
        customer_id=customer.id,
        method=method,
        reference=reference,
        paid_on=(paid_on or TODAY).isoformat(),
        amount=amount,
        allocations=allocations,
        attempt_key=invoicing.new_attempt_key() if key is None else key,
    )


# A job's invoice.


def test_a_completed_job_is_invoiced_from_its_lines(session, world):
    job = completed(session, world["site"])
    inv = invoicing.invoice_job(session, OFFICE, str(job.id))
    assert inv.subtotal_cents == 30_000 and inv.tax_cents == 3_000 and inv.total_cents == 33_000
    assert inv.issued_on == TODAY and inv.due_on == TODAY + timedelta(days=14)
    assert inv.job_id == job.id and inv.status == "unpaid"
    kept = session.exec(
        select(InvoiceItem).where(InvoiceItem.invoice_id == inv.id).order_by(InvoiceItem.sort_order)
    ).all()
    assert [(i.description, i.quantity, i.total_cents) for i in kept] == [
        ("Labour", 2, 18_000),
        ("Exit sign", 1, 12_000),
    ]
    assert session.get(Job, job.id).stage == JobStage.INVOICED
    event = audits(session, "invoice.issued")[0]
    assert event.staff_id == OFFICE.staff_id and event.detail["after"]["total_cents"] == 33_000
    assert event.detail["before"]["stage"] == "complete"


def test_the_invoice_keeps_what_was_billed_when_the_job_changes(session, world):
    job = completed(session, world["site"])
    inv = invoicing.invoice_job(session, OFFICE, job.id)
    f.job_line(session, job, "Added later", 1, 99_900, 9)
    scope = principals.scope_for(session, world["billing"].id)
    shown = invoices.invoice_detail(session, scope, inv.id, TODAY)
    assert [i.description for i in shown.items] == ["Labour", "Exit sign"]


@pytest.mark.parametrize("stage", [JobStage.PENDING, JobStage.PROGRESS, JobStage.INVOICED, JobStage.ARCHIVE])
def test_a_job_that_is_not_complete_is_refused(session, world, stage):
    job = f.job_with(session, world["site"], stage=stage)
    with pytest.raises(InvoicingError) as refused:
        invoicing.invoice_job(session, OFFICE, job.id)
    assert "only a completed job" in refused.value.field_errors["form"]
    assert session.exec(select(Invoice)).all() == []


@pytest.mark.parametrize("job_id", ["nope", None, 2**40, -1, 0, ["1"]])
def test_a_job_id_that_is_no_job_is_a_clear_refusal(session, world, job_id):
    with pytest.raises(InvoicingError) as refused:
        invoicing.invoice_job(session, OFFICE, job_id)
    assert refused.value.field_errors == {"form": "That job is not available."}


def test_invoice_issued_is_mailed_to_the_invoice_contacts_only(session, world):
    job = completed(session, world["site"])
    inv = invoicing.invoice_job(session, OFFICE, job.id)
    sent = mails(session, "invoice_issued")
    assert [m.to_address for m in sent] == ["accounts@northside.example"]
    assert str(inv.number) in sent[0].subject and "$330.00" in sent[0].body_text
    assert "https://portal.example.test/invoices" in sent[0].body_text


# A free invoice.


LINES = [
    LineInput("labour", "After-hours call-out", "1", "180"),
    LineInput("material", "Emergency light", "3", "45.50"),
    LineInput("other", "Disposal", "1", "$12.05"),
]


def test_a_free_invoice_is_priced_taxed_and_numbered(session, world):
    earlier = f.invoice_with(session, world["site"], number=30_500)
    inv = invoicing.free_invoice(session, OFFICE, world["owner"].id, world["site"].id, LINES, " PO 77 ")
    assert inv.number == earlier.number + 1
    assert inv.subtotal_cents == 18_000 + 13_650 + 1_205
    assert inv.tax_cents == 3_286 and inv.total_cents == 32_855 + 3_286
    assert inv.due_on == TODAY + timedelta(days=14) and inv.order_number == "PO 77" and inv.job_id is None
    kept = session.exec(
        select(InvoiceItem).where(InvoiceItem.invoice_id == inv.id).order_by(InvoiceItem.sort_order)
    ).all()
    assert [i.kind for i in kept] == ["labour", "material", ""]
    scope = principals.scope_for(session, world["billing"].id)
    shown = invoices.invoice_detail(session, scope, inv.id, TODAY)
    assert [(i.description, i.quantity, i.unit_price_cents) for i in shown.items] == [
        ("After-hours call-out", 1, 18_000),
        ("Emergency light", 3, 4_550),
        ("Disposal", 1, 1_205),
    ]
    assert [m.to_address for m in mails(session, "invoice_issued")] == ["accounts@northside.example"]
    assert audits(session, "invoice.issued")[0].detail["after"]["lines"] == 3


def test_a_free_invoice_checks_every_line(session, world):
    bad = [
        LineInput("tools", "", "0", "abc"),
        LineInput("labour", "x" * 501, "1.5", "-3"),
    ]
    with pytest.raises(InvoicingError) as refused:
        invoicing.free_invoice(session, OFFICE, world["owner"].id, world["site"].id, bad)
    assert set(refused.value.field_errors) == {
        "line-0-kind",
        "line-0-description",
        "line-0-quantity",
        "line-0-unit_price",
        "line-1-description",
        "line-1-quantity",
        "line-1-unit_price",
    }
    with pytest.raises(InvoicingError) as refused:
        invoicing.free_invoice(session, OFFICE, world["owner"].id, world["site"].id, [])
    assert "lines" in refused.value.field_errors
    with pytest.raises(InvoicingError) as refused:
        invoicing.free_invoice(
            session, OFFICE, world["owner"].id, world["site"].id, [LineInput("other", "Goodwill", "1", "0")]
        )
    assert refused.value.field_errors == {"lines": invoicing.NOTHING_TO_CHARGE}
    assert session.exec(select(Invoice)).all() == []


def test_a_free_invoice_needs_a_site_of_the_customer(session, world):
    with pytest.raises(InvoicingError) as refused:
        invoicing.free_invoice(session, OFFICE, world["owner"].id, world["elsewhere"].id, LINES)
    assert "site" in refused.value.field_errors
    with pytest.raises(InvoicingError) as refused:
        invoicing.free_invoice(session, OFFICE, "x", world["site"].id, LINES)
    assert "customer" in refused.value.field_errors
    assert session.exec(select(Invoice)).all() == []


def test_amounts_are_read_exactly():
    assert parse_cents("1,250.5") == 125_050 and parse_cents("$0.10") == 10 and parse_cents("7") == 700
    assert parse_cents("12.") == 1200 and parse_cents(" $1,200.05 ") == 120_005
    for bad in ("", "1.234", "-5", "1e3", "1_000", "NaN", "Infinity", None, 5, "12.3.4", "٣", "."):
        assert parse_cents(bad) is None


# Voiding.


def test_void_needs_a_reason_and_reopens_the_job(session, world):
    job = completed(session, world["site"])
    inv = invoicing.invoice_job(session, OFFICE, job.id)
    for reason in ("", "   ", None, 42):
        with pytest.raises(InvoicingError) as refused:
            invoicing.void_invoice(session, OFFICE, inv.id, reason)
        assert refused.value.field_errors == {"reason": invoicing.REASON_NEEDED}
    assert inv.status == "unpaid"
    invoicing.void_invoice(session, OFFICE, inv.id, "Billed to the wrong site")
    assert (
        inv.status == "void" and inv.void_reason == "Billed to the wrong site" and inv.voided_at is not None
    )
    assert session.get(Job, job.id).stage == JobStage.COMPLETE
    event = audits(session, "invoice.voided")[0]
    assert event.detail["before"]["status"] == "unpaid" and event.detail["after"]["status"] == "void"
    with pytest.raises(InvoicingError):
        invoicing.void_invoice(session, OFFICE, inv.id, "again")
    again = invoicing.invoice_job(session, OFFICE, job.id)
    assert again.number != inv.number


def test_void_is_refused_once_a_payment_is_allocated(session, world):
    inv = f.invoice_with(session, world["site"], total_cents=10_000)
    invoicing.record_payment(session, OFFICE, pay(world["owner"], {inv.id: "40"}, "40"))
    with pytest.raises(InvoicingError) as refused:
        invoicing.void_invoice(session, OFFICE, inv.id, "Customer disputes it")
    assert "has payments" in refused.value.field_errors["form"]
    assert inv.status == "unpaid" and inv.void_reason == ""


def test_a_void_invoice_leaves_the_customers_lists(session, world):
    inv = f.invoice_with(session, world["site"], total_cents=10_000)
    invoicing.void_invoice(session, OFFICE, inv.id, "Duplicate")
    scope = principals.scope_for(session, world["billing"].id)
    assert invoices.invoice_detail(session, scope, inv.id, TODAY) is None
    page = office_invoices.list_invoices(session, OFFICE, "void", ASK, TODAY)
    assert [r.number for r in page.rows] == [inv.number] and page.rows[0].status == "Void"


# Offline payments.


def test_a_bank_transfer_across_two_invoices_pays_one_and_part_pays_the_other(session, world):
    job = completed(session, world["site"], lines=(("Service", 1, 10_000),))
    first = invoicing.invoice_job(session, OFFICE, job.id)  # 110.00
    second = f.invoice_with(session, world["site"], total_cents=20_000)
    payment = invoicing.record_payment(
        session, OFFICE, pay(world["owner"], {str(first.id): "110.00", str(second.id): "50"}, "160")
    )
    assert payment.status == "succeeded" and payment.method == PaymentMethod.BANK_TRANSFER
    assert payment.reference == "NAB 5512" and payment.recorded_by_staff_id == OFFICE.staff_id
    assert payment.receipt_number.startswith(f"R-{TODAY:%Y%m%d}-") and payment.amount_cents == 16_000
    assert first.status == "paid" and first.paid_on == TODAY
    assert second.status == "unpaid" and second.paid_cents == 5_000
    assert session.get(Job, job.id).stage == JobStage.ARCHIVE
    allocations = session.exec(
        select(PaymentAllocation).where(PaymentAllocation.payment_id == payment.id)
    ).all()
    assert sorted(a.amount_cents for a in allocations) == [5_000, 11_000]
    event = audits(session, "payment.recorded")[0]
    assert (
        event.staff_id == OFFICE.staff_id
        and event.detail["after"]["receipt_number"] == payment.receipt_number
    )
    assert {i["number"]: i["balance_cents"] for i in event.detail["before"]["invoices"]} == {
        first.number: 11_000,
        second.number: 20_000,
    }


def test_a_part_payment_keeps_the_invoice_unpaid_and_its_job_invoiced(session, world):
    job = completed(session, world["site"], lines=(("Service", 1, 10_000),))
    inv = invoicing.invoice_job(session, OFFICE, job.id)
    invoicing.record_payment(session, OFFICE, pay(world["owner"], {inv.id: "100"}, "100", method="cash"))
    assert inv.status == "unpaid" and inv.balance_cents == 1_000
    assert session.get(Job, job.id).stage == JobStage.INVOICED
    scope = principals.scope_for(session, world["billing"].id)
    assert invoices.invoice_detail(session, scope, inv.id, TODAY).status == "Part paid"


def test_one_review_records_one_payment_however_often_it_is_sent(session, world):
    """A double click or a replayed event carries the same key: the payment it made, nothing more."""
    inv = f.invoice_with(session, world["site"], total_cents=10_000)
    typed = pay(world["owner"], {inv.id: "40"}, "40")
    first = invoicing.record_payment(session, OFFICE, typed)
    again = invoicing.record_payment(session, OFFICE, typed)
    assert again.id == first.id and len(session.exec(select(Payment)).all()) == 1
    assert inv.paid_cents == 4_000
    for key in ("", "office-short", 42, "card-" + "x" * 32):
        with pytest.raises(InvoicingError):
            invoicing.record_payment(session, OFFICE, pay(world["owner"], {inv.id: "40"}, "40", key=key))
    assert len(session.exec(select(Payment)).all()) == 1


def test_the_allocations_must_add_up_to_the_amount(session, world):
    inv = f.invoice_with(session, world["site"], total_cents=20_000)
    with pytest.raises(InvoicingError) as refused:
        invoicing.record_payment(session, OFFICE, pay(world["owner"], {inv.id: "50"}, "60"))
    assert "not the payment's $60.00" in refused.value.field_errors["allocations"]
    assert inv.paid_cents == 0 and session.exec(select(Payment)).all() == []


def test_an_allocation_over_the_balance_is_refused(session, world):
    inv = f.invoice_with(session, world["site"], total_cents=20_000, paid_cents=15_000)
    with pytest.raises(InvoicingError) as refused:
        invoicing.record_payment(session, OFFICE, pay(world["owner"], {inv.id: "60"}, "60"))
    assert "balance of $50.00" in refused.value.field_errors[f"allocation-{inv.id}"]
    assert inv.paid_cents == 15_000 and session.exec(select(Payment)).all() == []


def test_another_customers_invoice_is_refused(session, world):
    mine = f.invoice_with(session, world["site"], total_cents=10_000)
    theirs = f.invoice_with(session, world["elsewhere"], total_cents=10_000)
    with pytest.raises(InvoicingError) as refused:
        invoicing.record_payment(
            session, OFFICE, pay(world["owner"], {mine.id: "50", theirs.id: "50"}, "100")
        )
    assert "not owed by this customer" in refused.value.field_errors[f"allocation-{theirs.id}"]
    assert mine.paid_cents == theirs.paid_cents == 0 and session.exec(select(Payment)).all() == []


def test_a_paid_or_void_invoice_takes_no_payment(session, world):
    paid = f.invoice_with(session, world["site"], total_cents=10_000, paid_cents=10_000)
    void = f.invoice_with(session, world["site"], total_cents=10_000, status="void")
    for inv in (paid, void):
        with pytest.raises(InvoicingError) as refused:
            invoicing.record_payment(session, OFFICE, pay(world["owner"], {inv.id: "10"}, "10"))
        assert f"allocation-{inv.id}" in refused.value.field_errors


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"method": "card"}, "method"),
        ({"method": ["cash"]}, "method"),
        ({"paid_on": (TODAY + timedelta(days=1)).isoformat()}, "paid_on"),
        ({"paid_on": "23/11/2026"}, "paid_on"),
        ({"amount": "0"}, "amount"),
        ({"amount": 50}, "amount"),
        ({"reference": "x" * 101}, "reference"),
        ({"allocations": []}, "allocations"),
        ({"allocations": {}}, "allocations"),
        ({"allocations": {"999999999": "50"}}, "allocations"),
    ],
)
def test_bad_payment_fields_are_refused_beside_the_field(session, world, change, field):
    inv = f.invoice_with(session, world["site"], total_cents=10_000)
    typed = {**pay(world["owner"], {inv.id: "50"}, "50").__dict__, **change}
    with pytest.raises(InvoicingError) as refused:
        invoicing.record_payment(session, OFFICE, PaymentInput(**typed))
    assert field in refused.value.field_errors
    assert session.exec(select(Payment)).all() == []


def test_an_earlier_payment_is_dated_on_its_day(session, world):
    inv = f.invoice_with(session, world["site"], total_cents=10_000, issued_on=TODAY - timedelta(days=9))
    day = TODAY - timedelta(days=3)
    payment = invoicing.record_payment(
        session, OFFICE, pay(world["owner"], {inv.id: "100"}, "100", method="cheque", paid_on=day)
    )
    assert inv.paid_on == day
    scope = principals.scope_for(session, world["billing"].id)
    assert invoices.invoice_detail(session, scope, inv.id, TODAY).payments[0].paid_on == day
    assert payment.method == PaymentMethod.CHEQUE


# Roles.


def test_a_technician_and_a_customer_are_refused_everything_here(session, world):
    job = completed(session, world["site"])
    inv = f.invoice_with(session, world["site"], total_cents=10_000, due_on=TODAY - timedelta(days=2))
    contact = principals.scope_for(session, world["billing"].id)
    for who in (TECHNICIAN, contact):
        calls = [
            lambda who=who: invoicing.invoice_job(session, who, job.id),
            lambda who=who: invoicing.free_invoice(session, who, world["owner"].id, world["site"].id, LINES),
            lambda who=who: invoicing.void_invoice(session, who, inv.id, "no"),
            lambda who=who: invoicing.record_payment(session, who, pay(world["owner"], {inv.id: "10"}, "10")),
            lambda who=who: letters.send_statement(session, who, world["owner"].id),
            lambda who=who: letters.send_overdue_reminder(session, who, inv.id),
            lambda who=who: office_invoices.list_invoices(session, who, "all", ASK, TODAY),
            lambda who=who: office_invoices.list_payments(session, who, "all", ASK, TODAY),
            lambda who=who: office_invoices.invoice_for_office(session, who, inv.id),
            lambda who=who: office_invoices.unpaid_invoices(session, who, world["owner"].id),
            lambda who=who: office_invoices.job_to_invoice(session, who, job.id),
        ]
        for call in calls:
            with pytest.raises(AccessDenied):
                call()
    assert session.get(Job, job.id).stage == JobStage.COMPLETE
    assert inv.status == "unpaid" and inv.paid_cents == 0
    assert session.exec(select(Payment)).all() == [] and session.exec(select(OutboxMail)).all() == []


def test_staff_cannot_read_the_customer_screens_through_a_staff_principal(session, world):
    inv = f.invoice_with(session, world["site"], total_cents=10_000)
    with pytest.raises(AccessDenied):
        invoices.invoice_detail(session, OWNER, inv.id, TODAY)


# Letters.


def test_a_statement_goes_to_the_statement_contacts_with_its_figures(session, world):
    f.invoice_with(session, world["site"], total_cents=10_000, due_on=TODAY - timedelta(days=5))
    f.invoice_with(session, world["site"], total_cents=5_000)
    f.invoice_with(session, world["elsewhere"], total_cents=99_000)
    sent = letters.send_statement(session, OFFICE, world["owner"].id)
    assert sent.addresses == ["accounts@northside.example"]
    (mail,) = mails(session, "statement")
    assert "Balance owing: $150.00" in mail.body_text and "Of which overdue: $100.00" in mail.body_text
    start, end = letters.statement_period(TODAY)
    assert f"/invoices/statement?start={start}&end={end}" in mail.body_text
    assert f"/documents/statement.pdf?start={start}&end={end}" in mail.body_text
    assert audits(session, "statement.sent")[0].detail["after"]["to"] == ["accounts@northside.example"]


def test_a_statement_without_a_statement_contact_is_refused(session, world):
    world["billing"].is_statement_contact = False
    session.add(world["billing"])
    with pytest.raises(letters.LetterError) as refused:
        letters.send_statement(session, OFFICE, world["owner"].id)
    assert "no statement contact" in refused.value.field_errors["form"]


def test_an_overdue_reminder_only_for_an_overdue_invoice(session, world):
    late = f.invoice_with(session, world["site"], total_cents=10_000, due_on=TODAY - timedelta(days=4))
    current = f.invoice_with(session, world["site"], total_cents=10_000)
    with pytest.raises(letters.LetterError):
        letters.send_overdue_reminder(session, OFFICE, current.id)
    letters.send_overdue_reminder(session, OFFICE, late.id)
    (mail,) = mails(session, "overdue_reminder")
    assert mail.to_address == "accounts@northside.example"
    assert "4 days overdue" in mail.body_text and "$100.00" in mail.body_text


def test_deactivated_and_unflagged_contacts_get_no_letters(session, world):
    extra = f.contact(session, world["owner"], email="old@northside.example")
    extra.is_statement_contact = extra.is_invoice_contact = True
    extra.deactivated_at = clock.now()
    session.add(extra)
    session.flush()
    found = letters.contacts_for(session, world["owner"].id, letters.STATEMENT)
    assert [c.email for c in found] == ["accounts@northside.example"]


def test_a_failed_automatic_payment_mails_the_invoice_contacts(session, world):
    from portal.services.billing import autopay
    from tests.unit.test_payments import SpyGateway

    f.recurring_invoice(session, world["site"], 9_900)
    f.saved_card(session, world["owner"], handle="tok_sandbox_decline_abc")
    autopay.autopay_run(session, SpyGateway(), TODAY)
    sent = mails(session, "autopay_failed")
    assert [m.to_address for m in sent] == ["accounts@northside.example"]
    assert "$99.00" in sent[0].body_text and "Visa ending 4242" in sent[0].body_text


# Lists.


def test_the_office_lists_every_customers_invoices_by_tab_and_search(session, world):
    late = f.invoice_with(session, world["site"], total_cents=10_000, due_on=TODAY - timedelta(days=1))
    fine = f.invoice_with(session, world["site"], total_cents=10_000, order_number="PO-4411")
    paid = f.invoice_with(session, world["elsewhere"], total_cents=10_000, paid_cents=10_000)
    request = office_invoices.PageRequest

    def numbers(tab, search=""):
        return {
            r.number
            for r in office_invoices.list_invoices(session, OFFICE, tab, request(search=search), TODAY).rows
        }

    assert numbers("unpaid") == {late.number, fine.number}
    assert numbers("overdue") == {late.number}
    assert numbers("paid") == {paid.number}
    assert numbers("all") == {late.number, fine.number, paid.number}
    assert numbers("all", "elsewhere") == {paid.number}
    assert numbers("all", "4411") == {fine.number}
    assert numbers("all", str(late.number)) == {late.number}


def test_the_payments_list_shows_online_and_offline_with_receipts(session, world):
    inv = f.invoice_with(session, world["site"], total_cents=10_000)
    card = f.invoice_payment(session, world["owner"], [(inv, 2_000)], clock.now())
    bank = invoicing.record_payment(session, OFFICE, pay(world["owner"], {inv.id: "30"}, "30"))
    request = office_invoices.PageRequest

    def receipts(tab, search=""):
        return {
            r.receipt_number
            for r in office_invoices.list_payments(session, OWNER, tab, request(search=search), TODAY).rows
        }

    assert receipts("all") == {card.receipt_number, bank.receipt_number}
    assert receipts("online") == {card.receipt_number}
    assert receipts("offline") == {bank.receipt_number}
    assert receipts("all", "NAB 55") == {bank.receipt_number}
    (row,) = office_invoices.list_payments(session, OWNER, "offline", request(), TODAY).rows
    assert (
        row.first_invoice == inv.number
        and row.invoice_count == 1
        and row.customer_name == "Northside Medical"
    )


def test_the_office_invoice_shows_lines_payments_and_what_can_be_done(session, world):
    inv = invoicing.free_invoice(session, OFFICE, world["owner"].id, world["site"].id, LINES)
    invoicing.record_payment(session, OFFICE, pay(world["owner"], {inv.id: "10"}, "10"))
    shown = office_invoices.invoice_for_office(session, OFFICE, inv.id)
    assert [line.kind for line in shown.lines] == ["Labour", "Material", "Other"]
    assert shown.payments[0].method == "Bank transfer" and shown.payments[0].reference == "NAB 5512"
    assert shown.payable and not shown.voidable and shown.customer_name == "Northside Medical"
    assert office_invoices.invoice_for_office(session, OFFICE, "junk") is None
    owed = office_invoices.unpaid_invoices(session, OFFICE, world["owner"].id)
    assert [(o.number, o.balance_cents) for o in owed] == [(inv.number, inv.total_cents - 1_000)]
    assert office_invoices.unpaid_invoices(session, OFFICE, world["other"].id) == []
