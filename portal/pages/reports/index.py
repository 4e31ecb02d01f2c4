"""Reports: a card per report, the Advanced ones only where the contractor's tier includes them."""

from __future__ import annotations

import reflex as rx

from portal.components.reports import REPORTS, Report
from portal.components.shell import template
from portal.models import Page
from portal.state.session import SessionState


def _card(report: Report) -> rx.Component:
    card = rx.link(
        rx.card(
            rx.hstack(
                rx.icon(report.icon, size=24, color=rx.color("accent", 9)),
                rx.vstack(
                    rx.text(report.title, weight="bold"),
                    rx.text(report.blurb, size="2", color_scheme="gray"),
                    spacing="1",
                ),
                spacing="3",
                align="start",
            ),
            width="100%",
            height="100%",
        ),
        href=report.route,
        underline="none",
        color="inherit",
        data_report_card=report.key,
    )
    return rx.cond(SessionState.advanced, card) if report.advanced else card


@template("/reports", "Reports", Page.REPORTS)
def reports_index() -> rx.Component:
    return rx.vstack(
        rx.heading("Reports", size="6", as_="h1"),
        rx.grid(
            *[_card(r) for r in REPORTS],
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="3",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
