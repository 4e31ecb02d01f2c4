"""The back office's Inbox: every customer's events, newest first, the same for every staff member;
marking handled (one or several) and new again, audited; the menu's count; customers refused."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from portal.core import events
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import AttachmentOwner, AuditEvent, IntegrationEvent, QuoteAsset
from portal.services.identity import principals
from portal.services.messaging import inbox
from portal.services.work import requests
from tests.frozen import MOMENT, TODAY
from tests.unit import factories as f

OFFICE = StaffMember(1, "Office", Role.OFFICE)
OTHER_OFFICE = StaffMember(5, "Other office", Role.OWNER)
TECHNICIAN = StaffMember(2, "Tech", Role.TECHNICIAN)


@pytest.fixture
def world(session):
    f.contractor(session)
    mine, theirs = f.customer(session, "Mine Pty Ltd"), f.customer(session, "Theirs Pty Ltd")
    site, other = f.site(session, mine, "Alpha House"), f.site(session, theirs, "Other Place")
    pat = f.contact(session, mine)
    scope = principals.scope_for(session, pat.id)
    sign = f.optional_item(session, "Exit sign", 12_500)
    unit = f.asset(session, site)
    form = requests.RequestForm(
        purpose="quote",
        site_id=site.id,
        contact_id=pat.id,
        description="Replace the exit signs",
        asset_ids=[unit.id],
        items=[(sign.id, 2)],
    )
    quote = requests.submit_request(session, scope, form, TODAY, MOMENT)
    older = events.integration(
        session,
        "site.updated",
        theirs.id,
        {"site_id": other.id, "name": "Other Place"},
        at=MOMENT - timedelta(days=1),
    )
    return SimpleNamespace(mine=mine, theirs=theirs, scope=scope, quote=quote, unit=unit, older=older)


def _page(staff, tab="new", search=""):
    return lambda session: inbox.list_inbox(session, staff, tab, PageRequest(search=search), TODAY)


def test_newest_first_over_every_customer_and_the_same_for_every_staff(session, world):
    rows = _page(OFFICE)(session).rows
    assert [(r.title, r.customer_name, r.ref.label) for r in rows] == [
        ("Quote requested", "Mine Pty Ltd", f"Quote #{world.quote.number}"),
        ("Site changed", "Theirs Pty Ltd", "Site: Other Place"),
    ]
    assert rows[0].ref.href == f"/office/quotes/{world.quote.id}"
    assert rows[0].summary == "Replace the exit signs"
    again = _page(OTHER_OFFICE)(session).rows
    assert [r.id for r in again] == [r.id for r in rows]
    assert [r.title for r in _page(OFFICE, "all", "Theirs")(session).rows] == ["Site changed"]
    assert [r.title for r in _page(OFFICE, "all", str(world.quote.number))(session).rows] == [
        "Quote requested"
    ]


def test_detail_shows_the_items_assets_and_files_of_the_quote(session, world):
    row = _page(OFFICE)(session).rows[0]
    d = inbox.inbox_detail(session, OFFICE, row.id)
    assert d.description == "Replace the exit signs" and d.site_name == "Alpha House"
    assert [(i.description, i.quantity, i.total_cents) for i in d.items] == [("Exit sign", 2, 25_000)]
    assert [a.id for a in d.assets] == [world.unit.id]
    assert inbox.inbox_detail(session, OFFICE, "nope") is None
    assert inbox.inbox_detail(session, OFFICE, 2**40) is None


def test_mark_handled_and_new_again_with_audit_and_count(session, world):
    assert inbox.unhandled_count(session, OFFICE) == 2
    ids = [r.id for r in _page(OFFICE)(session).rows]
    assert inbox.mark(session, OFFICE, [str(ids[0]), ids[1], "junk", None, -3, 2**40], True) == 2
    assert inbox.unhandled_count(session, OTHER_OFFICE) == 0
    assert _page(OFFICE)(session).rows == []
    handled = _page(OTHER_OFFICE, "handled")(session).rows
    assert {r.id for r in handled} == set(ids) and {r.handled_by for r in handled} == {""}
    row = session.get(IntegrationEvent, ids[0])
    assert row.handled_by_staff_id == OFFICE.staff_id and row.handled_at is not None
    # Marking again changes nothing and writes no second record.
    assert inbox.mark(session, OTHER_OFFICE, ids, True) == 0
    assert session.get(IntegrationEvent, ids[0]).handled_by_staff_id == OFFICE.staff_id
    audits = session.exec(select(AuditEvent).where(AuditEvent.action == "inbox.handled")).all()
    assert len(audits) == 2 and {a.staff_id for a in audits} == {OFFICE.staff_id}
    assert audits[0].detail["before"]["handled_at"] is None

    assert inbox.mark(session, OTHER_OFFICE, [ids[0]], False) == 1
    assert inbox.unhandled_count(session, OFFICE) == 1
    assert session.get(IntegrationEvent, ids[0]).handled_by_staff_id is None
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "inbox.reopened")).one().staff_id == 5


def test_the_handler_name_shows(session, world):
    from portal.models import Staff

    staff = Staff(email="kim@office.test", name="Kim Office")
    session.add(staff)
    session.flush()
    who = StaffMember(staff.id, staff.name, Role.OFFICE)
    inbox.mark(session, who, [world.older.id], True)
    assert [r.handled_by for r in _page(OFFICE, "handled")(session).rows] == ["Kim Office"]


def test_customers_and_technicians_are_refused(session, world):
    for who in (world.scope, TECHNICIAN):
        with pytest.raises(AccessDenied):
            _page(who)(session)
        with pytest.raises(AccessDenied):
            inbox.mark(session, who, [world.older.id], True)
        with pytest.raises(AccessDenied):
            inbox.unhandled_count(session, who)
        with pytest.raises(AccessDenied):
            inbox.inbox_detail(session, who, world.older.id)
    assert session.get(IntegrationEvent, world.older.id).handled_at is None


def test_files_added_points_at_its_quote(session, world):
    events.integration(
        session,
        "attachments.added",
        world.mine.id,
        {"owner": AttachmentOwner.QUOTE.value, "number": world.quote.number, "files": ["plan.pdf"]},
    )
    row = _page(OFFICE)(session).rows[0]
    assert (row.title, row.ref.label, row.summary) == (
        "Files added",
        f"Quote #{world.quote.number}",
        "plan.pdf",
    )
    d = inbox.inbox_detail(session, OFFICE, row.id)
    assert d.row.ref.href == f"/office/quotes/{world.quote.id}"
    assert session.exec(select(QuoteAsset).where(QuoteAsset.quote_id == world.quote.id)).first() is not None


def test_an_unknown_kind_still_reads(session, world):
    assert inbox.title_of("contract.renewed") == "Contract: renewed"


def test_a_change_says_which_fields_changed():
    payload = {"before": {"name": "A", "street": "1 Main"}, "after": {"name": "B", "street": "1 Main"}}
    assert inbox.summary_of(payload) == "Changed: name"
