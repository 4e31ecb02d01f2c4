"""The office's customer screens as Reflex runs them: the list, a new customer with its errors beside
the fields, a customer's page with its account and contacts, a contact given a login and its setup
email, deactivating the customer after the confirmation, and the list's CSV behind the staff cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from portal import db
from portal.config import SESSION_COOKIE, STAFF_COOKIE
from portal.models import Contact, Contractor, Customer, LoginSession, OutboxMail, Role, Staff
from portal.services.identity import sessions
from portal.state.office.customer_contacts import OfficeContactState
from portal.state.office.customer_page import CustomerActivityState
from portal.state.office.customers import CustomerRecordState, OfficeCustomersState
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, client, signed_in_tab


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        customer = f.customer(s, "Northside Screens")
        customer.code = "=SUM(A1)"
        self.customer = customer.id
        tower = f.site(s, customer, "Tower")
        f.site(s, customer, "Annex")
        f.invoice_with(s, tower, total_cents=10_000, due_on=TODAY - timedelta(days=3))
        self.contact = f.contact(s, customer, email="dana@screens.example").id
        staff = {}
        for role in (Role.OFFICE, Role.TECHNICIAN):
            row = Staff(email=f"{role.value}@screens.example", name=role.value.title(), role=role)
            s.add(row)
            s.flush()
            staff[role] = row.id
        self.office, self.technician = staff[Role.OFFICE], staff[Role.TECHNICIAN]


def contact_tab(engine, staff_id: int, path: str, **params: str) -> Tab:
    """A staff tab on a contact's page: ``contact_id`` is also ``signed_in_tab``'s own argument, so the
    page's arguments are set here."""
    tab = signed_in_tab(engine, path, staff_id=staff_id)
    router = dict(tab.root.router_data)
    router["query"] = params
    tab.root.router_data = tab.root._update_router_vars(router, {})
    return tab


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def test_the_list_shows_searches_and_tabs_customers(world, committed):
    tab = signed_in_tab(committed, "/office/customers", staff_id=world.office)
    shown = tab.run(OfficeCustomersState, "load")
    assert [r["name"] for r in shown.rows] == ["Northside Screens"]
    assert shown.rows[0]["href"] == f"/office/customers/{world.customer}"
    assert shown.csv_href.startswith("/export/office/customers.csv?tab=active")
    shown = tab.run(OfficeCustomersState, "submit_search", {"form": {"q": "nothing like it"}})
    assert shown.rows == [] and shown.total == 0
    shown = tab.run(OfficeCustomersState, "set_tab", {"tab": "deactivated"})
    assert shown.rows == []

    technician = signed_in_tab(committed, "/office/customers", staff_id=world.technician)
    assert technician.run(OfficeCustomersState, "load").rows == []


def test_a_new_customer_shows_errors_beside_fields_then_opens_its_page(world, committed):
    tab = signed_in_tab(committed, "/office/customers/new", staff_id=world.office)
    tab.run(CustomerRecordState, "load_new")
    shown = tab.run(CustomerRecordState, "save", {"form": {"kind": "company", "name": "", "email": "nope"}})
    assert set(shown.errors) == {"name", "email"} and shown.values["email"] == "nope"
    with Session(committed) as s:
        assert len(s.exec(select(Customer)).all()) == 1
    tab.run(CustomerRecordState, "save", {"form": {"kind": "individual", "name": "Jo Citizen", "code": "JC"}})
    with Session(committed) as s:
        made = s.exec(select(Customer).where(Customer.name == "Jo Citizen")).one()
    assert made.kind == "individual"
    assert any(f"/office/customers/{made.id}?created=1" in repr(x) for x in tab.sent)
    # A second click of Create, queued behind the first, makes no second customer.
    tab.run(CustomerRecordState, "save", {"form": {"kind": "individual", "name": "Jo Citizen", "code": "JC"}})
    with Session(committed) as s:
        assert len(s.exec(select(Customer).where(Customer.name == "Jo Citizen")).all()) == 1


def test_the_customer_page_shows_its_account_and_contacts_and_deactivates_after_confirming(world, committed):
    path = f"/office/customers/{world.customer}"
    tab = signed_in_tab(committed, path, staff_id=world.office, customer_id=str(world.customer))
    record = tab.run(CustomerRecordState, "load")
    assert record.values["name"] == "Northside Screens" and record.active
    page = tab.run(CustomerActivityState, "load")
    assert page.balance == "$100.00" and page.overdue == "$100.00"
    assert [c["email"] for c in page.contacts] == ["dana@screens.example"]
    assert [r["title"] for r in page.related["sites"]] == ["Annex", "Tower"]
    assert page.related["invoices"][0]["href"].startswith("/office/invoices/")

    with Session(committed) as s:
        live = sessions.start(s, world.contact)
        s.commit()
    tab.run(CustomerRecordState, "change_active")  # no confirmation asked: nothing happens
    with Session(committed) as s:
        assert s.get(Customer, world.customer).is_active
    assert tab.run(CustomerRecordState, "ask", {"what": "deactivate"}).confirm == "deactivate"
    shown = tab.run(CustomerRecordState, "change_active")
    assert not shown.active and shown.confirm == ""
    with Session(committed) as s:
        assert not s.get(Customer, world.customer).is_active
        assert sessions.resolve(s, live) is None
        assert s.exec(select(LoginSession).where(LoginSession.contact_id == world.contact)).one().revoked_at
    assert tab.run(CustomerRecordState, "ask", {"what": "reactivate"}).confirm == "reactivate"
    assert tab.run(CustomerRecordState, "change_active").active


def test_a_contact_is_given_a_login_and_its_setup_email_is_sent_again(world, committed):
    base = f"/office/customers/{world.customer}/contacts"
    tab = signed_in_tab(committed, base + "/new", staff_id=world.office, customer_id=str(world.customer))
    form = tab.run(OfficeContactState, "load_new")
    assert form.all_sites and "invoices" in form.page_access
    tab.run(OfficeContactState, "set_login", {"value": True})
    tab.run(OfficeContactState, "set_flag", {"name": "is_invoice_contact", "value": True})
    tab.run(OfficeContactState, "set_page", {"page": "reports", "value": False})
    tab.run(OfficeContactState, "save", {"form": {"first_name": "Robin", "email": "robin@screens.example"}})
    with Session(committed) as s:
        robin = s.exec(select(Contact).where(Contact.email == "robin@screens.example")).one()
        mails = s.exec(select(OutboxMail).where(OutboxMail.to_address == "robin@screens.example")).all()
    assert robin.login_active and robin.is_invoice_contact and "reports" not in robin.pages
    assert len(mails) == 1
    assert any(f"{base}/{robin.id}?invited=1" in repr(x) for x in tab.sent)

    tab = contact_tab(
        committed,
        world.office,
        f"{base}/{robin.id}",
        customer_id=str(world.customer),
        contact_id=str(robin.id),
    )
    form = tab.run(OfficeContactState, "load")
    assert form.values["first_name"] == "Robin" and form.login_active and not form.has_password
    shown = tab.run(OfficeContactState, "send_setup")
    assert shown.notice == "Setup email sent to robin@screens.example."
    with Session(committed) as s:
        assert (
            len(s.exec(select(OutboxMail).where(OutboxMail.to_address == "robin@screens.example")).all()) == 2
        )
    # Another customer's contact id in the address finds nothing.
    other = contact_tab(
        committed, world.office, f"{base}/1", customer_id=str(world.customer), contact_id="999"
    )
    assert other.run(OfficeContactState, "load").missing


def test_the_csv_needs_a_staff_session_with_the_duty_and_escapes_formulas(world, committed):
    with Session(committed) as s:
        office = sessions.start_staff(s, world.office)
        technician = sessions.start_staff(s, world.technician)
        customer = sessions.start(s, world.contact)
        s.commit()
    http = client()
    url = "/export/office/customers.csv?tab=active"
    answer = http.get(url, cookies={STAFF_COOKIE: office})
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    assert "Northside Screens" in answer.text and "'=SUM(A1)" in answer.text
    assert http.get(url, cookies={STAFF_COOKIE: technician}).status_code == 403
    assert http.get(url, cookies={SESSION_COOKIE: customer}).status_code == 401
    assert http.get(url).status_code == 401
    assert (
        http.get("/export/office/customers.csv?tab=nope", cookies={STAFF_COOKIE: office}).status_code == 400
    )
