"""The editor of priced lines (kind, description, quantity, unit price) that office forms share: a
free invoice's and a recurring invoice's.

The fields are uncontrolled (``default_value``) and named ``line-<key>-<field>``, so what is typed
stays in the browser until the form is submitted; each line's ``key`` survives adding and removing
lines. The state side is :class:`portal.state.office.lines.LineEditor`.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal.state.office.lines import KINDS


def line_row(line: rx.Var, index: rx.Var, errors: rx.Var, remove: Any) -> rx.Component:
    """One line; ``errors`` is the form's errors by field name, ``remove`` the handler taking the key."""
    key = line["key"]
    number = (index + 1).to_string()

    def named(part: str) -> rx.Var:
        return "line-" + key + "-" + part

    def error(part: str) -> rx.Component:
        message = errors.get("line-" + key + "-" + part, "")
        return rx.cond(message != "", rx.text(message, size="1", color_scheme="red", role="alert"))

    def typed(part: str, label: str, class_name: str, **props: Any) -> rx.Component:
        """A typed field of the line with its error under it; ``label`` names it for screen readers."""
        return rx.vstack(
            rx.input(
                name=named(part),
                default_value=line[part],
                aria_label="Line " + number + " " + label,
                class_name=class_name,
                **props,
            ),
            error(part),
            spacing="1",
        )

    return rx.grid(
        rx.vstack(
            rx.el.select(
                *[rx.el.option(label, value=value) for value, label in KINDS],
                name=named("kind"),
                default_value=line["kind"],
                aria_label="Line " + number + " kind",
                class_name="native-select",
            ),
            error("kind"),
            spacing="1",
        ),
        typed("description", "description", "line-description", placeholder="Description", max_length=500),
        typed("quantity", "quantity", "line-quantity", input_mode="numeric"),
        typed("unit_price", "unit price", "line-price", placeholder="Unit price", input_mode="decimal"),
        rx.icon_button(
            rx.icon("trash-2", size=14),
            variant="ghost",
            color_scheme="gray",
            type="button",
            on_click=remove(key),
            aria_label="Remove line " + number,
        ),
        columns=rx.breakpoints(initial="1", md="8em 1fr 5em 8em 2em"),
        spacing="2",
        width="100%",
        align="start",
        key=key,
        class_name="invoice-line",
    )


def lines_editor(lines: rx.Var, errors: rx.Var, add: Any, remove: Any) -> rx.Component:
    """The "Lines" heading, every line, the error about the lines as a whole and "Add line"."""
    return rx.fragment(
        rx.heading("Lines", size="4", as_="h2"),
        rx.foreach(lines, lambda line, index: line_row(line, index, errors, remove)),
        rx.cond(
            errors.get("lines", "") != "",
            rx.text(errors.get("lines", ""), size="1", color_scheme="red", role="alert", id="lines-error"),
        ),
        rx.button(
            rx.icon("plus", size=14),
            "Add line",
            variant="soft",
            type="button",
            on_click=add,
            id="add-line",
        ),
    )
