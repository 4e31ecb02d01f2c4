"""The site's fields, drawn once: the Sites area's Site Details and Request a Quote's Create New site
dialog show the same labels, limits and hints, so a site reads the same wherever it is made.

``prefix`` names the inputs' ids (``site-name`` on the site's page, ``new-site-name`` in the dialog,
so both can be on one page); ``values`` fills them when a stored site is shown.
"""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field
from portal.services.sites.editing import LABELS, LIMITS

AUTOCOMPLETE = {
    "name": "off",
    "street": "address-line1",
    "suburb": "address-level2",
    "state": "address-level1",
    "postcode": "postal-code",
}
NOTES_HINT = "Keys, parking, who to ask for: what our technicians need to know to get in."


def _id(prefix: str, name: str) -> str:
    return f"{prefix}-{name.replace('_', '-')}"


def _input(prefix: str, name: str, errors: rx.Var, values: rx.Var | None, **props) -> rx.Component:
    control_id = _id(prefix, name)
    filled = {"default_value": values[name]} if values is not None else {}
    return field(
        LABELS[name],
        rx.input(
            id=control_id,
            name=name,
            max_length=LIMITS[name],
            auto_complete=AUTOCOMPLETE[name],
            **filled,
            **props,
        ),
        errors.get(name, ""),
        html_for=control_id,
    )


def site_fields(
    prefix: str, errors: rx.Var, values: rx.Var | None = None, *, focus_name: bool = False
) -> rx.Component:
    """Site name, the address and the access notes, with each field's error beside it."""
    notes_id = _id(prefix, "access_notes")
    notes_filled = {"default_value": values["access_notes"]} if values is not None else {}
    return rx.vstack(
        rx.grid(
            _input(prefix, "name", errors, values, **({"auto_focus": True} if focus_name else {})),
            _input(prefix, "street", errors, values),
            _input(prefix, "suburb", errors, values),
            rx.grid(
                _input(prefix, "state", errors, values),
                _input(prefix, "postcode", errors, values),
                columns="2",
                spacing="3",
                width="100%",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="4",
            width="100%",
        ),
        field(
            LABELS["access_notes"],
            rx.text_area(
                id=notes_id,
                name="access_notes",
                max_length=LIMITS["access_notes"],
                rows="4",
                width="100%",
                **notes_filled,
            ),
            errors.get("access_notes", ""),
            hint=NOTES_HINT,
            html_for=notes_id,
        ),
        spacing="4",
        width="100%",
    )
