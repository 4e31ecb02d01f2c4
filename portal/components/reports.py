"""What every report screen shares: the list of reports and the heading with its sub-navigation."""

from __future__ import annotations

from typing import NamedTuple

import reflex as rx

from portal.state.session import SessionState


class Report(NamedTuple):
    key: str
    title: str
    route: str
    blurb: str
    icon: str
    advanced: bool = False


REPORTS = (
    Report(
        "ppm",
        "PPM",
        "/reports/ppm",
        "Programmed preventative maintenance: what was tested and what is due, week by week",
        "calendar-range",
    ),
    Report(
        "defects",
        "Current Defects",
        "/reports/defects",
        "Equipment that failed a test and is not yet fixed",
        "triangle-alert",
    ),
    Report(
        "test-history",
        "Test History",
        "/reports/test-history",
        "Every test in a date range, with its result",
        "history",
    ),
    Report(
        "monthly",
        "Monthly Report",
        "/reports/monthly",
        "Jobs, tests and defects per month for a site",
        "calendar-days",
        True,
    ),
    Report(
        "budget",
        "Budget Forecast",
        "/reports/budget",
        "Upcoming services and open defect quotes, month by month for the next year",
        "piggy-bank",
        True,
    ),
    Report(
        "life-cycle",
        "Life Cycle Analysis",
        "/reports/life-cycle",
        "Equipment age against expected life, and replacements due",
        "hourglass",
        True,
    ),
    Report(
        "contracts",
        "Contracts",
        "/reports/contracts",
        "Your maintenance contracts, what they cover and when they expire",
        "file-text",
        True,
    ),
    Report(
        "work-method-statements",
        "Work Method Statements",
        "/reports/work-method-statements",
        "How we carry out the work at your sites",
        "hard-hat",
        True,
    ),
    Report(
        "site-inductions",
        "Site Inductions",
        "/reports/site-inductions",
        "Inductions for working at your sites",
        "id-card",
        True,
    ),
    Report(
        "reference-material",
        "Reference Material",
        "/reports/reference-material",
        "Manuals, certificates and other documents we publish for you",
        "book-open",
        True,
    ),
)


def _nav_link(report: Report, current: str) -> rx.Component:
    here = report.key == current
    style = {"weight": "bold", "aria_current": "page"} if here else {"color_scheme": "gray"}
    link = rx.link(
        report.title,
        href=report.route,
        underline="none",
        size="2",
        data_report=report.key,
        white_space="nowrap",
        **style,
    )
    return rx.cond(SessionState.advanced, link) if report.advanced else link


def report_nav(current: str) -> rx.Component:
    """The reports as a row of links (scrolls sideways on a phone); Advanced ones only on that tier."""
    return rx.hstack(
        *[_nav_link(r, current) for r in REPORTS],
        spacing="4",
        overflow_x="auto",
        width="100%",
        padding_bottom="0.25em",
        role="navigation",
        aria_label="Reports",
    )


def report_heading(current: str, actions: rx.Component | None = None) -> rx.Component:
    """The report's title, the reports menu under it, and its own actions (a download) at the right."""
    report = next(r for r in REPORTS if r.key == current)
    return rx.vstack(
        rx.hstack(
            rx.vstack(
                rx.heading(report.title, size="6", as_="h1"),
                rx.text(report.blurb, color_scheme="gray", size="2"),
                spacing="1",
            ),
            rx.spacer(),
            actions if actions is not None else rx.fragment(),
            width="100%",
            align="end",
            wrap="wrap",
            spacing="3",
        ),
        report_nav(current),
        rx.separator(size="4"),
        spacing="3",
        width="100%",
    )
