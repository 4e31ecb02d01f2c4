"""Walk Me Through on screen: the user menu's entry, the list of tours, the first-login offer on the
dashboard, and the driver.js tour itself.

driver.js (MIT, from npm) is bundled with the frontend like every other library: the small module
``assets/tours.js`` imports it and its stylesheet, and Reflex installs the package from
``lib_dependencies``. Nothing is loaded from another host, and nothing runs inline, so the page's
Content-Security-Policy (``api/headers.py``) needs no change.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.event import passthrough_event_spec

from portal.state.tours import TourState

DRIVER_JS = "driver.js@1.8.0"


class TourDriver(rx.Component):
    """Runs the tour in ``tour`` when its ``run`` changes; reports its key and whether it was finished."""

    library = "$/public/tours.js"
    lib_dependencies: list[str] = [DRIVER_JS]
    tag = "PortalTour"

    tour: rx.Var[dict]
    on_end: rx.EventHandler[passthrough_event_spec(str, bool)]


def walk_me_through_item() -> rx.Component:
    """The user menu's entry."""
    return rx.menu.item(
        rx.icon("map", size=14), "Walk Me Through", on_select=TourState.open_tours, id="walk-me-through"
    )


def _choice(choice: rx.Var) -> rx.Component:
    return rx.button(
        rx.vstack(
            rx.text(choice["title"], weight="bold", size="2"),
            rx.text(choice["summary"], size="1", color_scheme="gray", align="left"),
            spacing="1",
            align="start",
        ),
        on_click=TourState.start(choice["key"]),
        variant="surface",
        color_scheme="gray",
        height="auto",
        padding="0.75em",
        width="100%",
        justify="start",
        data_tour=choice["key"],
    )


def _tour_list() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Walk Me Through"),
            rx.dialog.description(
                "Step-by-step guides to the portal. Use Next or the arrow keys to move on, Escape to leave.",
                size="2",
                color_scheme="gray",
                margin_bottom="1em",
            ),
            rx.vstack(rx.foreach(TourState.choices, _choice), spacing="2", width="100%"),
            rx.hstack(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                justify="end",
                padding_top="1em",
            ),
            max_width="480px",
            id="tour-list",
        ),
        open=TourState.choosing,
        on_open_change=TourState.set_choosing,
    )


def tour_offer() -> rx.Component:
    """The first-login offer, at the top of the dashboard while the contact has not answered it.

    In the page rather than a modal pop-up: it must not stand between a new contact and the page
    (nor trap the focus) when the contact would rather get on with something.
    """
    checked = rx.cond(TourState.offer_checked, rx.box(id="tour-offer-checked", display="none"))
    return rx.fragment(checked, _offer_card())


def _offer_card() -> rx.Component:
    return rx.cond(
        TourState.offered,
        rx.card(
            rx.flex(
                rx.icon("map", size=24, color=rx.color("accent", 10), flex_shrink="0"),
                rx.vstack(
                    rx.heading("Take a quick tour?", size="3", as_="h2", id="tour-offer-title"),
                    rx.text(
                        "A few steps show you where your quotes, jobs, invoices and sites are. You can "
                        "take it later from Walk Me Through in your user menu.",
                        size="2",
                        color_scheme="gray",
                    ),
                    spacing="1",
                    flex="1",
                ),
                rx.hstack(
                    rx.button(
                        "No thanks",
                        variant="soft",
                        color_scheme="gray",
                        on_click=TourState.decline_offer,
                        id="tour-offer-decline",
                    ),
                    rx.button("Start the tour", on_click=TourState.accept_offer, id="tour-offer-start"),
                    spacing="2",
                ),
                spacing="3",
                align=rx.breakpoints(initial="start", sm="center"),
                direction=rx.breakpoints(initial="column", sm="row"),
                width="100%",
            ),
            role="region",
            aria_labelledby="tour-offer-title",
            id="tour-offer",
            width="100%",
        ),
    )


def tours() -> rx.Component:
    """Mounted once in the shell of every signed-in page."""
    return rx.fragment(
        _tour_list(),
        TourDriver.create(tour=TourState.tour, on_end=TourState.ended),
    )
