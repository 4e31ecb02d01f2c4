"""Live screens' state side: what a page load follows, and that a reload is the screen's own scoped loader."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from portal import db
from portal.models import ALL_PAGES, Contractor, Page
from portal.services.identity import sessions
from portal.state.dashboard import DashboardState
from portal.state.work.quotes import QuotesState
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, edge_cookie


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        self.mine, theirs = f.customer(s, "Mine"), f.customer(s, "Theirs")
        self.here, self.there = f.site(s, self.mine, "North Tower"), f.site(s, self.mine, "South Tower")
        self.elsewhere = f.site(s, theirs, "Chapel")
        self.limited = f.contact(s, self.mine, sites=[self.here]).id
        self.no_quotes = f.contact(s, self.mine, pages=[p for p in ALL_PAGES if p != Page.QUOTES]).id


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def _signed_in(engine, contact_id: int) -> tuple[Tab, str]:
    with Session(engine) as s:
        raw = sessions.start(s, contact_id)
        s.commit()
    return Tab(edge_cookie(raw), "/quotes", {"tab": "outstanding"}), raw


def _new_quotes(engine, *sites) -> list[str]:
    with Session(engine) as s:
        numbers = [str(f.quote(s, s.merge(site)).number) for site in sites]
        s.commit()
    return numbers


def test_a_list_follows_its_customer_and_reloads_only_what_its_contact_may_see(world, committed):
    tab, _ = _signed_in(committed, world.limited)
    state = tab.run(QuotesState, "load")
    assert state._live_customer == world.mine.id
    assert state._live_path == "/quotes"

    at_his_site, at_another, of_another_customer = _new_quotes(
        committed, world.here, world.there, world.elsewhere
    )
    assert state._live_reload() is True

    shown = {row["number"] for row in state.rows}
    assert at_his_site in shown
    assert at_another not in shown
    assert of_another_customer not in shown


def test_a_signed_out_screen_stops_following_and_shows_nothing(world, committed):
    tab, raw = _signed_in(committed, world.limited)
    state = tab.run(QuotesState, "load")
    _new_quotes(committed, world.here)
    with Session(committed) as s:
        sessions.revoke(s, raw)
        s.commit()

    assert state._live_reload() is False
    assert state.rows == []
    assert state._live_customer == 0


def test_a_refused_page_follows_nothing(world, committed):
    tab, _ = _signed_in(committed, world.no_quotes)
    state = tab.run(QuotesState, "load")

    assert state._live_customer == 0
    assert state._follow() is None


def test_the_dashboard_follows_its_customer(world, committed):
    tab, _ = _signed_in(committed, world.limited)
    state = tab.run(DashboardState, "load")

    assert state._live_customer == world.mine.id
    assert state._live_reload() is True
