"""Who a customer mail goes to is one rule (``contacts.recipients``): active contacts flagged for the
kind, with an email, able to see the row's site, once per address; else the row's own contact if it
qualifies the same way. Every mail that names a site follows it, and so does the technician's list of
job contacts."""

from types import SimpleNamespace

import pytest
from sqlmodel import select

from portal.core import clock
from portal.core.principal import Role, StaffMember
from portal.models import JobStage, OutboxMail
from portal.services.assets import field_work
from portal.services.billing import charges, invoicing, letters
from portal.services.billing.invoicing import LineInput as InvoiceLine
from portal.services.identity import contacts
from portal.services.work import pricing, scheduling
from portal.services.work.pricing import LineInput
from tests.frozen import TODAY
from tests.unit import factories as f

OFFICE = StaffMember(1, "Office", Role.OFFICE)


@pytest.fixture
def world(session):
    """Two sites of one customer; for every role a contact at all sites and one limited to ``there``."""
    f.contractor(session)
    owner = f.customer(session, "Mine Pty Ltd")
    here, there = f.site(session, owner, "Here"), f.site(session, owner, "There")
    everywhere = f.contact(session, owner, email="everywhere@mine.example")
    limited = f.contact(session, owner, email="limited@mine.example", sites=[there])
    for person in (everywhere, limited):
        for flag in contacts.MAIL_FLAGS:
            setattr(person, flag, True)
        session.add(person)
    session.flush()
    return SimpleNamespace(owner=owner, here=here, there=there, everywhere=everywhere, limited=limited)


def _to(session, kind):
    return [m.to_address for m in session.exec(select(OutboxMail).where(OutboxMail.kind == kind)).all()]


def test_a_contact_limited_to_other_sites_is_not_a_recipient(session, world):
    for flag in contacts.MAIL_FLAGS:
        at_here = contacts.recipients(session, world.owner.id, flag, site_id=world.here.id)
        at_there = contacts.recipients(session, world.owner.id, flag, site_id=world.there.id)
        anywhere = contacts.recipients(session, world.owner.id, flag)
        assert at_here == [world.everywhere]
        assert at_there == anywhere == [world.everywhere, world.limited]


def test_inactive_contacts_and_contacts_without_email_are_left_out(session, world):
    world.everywhere.deactivated_at = clock.now()
    world.limited.email = ""
    session.add_all([world.everywhere, world.limited])
    assert contacts.recipients(session, world.owner.id, "is_job_contact") == []


def test_one_mail_per_address_however_it_is_capitalised(session, world):
    again = f.contact(session, world.owner, email="EveryWhere@Mine.Example")
    again.is_invoice_contact = True
    session.add(again)
    found = contacts.recipients(session, world.owner.id, "is_invoice_contact", site_id=world.here.id)
    assert found == [world.everywhere]


def test_the_fallback_contact_only_when_nobody_is_flagged_and_only_if_it_qualifies(session, world):
    for person in (world.everywhere, world.limited):
        person.is_quote_contact = False
        session.add(person)
    stranger = f.contact(session, f.customer(session, "Theirs"), email="stranger@theirs.example")

    def fallback(contact, site=None):
        site_id = site.id if site is not None else None
        return contacts.recipients(
            session, world.owner.id, "is_quote_contact", site_id=site_id, fallback_contact_id=contact.id
        )

    assert fallback(world.limited) == [world.limited]
    assert fallback(world.limited, world.there) == [world.limited]
    assert fallback(world.limited, world.here) == []
    assert fallback(stranger) == []
    world.everywhere.deactivated_at = clock.now()
    session.add(world.everywhere)
    assert fallback(world.everywhere) == []
    flagged = contacts.recipients(session, world.owner.id, "is_job_contact", fallback_contact_id=stranger.id)
    assert flagged == [world.limited], "the fallback is not used while anyone is flagged"


def test_an_unknown_flag_is_a_programming_error(session, world):
    with pytest.raises(ValueError):
        contacts.recipients(session, world.owner.id, "login_active")


def test_a_quote_at_another_site_is_not_mailed_to_a_limited_contact(session, world):
    q = f.quote(session, world.here)
    pricing.price_quote(session, OFFICE, q.id, [LineInput("labour", "Call-out", 1, 100)], None, TODAY)
    pricing.send_quote(session, OFFICE, q.id, TODAY)
    assert _to(session, "quote_ready") == ["everywhere@mine.example"]


def test_a_booking_at_another_site_is_not_mailed_to_a_limited_contact(session, world):
    job = f.job_with(session, world.here, scheduled_on=None)
    tech, _ = f.staff_member(session)
    scheduling.schedule(session, OFFICE, job.id, TODAY, "08:00", "10:00", tech.id)
    assert [c.email for c in scheduling.job_contacts(session, job)] == ["everywhere@mine.example"]
    assert _to(session, "job_scheduled") == ["everywhere@mine.example"]


def test_an_invoice_at_another_site_is_not_mailed_to_a_limited_contact(session, world):
    lines = [InvoiceLine("labour", "Call-out", "1", "180")]
    invoicing.free_invoice(session, OFFICE, world.owner.id, world.here.id, lines)
    assert _to(session, "invoice_issued") == ["everywhere@mine.example"]
    invoicing.free_invoice(session, OFFICE, world.owner.id, world.there.id, lines)
    assert sorted(_to(session, "invoice_issued")) == [
        "everywhere@mine.example",
        "everywhere@mine.example",
        "limited@mine.example",
    ]


def test_statements_go_to_every_statement_contact(session, world):
    found = letters.contacts_for(session, world.owner.id, letters.STATEMENT)
    assert found == [world.everywhere, world.limited]


def test_payment_mail_goes_to_invoice_contacts_once_each_else_the_payer(session, world):
    again = f.contact(session, world.owner, email="LIMITED@mine.example")
    again.is_invoice_contact = True
    session.add(again)
    assert charges.invoice_contacts(session, world.owner.id, None) == [
        "everywhere@mine.example",
        "limited@mine.example",
    ]
    for person in (world.everywhere, world.limited, again):
        person.is_invoice_contact = False
        session.add(person)
    assert charges.invoice_contacts(session, world.owner.id, again.id) == ["LIMITED@mine.example"]
    again.deactivated_at = clock.now()
    session.add(again)
    assert charges.invoice_contacts(session, world.owner.id, again.id) == []


def test_the_technician_sees_only_job_contacts_who_may_see_the_jobs_site(session, world):
    phone_only = f.contact(session, world.owner, email="x@mine.example")
    phone_only.email, phone_only.is_job_contact, phone_only.phone = "", True, "07 3000 0000"
    session.add(phone_only)
    tech_row, tech = f.staff_member(session, "technician")
    job = f.job_with(
        session, world.here, stage=JobStage.PROGRESS, technician_id=tech_row.id, scheduled_on=TODAY
    )
    shown = field_work.job_view(session, tech, job.id).card.contacts
    assert {p.email for p in shown} == {"everywhere@mine.example", ""}
