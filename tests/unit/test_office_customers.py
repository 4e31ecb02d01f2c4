"""The back office's customers and their contacts, as services: create and edit with errors per field,
the list in SQL and its CSV, deactivating a customer ends its contacts' logins, contacts under the
customer screen's rules (flags, pages, sites, one primary), setup and reset mails, and ids of another
customer (or junk) refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied
from portal.models import (
    ALL_PAGES,
    AuditEvent,
    Contact,
    ContactSite,
    Contractor,
    Credential,
    Customer,
    LoginSession,
    OutboxMail,
    TokenPurpose,
)
from portal.services.customers import customers, overview
from portal.services.customers.customers import CustomerError, CustomerInput
from portal.services.identity import auth, office_contacts, principals, sessions, tokens
from portal.services.identity.contact_changes import EMAIL_NEEDED, ContactError, ContactInput
from tests.frozen import TODAY
from tests.unit import factories as f


@pytest.fixture
def owner(session):
    session.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
    return f.staff_member(session, "owner")[1]


def _customer(session, owner, **typed) -> int:
    return customers.save_customer(
        session, owner, None, CustomerInput(**{"name": "Kedron Holdings", **typed})
    )


def _audits(session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


# --- customers --------------------------------------------------------------------------------------


def test_a_customer_is_created_and_edited_with_every_field_cleaned_and_audited(session, owner):
    customer_id = _customer(
        session,
        owner,
        kind="individual",
        code="KED-1",
        email=" Ops@Kedron.Example ",
        phone="07 3000 0000",
        address="1 Main St\nKedron",
        notes="Gate code 1234",
    )
    stored = session.get(Customer, customer_id)
    assert (stored.kind, stored.code, stored.email, stored.address) == (
        "individual",
        "KED-1",
        "Ops@kedron.example",
        "1 Main St\nKedron",
    )
    assert _audits(session, "customer_created")[0].customer_id == customer_id

    customers.save_customer(
        session, owner, str(customer_id), CustomerInput(name="Kedron Group", code="KED-1")
    )
    assert session.get(Customer, customer_id).name == "Kedron Group"
    updated = _audits(session, "customer_updated")
    assert updated[0].detail["before"]["name"] == "Kedron Holdings"
    # The same form again changes nothing and writes nothing.
    customers.save_customer(session, owner, customer_id, CustomerInput(name="Kedron Group", code="KED-1"))
    assert len(_audits(session, "customer_updated")) == 1


def test_bad_input_is_refused_beside_each_field_and_nothing_is_saved(session, owner):
    _customer(session, owner, code="TAKEN")
    with pytest.raises(CustomerError) as refused:
        customers.save_customer(
            session,
            owner,
            None,
            CustomerInput(kind="alien", name="  ", code="taken", email="nope", phone="9" * 41, notes=["x"]),
        )
    assert set(refused.value.field_errors) == {"kind", "name", "code", "email", "phone"}
    assert refused.value.field_errors["code"] == customers.CODE_TAKEN
    assert len(session.exec(select(Customer)).all()) == 1


def test_the_list_searches_sorts_pages_and_tabs_in_sql_and_its_csv_escapes_formulas(session, owner):
    for n in range(30):
        _customer(session, owner, name=f"Customer {n:02d}", code=f"C{n:02d}")
    formula = _customer(session, owner, name="=HYPERLINK(1)", code="EVIL")
    customers.set_active(session, owner, formula, False)
    first = customers.list_customers(
        session, owner, "active", PageRequest(sort="name", descending=False), TODAY
    )
    assert (first.total, len(first.rows), first.rows[0].name) == (30, 25, "Customer 00")
    assert customers.list_customers(session, owner, "active", PageRequest(page=2), TODAY).rows[-1].name
    found = customers.list_customers(session, owner, "all", PageRequest(search="c07"), TODAY)
    assert [r.name for r in found.rows] == ["Customer 07"]
    gone = customers.list_customers(session, owner, "deactivated", PageRequest(), TODAY)
    assert [(r.name, r.active) for r in gone.rows] == [("=HYPERLINK(1)", False)]
    text = "".join(customers.CUSTOMERS.csv(session, owner, "deactivated", PageRequest(), TODAY))
    assert "'=HYPERLINK(1)" in text and "Deactivated" in text


def test_only_staff_with_the_duty_reach_customers(session, owner):
    customer_id = _customer(session, owner)
    technician = f.staff_member(session, "technician")[1]
    contact = f.contact(session, session.get(Customer, customer_id))
    scope = principals.scope_for(session, contact.id)
    for who in (technician, scope):
        with pytest.raises(AccessDenied):
            customers.list_customers(session, who, "active", PageRequest(), TODAY)
        with pytest.raises(AccessDenied):
            customers.save_customer(session, who, None, CustomerInput(name="Sneaky"))
        with pytest.raises(AccessDenied):
            customers.set_active(session, who, customer_id, False)
    assert session.get(Customer, customer_id).is_active


@pytest.mark.parametrize("junk", ["abc", "-1", "99999999999999999999", None, 10**6])
def test_junk_ids_find_no_customer(session, owner, junk):
    _customer(session, owner)
    with pytest.raises(CustomerError):
        customers.set_active(session, owner, junk, False)
    assert overview.account(session, owner, junk) is None
    assert overview.related(session, owner, junk, "quotes", 1) is None


def test_deactivating_a_customer_ends_its_contacts_sessions_and_sign_in_until_reactivated(session, owner):
    customer_id = _customer(session, owner)
    customer = session.get(Customer, customer_id)
    contact = f.contact(session, customer)
    other = f.contact(session, f.customer(session, "Someone Else"))
    raw = sessions.start(session, contact.id)
    others_raw = sessions.start(session, other.id)
    nonce = auth.issue_login_nonce(session, contact.id)

    customers.set_active(session, owner, customer_id, False)
    assert sessions.resolve(session, raw) is None
    assert session.exec(
        select(LoginSession).where(LoginSession.contact_id == contact.id)
    ).one().revoked_reason == ("customer_deactivated")
    assert principals.scope_for(session, contact.id) is None
    assert auth.exchange_login_nonce(session, nonce) is None
    assert sessions.resolve(session, others_raw) is not None  # another customer's login goes on
    event = _audits(session, "customer_deactivated")[0]
    assert event.detail["sessions_ended"] == 1 and event.staff_id == owner.staff_id

    customers.set_active(session, owner, customer_id, True)
    assert principals.scope_for(session, contact.id) is not None
    assert sessions.resolve(session, raw) is None  # the ended session stays ended
    assert len(_audits(session, "customer_reactivated")) == 1


def test_the_customer_page_reads_the_statement_s_balance_and_one_page_of_each_list(session, owner):
    customer_id = _customer(session, owner)
    customer = session.get(Customer, customer_id)
    site = f.site(session, customer, "Tower")
    f.invoice_with(session, site, total_cents=10_000, due_on=TODAY - timedelta(days=40))
    f.invoice_with(session, site, total_cents=5_000, due_on=TODAY + timedelta(days=5))
    for _ in range(12):
        f.quote(session, site)
    elsewhere = f.site(session, f.customer(session, "Other"), "Elsewhere")
    f.invoice_with(session, elsewhere, total_cents=99_999)

    account = overview.account(session, owner, customer_id)
    assert (account.balance_cents, account.overdue_cents) == (15_000, 10_000)
    assert dict(account.ageing)["31–60 days"] == 10_000
    quotes = overview.related(session, owner, customer_id, "quotes", 2)
    assert (quotes.total, quotes.page, len(quotes.rows)) == (12, 2, 2)
    invoices = overview.related(session, owner, customer_id, "invoices", "1")
    assert sorted(r.amount_cents for r in invoices.rows) == [5_000, 10_000]
    assert [r.title for r in overview.related(session, owner, customer_id, "sites", 1).rows] == ["Tower"]
    assert overview.related(session, owner, customer_id, "payments", 1) is None


# --- contacts ---------------------------------------------------------------------------------------


def _world(session, owner):
    customer_id = _customer(session, owner)
    customer = session.get(Customer, customer_id)
    return customer_id, f.site(session, customer, "Tower"), f.site(session, customer, "Annex")


def test_a_new_contact_gets_the_contractor_s_default_pages_else_every_page(session, owner):
    customer_id, *_ = _world(session, owner)
    assert office_contacts.blank_form(session, owner, customer_id).pages == tuple(ALL_PAGES)
    session.exec(select(Contractor)).one().default_pages = ["jobs", "quotes", "nonsense"]
    session.info.clear()
    assert office_contacts.blank_form(session, owner, customer_id).pages == ("quotes", "jobs")


def test_the_office_creates_a_contact_with_flags_pages_sites_and_a_login_and_it_is_invited(session, owner):
    customer_id, tower, annex = _world(session, owner)
    data = ContactInput(
        first_name="Robin",
        last_name="Hale",
        email="Robin@Kedron.example",
        is_invoice_contact=True,
        is_statement_contact=True,
        login_active=True,
        pages=("invoices", "contacts"),
        all_sites=False,
        site_ids=(str(annex.id),),
    )
    saved = office_contacts.save_contact(session, owner, customer_id, None, data)
    contact = session.get(Contact, saved.contact_id)
    assert saved.invited
    assert (contact.username, contact.pages, contact.all_sites, contact.is_primary) == (
        "robin@kedron.example",
        ["invoices", "contacts"],
        False,
        True,  # the customer's first contact is its primary
    )
    assert contact.is_invoice_contact and contact.is_statement_contact and not contact.is_quote_contact
    assert session.exec(select(ContactSite.site_id).where(ContactSite.contact_id == contact.id)).all() == [
        annex.id
    ]
    mail = session.exec(select(OutboxMail).where(OutboxMail.to_address == contact.email)).one()
    assert "/setup?token=" in mail.body_text
    created = _audits(session, "contact_created")[0]
    assert (created.staff_id, created.customer_id) == (owner.staff_id, customer_id)

    form = office_contacts.contact_form(session, owner, customer_id, contact.id)
    assert [s.name for s in form.assigned] == ["Annex"] and not form.has_password


def test_contact_rules_errors_and_one_primary(session, owner):
    customer_id, tower, _ = _world(session, owner)
    foreign_site = f.site(session, f.customer(session, "Other"), "Not theirs")
    with pytest.raises(ContactError) as refused:
        office_contacts.save_contact(
            session,
            owner,
            customer_id,
            None,
            ContactInput(
                first_name="", email="bad", pages=("wallet",), all_sites=False, site_ids=(foreign_site.id,)
            ),
        )
    assert set(refused.value.field_errors) == {"first_name", "email", "pages", "sites"}
    with pytest.raises(ContactError) as refused:
        office_contacts.save_contact(
            session,
            owner,
            customer_id,
            None,
            ContactInput(first_name="A", login_active=True, all_sites=False),
        )
    assert refused.value.field_errors == {"email": EMAIL_NEEDED, "sites": office_contacts.SITES_NEEDED}
    assert session.exec(select(Contact)).all() == []

    first = office_contacts.save_contact(
        session, owner, customer_id, None, ContactInput(first_name="A")
    ).contact_id
    second = office_contacts.save_contact(
        session, owner, customer_id, None, ContactInput(first_name="B", is_primary=True)
    ).contact_id
    assert not session.get(Contact, first).is_primary and session.get(Contact, second).is_primary
    with pytest.raises(ContactError) as refused:
        office_contacts.save_contact(session, owner, customer_id, second, ContactInput(first_name="B"))
    assert "primary" in refused.value.field_errors


def test_another_customer_s_contact_or_junk_is_refused(session, owner):
    customer_id, *_ = _world(session, owner)
    theirs = f.contact(session, f.customer(session, "Other"))
    for contact_id in (theirs.id, str(theirs.id), "x", None, -5):
        assert office_contacts.contact_form(session, owner, customer_id, contact_id) is None
    for command in (
        office_contacts.send_setup_email,
        office_contacts.send_password_reset,
        office_contacts.deactivate_contact,
    ):
        with pytest.raises(ContactError):
            command(session, owner, customer_id, theirs.id)
    with pytest.raises(ContactError):
        office_contacts.save_contact(
            session, owner, customer_id, theirs.id, ContactInput(first_name="Hijack")
        )
    refreshed = session.get(Contact, theirs.id)
    assert (refreshed.first_name, refreshed.deactivated_at) == ("Pat", None)
    technician = f.staff_member(session, "technician")[1]
    with pytest.raises(AccessDenied):
        office_contacts.save_contact(session, technician, customer_id, None, ContactInput(first_name="T"))


def test_setup_email_gives_a_contact_without_a_login_one_and_resends_until_set_up(session, owner):
    customer_id, *_ = _world(session, owner)
    contact_id = office_contacts.save_contact(
        session,
        owner,
        customer_id,
        None,
        ContactInput(first_name="Sam", email="sam@kedron.example", all_sites=True),
    ).contact_id
    assert not session.get(Contact, contact_id).login_active
    assert office_contacts.send_setup_email(session, owner, customer_id, contact_id) == "sam@kedron.example"
    contact = session.get(Contact, contact_id)
    assert (contact.login_active, contact.username) == (True, "sam@kedron.example")
    first = session.exec(select(OutboxMail).where(OutboxMail.to_address == "sam@kedron.example")).all()
    office_contacts.send_setup_email(session, owner, customer_id, contact_id)
    assert (
        len(session.exec(select(OutboxMail).where(OutboxMail.to_address == "sam@kedron.example")).all())
        == len(first) + 1
    )
    # Reset is for a login that has a password; a setup link is not, once it has one.
    with pytest.raises(ContactError):
        office_contacts.send_password_reset(session, owner, customer_id, contact_id)
    session.add(Credential(contact_id=contact_id, password_hash="x"))
    session.flush()
    with pytest.raises(ContactError) as refused:
        office_contacts.send_setup_email(session, owner, customer_id, contact_id)
    assert refused.value.field_errors["form"].startswith("This login already has a password")
    assert (
        office_contacts.send_password_reset(session, owner, customer_id, contact_id) == "sam@kedron.example"
    )
    reset = session.exec(select(OutboxMail).where(OutboxMail.to_address == "sam@kedron.example")).all()[-1]
    assert "/reset?token=" in reset.body_text
    assert _audits(session, "contact_reset_sent")[0].staff_id == owner.staff_id


def test_deactivating_a_contact_ends_its_sessions_and_links(session, owner):
    customer_id, *_ = _world(session, owner)
    contact = f.contact(session, session.get(Customer, customer_id))
    raw = sessions.start(session, contact.id)
    link = tokens.issue(session, contact.id, TokenPurpose.RESET)
    office_contacts.deactivate_contact(session, owner, customer_id, str(contact.id))
    assert sessions.resolve(session, raw) is None
    assert tokens.peek(session, link, TokenPurpose.RESET) is None
    assert session.get(Contact, contact.id).deactivated_at is not None
    event = _audits(session, "contact_deactivated")[0]
    assert (event.staff_id, event.customer_id) == (owner.staff_id, customer_id)
    listed = office_contacts.list_contacts(session, owner, customer_id, 1)
    assert [(r.login, r.may_view_as) for r in listed.rows] == [("Deactivated", False)]


def test_a_contact_s_sign_in_records_its_last_login(session, owner):
    customer_id, *_ = _world(session, owner)
    contact = f.contact(session, session.get(Customer, customer_id))
    session.add(Credential(contact_id=contact.id, password_hash="x"))
    assert contact.last_login_at is None
    auth.exchange_login_nonce(session, auth.issue_login_nonce(session, contact.id))
    assert session.get(Contact, contact.id).last_login_at is not None
    row = office_contacts.list_contacts(session, owner, customer_id, 1).rows[0]
    assert (row.login, row.may_view_as, row.last_login_at is not None) == ("Active", True, True)
