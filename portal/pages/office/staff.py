"""/office/staff: who may sign in to the back office, with what role; the owner invites and manages."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field, form_error
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import Column, data_table
from portal.core.principal import Duty
from portal.state.office.staff import ROLES, StaffListState

S = StaffListState

COLUMNS = [
    Column("name", "Name", sort="name", card="title"),
    Column("email", "Email", sort="email", card="subtitle"),
    Column("role", "Role", sort="role", card="field"),
    Column("mfa", "Authenticator app", card="field"),
    Column("codes", "Recovery codes", card="field"),
    Column("last_login", "Last sign-in", sort="last_login", card="detail"),
    Column("status", "Status", card="status"),
    Column("options", "", card="options"),
]
ROLE_HINT = (
    "Owner: everything, staff and settings. Office: customers, quotes, jobs, invoices. Technician: own jobs."
)


def _role_select(default: rx.Var | str, control_id: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=control_id, width="100%"),
        rx.select.content(*[rx.select.item(role.title(), value=role) for role in ROLES]),
        name="role",
        default_value=default,
        size="3",
    )


def _row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(row["name"]),
        rx.table.cell(row["email"]),
        rx.table.cell(row["role"]),
        rx.table.cell(row["mfa"]),
        rx.table.cell(row["codes"]),
        rx.table.cell(row["last_login"]),
        rx.table.cell(
            rx.badge(
                row["status"],
                color_scheme=rx.match(row["status"], ("Active", "grass"), ("Invited", "blue"), "gray"),
                variant="soft",
            )
        ),
        rx.table.cell(
            rx.cond(
                row["active"] != "",
                rx.button(
                    "Manage",
                    size="1",
                    variant="soft",
                    on_click=S.open_member(row["id"]),
                    aria_label="Manage " + row["name"],
                    data_staff=row["email"],
                ),
            )
        ),
        data_staff_row=row["email"],
    )


def _invite_dialog() -> rx.Component:
    errors = S.invite_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Invite a colleague"),
            rx.dialog.description(
                "They get an email with a link to choose a password; their first sign-in sets up an "
                "authenticator app.",
                size="2",
                color_scheme="gray",
            ),
            rx.form(
                rx.vstack(
                    field(
                        "Email",
                        rx.input(
                            id="invite-email", name="email", type="email", required=True, max_length=254
                        ),
                        errors.get("email", ""),
                        html_for="invite-email",
                    ),
                    field(
                        "Name",
                        rx.input(id="invite-name", name="name", max_length=200, auto_complete="off"),
                        errors.get("name", ""),
                        hint="They can change it when they set up their login.",
                        html_for="invite-name",
                    ),
                    field(
                        "Role",
                        _role_select("office", "invite-role"),
                        errors.get("role", ""),
                        hint=ROLE_HINT,
                        html_for="invite-role",
                    ),
                    form_error(errors.get("form", "")),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button("Cancel", variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button("Send invite", type="submit", loading=S.invite_busy, id="invite-send"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="4",
                    width="100%",
                ),
                on_submit=S.invite,
                reset_on_submit=False,
            ),
            max_width="520px",
            id="invite-dialog",
        ),
        open=S.invite_open,
        on_open_change=S.set_invite_open,
    )


def _member_dialog() -> rx.Component:
    errors = S.member_errors
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(S.member["name"]),
            rx.dialog.description(S.member["email"], size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    field(
                        "Role",
                        _role_select(S.member["role"], "member-role"),
                        errors.get("role", ""),
                        hint=ROLE_HINT,
                        html_for="member-role",
                    ),
                    rx.hstack(
                        rx.button("Save role", type="submit", id="member-save-role"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                key=S.member["id"],
                on_submit=S.save_role,
                reset_on_submit=False,
            ),
            rx.separator(margin_y="1em"),
            rx.hstack(
                rx.text(
                    "Lost their phone? Resetting clears their authenticator app and recovery codes and "
                    "signs them out; their next sign-in sets up an app again.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.button(
                    "Reset MFA",
                    variant="soft",
                    type="button",
                    on_click=S.ask_reset_mfa,
                    id="member-reset-mfa",
                    flex_shrink="0",
                ),
                align="center",
                spacing="3",
                width="100%",
            ),
            rx.separator(margin_y="1em"),
            rx.vstack(
                rx.text(
                    "Changing a role or deactivating ends their sessions at once; their links stop working.",
                    size="2",
                    color_scheme="gray",
                ),
                form_error(errors.get("form", "")),
                rx.hstack(
                    rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", type="button")),
                    rx.button(
                        "Deactivate login",
                        color_scheme="red",
                        variant="soft",
                        type="button",
                        on_click=S.ask_deactivate,
                        id="member-deactivate",
                    ),
                    justify="between",
                    width="100%",
                ),
                spacing="3",
                width="100%",
            ),
            max_width="520px",
            id="member-dialog",
        ),
        open=S.member_open,
        on_open_change=S.set_member_open,
    )


def _confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Deactivate login"),
            rx.alert_dialog.description(
                rx.text("Stop ", rx.text.strong(S.member["name"]), " signing in to the back office?")
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        "Deactivate", color_scheme="red", on_click=S.deactivate, id="deactivate-confirm"
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="440px",
            id="deactivate-dialog",
        ),
        open=S.confirm_open,
        on_open_change=S.set_confirm_open,
    )


def _reset_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Reset MFA"),
            rx.alert_dialog.description(
                rx.text(
                    "Clear the authenticator app and recovery codes of ",
                    rx.text.strong(S.member["name"]),
                    " and sign them out? Their next sign-in sets up an app again.",
                )
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button("Reset MFA", color_scheme="red", on_click=S.reset_mfa, id="reset-mfa-confirm")
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="440px",
            id="reset-mfa-dialog",
        ),
        open=S.reset_open,
        on_open_change=S.set_reset_open,
    )


@office_page("/office/staff", "Staff", Duty.MANAGE_STAFF, on_load=[S.load])
def office_staff() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Staff",
            rx.button(rx.icon("user-plus", size=16), "Invite", on_click=S.open_invite, id="invite-open"),
        ),
        data_table(S, COLUMNS, _row, "No staff yet."),
        _invite_dialog(),
        _member_dialog(),
        _confirm_dialog(),
        _reset_dialog(),
        spacing="4",
        width="100%",
        id="office-staff",
    )
