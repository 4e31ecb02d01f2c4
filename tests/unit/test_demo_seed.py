"""The demo seed: believable, consistent, the same every run, and never loaded twice."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from portal.core import visibility
from portal.demo import DemoRefused, seed_demo
from portal.models import (
    ALL_PAGES,
    Asset,
    AssetServiceLevel,
    AssetType,
    Attachment,
    Contact,
    ContactSite,
    Contract,
    Contractor,
    ContractorDocument,
    Credential,
    Customer,
    Defect,
    DescriptionScript,
    DocumentKind,
    IntegrationEvent,
    Invoice,
    InvoiceStatus,
    Job,
    JobItem,
    JobStage,
    OptionalItem,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    Quote,
    QuoteDecision,
    QuoteItem,
    QuoteStage,
    RecurringInvoice,
    SavedCard,
    ServiceLevel,
    ServiceRecord,
    Site,
    Task,
    TaskStatus,
    Transfer,
)
from portal.services.billing.gateways import SAVED_PREFIX
from portal.services.identity import passwords, principals

TODAY = date(2026, 3, 16)
PASSWORD = "Demo-Portal-2026"


@pytest.fixture
def seeded(session, fast_settings):
    return seed_demo(session, today=TODAY)


def _all(session, stmt):
    return session.execute(stmt).all()


def _count(session, model, *where):
    return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def _customer(session, name):
    return session.execute(select(Customer).where(Customer.name == name)).scalar_one()


def _contact(session, username):
    return session.execute(select(Contact).where(Contact.username == username)).scalar_one()


def _snapshot(session):
    return {
        "quotes": _all(
            session,
            select(Quote.number, Quote.stage, Quote.total_cents, Quote.description).order_by(Quote.number),
        ),
        "jobs": _all(
            session, select(Job.number, Job.stage, Job.total_cents, Job.requested_on).order_by(Job.number)
        ),
        "invoices": _all(
            session,
            select(
                Invoice.number, Invoice.status, Invoice.total_cents, Invoice.paid_cents, Invoice.issued_on
            ).order_by(Invoice.number),
        ),
        "assets": _all(
            session, select(Asset.number, Asset.location, Asset.install_date).order_by(Asset.number)
        ),
        "records": _count(session, ServiceRecord),
        "defects": _all(
            session, select(Defect.found_on, Defect.description, Defect.rectified_on).order_by(Defect.id)
        ),
    }


def test_same_rows_every_run(session, fast_settings):
    seed_demo(session, today=TODAY)
    first = _snapshot(session)
    session.rollback()
    assert _count(session, Quote) == 0
    seed_demo(session, today=TODAY)
    assert _snapshot(session) == first


def test_second_run_inserts_nothing(session, seeded):
    tables = [t for t in SQLModel.metadata.sorted_tables]
    before = {t.name: session.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
    again = seed_demo(session, today=TODAY)
    after = {t.name: session.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
    assert seeded.inserted and not again.inserted
    assert after == before
    assert again.counts == seeded.counts


def test_refuses_a_database_with_a_real_contractor(session, fast_settings):
    session.add(Contractor(company_name="Real Sparkies Pty Ltd"))
    session.flush()
    with pytest.raises(DemoRefused):
        seed_demo(session, today=TODAY)


def test_summary_lists_the_logins(seeded):
    users = {login.username: login for login in seeded.logins}
    assert {"dana@northside.example", "sam@northside.example", "office@stbrigids.example"} <= set(users)
    assert all(login.password == PASSWORD for login in seeded.logins)
    assert not users["priya@northside.example"].active
    text = seeded.describe()
    assert "dana@northside.example" in text and "Demo-Portal-2026" in text
    assert seeded.counts["quotes"] == 40


def test_counts_are_in_the_briefed_ranges(session, seeded):
    north = _customer(session, "Northside Property Group")
    assert _count(session, Customer) >= 3
    assert _count(session, Site, Site.customer_id == north.id) == 5
    assets = _count(session, Asset, Asset.customer_id == north.id)
    assert 250 <= assets <= 350
    types = session.execute(
        select(func.count(func.distinct(Asset.asset_type_id))).where(Asset.customer_id == north.id)
    ).scalar_one()
    assert types >= 6
    assert 30 <= _count(session, Quote) <= 50
    ad_hoc = _count(session, Job, ~Job.description.like("Routine maintenance%"))
    assert 50 <= ad_hoc <= 70
    assert 70 <= _count(session, Invoice) <= 100
    assert 12 <= _count(session, Task) <= 20
    assert 5 <= _count(session, DescriptionScript) <= 6
    assert 5 <= _count(session, OptionalItem) <= 6
    assert _count(session, ServiceLevel) == 7
    assert _count(session, AssetType) == 10
    current = _count(session, Defect, Defect.customer_id == north.id, Defect.rectified_on.is_(None))
    rectified = _count(session, Defect, Defect.customer_id == north.id, Defect.rectified_on.is_not(None))
    assert 15 <= current <= 25 and rectified > current


def test_every_stage_and_outcome_is_present(session, seeded):
    assert {s for (s,) in _all(session, select(Job.stage).distinct())} == set(JobStage)
    assert {s for (s,) in _all(session, select(Quote.stage).distinct())} == set(QuoteStage)
    assert {d for (d,) in _all(session, select(Quote.decision).distinct())} == set(QuoteDecision)
    assert {s for (s,) in _all(session, select(Task.status).distinct())} == set(TaskStatus)
    unpaid = Invoice.status == InvoiceStatus.UNPAID
    assert _count(session, Invoice, Invoice.status == InvoiceStatus.PAID) > 30
    assert _count(session, Invoice, unpaid, Invoice.due_on < TODAY) >= 3
    assert _count(session, Invoice, unpaid, Invoice.due_on >= TODAY) >= 3


def test_services_are_due_soon_and_history_is_in_the_past(session, seeded):
    due = [d for (d,) in _all(session, select(AssetServiceLevel.next_due_on))]
    assert sum(d < TODAY for d in due) > 10
    assert sum(TODAY <= d <= TODAY + timedelta(days=56) for d in due) > len(due) / 3
    tested = _all(session, select(func.min(ServiceRecord.tested_on), func.max(ServiceRecord.tested_on)))[0]
    assert tested[0] >= TODAY - timedelta(days=760) and tested[1] <= TODAY
    orphans = _count(session, ServiceRecord, ServiceRecord.job_id.is_(None))
    assert orphans == 0
    scheduled = _count(session, Job, Job.stage == JobStage.PROGRESS, Job.scheduled_on.is_(None))
    assert scheduled == 0


def test_money_adds_up(session, seeded):
    for model in (Quote, Job, Invoice, RecurringInvoice):
        bad = _count(session, model, model.subtotal_cents + model.tax_cents != model.total_cents)
        assert bad == 0, model.__name__
    for subtotal, tax in _all(session, select(Invoice.subtotal_cents, Invoice.tax_cents)):
        assert tax == (subtotal * 1000 + 5000) // 10000  # GST 10 %, rounded half up to the cent
    for model, item, key in ((Quote, QuoteItem, QuoteItem.quote_id), (Job, JobItem, JobItem.job_id)):
        lines = select(func.coalesce(func.sum(item.total_cents), 0)).where(key == model.id).scalar_subquery()
        where = model.stage == QuoteStage.ACTIONED if model is Quote else model.stage != JobStage.PENDING
        assert _count(session, model, where, model.subtotal_cents != lines) == 0, model.__name__
    allocated = (
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0))
        .where(PaymentAllocation.invoice_id == Invoice.id)
        .scalar_subquery()
    )
    assert _count(session, Invoice, Invoice.paid_cents != allocated) == 0
    paid = Invoice.status == InvoiceStatus.PAID
    assert (
        _count(
            session, Invoice, paid, (Invoice.paid_cents != Invoice.total_cents) | Invoice.paid_on.is_(None)
        )
        == 0
    )
    assert _count(session, Invoice, ~paid, Invoice.paid_on.is_not(None)) == 0
    assert _count(session, Invoice, Invoice.status == InvoiceStatus.UNPAID, Invoice.paid_cents > 0) >= 1
    per_payment = (
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0))
        .where(PaymentAllocation.payment_id == Payment.id)
        .scalar_subquery()
    )
    ok = Payment.status == PaymentStatus.SUCCEEDED
    assert _count(session, Payment, ok, Payment.amount_cents != per_payment) == 0
    assert _count(session, Payment, Payment.status == PaymentStatus.FAILED) >= 1


def test_no_card_number_is_stored(session, seeded):
    long_digits = re.compile(r"\d{13,19}")
    payments = session.execute(select(Payment)).scalars().all()
    assert payments
    for payment in payments:
        for column in Payment.__table__.columns:
            value = getattr(payment, column.name)
            if isinstance(value, str):
                assert not long_digits.search(value), (column.name, value)
        assert payment.gateway == "sandbox" and len(payment.card_last4) == 4
    card = session.execute(select(SavedCard)).scalar_one()
    assert (card.brand, card.last4) == ("visa", "4242") and card.gateway_token.startswith(SAVED_PREFIX)
    assert (card.exp_year, card.exp_month) > (TODAY.year, TODAY.month)


def test_logins_and_what_they_may_see(session, seeded):
    dana = _contact(session, "dana@northside.example")
    sam = _contact(session, "sam@northside.example")
    office = _contact(session, "office@stbrigids.example")
    for who in (dana, sam, office):
        assert who.login_active and who.username == who.email.lower()
        cred = session.get(Credential, who.id)
        assert passwords.verify_password(PASSWORD, cred.password_hash)
        assert not passwords.verify_password("wrong-Password-1", cred.password_hash)
    assert list(dana.pages) == list(ALL_PAGES) and dana.all_sites and dana.is_primary
    assert (
        dana.is_quote_contact
        and dana.is_job_contact
        and dana.is_invoice_contact
        and dana.is_statement_contact
    )
    assert "invoices" not in sam.pages and set(sam.pages) == set(ALL_PAGES) - {"invoices"}
    assert not sam.all_sites
    assert _count(session, ContactSite, ContactSite.contact_id == sam.id) == 2
    north = dana.customer_id
    no_login = _all(
        session, select(Contact.id).where(Contact.customer_id == north, Contact.username.is_(None))
    )
    assert no_login and all(session.get(Credential, cid) is None for (cid,) in no_login)
    former = _contact(session, "priya@northside.example")
    assert not former.login_active and former.deactivated_at is not None
    assert passwords.problems(PASSWORD) == []


def test_scopes_keep_customers_apart(session, seeded):
    dana = principals.scope_for(session, _contact(session, "dana@northside.example").id)
    sam = principals.scope_for(session, _contact(session, "sam@northside.example").id)
    office = principals.scope_for(session, _contact(session, "office@stbrigids.example").id)
    assert principals.scope_for(session, _contact(session, "priya@northside.example").id) is None
    assert dana.site_ids is None and len(sam.site_ids) == 2 and not sam.can("invoices")
    assert dana.advanced
    mine = {n for (n,) in _all(session, visibility.scoped(select(Quote.number), dana, Quote))}
    theirs = {n for (n,) in _all(session, visibility.scoped(select(Quote.number), office, Quote))}
    sams = {n for (n,) in _all(session, visibility.scoped(select(Quote.number), sam, Quote))}
    assert mine and theirs and not mine & theirs
    assert sams and sams < mine
    for model in (Asset, Quote, Job, Invoice, Defect, RecurringInvoice, Task, ContractorDocument):
        wrong = (
            select(func.count())
            .select_from(model)
            .join(Site, Site.id == model.site_id)
            .where(Site.customer_id != model.customer_id)
        )
        assert session.execute(wrong).scalar_one() == 0, model.__name__


def test_numbers_are_unique_and_start_where_briefed(session, seeded):
    for column, first in (
        (Quote.number, 10001),
        (Job.number, 20001),
        (Invoice.number, 30001),
        (RecurringInvoice.number, 900),
        (Task.number, 500),
    ):
        low, count, distinct = _all(
            session, select(func.min(column), func.count(), func.count(func.distinct(column)))
        )[0]
        assert low == first and count == distinct


def test_contracts_transfers_and_recurring(session, seeded):
    north = _customer(session, "Northside Property Group")
    expiries = [
        d for (d,) in _all(session, select(Contract.expiry_date).where(Contract.customer_id == north.id))
    ]
    assert 2 <= len(expiries) <= 3
    assert any(TODAY <= d <= TODAY + timedelta(days=60) for d in expiries)
    assert any(d < TODAY for d in expiries)
    covered = _count(session, Asset, Asset.customer_id == north.id, Asset.contract_id.is_not(None))
    assert covered > 0.8 * _count(session, Asset, Asset.customer_id == north.id)
    transfers = session.execute(select(Transfer)).scalars().all()
    assert any(t.from_site_id and t.to_site_id for t in transfers)
    assert any(t.to_site_id is None and t.to_label == "Workshop" for t in transfers)
    assert all(t.reason for t in transfers)
    plans = session.execute(select(RecurringInvoice)).scalars().all()
    assert any(p.autopay for p in plans) and any(not p.autopay for p in plans)
    assert {p.frequency for p in plans} >= {"monthly", "annually"}


def test_files_are_real_and_match_their_rows(session, seeded, fast_settings):
    rows = session.execute(select(Attachment)).scalars().all()
    assert len(rows) >= 5
    for row in rows:
        data = (fast_settings.files_dir / row.storage_key).read_bytes()
        assert len(data) == row.size_bytes and hashlib.sha256(data).hexdigest() == row.sha256
        assert data.startswith(b"%PDF-" if row.content_type == "application/pdf" else b"\x89PNG\r\n\x1a\n")
        assert re.fullmatch(r"[0-9a-f]{32}", row.storage_key)
    north = _customer(session, "Northside Property Group")
    kinds = [
        k
        for (k,) in _all(
            session, select(ContractorDocument.kind).where(ContractorDocument.customer_id == north.id)
        )
    ]
    assert sorted(kinds) == sorted(DocumentKind)


def test_large_path_at_a_small_scale(session, fast_settings):
    summary = seed_demo(session, "large", today=TODAY, scale=0.004)
    metro = _customer(session, "Metro Council Facilities")
    assert _count(session, Site, Site.customer_id == metro.id) == 40
    assert _count(session, Invoice, Invoice.customer_id == metro.id) == 400
    assert _count(session, Asset, Asset.customer_id == metro.id) == 200
    levels = _count(
        session,
        AssetServiceLevel,
        AssetServiceLevel.asset_id.in_(select(Asset.id).where(Asset.customer_id == metro.id)),
    )
    untested = (
        select(func.count())
        .select_from(AssetServiceLevel)
        .join(Asset)
        .where(
            Asset.customer_id == metro.id,
            ~select(ServiceRecord.id)
            .where(
                ServiceRecord.asset_id == AssetServiceLevel.asset_id,
                ServiceRecord.service_level_id == AssetServiceLevel.service_level_id,
            )
            .exists(),
        )
    )
    assert levels > 200 and session.execute(untested).scalar_one() == 0
    login = _contact(session, "facilities@metro.example")
    assert passwords.verify_password(PASSWORD, session.get(Credential, login.id).password_hash)
    assert any(x.username == "facilities@metro.example" for x in summary.logins)
    allocated = (
        select(func.coalesce(func.sum(PaymentAllocation.amount_cents), 0))
        .where(PaymentAllocation.invoice_id == Invoice.id)
        .scalar_subquery()
    )
    assert _count(session, Invoice, Invoice.paid_cents != allocated) == 0
    # The back office's Inbox holds every request and decision, the last fortnight's still waiting.
    quotes = _count(session, Quote, Quote.customer_id == metro.id)
    inbox = IntegrationEvent.customer_id == metro.id
    assert _count(session, IntegrationEvent, inbox, IntegrationEvent.kind == "quote.requested") == quotes
    waiting = _count(session, IntegrationEvent, inbox, IntegrationEvent.handled_at.is_(None))
    assert 0 < waiting < _count(session, IntegrationEvent, inbox)
    again = seed_demo(session, "large", today=TODAY, scale=0.004)
    assert not again.inserted and again.counts == summary.counts


def test_demo_staff_sign_in_with_the_password_and_the_demo_code(session, seeded):
    from portal.demo import catalog, small
    from portal.models import RecoveryCode, Role, Staff
    from portal.services.identity import auth, mfa, staff

    rows = {row.email: row for row in session.execute(select(Staff)).scalars()}
    assert {login.email for login in catalog.STAFF_LOGINS} <= set(rows)
    for login in catalog.STAFF_LOGINS:
        row = rows[login.email]
        assert (row.id, row.name, row.role) == (login.id, login.name, Role(login.role))
        assert row.totp_secret == catalog.STAFF_TOTP_SECRET and row.totp_enrolled_at is not None
        assert (
            _count(session, RecoveryCode, RecoveryCode.staff_id == row.id, RecoveryCode.used_at.is_(None))
            == 10
        )
    assert (small.OFFICE.staff_id, small.OFFICE.role) == (
        rows["office@harbourside-fire.example"].id,
        Role.OFFICE,
    )
    assert small.TECHNICIAN.staff_id == rows["technician@harbourside-fire.example"].id
    owner = rows["owner@harbourside-fire.example"]
    check = staff.begin_login(session, owner.email)
    assert staff.finish_login(session, check, auth.password_matches(check, PASSWORD)).id == owner.id
    assert mfa.verify(session, owner.id, mfa.code_for(catalog.STAFF_TOTP_SECRET)).staff_id == owner.id
    text = seeded.describe()
    assert "/office/login" in text and "portal totp --email" in text and owner.email in text


def test_demo_refuses_staff_that_hold_its_ids(session, fast_settings):
    from portal.models import Staff

    session.add(Staff(id=1, email="someone@real.example", name="Someone"))
    session.flush()
    with pytest.raises(DemoRefused):
        seed_demo(session, today=TODAY)
