"""The Inbox and office Quotes handlers as Reflex runs them: a technician's or a customer's forged
events change nothing, an office member's do, and marking refreshes the menu's count."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from portal import db
from portal.models import Contractor, IntegrationEvent, Quote, QuoteItem, QuoteStage, Role, Staff
from portal.state.office.inbox import InboxState
from portal.state.office.quotes import NewQuoteState, OfficeQuoteState
from portal.state.office.session import OfficeSession
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, signed_in_tab


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        mine, theirs = f.customer(s, "Mine"), f.customer(s, "Theirs")
        self.site, self.elsewhere = f.site(s, mine, "North Tower"), f.site(s, theirs, "Chapel")
        self.contact = f.contact(s, mine).id
        self.quote = f.quote(s, self.site).id
        self.item = f.optional_item(s, "Exit sign", 12_500).id
        event = IntegrationEvent(
            kind="quote.requested", customer_id=mine.id, payload={"quote_id": self.quote}
        )
        s.add(event)
        self.office = Staff(email="office@office.test", name="Olive Office", role=Role.OFFICE)
        self.tech = Staff(email="tech@office.test", name="Tess Tech", role=Role.TECHNICIAN)
        s.add_all([self.office, self.tech])
        s.flush()
        self.event = event.id
        self.mine = mine.id


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def _tab(engine, staff_id, path, params=None, contact=None) -> Tab:
    return signed_in_tab(engine, path, staff_id=staff_id, contact_id=contact, **(params or {}))


def _quote(engine, quote_id: int) -> Quote:
    with Session(engine) as s:
        return s.get(Quote, quote_id)


def test_office_prices_and_sends_through_the_handlers(committed, world):
    path = f"/office/quotes/{world.quote}"
    tab = _tab(committed, world.office.id, path, {"quote_id": str(world.quote)})
    state = tab.run(OfficeQuoteState, "load")
    assert state.found and state.facts["customer"] == "Mine"
    tab.run(OfficeQuoteState, "add_from_list", {"item_id": str(world.item)})
    tab.run(OfficeQuoteState, "add_free_line")
    tab.run(OfficeQuoteState, "set_line", {"index": 1, "key": "description", "value": "Labour"})
    tab.run(OfficeQuoteState, "set_line", {"index": 1, "key": "unit", "value": "100"})
    state = tab.run(OfficeQuoteState, "set_line", {"index": 1, "key": "quantity", "value": "2"})
    assert (state.subtotal, state.tax, state.total) == ("$325.00", "$32.50", "$357.50")
    tab.run(OfficeQuoteState, "save")
    assert _quote(committed, world.quote).stage == QuoteStage.OUTSTANDING
    tab.run(OfficeQuoteState, "send")
    sent = _quote(committed, world.quote)
    assert (sent.stage, sent.total_cents) == (QuoteStage.ACTIONED, 35_750)


def test_a_technicians_forged_send_and_a_customers_change_nothing(committed, world):
    for staff_id, contact in ((world.tech.id, None), (None, world.contact)):
        tab = _tab(
            committed, staff_id, f"/office/quotes/{world.quote}", {"quote_id": str(world.quote)}, contact
        )
        state = tab.run(OfficeQuoteState, "load")
        assert not state.found
        tab.state(OfficeQuoteState)._quote_id = world.quote  # as if the page had loaded it
        tab.state(OfficeQuoteState).lines = [
            {
                "kind": "labour",
                "description": "Forged",
                "quantity": "1",
                "unit": "1",
                "item_id": "",
                "total": "",
            }
        ]
        tab.run(OfficeQuoteState, "save")
        tab.run(OfficeQuoteState, "send")
        tab.run(OfficeQuoteState, "add_free_line")
        tab.run(NewQuoteState, "create", {"form": {"description": "x"}})
        tab.run(InboxState, "mark_one", {"event_id": str(world.event), "handled": True})
        tab.run(InboxState, "load")
        assert tab.state(InboxState).rows == []
        quote = _quote(committed, world.quote)
        assert quote.stage == QuoteStage.OUTSTANDING and quote.priced_at is None
        with Session(committed) as s:
            assert s.exec(select(QuoteItem).where(QuoteItem.quote_id == world.quote)).all() == []
            assert s.get(IntegrationEvent, world.event).handled_at is None
            assert len(s.exec(select(Quote)).all()) == 1


def test_marking_in_the_inbox_refreshes_the_menu_count(committed, world):
    tab = _tab(committed, world.office.id, "/office/inbox")
    office = tab.run(OfficeSession, "guard", {"duty": "read_inbox"})
    assert office.inbox_count == 1
    state = tab.run(InboxState, "load")
    assert [r["title"] for r in state.rows] == ["Quote requested"]
    tab.run(InboxState, "toggle_select", {"event_id": str(world.event), "checked": True})
    tab.run(InboxState, "toggle_select", {"event_id": "999999", "checked": True})
    assert tab.state(InboxState).selected == [str(world.event)]
    tab.run(InboxState, "mark_selected", {"handled": True})
    assert tab.state(OfficeSession).inbox_count == 0
    with Session(committed) as s:
        assert s.get(IntegrationEvent, world.event).handled_by_staff_id == world.office.id


def test_convert_goes_to_the_new_job_and_a_technician_cannot(committed, world):
    from portal.models import Job, QuoteDecision

    with Session(committed) as s:
        quote = s.get(Quote, world.quote)
        quote.stage, quote.decision = QuoteStage.ACTIONED, QuoteDecision.ACCEPTED
        s.add(quote)
        s.commit()
    path = f"/office/quotes/{world.quote}"
    tech = _tab(committed, world.tech.id, path, {"quote_id": str(world.quote)})
    tech.run(OfficeQuoteState, "load")
    tech.state(OfficeQuoteState)._quote_id = world.quote
    tech.run(OfficeQuoteState, "convert")
    with Session(committed) as s:
        assert s.exec(select(Job).where(Job.quote_id == world.quote)).all() == []

    tab = _tab(committed, world.office.id, path, {"quote_id": str(world.quote)})
    state = tab.run(OfficeQuoteState, "load")
    assert state.can_convert and not state.can_price
    tab.run(OfficeQuoteState, "convert")
    with Session(committed) as s:
        job = s.exec(select(Job).where(Job.quote_id == world.quote)).one()
    redirects = [x.payload["path"] for x in tab.sent if getattr(x, "name", "") == "_redirect"]
    assert redirects == [f"/office/jobs/{job.id}"]
