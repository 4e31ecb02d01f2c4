"""What the quote and job lists share: the first columns and cells, and the banner once a new one is sent."""

from __future__ import annotations

import reflex as rx

from portal.components.detail import number_cell
from portal.components.table import PHONE_HIDE, Column


def work_columns(kind: str, *rest: Column) -> list[Column]:
    """Number, site, description, order number and date, then the list's own ``rest``."""
    return [
        Column("number", f"{kind} No.", "number", card="title"),
        Column("site", "Site", "site", min_width="140px", card="subtitle"),
        Column("description", "Description", "description", min_width="220px", phone=False),
        Column("order", "Order No.", "order", phone=False),
        Column("date", "Date", "date", min_width="110px", phone=False),
        *rest,
    ]


def work_cells(state, row: rx.Var, kind: str) -> tuple[rx.Component, ...]:
    """The cells under :func:`work_columns`' first five."""
    return (
        number_cell(state, row, kind),
        rx.table.cell(row["site"]),
        rx.table.cell(rx.text(row["description"], size="2"), class_name=PHONE_HIDE),
        rx.table.cell(row["order"], class_name=PHONE_HIDE),
        rx.table.cell(row["date"], white_space="nowrap", class_name=PHONE_HIDE),
    )


def created_banner(state, message: rx.Var | str) -> rx.Component:
    """Shown once a request or booking is sent, so the customer knows its number."""
    return rx.cond(
        state.created != "",
        rx.callout(message, icon="circle-check", color_scheme="green", id="created-banner", width="100%"),
    )
