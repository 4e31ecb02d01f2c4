"""The pop-up forms of the site and asset screens: one shape, so Cancel and submit sit alike everywhere.

Each dialog keeps its own title, fields, ids and handlers; only the frame (title, description, form
with Cancel then the submit button at the right, open/close wiring) is written once here.
"""

from __future__ import annotations

from types import ModuleType

import reflex as rx

from portal.components.forms import field


def dialog_actions(
    submit: rx.Component, *, cancel=rx.dialog.close, high_contrast: bool = True
) -> rx.Component:
    """Cancel (closes without sending) then the dialog's submit button, at the right of the form."""
    return rx.hstack(
        cancel(
            rx.button(
                "Cancel",
                variant="soft",
                color_scheme="gray",
                type="button",
                **({"high_contrast": True} if high_contrast else {}),
            )
        ),
        submit,
        justify="end",
        width="100%",
    )


def form_dialog(
    *,
    title,
    description: rx.Component,
    body: list[rx.Component],
    submit: rx.Component,
    on_submit,
    is_open,
    on_open_change,
    dialog_id: str,
    max_width: str,
    key=None,
    kind: ModuleType | None = None,
    high_contrast: bool = True,
    spacing: str = "4",
    **stack_props,
) -> rx.Component:
    """A dialog (or, with ``kind=rx.alert_dialog``, an alert dialog) holding one form.

    The form is not reset on submit, so a refused value stays in its field beside its message.
    """
    ns = kind or rx.dialog
    cancel = ns.cancel if kind is not None else rx.dialog.close
    form_props = {"key": key} if key is not None else {}
    return ns.root(
        ns.content(
            ns.title(title),
            description,
            rx.form(
                rx.vstack(
                    *body,
                    dialog_actions(submit, cancel=cancel, high_contrast=high_contrast),
                    spacing=spacing,
                    width="100%",
                    **stack_props,
                ),
                **form_props,
                on_submit=on_submit,
                reset_on_submit=False,
            ),
            max_width=max_width,
            id=dialog_id,
        ),
        open=is_open,
        on_open_change=on_open_change,
    )


CONTACT_FIELDS = (
    ("first_name", "First name", "text"),
    ("last_name", "Last name", "text"),
    ("position", "Position", "text"),
    ("email", "Email", "email"),
    ("phone", "Phone", "tel"),
    ("mobile", "Mobile", "tel"),
)


def contact_fields(prefix: str, values: rx.Var, errors: rx.Var, limits: dict[str, int]) -> rx.Component:
    """A site contact's six fields in two columns (one on a phone), ids ``{prefix}-first-name`` and so on."""

    def one(name: str, label: str, kind: str) -> rx.Component:
        control_id = f"{prefix}-{name.replace('_', '-')}"
        return field(
            label,
            rx.input(
                id=control_id,
                name=name,
                type=kind,
                default_value=values[name],
                max_length=limits[name],
            ),
            errors.get(name, ""),
            html_for=control_id,
        )

    return rx.grid(
        *(one(*spec) for spec in CONTACT_FIELDS),
        columns=rx.breakpoints(initial="1", sm="2"),
        spacing="3",
        width="100%",
    )
