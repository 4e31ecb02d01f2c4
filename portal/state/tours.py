"""Walk Me Through: the list of tours in the user menu, the first-login offer, and the tour running.

The steps are built on the server from the contact's live page access (``tour_catalog``), so a
contact never gets a step, or a tour, for a page its login cannot open, whatever it sends. The
browser runs them (``components/tour.py``) and reports back when a tour ends; the basic tour
finished, closed or declined is remembered on the contact's row (``services/identity/tours``).
"""

from __future__ import annotations

import uuid
from typing import Any

import reflex as rx

from portal.core.principal import DASHBOARD, Scope
from portal.db import unit_of_work
from portal.services.identity.tours import TourEnd, mark_tour_seen, tour_pending
from portal.state import arguments
from portal.state.session import SessionState
from portal.state.tour_catalog import BASIC, available, find, steps_for


def _pages(scope: Scope) -> frozenset[str]:
    return frozenset(scope.pages)


class TourState(SessionState):
    choices: list[dict[str, str]] = []
    choosing: bool = False  # the Walk Me Through pop-up is open
    offered: bool = False  # the dashboard shows the first-login "Take a quick tour?"
    offer_checked: bool = False  # whether this tab has asked the server yet (tests wait for it)
    # The tour the browser runs: {key, run, route, steps}; ``run`` is new with every start, even
    # after the server lost the tab's state (a counter would start again at a value the page has seen).
    tour: dict[str, Any] = {}

    @rx.event
    def open_tours(self):
        scope = self._scope(DASHBOARD)
        if scope is None:
            return
        self.choices = [
            {"key": t.key, "title": t.title, "summary": t.summary} for t in available(_pages(scope))
        ]
        self.choosing = True

    @rx.event
    def set_choosing(self, value: Any):
        self.choosing = arguments.flag(value)

    @rx.event
    def start(self, key: Any):
        scope = self._scope(DASHBOARD)
        if scope is None:
            return None
        tour = find(arguments.text(key, 20), _pages(scope))
        self.choosing = self.offered = False
        if tour is None:
            return None
        self.tour = {
            "key": tour.key,
            "run": uuid.uuid4().hex,
            "route": tour.route,
            "steps": [s.for_browser() for s in steps_for(tour, _pages(scope))],
        }
        if (self.router.url.path.rstrip("/") or "/") != tour.route:
            return rx.redirect(tour.route)
        return None

    @rx.event
    def ended(self, key: Any, finished: Any):
        """The browser's tour finished or was closed; the basic one is then not offered again."""
        scope = self._scope(DASHBOARD)
        self.tour = {}
        if scope is None or arguments.text(key, 20) != BASIC.key:
            return
        how = TourEnd.FINISHED if arguments.flag(finished) else TourEnd.CLOSED
        with unit_of_work() as session:
            mark_tour_seen(session, scope, how)

    @rx.event
    def check_offer(self):
        """On the dashboard: offer the basic tour to a contact who has not seen it yet."""
        scope = self._scope(DASHBOARD)
        if scope is None:
            self.offered = False
        else:
            with unit_of_work(read_only=True) as session:
                self.offered = tour_pending(session, scope)
        self.offer_checked = True

    @rx.event
    def accept_offer(self):
        return TourState.start(BASIC.key)

    @rx.event
    def decline_offer(self):
        scope = self._scope(DASHBOARD)
        self.offered = False
        if scope is None:
            return
        with unit_of_work() as session:
            mark_tour_seen(session, scope, TourEnd.DECLINED)
