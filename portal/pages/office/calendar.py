"""/office/jobs/calendar: the week's visits by day, each with its window and technician.

From a tablet up the seven days sit side by side; on a phone they read as a list of days.
"""

from __future__ import annotations

import reflex as rx

from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.core.principal import Duty
from portal.pages.office.jobs import board_links
from portal.state.office.calendar import CalendarState as C


def visit(card: rx.Var) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.text(card["window"], size="1", weight="bold"),
                rx.text("Job #", card["number"], size="2", weight="medium"),
                rx.text(card["customer"], size="1"),
                rx.text(card["site"], size="1", color_scheme="gray"),
                rx.text(card["technician"], size="1"),
                spacing="0",
                align="start",
            ),
            width="100%",
            size="1",
        ),
        href=card["href"],
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        class_name="calendar-visit",
        data_job=card["id"],
    )


def day_column(d: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.heading(d["label"], size="2", as_="h2"),
        rx.cond(
            d["count"] == "0",
            rx.text("No visits", size="1", color_scheme="gray"),
            rx.foreach(d["visits"].to(list[dict[str, str]]), visit),
        ),
        spacing="2",
        align="stretch",
        min_width="0",
        padding="0.5em",
        border_radius="8px",
        background_color=rx.color("gray", 3),
        class_name="calendar-day",
        data_date=d["date"],
    )


@office_page("/office/jobs/calendar", "Calendar", Duty.SCHEDULE_JOBS, on_load=[C.load])
def calendar_page() -> rx.Component:
    return rx.vstack(
        page_heading("Calendar", board_links()),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Previous week",
                variant="soft",
                on_click=C.previous,
                id="week-previous",
            ),
            rx.button("This week", variant="ghost", on_click=C.this_week, id="week-this"),
            rx.button(
                "Next week",
                rx.icon("chevron-right", size=16),
                variant="soft",
                on_click=C.next,
                id="week-next",
            ),
            spacing="2",
            wrap="wrap",
        ),
        rx.heading(C.heading, size="4", as_="h2", id="week-heading"),
        rx.cond(C.truncated, rx.callout("This week has more visits than the calendar shows.", icon="info")),
        rx.grid(
            rx.foreach(C.days, day_column),
            columns=rx.breakpoints(initial="1", sm="2", md="4", lg="7"),
            spacing="2",
            width="100%",
            id="week-calendar",
        ),
        spacing="4",
        width="100%",
    )
