"""The office's customer search: a name box, Find, the error beside it and one button a match.

Shared by the free invoice, the recurring invoice and the publish form, whose states keep
``customer_choices`` and ``errors`` and handle ``find_customers``/``choose_customer`` through
``state/office/customer_search``; what each screen shows once a customer is chosen stays with it.
"""

from __future__ import annotations

from typing import Any

import reflex as rx


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
