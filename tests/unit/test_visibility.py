"""The visibility registry covers every table that holds customer data, and each rule keeps customers apart.

For every registered table a row is made for the limited contact's own site, for a site of its
customer it is not assigned to, and for another customer; only the first may come back through
``scoped()`` and ``get()``. Staff see every row; an API client only the tables its scopes name.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import Any

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, SQLModel, select

from portal.core import visibility
from portal.core.principal import ApiClient, CustomerContact, Role, StaffMember
from portal.core.visibility import NOT_CUSTOMER_DATA, RULES, ByCustomer, BySite
from portal.models import (
    Asset,
    AssetServiceLevel,
    Attachment,
    AttachmentOwner,
    AuditEvent,
    AutopayRun,
    Contact,
    ContactSite,
    Contract,
    ContractorDocument,
    ContractSite,
    Customer,
    Defect,
    DocumentKind,
    DocumentVersion,
    IntegrationEvent,
    Invoice,
    InvoiceItem,
    Job,
    JobAsset,
    JobItem,
    LoginSession,
    Payment,
    PaymentAllocation,
    Quote,
    QuoteAsset,
    QuoteItem,
    RecurringInvoice,
    RecurringInvoiceItem,
    SavedCard,
    ServiceRecord,
    Site,
    SiteContact,
    Task,
    TaskNote,
    TestResult,
    Transfer,
)
from portal.services.identity import principals
from tests.frozen import TODAY
from tests.unit import factories as f

_numbers = count(7_000_000)


@dataclass(frozen=True)
class Place:
    """Where a row is made: a customer and one of its sites (None: a row for the whole customer)."""

    customer: Customer
    site: Site | None


def _add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def _contact(session: Session, at: Place) -> Contact:
    return f.contact(session, at.customer, login_active=False)


def _contract_site(session: Session, at: Place) -> ContractSite:
    contract = _add(
        session,
        Contract(
            customer_id=at.customer.id,
            number=f"C{next(_numbers)}",
            name="Maintenance",
            start_date=TODAY - timedelta(days=30),
            expiry_date=TODAY + timedelta(days=300),
        ),
    )
    return _add(session, ContractSite(contract_id=contract.id, site_id=at.site.id))


def _contract(session: Session, at: Place) -> Contract:
    return session.get(Contract, _contract_site(session, at).contract_id)


def _payment(session: Session, at: Place) -> Payment:
    return _add(
        session,
        Payment(
            customer_id=at.customer.id,
            attempt_key=f"visibility-{next(_numbers)}",
            amount_cents=1_000,
            gateway="sandbox",
        ),
    )


def _allocation(session: Session, at: Place) -> PaymentAllocation:
    invoice = f.invoice(session, at.site, 1_000)
    payment = _payment(session, at)
    return _add(session, PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id, amount_cents=1_000))


def _level(session: Session, at: Place) -> AssetServiceLevel:
    asset = f.asset(session, at.site)
    return session.exec(select(AssetServiceLevel).where(AssetServiceLevel.asset_id == asset.id)).one()


def _service_record(session: Session, at: Place) -> ServiceRecord:
    level = _level(session, at)
    return _add(
        session,
        ServiceRecord(
            asset_id=level.asset_id,
            service_level_id=level.service_level_id,
            due_on=TODAY,
            tested_on=TODAY,
            result=TestResult.PASS,
        ),
    )


def _file(session: Session, customer: Customer, owner: AttachmentOwner, owner_id: int) -> Attachment:
    return _add(
        session,
        Attachment(
            customer_id=customer.id,
            owner_type=owner,
            owner_id=owner_id,
            name="scope.pdf",
            content_type="application/pdf",
            size_bytes=10,
            sha256="0" * 64,
            storage_key=secrets.token_hex(16),
        ),
    )


def _document(session: Session, at: Place) -> ContractorDocument:
    attachment = _file(session, at.customer, AttachmentOwner.DOCUMENT, 0)
    document = _add(
        session,
        ContractorDocument(
            customer_id=at.customer.id,
            site_id=at.site.id if at.site is not None else None,
            kind=DocumentKind.SITE_INDUCTION,
            title="Induction",
            attachment_id=attachment.id,
        ),
    )
    attachment.owner_id = document.id
    _add(session, attachment)
    return document


def _task(session: Session, at: Place) -> Task:
    return _add(
        session,
        Task(
            number=next(_numbers),
            customer_id=at.customer.id,
            site_id=at.site.id if at.site is not None else None,
            subject="Replace battery",
        ),
    )


# How to make one row of each registered table at a place.
BUILD: dict[type, Callable[[Session, Place], Any]] = {
    Customer: lambda s, at: at.customer,
    Contact: _contact,
    ContactSite: lambda s, at: _add(s, ContactSite(contact_id=_contact(s, at).id, site_id=at.site.id)),
    Site: lambda s, at: at.site,
    SiteContact: lambda s, at: _add(s, SiteContact(site_id=at.site.id, first_name="Caretaker")),
    Contract: _contract,
    ContractSite: _contract_site,
    Quote: lambda s, at: f.quote(s, at.site),
    QuoteItem: lambda s, at: _add(s, QuoteItem(quote_id=f.quote(s, at.site).id, description="Sign")),
    QuoteAsset: lambda s, at: _add(
        s, QuoteAsset(quote_id=f.quote(s, at.site).id, asset_id=f.asset(s, at.site).id)
    ),
    Job: lambda s, at: f.job(s, at.site),
    JobAsset: lambda s, at: _add(s, JobAsset(job_id=f.job(s, at.site).id, asset_id=f.asset(s, at.site).id)),
    JobItem: lambda s, at: f.job_line(s, f.job(s, at.site), "Labour", 1, 100),
    Task: _task,
    TaskNote: lambda s, at: _add(s, TaskNote(task_id=_task(s, at).id, note="Started")),
    Invoice: lambda s, at: f.invoice(s, at.site, 1_000),
    InvoiceItem: lambda s, at: _add(
        s, InvoiceItem(invoice_id=f.invoice(s, at.site, 1_000).id, description="Call-out")
    ),
    RecurringInvoice: lambda s, at: f.recurring_invoice(s, at.site),
    AutopayRun: lambda s, at: _add(
        s, AutopayRun(recurring_invoice_id=f.recurring_invoice(s, at.site).id, due_on=TODAY)
    ),
    RecurringInvoiceItem: lambda s, at: _add(
        s, RecurringInvoiceItem(recurring_invoice_id=f.recurring_invoice(s, at.site).id, description="Fee")
    ),
    Payment: _payment,
    PaymentAllocation: _allocation,
    SavedCard: lambda s, at: f.saved_card(s, at.customer),
    Asset: lambda s, at: f.asset(s, at.site),
    AssetServiceLevel: _level,
    ServiceRecord: _service_record,
    Transfer: lambda s, at: _add(s, Transfer(asset_id=f.asset(s, at.site).id, transferred_on=TODAY)),
    Defect: lambda s, at: f.defect(s, f.asset(s, at.site)),
    Attachment: lambda s, at: _file(s, at.customer, AttachmentOwner.QUOTE, f.quote(s, at.site).id),
    ContractorDocument: _document,
    DocumentVersion: lambda s, at: _add(
        s, DocumentVersion(document_id=(d := _document(s, at)).id, version=2, attachment_id=d.attachment_id)
    ),
    IntegrationEvent: lambda s, at: _add(s, IntegrationEvent(kind="test", customer_id=at.customer.id)),
    AuditEvent: lambda s, at: _add(s, AuditEvent(action="test", customer_id=at.customer.id)),
}


REGISTERED = sorted(RULES, key=lambda m: m.__tablename__)


# Rows with no site: every contact of the customer sees them, so an unassigned site means nothing.
# Stated here, not read from the registry, so turning a site-scoped table customer-wide fails a test.
CUSTOMER_WIDE = {Customer, Contact, Payment, SavedCard, IntegrationEvent, AuditEvent}


def _customer_wide(model: type) -> bool:
    return model in CUSTOMER_WIDE


@dataclass
class World:
    mine: Place  # the limited contact's own site
    unassigned: Place  # a site of the same customer it is not assigned to
    theirs: Place  # another customer's site
    limited: CustomerContact
    full: CustomerContact


@pytest.fixture
def world(session: Session) -> World:
    mine, theirs = f.customer(session, "Mine"), f.customer(session, "Theirs")
    a, b, x = f.site(session, mine, "A"), f.site(session, mine, "B"), f.site(session, theirs, "X")
    limited = principals.scope_for(session, f.contact(session, mine, sites=[a]).id)
    full = principals.scope_for(session, f.contact(session, mine).id)
    assert limited is not None and full is not None
    return World(Place(mine, a), Place(mine, b), Place(theirs, x), limited, full)


def _key(row: Any) -> tuple:
    return tuple(inspect(row).identity)


def _seen(session: Session, principal: Any, model: type) -> set[tuple]:
    return {_key(row) for row in session.exec(visibility.scoped(select(model), principal, model)).all()}


def _has_id(model: type) -> bool:
    return [c.name for c in model.__table__.primary_key.columns] == ["id"]


def test_every_table_is_registered_or_declared_not_customer_data():
    registered = {m.__table__.name for m in RULES}
    declared = {m.__table__.name for m in NOT_CUSTOMER_DATA}
    assert not registered & declared, "a table is both customer data and not"
    missing = set(SQLModel.metadata.tables) - registered - declared
    assert not missing, f"tables neither in the visibility registry nor declared not customer data: {missing}"
    assert set(BUILD) == set(RULES), "every registered table has a row builder here"
    assert {m for m, rule in RULES.items() if isinstance(rule, ByCustomer)} == CUSTOMER_WIDE


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__tablename__)
def test_limited_contact_sees_only_its_customer_at_its_sites(session, world, model):
    own = BUILD[model](session, world.mine)
    foreign = BUILD[model](session, world.theirs)
    unassigned = None if _customer_wide(model) else BUILD[model](session, world.unassigned)

    seen = _seen(session, world.limited, model)
    assert _key(own) in seen
    assert _key(foreign) not in seen, "another customer's row"
    if unassigned is not None:
        assert _key(unassigned) not in seen, "a row at a site the contact is not assigned to"
        assert _key(unassigned) in _seen(session, world.full, model), "a contact of every site sees it"
    assert _key(foreign) not in _seen(session, world.full, model)

    if _has_id(model):
        assert visibility.get(session, world.limited, model, own.id) is not None
        assert visibility.get(session, world.limited, model, str(own.id)) is not None
        assert visibility.get(session, world.limited, model, foreign.id) is None
        if unassigned is not None:
            assert visibility.get(session, world.limited, model, unassigned.id) is None


@pytest.mark.parametrize(
    "model", [m for m in REGISTERED if isinstance(RULES[m], BySite) and RULES[m].nullable], ids=str
)
def test_a_row_without_a_site_is_for_every_contact_of_its_customer(session, world, model):
    own = BUILD[model](session, Place(world.mine.customer, None))
    foreign = BUILD[model](session, Place(world.theirs.customer, None))
    seen = _seen(session, world.limited, model)
    assert _key(own) in seen and _key(foreign) not in seen


@pytest.mark.parametrize(
    "owner",
    [
        AttachmentOwner.QUOTE,
        AttachmentOwner.JOB,
        AttachmentOwner.INVOICE,
        AttachmentOwner.ASSET,
        AttachmentOwner.SITE,
    ],
)
def test_an_attachment_is_seen_when_what_it_hangs_on_is(session, world, owner):
    make = {
        AttachmentOwner.QUOTE: lambda at: f.quote(session, at.site),
        AttachmentOwner.JOB: lambda at: f.job(session, at.site),
        AttachmentOwner.INVOICE: lambda at: f.invoice(session, at.site, 1_000),
        AttachmentOwner.ASSET: lambda at: f.asset(session, at.site),
        AttachmentOwner.SITE: lambda at: at.site,
    }[owner]
    own = _file(session, world.mine.customer, owner, make(world.mine).id)
    unassigned = _file(session, world.mine.customer, owner, make(world.unassigned).id)
    on_customer = _file(session, world.mine.customer, AttachmentOwner.CUSTOMER, world.mine.customer.id)
    seen = _seen(session, world.limited, Attachment)
    assert _key(own) in seen and _key(on_customer) in seen
    assert _key(unassigned) not in seen


def test_a_document_file_follows_its_document(session, world):
    at_mine = _document(session, world.mine)
    for_all = _document(session, Place(world.mine.customer, None))
    elsewhere = _document(session, world.unassigned)
    seen = _seen(session, world.limited, Attachment)
    assert {(at_mine.attachment_id,), (for_all.attachment_id,)} <= seen
    assert (elsewhere.attachment_id,) not in seen


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__tablename__)
def test_staff_see_every_row(session, world, model):
    rows = [BUILD[model](session, at) for at in (world.mine, world.unassigned, world.theirs)]
    staff = StaffMember(1, "Office", Role.TECHNICIAN)
    assert {_key(r) for r in rows} <= _seen(session, staff, model)
    if _has_id(model):
        assert all(visibility.get(session, staff, model, r.id) is not None for r in rows)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__tablename__)
def test_api_client_sees_every_customer_within_its_scopes_only(session, world, model):
    rows = [BUILD[model](session, at) for at in (world.mine, world.theirs)]
    reader = ApiClient(1, frozenset({"quotes:read"}))
    seen = _seen(session, reader, model)
    if RULES[model].resource == "quotes":
        assert {_key(r) for r in rows} <= seen
    else:
        assert seen == set(), f"{model.__tablename__} is not in the client's scopes"
        if _has_id(model):
            assert visibility.get(session, reader, model, rows[0].id) is None
    writer = ApiClient(2, frozenset({f"{RULES[model].resource}:write"}))
    assert {_key(r) for r in rows} <= _seen(session, writer, model)


def test_a_table_outside_the_registry_is_refused(session, world):
    with pytest.raises(TypeError, match="holds no customer data"):
        visibility.scoped(select(LoginSession), world.limited, LoginSession)

    class Stray:
        id = 1

    with pytest.raises(TypeError, match="not in the visibility registry"):
        visibility.visible(world.limited, Stray)


def test_audience_is_what_a_principal_sees(world):
    again = CustomerContact(
        world.limited.customer_id, world.limited.contact_id + 1, frozenset(), world.limited.site_ids
    )
    assert visibility.audience(again) == visibility.audience(world.limited)
    assert visibility.audience(world.full) != visibility.audience(world.limited)
    assert visibility.audience(StaffMember(1, "A", Role.OWNER)) == visibility.audience(
        StaffMember(2, "B", Role.OFFICE)
    )
