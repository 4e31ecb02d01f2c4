"""The contractor's own lists of asset types and service levels (/office/lists): add, edit, retire."""

from __future__ import annotations

import reflex as rx

from portal.components.form_dialog import form_dialog
from portal.components.forms import field
from portal.components.office_shell import office_page
from portal.components.shell import loading
from portal.pages.office.office_assets import DUTY, office_heading, office_table
from portal.pages.office.office_sites import section
from portal.services.assets.lists import LEVEL_NAME_LIMIT, TYPE_NAME_LIMIT
from portal.state.office.lists import OfficeListsState

L = OfficeListsState


def _toggle(kind: str, r: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.button(
            "Edit",
            size="1",
            variant="soft",
            high_contrast=True,
            on_click=L.open_edit(kind, r["id"]),
            aria_label="Edit " + r["name"],
        ),
        rx.button(
            rx.cond(r["status"] == "In use", "Retire", "Bring back"),
            size="1",
            variant="soft",
            high_contrast=True,
            color_scheme=rx.cond(r["status"] == "In use", "red", "gray"),
            on_click=L.toggle(kind, r["id"]),
            aria_label=rx.cond(r["status"] == "In use", "Retire ", "Bring back ") + r["name"],
        ),
        spacing="2",
    )


def _status(r: rx.Var) -> rx.Component:
    return rx.badge(
        r["status"],
        color_scheme=rx.cond(r["status"] == "In use", "grass", "gray"),
        variant="soft",
        high_contrast=True,
    )


def _types() -> rx.Component:
    def row(r: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(r["name"]),
            rx.table.cell(r["expected_life_years"], " years"),
            rx.table.cell(_status(r)),
            rx.table.cell(_toggle("type", r)),
            data_asset_type=r["name"],
        )

    return section(
        "Asset types",
        rx.cond(
            L.types.length() > 0,
            office_table("Asset types", ["Type", "Expected life", "Status", "Actions"], L.types, row),
            rx.text(
                "No asset types yet. Add the kinds of equipment you maintain "
                "(Exit Sign, Fire Extinguisher…).",
                color_scheme="gray",
                id="types-empty",
            ),
        ),
        actions=rx.button(
            rx.icon("plus", size=16),
            "Add asset type",
            variant="soft",
            high_contrast=True,
            on_click=L.open_add("type"),
            id="type-add",
        ),
    )


def _levels() -> rx.Component:
    def row(r: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(r["name"]),
            rx.table.cell("every ", r["interval_months"], " months"),
            rx.table.cell(r["sort_order"]),
            rx.table.cell(_status(r)),
            rx.table.cell(_toggle("level", r)),
            data_service_level=r["name"],
        )

    return section(
        "Service levels",
        rx.cond(
            L.levels.length() > 0,
            office_table(
                "Service levels", ["Level", "Interval", "Order", "Status", "Actions"], L.levels, row
            ),
            rx.text(
                "No service levels yet. Add how often equipment is tested (Six Monthly, Annually…).",
                color_scheme="gray",
                id="levels-empty",
            ),
        ),
        actions=rx.button(
            rx.icon("plus", size=16),
            "Add service level",
            variant="soft",
            high_contrast=True,
            on_click=L.open_add("level"),
            id="level-add",
        ),
    )


def _list_field(name: str, label: str, limit: int | None = None, hint: str = "") -> rx.Component:
    control_id = f"list-{name.replace('_', '-')}"
    props = {"max_length": limit} if limit else {"input_mode": "numeric"}
    return field(
        label,
        rx.input(id=control_id, name=name, default_value=L.edit_values.get(name, ""), **props),
        L.edit_errors.get(name, ""),
        hint=hint,
        html_for=control_id,
    )


def _list_dialog() -> rx.Component:
    return form_dialog(
        title=L.edit_title,
        description=rx.dialog.description(
            "Retired entries are not offered for new assets; existing ones keep them.",
            size="2",
            color_scheme="gray",
        ),
        body=[
            rx.cond(
                L.editing == "type",
                rx.vstack(
                    _list_field("name", "Name", TYPE_NAME_LIMIT),
                    _list_field(
                        "expected_life_years",
                        "Expected life (years)",
                        hint="Life Cycle counts from each asset's install date.",
                    ),
                    width="100%",
                    spacing="3",
                ),
                rx.vstack(
                    _list_field("name", "Name", LEVEL_NAME_LIMIT),
                    _list_field("interval_months", "Interval (months)"),
                    _list_field("sort_order", "Order", hint="Lower comes first in PPM and on an asset."),
                    width="100%",
                    spacing="3",
                ),
            ),
        ],
        submit=rx.button("Save", type="submit", id="list-save"),
        key=L.edit_key,
        on_submit=L.save,
        is_open=L.editing != "",
        on_open_change=L.set_edit_open,
        dialog_id="list-dialog",
        max_width="480px",
    )


@office_page("/office/lists", "Asset types and service levels", DUTY, on_load=[L.load])
def office_lists() -> rx.Component:
    return rx.cond(
        ~L.loaded,
        loading(),
        rx.vstack(
            office_heading("Asset types and service levels"),
            rx.text(
                "Your own lists, offered when equipment is registered and scheduled.", color_scheme="gray"
            ),
            _types(),
            _levels(),
            _list_dialog(),
            spacing="4",
            width="100%",
            id="office-lists",
        ),
    )
