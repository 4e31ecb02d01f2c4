"""Rules the back office once wrote several times, now written once (issue 12 review).

Each test pins the single rule and that every screen which shows the figure or label reads it there:
the totals of a document's lines, a job's billable totals, an invoice's status, a visit's window and
an HH:MM time.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlmodel import select

from portal.core import dates, tenant
from portal.core.principal import Role, StaffMember
from portal.models import Invoice, InvoiceStatus, JobStage
from portal.services.billing import invoices, invoicing, office_invoices
from portal.services.billing.invoicing import LineInput
from portal.services.work import jobs, scheduling
from portal.services.work.scheduling import Line
from portal.state.office import day as day_state
from portal.state.office import jobs as jobs_state
from tests.frozen import TODAY
from tests.unit import factories as f

OFFICE = StaffMember(1, "Office", Role.OFFICE)


@pytest.fixture
def place(session):
    f.contractor(session, tax_rate_bp=1000)
    return f.site(session, f.customer(session, "Northside Medical"), "Clinic")


# Totals of lines.


def test_totals_tax_the_whole_subtotal_once_at_the_contractors_rate(session, place):
    # 3 lines of 0.05 at 10%: tax on each line would round to 3 x 0.01; on the whole 0.15 it is 0.02.
    assert tenant.totals(session, [5, 5, 5]) == (15, 2, 17)
    assert tenant.totals(session, iter([10_000, 2_345])) == (12_345, 1_235, 13_580)
    assert tenant.totals(session, []) == (0, 0, 0)


def test_totals_follow_the_rate_of_the_settings(session, place):
    tenant.contractor(session).tax_rate_bp = 1500
    assert tenant.totals(session, [10_000]) == (10_000, 1_500, 11_500)


def test_a_job_raised_in_the_office_is_priced_by_the_one_rule(session, place):
    job = scheduling.create_job(
        session, OFFICE, place.customer_id, place.id, "Exit signs", lines=[Line("Sign", 3, 5)]
    )
    assert (job.subtotal_cents, job.tax_cents, job.total_cents) == tenant.totals(session, [15]) == (15, 2, 17)
    bare = scheduling.create_job(session, OFFICE, place.customer_id, place.id, "Look at it")
    assert (bare.subtotal_cents, bare.tax_cents, bare.total_cents) == (0, 0, 0)


def test_the_free_invoice_review_shows_the_totals_the_invoice_is_issued_with(session, place):
    typed = [LineInput("labour", "Call-out", "3", "0.05"), LineInput("material", "Sign", "1", "120.00")]
    shown = invoicing.lines_totals(session, invoicing.read_lines(typed))
    issued = invoicing.free_invoice(session, OFFICE, place.customer_id, place.id, typed)
    assert shown == (issued.subtotal_cents, issued.tax_cents, issued.total_cents) == (12_015, 1_202, 13_217)


# A job's billable totals.


def test_a_job_with_a_stored_total_bills_that_total(session, place):
    job = f.job_with(
        session, place, stage=JobStage.COMPLETE, subtotal_cents=1_000, tax_cents=100, total_cents=1_100
    )
    f.job_line(session, job, "Ignored: the total was agreed", 1, 99_900, 0)
    assert jobs.billable_totals(session, job) == (1_000, 100, 1_100)


def test_a_job_without_a_stored_total_bills_its_lines(session, place):
    job = f.job_with(session, place, stage=JobStage.COMPLETE, completed_on=TODAY)
    f.job_line(session, job, "Labour", 2, 9_000, 0)
    f.job_line(session, job, "Exit sign", 1, 12_005, 1)
    assert jobs.billable_totals(session, job) == (30_005, 3_001, 33_006)
    assert job.total_cents == 0, "reading the totals writes nothing"


def test_the_office_confirms_what_invoicing_the_job_then_charges(session, place):
    job = f.job_with(session, place, stage=JobStage.COMPLETE, completed_on=TODAY)
    f.job_line(session, job, "Labour", 3, 5, 0)
    shown = office_invoices.job_to_invoice(session, OFFICE, job.id)
    invoice = jobs.invoice_job(session, OFFICE, job.id, TODAY)
    assert (shown.subtotal_cents, shown.tax_cents, shown.total_cents) == (15, 2, 17)
    assert (invoice.subtotal_cents, invoice.tax_cents, invoice.total_cents) == (15, 2, 17)


# An invoice's status.


STATES = [
    # status, total, paid, due in days
    ("unpaid", 10_000, 0, 5),
    ("unpaid", 10_000, 2_500, 5),
    ("unpaid", 10_000, 0, -1),
    ("unpaid", 10_000, 2_500, -1),
    ("paid", 10_000, 10_000, -1),
    ("void", 10_000, 0, 5),
    ("void", 10_000, 2_500, -1),
]


@pytest.mark.parametrize(("status", "total", "paid", "due"), STATES)
def test_the_office_reads_an_invoice_as_the_customer_does_and_also_sees_void(
    session, status, total, paid, due
):
    due_on = TODAY + timedelta(days=due)
    shown = office_invoices.office_status(status, total, paid, due_on, TODAY)
    if status == InvoiceStatus.VOID:
        assert shown == office_invoices.VOID
    else:
        assert shown == invoices.invoice_status(status, total, paid, due_on, TODAY)


def test_the_office_status_in_sql_matches_the_status_in_python(session, place):
    rows = [
        f.invoice_with(
            session,
            place,
            status=status,
            total_cents=total,
            paid_cents=paid,
            due_on=TODAY + timedelta(days=due),
        )
        for status, total, paid, due in STATES
    ]
    for row in rows:
        in_sql = session.exec(select(office_invoices._status_sql(TODAY)).where(Invoice.id == row.id)).one()
        customers = session.exec(select(invoices.status_sql(TODAY)).where(Invoice.id == row.id)).one()
        expected = office_invoices.office_status(
            row.status, row.total_cents, row.paid_cents, row.due_on, TODAY
        )
        assert in_sql == expected
        if row.status != InvoiceStatus.VOID:
            assert customers == in_sql


# A visit's window and an HH:MM time.


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (time(8, 0), time(10, 30), "08:00–10:30"),
        (time(8, 0), None, ""),
        (None, time(9, 0), ""),
        (None, None, ""),
    ],
)
def test_a_visits_window_reads_the_same_on_every_screen(start, end, shown):
    assert jobs.window_text(start, end) == shown
    card = type("Card", (), {"window_start": start, "window_end": end})()
    assert jobs_state.window(card) == shown
    if start and end:
        assert day_state.window(start, end) == shown
        assert jobs.visit_text(date(2026, 12, 4), start, end) == f"Fri 4 Dec 2026, {shown}"
    else:
        assert jobs.visit_text(date(2026, 12, 4), start, end) == "Fri 4 Dec 2026"


def test_the_technicians_day_still_says_when_only_a_start_is_booked():
    assert day_state.window(time(7, 30), None) == "From 07:30"
    assert day_state.window(None, None) == "Any time"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("08:30", time(8, 30)),
        (" 23:59 ", time(23, 59)),
        (time(9, 15, 42, 7), time(9, 15)),
        ("24:00", dates.NOT_A_TIME),
        ("8am", dates.NOT_A_TIME),
        ("8:30", dates.NOT_A_TIME),
        (None, dates.NOT_A_TIME),
        (["08:30"], dates.NOT_A_TIME),
        (830, dates.NOT_A_TIME),
    ],
)
def test_read_time(raw, expected):
    assert dates.read_time(raw) == expected
    assert scheduling.NOT_A_TIME == dates.NOT_A_TIME


def test_the_technicians_day_writes_a_day_as_the_booking_mail_does():
    from portal.state.office.day import _day

    assert _day(date(2026, 12, 4)) == "Fri 4 Dec 2026" == jobs.visit_text(date(2026, 12, 4), None, None)
    assert _day(None) == ""
