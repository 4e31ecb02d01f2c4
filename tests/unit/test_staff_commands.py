"""Contractor-side commands check the staff duty: customer contacts and staff without it are refused."""

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.core.principal import AccessDenied, ApiClient, Duty, Role, StaffMember, require_duty
from portal.models import Customer, Invoice, Job, JobStage, QuoteDecision, QuoteItem, QuoteStage
from portal.services.identity import principals
from portal.services.work import jobs, scheduling
from tests.frozen import TODAY
from tests.unit import factories as f

OFFICE = StaffMember(1, "Office", Role.OFFICE)
TECHNICIAN = StaffMember(2, "Sam the technician", Role.TECHNICIAN)
ADMIN = StaffMember(3, "Owner", Role.OWNER)
PRICED = [("Exit sign", 1, 10_000)]


@pytest.fixture
def place(session):
    f.contractor(session)
    owner = f.customer(session)
    return f.site(session, owner)


@pytest.fixture
def contact(session, place):
    owner = session.get(Customer, place.customer_id)
    return principals.scope_for(session, f.contact(session, owner).id)


def test_roles_have_their_duties():
    assert require_duty(ADMIN, Duty.INVOICE_JOBS) is ADMIN
    assert all(ADMIN.has(d) for d in Duty)
    assert OFFICE.has(Duty.ACTION_QUOTES) and OFFICE.has(Duty.COMPLETE_JOBS)
    assert not OFFICE.has(Duty.MANAGE_STAFF) and not OFFICE.has(Duty.MANAGE_SETTINGS)
    assert TECHNICIAN.has(Duty.COMPLETE_JOBS) and TECHNICIAN.has(Duty.RECORD_TESTS)
    money = {Duty.INVOICE_JOBS, Duty.TAKE_PAYMENTS, Duty.SEND_STATEMENTS, Duty.ACTION_QUOTES}
    assert not any(TECHNICIAN.has(d) for d in money | {Duty.MANAGE_SETTINGS, Duty.MANAGE_STAFF})
    assert not OFFICE.has("manage_staff ") and not OFFICE.has(None)
    with pytest.raises(AccessDenied):
        require_duty(ApiClient(1, frozenset({"quotes:write"})), Duty.ACTION_QUOTES)


def test_pricing_a_quote_needs_the_office(session, place, contact):
    q = f.quote(session, place)
    for who in (TECHNICIAN, contact):
        with pytest.raises(AccessDenied):
            f.price_and_send(session, who, q.id, PRICED, TODAY)
    session.refresh(q)
    assert q.stage == QuoteStage.OUTSTANDING and q.total_cents == 0
    assert session.exec(select(QuoteItem).where(QuoteItem.quote_id == q.id)).all() == []

    f.price_and_send(session, OFFICE, q.id, PRICED, TODAY)
    assert q.stage == QuoteStage.ACTIONED and q.subtotal_cents == 10_000


def test_booking_a_job_needs_the_office(session, place, contact):
    j = f.job_with(session, place, scheduled_on=None)
    tech, _ = f.staff_member(session)
    for who in (TECHNICIAN, contact):
        with pytest.raises(AccessDenied):
            scheduling.schedule(session, who, j.id, TODAY + timedelta(days=2), "08:00", "10:00", tech.id)
    session.refresh(j)
    assert j.stage == JobStage.PENDING and j.scheduled_on is None

    scheduling.schedule(session, OFFICE, j.id, TODAY + timedelta(days=2), "08:00", "10:00", tech.id)
    assert j.stage == JobStage.PROGRESS and j.scheduled_on == TODAY + timedelta(days=2)


def test_completing_a_job_is_staff_work(session, place, contact):
    """A technician completes only a job it is booked on; the office any job in progress."""
    _, booked = f.staff_member(session)
    _, other = f.staff_member(session)
    j = f.job_with(session, place, stage=JobStage.PROGRESS, technician_id=booked.staff_id)
    for who in (contact, other):
        with pytest.raises(AccessDenied):
            jobs.complete_job(session, who, j.id, TODAY)
    session.refresh(j)
    assert j.stage == JobStage.PROGRESS and j.completed_on is None

    jobs.complete_job(session, booked, j.id, TODAY)
    assert j.stage == JobStage.COMPLETE and j.completed_on == TODAY

    unbooked = f.job_with(session, place, stage=JobStage.PROGRESS)
    with pytest.raises(AccessDenied):
        jobs.complete_job(session, TECHNICIAN, unbooked.id, TODAY)
    jobs.complete_job(session, OFFICE, unbooked.id, TODAY)
    assert unbooked.stage == JobStage.COMPLETE


def test_invoicing_a_job_needs_the_office(session, place, contact):
    j = f.job_with(session, place, stage=JobStage.COMPLETE, total_cents=5_000, subtotal_cents=5_000)
    for who in (TECHNICIAN, contact):
        with pytest.raises(AccessDenied):
            jobs.invoice_job(session, who, j.id, TODAY)
    assert session.exec(select(Invoice).where(Invoice.job_id == j.id)).all() == []

    invoice = jobs.invoice_job(session, OFFICE, j.id, TODAY)
    assert invoice.total_cents == 5_000 and j.stage == JobStage.INVOICED


def test_the_job_of_an_accepted_quote_needs_the_office(session, place, contact):
    q = f.quote_with(session, place, stage=QuoteStage.ACTIONED, decision=QuoteDecision.ACCEPTED)
    for who in (TECHNICIAN, contact):
        with pytest.raises(AccessDenied):
            jobs.create_job_from_quote(session, who, q.id, TODAY)
    assert session.exec(select(Job).where(Job.quote_id == q.id)).all() == []

    assert jobs.create_job_from_quote(session, OFFICE, q.id, TODAY).quote_id == q.id
