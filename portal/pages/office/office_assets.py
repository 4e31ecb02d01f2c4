"""A customer's asset in the back office (register, edit, transfer, retire, service levels), and a customer's
contract. The contractor's own lists of asset types and service levels are in ``asset_lists``."""

from __future__ import annotations

import reflex as rx

from portal.components.form_dialog import form_dialog
from portal.components.forms import field, form_error
from portal.components.office_shell import office_page
from portal.components.shell import loading
from portal.components.table import scroll_region
from portal.core.principal import Duty
from portal.pages.office.office_sites import missing, section
from portal.services.assets.office_contracts import LIMITS as CONTRACT_LIMITS
from portal.services.assets.registry import LABELS, LIMITS, REASON_LIMIT, RETIRE_LIMIT
from portal.state.office.assets import OfficeAssetState
from portal.state.office.contracts import SITE_PREFIX, OfficeContractState

A = OfficeAssetState
C = OfficeContractState
DUTY = Duty.MANAGE_CUSTOMERS


def office_heading(title, *actions: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.heading(title, size="6", as_="h1", id="page-title"),
        rx.spacer(),
        *actions,
        width="100%",
        align="center",
        wrap="wrap",
    )


def _text(
    state,
    name: str,
    label: str,
    control_id: str,
    *,
    kind: str = "text",
    limit: int | None = None,
    hint: str = "",
):
    props = {"max_length": limit} if limit else {}
    return field(
        label,
        rx.input(id=control_id, name=name, type=kind, default_value=state.values[name], **props),
        state.errors.get(name, ""),
        hint=hint,
        html_for=control_id,
    )


def office_table(label: str, headers: list[str], rows: rx.Var, row) -> rx.Component:
    return scroll_region(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(rows, row)),
            width="100%",
        ),
        label,
    )


# --- an asset ------------------------------------------------------------------------------------


def _type_select() -> rx.Component:
    return field(
        LABELS["asset_type_id"],
        rx.select.root(
            rx.select.trigger(placeholder="Choose a type", id="asset-type", width="100%"),
            rx.select.content(rx.foreach(A.type_options, lambda o: rx.select.item(o["name"], value=o["id"]))),
            name="asset_type_id",
            default_value=A.values["asset_type_id"],
        ),
        A.errors.get("asset_type_id", ""),
        html_for="asset-type",
    )


def _asset_form() -> rx.Component:
    def text(name: str, kind: str = "text", hint: str = "") -> rx.Component:
        return _text(
            A,
            name,
            LABELS[name],
            f"asset-{name.replace('_', '-')}",
            kind=kind,
            limit=LIMITS.get(name),
            hint=hint,
        )

    return section(
        rx.cond(A.is_new, "New asset", "Asset details"),
        rx.cond(
            A.type_options.length() == 0,
            rx.callout(
                rx.text(
                    "There are no asset types yet. ",
                    rx.link("Add asset types", href="/office/lists"),
                    " before registering equipment.",
                ),
                icon="info",
                id="no-asset-types",
            ),
        ),
        rx.form(
            rx.vstack(
                rx.grid(
                    _type_select(),
                    text("number", hint="The barcode label; unique for this customer."),
                    text("name"),
                    text("location"),
                    text("make"),
                    text("model"),
                    text("serial"),
                    text("install_date", "date"),
                    text("expected_life_years", hint="Leave empty to use the type's."),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4",
                    width="100%",
                ),
                field(
                    LABELS["details"],
                    rx.text_area(
                        id="asset-details",
                        name="details",
                        default_value=A.values["details"],
                        max_length=LIMITS["details"],
                        rows="3",
                        width="100%",
                    ),
                    A.errors.get("details", ""),
                    html_for="asset-details",
                ),
                form_error(A.errors.get("form", "")),
                rx.button(
                    rx.icon("save", size=16),
                    rx.cond(A.is_new, "Register asset", "Save"),
                    type="submit",
                    loading=A.busy,
                    id="asset-save",
                ),
                spacing="4",
                width="100%",
            ),
            key=A.form_key,
            on_submit=A.save,
            reset_on_submit=False,
            id="asset-form",
        ),
    )


def _schedules() -> rx.Component:
    def row(s: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(s["level"]),
            rx.table.cell(s["interval"]),
            rx.table.cell(s["next_due"]),
            rx.table.cell(s["last_tested"]),
            rx.table.cell(
                rx.hstack(
                    rx.button(
                        "Change due",
                        size="1",
                        variant="soft",
                        high_contrast=True,
                        on_click=A.edit_due(s["id"]),
                        aria_label="Change next due of " + s["level"],
                    ),
                    rx.button(
                        "Remove",
                        size="1",
                        variant="soft",
                        high_contrast=True,
                        color_scheme="red",
                        on_click=A.remove_schedule(s["id"]),
                        aria_label="Remove " + s["level"],
                    ),
                    spacing="2",
                )
            ),
            data_schedule=s["level"],
        )

    add = rx.form(
        rx.flex(
            field(
                "Service level",
                rx.select.root(
                    rx.select.trigger(placeholder="Choose a level", id="schedule-level", width="100%"),
                    rx.select.content(
                        rx.foreach(A.level_options, lambda o: rx.select.item(o["name"], value=o["id"]))
                    ),
                    name="service_level_id",
                ),
                A.schedule_errors.get("service_level_id", ""),
                html_for="schedule-level",
            ),
            field(
                "Next due",
                rx.input(id="schedule-due", name="next_due_on", type="date", default_value=A.today),
                A.schedule_errors.get("next_due_on", ""),
                html_for="schedule-due",
            ),
            rx.button("Add service level", type="submit", id="schedule-add", align_self="end"),
            gap="3",
            direction=rx.breakpoints(initial="column", sm="row"),
            width="100%",
        ),
        form_error(A.schedule_errors.get("form", "")),
        key=A.schedule_key,
        on_submit=A.add_schedule,
        reset_on_submit=False,
        width="100%",
    )
    return section(
        "Service levels",
        rx.cond(
            A.schedules.length() > 0,
            office_table(
                "Service levels",
                ["Level", "Interval", "Next due", "Last tested", "Actions"],
                A.schedules,
                row,
            ),
            rx.text(
                "No service levels: this asset is not in PPM.", color_scheme="gray", id="schedules-empty"
            ),
        ),
        rx.cond(
            ~A.retired,
            rx.cond(
                A.level_options.length() > 0,
                add,
                rx.text(
                    "No service levels to choose from. ",
                    rx.link("Add service levels", href="/office/lists"),
                    ".",
                    size="2",
                ),
            ),
        ),
    )


def _moves() -> rx.Component:
    def row(m: rx.Var) -> rx.Component:
        return rx.table.row(
            rx.table.row_header_cell(m["date"]),
            rx.table.cell(m["from"]),
            rx.table.cell(m["to"]),
            rx.table.cell(m["reason"]),
        )

    return section(
        "Transfer history",
        rx.cond(
            A.moves.length() > 0,
            office_table("Transfer history", ["Date", "From", "To", "Reason"], A.moves, row),
            rx.text("Never moved.", color_scheme="gray", id="moves-empty"),
        ),
    )


def _transfer_dialog() -> rx.Component:
    errors = A.transfer_errors
    return form_dialog(
        title="Transfer asset",
        description=rx.dialog.description(A.place, size="2", color_scheme="gray"),
        body=[
            field(
                "Move to",
                rx.select.root(
                    rx.select.trigger(placeholder="Choose where", id="transfer-destination", width="100%"),
                    rx.select.content(
                        rx.foreach(A.destinations, lambda o: rx.select.item(o["name"], value=o["id"]))
                    ),
                    name="destination",
                ),
                errors.get("destination", ""),
                html_for="transfer-destination",
            ),
            field(
                "Date",
                rx.input(id="transfer-date", name="transferred_on", type="date", default_value=A.today),
                errors.get("transferred_on", ""),
                html_for="transfer-date",
            ),
            field(
                "Reason",
                rx.input(id="transfer-reason", name="reason", max_length=REASON_LIMIT),
                errors.get("reason", ""),
                hint="Shown to the customer on the asset's Transfer History.",
                html_for="transfer-reason",
            ),
            form_error(errors.get("form", "")),
        ],
        submit=rx.button("Transfer", type="submit", id="transfer-save"),
        on_submit=A.transfer,
        is_open=A.transfer_open,
        on_open_change=A.set_transfer_open,
        dialog_id="transfer-dialog",
        max_width="520px",
    )


def _retire_dialog() -> rx.Component:
    errors = A.retire_errors
    return form_dialog(
        kind=rx.alert_dialog,
        title="Retire asset",
        description=rx.alert_dialog.description(
            "A retired asset stays on the customer's register as Removed, with this reason; "
            "it leaves PPM, Life Cycle and the Budget Forecast, and cannot be moved or scheduled again.",
            size="2",
        ),
        body=[
            field(
                "Retired on",
                rx.input(id="retire-date", name="retired_on", type="date", default_value=A.today),
                errors.get("retired_on", ""),
                html_for="retire-date",
            ),
            field(
                "Reason",
                rx.text_area(id="retire-reason", name="retire_reason", max_length=RETIRE_LIMIT, rows="3"),
                errors.get("retire_reason", ""),
                html_for="retire-reason",
            ),
            form_error(errors.get("form", "")),
        ],
        submit=rx.button("Retire asset", color_scheme="red", type="submit", id="retire-confirm"),
        on_submit=A.retire,
        is_open=A.retire_open,
        on_open_change=A.set_retire_open,
        dialog_id="retire-dialog",
        max_width="520px",
        margin_top="1em",
    )


def _due_dialog() -> rx.Component:
    return form_dialog(
        title=A.due_title,
        description=rx.dialog.description(
            "PPM shows the next test in this week.", size="2", color_scheme="gray"
        ),
        body=[
            field(
                "Next due",
                rx.input(
                    id="due-date", name="next_due_on", type="date", default_value=A.due_value, key=A.due_value
                ),
                A.due_errors.get("next_due_on", ""),
                html_for="due-date",
            ),
        ],
        submit=rx.button("Save", type="submit", id="due-save"),
        on_submit=A.save_due,
        is_open=A.due_open,
        on_open_change=A.set_due_open,
        dialog_id="due-dialog",
        max_width="420px",
    )


def _asset_body() -> rx.Component:
    return rx.cond(
        ~A.loaded,
        loading(),
        rx.cond(
            ~A.found,
            missing("Asset"),
            rx.vstack(
                office_heading(
                    A.heading,
                    rx.cond(
                        ~A.is_new & ~A.retired,
                        rx.hstack(
                            rx.button(
                                rx.icon("truck", size=16),
                                "Transfer",
                                variant="soft",
                                high_contrast=True,
                                on_click=A.open_transfer,
                                id="asset-transfer",
                            ),
                            rx.button(
                                "Retire",
                                variant="soft",
                                high_contrast=True,
                                color_scheme="red",
                                on_click=A.open_retire,
                                id="asset-retire",
                            ),
                            spacing="2",
                        ),
                    ),
                ),
                rx.hstack(
                    rx.text("Site: ", rx.link(A.site_name, href=A.site_href), size="2"),
                    rx.cond(
                        ~A.is_new,
                        rx.badge(
                            rx.cond(A.retired, "Retired", A.place),
                            color_scheme=rx.cond(A.retired, "gray", "grass"),
                            variant="soft",
                            high_contrast=True,
                            id="asset-place",
                        ),
                    ),
                    spacing="3",
                    wrap="wrap",
                    align="center",
                ),
                rx.cond(
                    A.retired,
                    rx.callout(A.retired_text, icon="archive", color_scheme="gray", id="asset-retired"),
                ),
                _asset_form(),
                rx.cond(~A.is_new, rx.vstack(_schedules(), _moves(), spacing="4", width="100%")),
                _transfer_dialog(),
                _retire_dialog(),
                _due_dialog(),
                spacing="4",
                width="100%",
                id="office-asset",
            ),
        ),
    )


@office_page("/office/assets/new", "Register asset", DUTY, on_load=[A.start_new])
def office_new_asset() -> rx.Component:
    return _asset_body()


@office_page("/office/assets/[asset_id]", "Asset", DUTY, on_load=[A.load])
def office_asset() -> rx.Component:
    return _asset_body()


# --- a contract ----------------------------------------------------------------------------------


def _contract_form() -> rx.Component:
    def site(s: rx.Var) -> rx.Component:
        control_id = "contract-site-" + s["id"]
        return rx.el.label(
            rx.hstack(
                rx.el.input(
                    type="checkbox",
                    name=SITE_PREFIX + s["id"],
                    id=control_id,
                    default_checked=s["checked"] == "yes",
                ),
                rx.text(s["name"], size="2"),
                spacing="2",
                align="center",
            ),
            html_for=control_id,
        )

    return rx.form(
        rx.vstack(
            rx.grid(
                _text(C, "number", "Contract number", "contract-number", limit=CONTRACT_LIMITS["number"]),
                _text(C, "name", "Name", "contract-name", limit=CONTRACT_LIMITS["name"]),
                _text(C, "start_date", "Start", "contract-start", kind="date"),
                _text(C, "expiry_date", "Expiry", "contract-expiry", kind="date"),
                _text(
                    C,
                    "value",
                    "Value a year",
                    "contract-value",
                    hint="Prices the customer's Budget Forecast.",
                ),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            field(
                "Notes",
                rx.text_area(
                    id="contract-notes",
                    name="notes",
                    default_value=C.values["notes"],
                    max_length=CONTRACT_LIMITS["notes"],
                    rows="3",
                    width="100%",
                ),
                C.errors.get("notes", ""),
                html_for="contract-notes",
            ),
            rx.el.fieldset(
                rx.el.legend(rx.text("Sites covered", size="2", weight="medium")),
                rx.cond(
                    C.sites.length() > 0,
                    rx.flex(rx.foreach(C.sites, site), direction="column", gap="1"),
                    rx.text("This customer has no open sites.", color_scheme="gray", size="2"),
                ),
                rx.cond(
                    C.errors.get("site_ids", "") != "",
                    rx.text(C.errors.get("site_ids", ""), size="1", color_scheme="red", role="alert"),
                ),
                border="none",
                padding="0",
                margin="0",
            ),
            field(
                "Assets covered (asset numbers)",
                rx.text_area(
                    id="contract-assets",
                    name="asset_numbers",
                    default_value=C.values["asset_numbers"],
                    rows="4",
                    width="100%",
                ),
                C.errors.get("asset_numbers", ""),
                hint="One per line, or separated by commas; each must be at a covered site.",
                html_for="contract-assets",
            ),
            rx.el.label(
                rx.hstack(
                    rx.el.input(type="checkbox", name="all_assets", id="contract-all-assets"),
                    rx.text("Also cover every active asset at the covered sites", size="2"),
                    spacing="2",
                    align="center",
                ),
                html_for="contract-all-assets",
            ),
            form_error(C.errors.get("form", "")),
            rx.button(
                rx.icon("save", size=16), "Save contract", type="submit", loading=C.busy, id="contract-save"
            ),
            spacing="4",
            width="100%",
        ),
        key=C.form_key,
        on_submit=C.save,
        reset_on_submit=False,
        id="contract-form",
    )


def _contract_body() -> rx.Component:
    return rx.cond(
        ~C.loaded,
        loading(),
        rx.cond(
            ~C.found,
            missing("Contract"),
            rx.vstack(
                office_heading(C.heading),
                rx.text("Customer: ", C.customer_name, size="2"),
                section(rx.cond(C.is_new, "New contract", "Contract details"), _contract_form()),
                spacing="4",
                width="100%",
                id="office-contract",
            ),
        ),
    )


@office_page("/office/contracts/new", "New contract", DUTY, on_load=[C.start_new])
def office_new_contract() -> rx.Component:
    return _contract_body()


@office_page("/office/contracts/[contract_id]", "Contract", DUTY, on_load=[C.load])
def office_contract() -> rx.Component:
    return _contract_body()


# --- the contractor's lists ----------------------------------------------------------------------
