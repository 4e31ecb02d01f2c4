"""/office: where each role starts, a card per area its duties open."""

from __future__ import annotations

import reflex as rx

from portal.components.office_shell import MENU, Area, office_page
from portal.components.shell import page_heading
from portal.state.office.session import OfficeSession


def _card(area: Area) -> rx.Component:
    return rx.cond(
        OfficeSession.duties.contains(area.duty.value),
        rx.link(
            rx.card(
                rx.hstack(
                    rx.icon(area.icon, size=22, aria_hidden="true"),
                    rx.heading(area.label, size="4", as_="h2"),
                    align="center",
                    spacing="3",
                ),
                padding="1.25em",
            ),
            href=area.href,
            underline="none",
            color_scheme="gray",
            high_contrast=True,
        ),
    )


@office_page("/office", "Home")
def office_home() -> rx.Component:
    return rx.vstack(
        page_heading(rx.text("Good day, ", OfficeSession.staff_name)),
        rx.grid(
            *[_card(area) for area in MENU],
            columns=rx.breakpoints(initial="1", sm="2", md="3"),
            spacing="3",
            width="100%",
        ),
        spacing="4",
        width="100%",
        id="office-home",
    )
