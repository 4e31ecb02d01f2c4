"""Walk Me Through: which tours and steps a contact gets, and remembering the basic tour on the server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlmodel import Session, select

from portal import db
from portal.core.principal import DASHBOARD, Scope
from portal.models import ALL_PAGES, AuditEvent, Contact, Page
from portal.services.identity import sessions
from portal.services.identity.tours import TourEnd, mark_tour_seen, tour_pending
from portal.state.tour_catalog import BASIC, CREATE_SITE, TOURS, available, find, steps_for
from portal.state.tours import TourState
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, edge_cookie

STOPPED = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
EVERYTHING = frozenset(ALL_PAGES)


# --- the tours as data ----------------------------------------------------------------------------


def test_the_guide_s_four_tours_in_its_order():
    assert [t.title for t in TOURS] == [
        "Basic tour of the Customer Portal",
        "Request a Quote",
        "Book a Job",
        "Create a New Site",
    ]
    assert [t.route for t in TOURS] == ["/dashboard", "/quotes/request", "/jobs/book", "/sites/new"]
    assert len({t.key for t in TOURS}) == len(TOURS)


def test_every_step_names_a_page_of_the_portal_and_says_something():
    for tour in TOURS:
        assert tour.steps, tour.key
        for step in tour.steps:
            assert step.page == DASHBOARD or step.page in ALL_PAGES, (tour.key, step.title)
            assert step.title and step.text and len(step.text) < 240
            assert step.action in ("", "click", "change")
            assert all(sel and "<" not in sel for sel in step.element)


def test_a_contact_with_every_page_gets_every_tour_and_step():
    assert available(EVERYTHING) == list(TOURS)
    for tour in TOURS:
        assert steps_for(tour, EVERYTHING) == list(tour.steps)


def test_a_contact_without_quotes_gets_no_request_a_quote_tour_nor_quote_steps():
    pages = EVERYTHING - {Page.QUOTES}
    assert [t.key for t in available(pages)] == ["basic", "job", "site"]
    assert find("quote", pages) is None
    basic = steps_for(BASIC, pages)
    assert all(s.page != Page.QUOTES for s in basic)
    assert "Quotes" not in [s.title for s in basic] and "Request a Quote" not in [s.title for s in basic]
    assert "Book a Job" in [s.title for s in basic]


def test_a_contact_with_only_the_dashboard_gets_the_basic_tour_without_menu_entries():
    assert [t.key for t in available(frozenset())] == ["basic"]
    titles = [s.title for s in steps_for(BASIC, frozenset())]
    assert titles == ["Welcome to the Customer Portal", "The menu", "Your dashboard", "Your account"]


def test_the_site_tour_uses_the_agreed_ids_of_the_site_form():
    selectors = [sel for step in CREATE_SITE.steps for sel in step.element]
    for name in ("name", "street", "suburb", "state", "postcode", "save", "save-finish"):
        assert f"#site-{name}" in selectors
    assert "[data-tab='contacts']:not([data-disabled])" in selectors
    assert [s.action for s in CREATE_SITE.steps if s.action] == ["change", "click"]


@pytest.mark.parametrize("key", [None, "", "Quote", "basic ", 3, ["basic"], {"key": "basic"}, "x" * 10_000])
def test_a_tour_name_from_the_browser_finds_nothing_unless_it_is_one(key):
    assert find(key, EVERYTHING) is None


def test_a_step_goes_to_the_browser_as_plain_data():
    sent = BASIC.steps[0].for_browser()
    assert sent == {
        "title": "Welcome to the Customer Portal",
        "text": BASIC.steps[0].text,
        "element": [],
        "action": "",
        "wait": 0,
    }


# --- remembered on the server ----------------------------------------------------------------------


@pytest.fixture
def people(session):
    mine, theirs = f.customer(session, "Mine"), f.customer(session, "Theirs")
    me, other = f.contact(session, mine), f.contact(session, theirs)
    return Scope(mine.id, me.id, EVERYTHING, None), me, other


def test_the_tour_is_pending_until_finished_and_that_is_audited_once(session, people):
    scope, me, _ = people
    assert tour_pending(session, scope)
    with time_machine.travel(STOPPED, tick=False):
        assert mark_tour_seen(session, scope, TourEnd.FINISHED)
    assert not mark_tour_seen(session, scope, TourEnd.CLOSED), "the first answer is kept"
    session.refresh(me)
    assert me.tour_seen_at == STOPPED
    assert not tour_pending(session, scope)
    audits = session.exec(select(AuditEvent).where(AuditEvent.action == "tour_seen")).all()
    assert [(a.contact_id, a.target_id, a.detail) for a in audits] == [(me.id, me.id, {"how": "finished"})]


def test_declining_is_remembered_too(session, people):
    scope, me, _ = people
    assert mark_tour_seen(session, scope, TourEnd.DECLINED)
    session.refresh(me)
    assert me.tour_seen_at is not None


def test_a_scope_naming_another_customer_s_contact_changes_nothing(session, people):
    scope, _, other = people
    forged = Scope(scope.customer_id, other.id, EVERYTHING, None)
    assert not tour_pending(session, forged)
    assert not mark_tour_seen(session, forged, TourEnd.FINISHED)
    session.refresh(other)
    assert other.tour_seen_at is None
    missing = Scope(scope.customer_id, 987_654_321, EVERYTHING, None)
    assert not tour_pending(session, missing) and not mark_tour_seen(session, missing, TourEnd.CLOSED)


# --- the state, as the browser drives it ------------------------------------------------------------


@pytest.fixture
def world(committed, monkeypatch):
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        mine = f.customer(s, "Mine")
        full = f.contact(s, mine).id
        no_quotes = f.contact(s, mine, pages=[p for p in ALL_PAGES if p != Page.QUOTES]).id
        s.commit()
    return full, no_quotes


def _tab(engine, contact_id: int, path: str = "/dashboard") -> Tab:
    with Session(engine) as s:
        raw = sessions.start(s, contact_id)
        s.commit()
    return Tab(edge_cookie(raw), path)


def _seen(engine, contact_id: int):
    with Session(engine) as s:
        return s.get(Contact, contact_id).tour_seen_at


def test_the_list_and_the_steps_follow_the_login_s_pages(world, committed):
    full, no_quotes = world
    tab = _tab(committed, no_quotes)
    state = tab.run(TourState, "open_tours")
    assert state.choosing and [c["key"] for c in state.choices] == ["basic", "job", "site"]
    state = tab.run(TourState, "start", {"key": "quote"})
    assert state.tour == {} and not state.choosing, "a forged start of a tour it may not take runs nothing"
    state = tab.run(TourState, "start", {"key": "basic"})
    titles = [s["title"] for s in state.tour["steps"]]
    assert state.tour["key"] == "basic" and "Quotes" not in titles and "Invoices" in titles
    first = state.tour["run"]
    assert tab.run(TourState, "start", {"key": "job"}).tour["run"] != first
    assert _tab(committed, full).run(TourState, "open_tours").choices[1]["key"] == "quote"


def test_the_offer_until_declined_and_the_basic_tour_ending_remembers_it(world, committed):
    full, no_quotes = world
    tab = _tab(committed, full)
    assert tab.run(TourState, "check_offer").offered
    assert not tab.run(TourState, "decline_offer").offered
    assert _seen(committed, full) is not None
    assert not tab.run(TourState, "check_offer").offered

    other = _tab(committed, no_quotes)
    other.run(TourState, "ended", {"key": "job", "finished": True})
    assert _seen(committed, no_quotes) is None, "only the basic tour counts"
    other.run(TourState, "start", {"key": "basic"})
    state = other.run(TourState, "ended", {"key": "basic", "finished": "yes"})
    assert state.tour == {}
    assert _seen(committed, no_quotes) is not None


def test_signed_out_nothing_is_offered_listed_or_stored(world, committed):
    tab = Tab("", "/dashboard")
    assert not tab.run(TourState, "check_offer").offered
    assert tab.run(TourState, "open_tours").choices == []
    assert tab.run(TourState, "start", {"key": "basic"}).tour == {}
    tab.run(TourState, "decline_offer")
    tab.run(TourState, "ended", {"key": "basic", "finished": True})
    assert _seen(committed, world[0]) is None
