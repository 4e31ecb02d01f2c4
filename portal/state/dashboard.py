"""The dashboard's figures, as text ready to show (money formatted, counts as words); live
(``state/live.py``): the cards are built again when the back office changes the customer's work."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from portal.core import tenant
from portal.core.money import format_money
from portal.core.principal import DASHBOARD
from portal.db import unit_of_work
from portal.models import Page
from portal.services.reports import dashboard
from portal.state.live import LiveState
from portal.state.session import SessionState


class DashboardState(LiveState, SessionState):
    cards: list[dict[str, str]] = []
    quote_lines: list[dict[str, str]] = []
    job_lines: list[dict[str, str]] = []
    due_lines: list[dict[str, str]] = []
    defect_lines: list[dict[str, str]] = []
    due_href: str = "/assets"
    defects_href: str = "/assets"
    loaded: bool = False

    @rx.event
    def load(self):
        self._build()
        return self._follow()

    def _live_reload(self) -> bool:
        return self._build()

    def _build(self) -> bool:
        scope = self._scope(DASHBOARD)
        if scope is None:
            self._live_customer = 0
            return False
        self._live_for(scope)
        with unit_of_work() as session:
            board = dashboard.build(session, scope, tenant.today(session))
        self.cards = _cards(board)
        self.quote_lines = [asdict(line) for line in board.quote_lines]
        self.job_lines = [asdict(line) for line in board.job_lines]
        self.due_lines = [asdict(line) for line in board.due_lines]
        self.defect_lines = [asdict(line) for line in board.defect_lines]
        self.due_href, self.defects_href = board.due_href, board.defects_href
        self.loaded = True
        return True


def _cards(board: dashboard.Dashboard) -> list[dict[str, str]]:
    money = lambda cents: format_money(cents, board.currency)  # noqa: E731
    cards = []
    if board.quotes_outstanding is not None:
        cards.append(
            _card(
                Page.QUOTES,
                "Outstanding quotes",
                str(board.quotes_outstanding),
                f"{board.quotes_to_decide} priced and waiting for your decision",
                "/quotes?tab=outstanding",
                "file-text",
            )
        )
    if board.jobs_in_progress is not None:
        cards.append(
            _card(
                Page.JOBS,
                "Jobs in progress",
                str(board.jobs_in_progress),
                f"{board.jobs_pending} pending scheduling",
                "/jobs?tab=progress",
                "wrench",
            )
        )
    if board.unpaid_cents is not None:
        overdue = board.overdue_cents or 0
        cards.append(
            _card(
                Page.INVOICES,
                "Balance outstanding",
                money(board.unpaid_cents),
                f"{money(overdue)} overdue on {board.overdue_count} invoice"
                f"{'' if board.overdue_count == 1 else 's'}"
                if overdue
                else f"{board.unpaid_count} unpaid, none overdue",
                "/invoices",
                "receipt",
                "red" if overdue else "",
            )
        )
    if board.services_due is not None:
        cards.append(
            _card(
                "services",
                "Services due",
                str(board.services_due),
                f"in the next {dashboard.DUE_WINDOW_DAYS // 7} weeks"
                + (f", {board.services_overdue} overdue" if board.services_overdue else ""),
                board.due_href,
                "calendar-clock",
                "amber" if board.services_overdue else "",
            )
        )
    if board.defects_current is not None:
        cards.append(
            _card(
                "defects",
                "Current defects",
                str(board.defects_current),
                f"{board.defects_critical} critical" if board.defects_critical else "none critical",
                board.defects_href,
                "triangle-alert",
                "red" if board.defects_critical else "",
            )
        )
    return cards


def _card(
    key: str, title: str, value: str, detail: str, href: str, icon: str, tone: str = ""
) -> dict[str, str]:
    return {
        "key": key,
        "title": title,
        "value": value,
        "detail": detail,
        "href": href,
        "icon": icon,
        "tone": tone,
    }
