"""The office's customer picker: a name box, Find, the error beside it, one button a match, and
the chosen customer's site select.

Shared by the free invoice, the recurring invoice and the publish form, whose states keep
``customer_choices`` and ``errors`` and handle ``find_customers``/``choose_customer`` through
``state/office/customer_search``; how each screen shows the chosen customer stays with it.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal.components.forms import field


def customer_search(state: Any, *, choice_type: str = "") -> rx.Component:
    """``choice_type="button"`` keeps a choice from submitting a form the search sits inside."""
    extra = {"type": choice_type} if choice_type else {}
    error = state.errors.get("customer", "")
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.input(
                    name="customer_query",
                    placeholder="Customer name",
                    aria_label="Find a customer",
                    id="customer-query",
                    max_length=100,
                ),
                rx.button("Find", type="submit", id="find-customer"),
                spacing="2",
            ),
            on_submit=state.find_customers,
            reset_on_submit=False,
        ),
        rx.cond(error != "", rx.text(error, size="1", color_scheme="red", role="alert")),
        rx.flex(
            rx.foreach(
                state.customer_choices,
                lambda c: rx.button(
                    c["label"],
                    variant="soft",
                    size="1",
                    **extra,
                    on_click=state.choose_customer(c["id"]),
                    data_customer=c["label"],
                ),
            ),
            gap="2",
            wrap="wrap",
        ),
        spacing="2",
        width="100%",
    )


def site_select(state: Any, select_id: str, no_sites: rx.Component) -> rx.Component:
    """The chosen customer's sites (``state.sites``, ``site_id``, ``set_site``) as a labelled
    select, or ``no_sites`` when it has none; each screen says that in its own words."""
    return rx.cond(
        state.sites.length() > 0,
        field(
            "Site",
            rx.el.select(
                rx.el.option("Choose a site", value=""),
                rx.foreach(state.sites, lambda s: rx.el.option(s["label"], value=s["id"])),
                value=state.site_id,
                on_change=state.set_site,
                id=select_id,
                class_name="native-select",
            ),
            state.errors.get("site", ""),
            html_for=select_id,
        ),
        no_sites,
    )
