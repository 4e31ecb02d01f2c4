"""The dashboard: what a customer checks first, each card linking to its page."""

from __future__ import annotations

import reflex as rx

from portal.components.shell import template
from portal.components.tour import tour_offer
from portal.core.principal import DASHBOARD
from portal.models import Page
from portal.state.dashboard import DashboardState
from portal.state.session import SessionState
from portal.state.tours import TourState

ICONS = ("file-text", "wrench", "receipt", "calendar-clock", "triangle-alert")


def _icon(name: rx.Var) -> rx.Component:
    return rx.match(name, *[(icon, rx.icon(icon, size=20)) for icon in ICONS], rx.icon("circle", size=20))


def stat_card(card: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(card["title"], size="2", color_scheme="gray", weight="medium"),
                    rx.spacer(),
                    _icon(card["icon"]),
                    width="100%",
                    align="center",
                ),
                rx.text(card["value"], size="7", weight="bold", class_name="stat-value"),
                rx.text(
                    card["detail"],
                    size="2",
                    color=rx.match(
                        card["tone"],
                        ("red", rx.color("red", 11)),
                        ("amber", rx.color("amber", 11)),
                        rx.color("gray", 11),
                    ),
                ),
                spacing="1",
                align="start",
            ),
            class_name="stat-card",
            height="100%",
        ),
        href=card["href"],
        underline="none",
        color="inherit",
        data_card=card["key"],
    )


def line_list(title: str, lines: rx.Var, empty: str, page: str, href: str | rx.Var) -> rx.Component:
    return rx.cond(
        SessionState.pages.contains(page),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading(title, size="3", as_="h2"),
                    rx.spacer(),
                    rx.link("View all", href=href, size="2"),
                    width="100%",
                ),
                rx.cond(
                    lines.length() > 0,
                    rx.vstack(
                        rx.foreach(
                            lines,
                            lambda line: rx.link(
                                rx.box(
                                    rx.text(line["title"], size="2", weight="medium"),
                                    rx.text(line["detail"], size="1", color_scheme="gray", trim="both"),
                                    padding_y="0.4em",
                                ),
                                href=line["href"],
                                underline="none",
                                color="inherit",
                                width="100%",
                            ),
                        ),
                        spacing="0",
                        width="100%",
                        class_name="line-list",
                    ),
                    rx.text(empty, size="2", color_scheme="gray"),
                ),
                spacing="3",
                width="100%",
            ),
        ),
    )


@template("/dashboard", "Dashboard", DASHBOARD, on_load=[DashboardState.load, TourState.check_offer])
def dashboard() -> rx.Component:
    return rx.vstack(
        rx.vstack(
            rx.heading(f"Welcome, {SessionState.contact_name}", size="6", as_="h1"),
            rx.text(SessionState.customer_name, color_scheme="gray"),
            spacing="1",
        ),
        tour_offer(),
        rx.cond(
            DashboardState.loaded,
            rx.grid(
                rx.foreach(DashboardState.cards, stat_card),
                columns=rx.breakpoints(initial="1", xs="2", md="3", lg="5"),
                spacing="4",
                width="100%",
                id="dashboard-cards",
            ),
            rx.grid(
                *[rx.skeleton(rx.card(height="118px")) for _ in range(5)],
                columns=rx.breakpoints(initial="1", xs="2", md="3", lg="5"),
                spacing="4",
                width="100%",
            ),
        ),
        rx.grid(
            line_list(
                "Outstanding quotes",
                DashboardState.quote_lines,
                "No outstanding quotes.",
                Page.QUOTES,
                "/quotes",
            ),
            line_list(
                "Jobs in progress", DashboardState.job_lines, "No jobs in progress.", Page.JOBS, "/jobs"
            ),
            line_list(
                "Services due soon",
                DashboardState.due_lines,
                "Nothing due in the next four weeks.",
                Page.ASSETS,
                DashboardState.due_href,
            ),
            line_list(
                "Current defects",
                DashboardState.defect_lines,
                "No current defects.",
                Page.ASSETS,
                DashboardState.defects_href,
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        spacing="5",
        width="100%",
    )
