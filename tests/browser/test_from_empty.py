"""A contractor's first day, from an empty database: ``portal migrate`` and ``portal create-staff
--role owner``, nothing seeded. The owner follows the printed setup link, chooses a password, sets up
the authenticator app and lands in the back office; until the company is set up, the customers'
sign-in page carries the neutral product name.

One test on purpose: every step builds on the one before, on one portal of its own (the server
build is the slow part), and the database is counted at the end, so no other test may share it.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from portal.config import STAFF_COOKIE
from portal.models import Contact, Contractor, Customer, Role, Staff
from tests.browser.conftest import at, owner_signs_up

OWNER = "olive@new-contractor.test"


def _count(portal, model) -> int:
    with Session(portal.engine) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_the_owner_signs_up_on_an_empty_portal(empty_page, empty_portal, browser):
    page, portal = empty_page, empty_portal
    assert [_count(portal, m) for m in (Contractor, Staff, Customer, Contact)] == [0, 0, 0, 0]

    owner_signs_up(page, portal, OWNER)
    at(page, "/office")
    assert page.locator("#staff-name").inner_text() == "Olive Owner"
    assert any(c["name"] == STAFF_COOKIE for c in page.context.cookies())
    with Session(portal.engine) as s:
        staff = s.exec(select(Staff)).all()
    assert [(row.email, row.role) for row in staff] == [(OWNER, Role.OWNER)]
    assert staff[0].password_hash and staff[0].totp_enrolled_at is not None
    assert [_count(portal, m) for m in (Customer, Contact)] == [0, 0]

    # A customer's sign-in page, signed out: no company set up yet, so the card's header names the
    # product where a contractor's name would be (the footer always does: twice in all).
    context = browser.new_context(base_url=portal.url)
    try:
        customer = context.new_page()
        customer.goto("/login")
        customer.locator("#username").wait_for()
        assert customer.get_by_text("Customer Portal", exact=True).count() == 2
    finally:
        context.close()
