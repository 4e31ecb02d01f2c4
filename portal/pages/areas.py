"""Menu areas whose screens arrive with later work: real routes behind the same access checks."""

from __future__ import annotations

import reflex as rx

from portal.components.shell import template
from portal.models import Page

AREAS = (("/tasks", "Tasks", Page.TASKS, "list-checks", "Tasks raised while we work for you"),)


def _area_page(route: str, title: str, page: str, icon: str, blurb: str) -> None:
    @template(route, title, page)
    def area() -> rx.Component:
        return rx.vstack(
            rx.heading(title, size="6", as_="h1"),
            rx.card(
                rx.vstack(
                    rx.icon(icon, size=32, color=rx.color("gray", 9)),
                    rx.text(blurb, weight="medium"),
                    rx.text(
                        "This part of the portal is being set up for your account.",
                        color_scheme="gray",
                        size="2",
                    ),
                    rx.link(rx.button("Back to the dashboard", variant="soft"), href="/dashboard"),
                    align="center",
                    spacing="3",
                    padding="2em",
                ),
                width="100%",
            ),
            spacing="4",
            width="100%",
            data_area=page,
        )


for _area in AREAS:
    _area_page(*_area)
