"""The office's customers: the list (``/office/customers``), a new customer
(``/office/customers/new``) and a customer's page (``/office/customers/<id>``): its record, its
account, contacts, sites, quotes, jobs and invoices (``customer_panels``). A contact's own form is
``customer_contacts``."""

from __future__ import annotations

import reflex as rx

from portal.components.forms import field, form_error, notice
from portal.components.office_shell import office_page
from portal.components.shell import page_heading
from portal.components.table import PHONE_HIDE, Column, data_table, search_bar, tabs
from portal.core.principal import Duty
from portal.pages.office import customer_contacts  # noqa: F401  (registers the contact pages)
from portal.pages.office.customer_panels import customer_panels
from portal.services.customers.customers import DETAIL_LABELS, LIMITS, MULTI_LINE
from portal.state.office.customer_page import CustomerActivityState
from portal.state.office.customers import KINDS, CustomerRecordState, OfficeCustomersState

L = OfficeCustomersState
R = CustomerRecordState
ROUTE = "/office/customers"

COLUMNS = [
    Column("name", "Name", "name", min_width="180px", card="title"),
    Column("code", "Code", "code", card="subtitle"),
    Column("kind", "Kind", "kind", phone=False),
    Column("email", "Email", "email", phone=False),
    Column("phone", "Phone", card="field"),
    Column("contacts", "Contacts", phone=False),
    Column("status", "Status", card="status"),
]


def customer_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(row["name"], href=row["href"], data_customer=row["name"])),
        rx.table.cell(row["code"]),
        rx.table.cell(row["kind"], class_name=PHONE_HIDE),
        rx.table.cell(row["email"], class_name=PHONE_HIDE),
        rx.table.cell(row["phone"]),
        rx.table.cell(row["contacts"], class_name=PHONE_HIDE),
        rx.table.cell(
            rx.badge(
                row["status"],
                color_scheme=rx.cond(row["status"] == "Active", "grass", "gray"),
                variant="soft",
            )
        ),
    )


@office_page(ROUTE, "Customers", Duty.MANAGE_CUSTOMERS, on_load=[L.load])
def office_customers_page() -> rx.Component:
    return rx.vstack(
        page_heading(
            "Customers",
            rx.link(
                rx.button(rx.icon("upload", size=16), "Import", variant="soft"),
                href=f"{ROUTE}/import",
                id="import-customers",
            ),
            rx.link(
                rx.button(rx.icon("list", size=16), "Asset types and service levels", variant="soft"),
                href="/office/lists",
                id="customer-lists",
            ),
            rx.link(
                rx.button(rx.icon("plus", size=16), "New customer", id="new-customer"), href=f"{ROUTE}/new"
            ),
        ),
        tabs(
            L,
            [("active", "Active"), ("deactivated", "Deactivated"), ("all", "All")],
            search_bar(L, "Name, code, email or phone", L.csv_href),
            data_table(L, COLUMNS, customer_row, "No customers here."),
        ),
        spacing="4",
        width="100%",
        id="office-customers",
    )


# One customer's record.


def _input(name: str) -> rx.Component:
    ident = f"customer-{name.replace('_', '-')}"
    props: dict[str, object] = {
        "id": ident,
        "name": name,
        "default_value": R.values.get(name, ""),
        "max_length": LIMITS[name],
    }
    if name in MULTI_LINE:
        control = rx.text_area(rows="3", **props)
    else:
        extra = {"type": "email"} if name == "email" else {"type": "tel"} if name == "phone" else {}
        control = rx.input(required=name == "name", auto_complete="off", **props, **extra)
    return field(DETAIL_LABELS[name], control, R.errors.get(name, ""), html_for=ident)


def _kind() -> rx.Component:
    return field(
        "Kind",
        rx.el.select(
            *[rx.el.option(k["label"], value=k["value"]) for k in KINDS],
            name="kind",
            id="customer-kind",
            default_value=R.values.get("kind", "company"),
            class_name="native-select",
        ),
        R.errors.get("kind", ""),
        html_for="customer-kind",
    )


def record_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_error(R.errors.get("form", "")),
            rx.grid(
                _kind(),
                *[_input(name) for name in DETAIL_LABELS if name not in MULTI_LINE],
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            *[_input(name) for name in MULTI_LINE],
            rx.hstack(
                rx.button(
                    rx.cond(R.is_new, "Create customer", "Save"),
                    type="submit",
                    loading=R.busy,
                    id="customer-save",
                ),
                rx.cond(
                    ~R.is_new,
                    rx.cond(
                        R.active,
                        rx.button(
                            "Deactivate",
                            type="button",
                            variant="soft",
                            color_scheme="red",
                            on_click=R.ask("deactivate"),
                            id="customer-deactivate",
                        ),
                        rx.button(
                            "Reactivate",
                            type="button",
                            variant="soft",
                            on_click=R.ask("reactivate"),
                            id="customer-reactivate",
                        ),
                    ),
                ),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
            max_width="900px",
        ),
        on_submit=R.save,
        reset_on_submit=False,
        key=R.form_key.to_string(),
        width="100%",
        id="customer-form",
    )


def _confirm_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(
                rx.cond(R.confirm == "deactivate", "Deactivate customer", "Reactivate customer")
            ),
            rx.alert_dialog.description(
                rx.cond(
                    R.confirm == "deactivate",
                    rx.text(
                        "Deactivate ",
                        rx.text.strong(R.values.get("name", "")),
                        "? Its contacts are signed out at once and cannot sign in until it is reactivated.",
                    ),
                    rx.text(
                        "Reactivate ",
                        rx.text.strong(R.values.get("name", "")),
                        "? Its contacts with an active login can sign in again.",
                    ),
                )
            ),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        rx.cond(R.confirm == "deactivate", "Deactivate", "Reactivate"),
                        color_scheme=rx.cond(R.confirm == "deactivate", "red", "grass"),
                        on_click=R.change_active,
                        id="customer-confirm",
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
            max_width="460px",
            id="customer-confirm-dialog",
        ),
        open=R.confirm != "",
        on_open_change=R.set_confirm_open,
    )


def _back() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=14), "Customers", spacing="1", align="center"),
        href=ROUTE,
        size="2",
    )


@office_page(f"{ROUTE}/new", "New customer", Duty.MANAGE_CUSTOMERS, on_load=[R.load_new])
def office_customer_new() -> rx.Component:
    return rx.vstack(
        _back(),
        page_heading("New customer"),
        rx.cond(R.loaded, record_form(), rx.center(rx.spinner(), padding="3em")),
        spacing="4",
        width="100%",
        id="office-customer-new",
    )


@office_page(
    f"{ROUTE}/[customer_id]", "Customer", Duty.MANAGE_CUSTOMERS, on_load=[R.load, CustomerActivityState.load]
)
def office_customer_page() -> rx.Component:
    return rx.vstack(
        _back(),
        rx.cond(
            ~R.found,
            rx.callout(
                "That customer is not available.",
                icon="triangle-alert",
                color_scheme="amber",
                id="customer-missing",
            ),
            rx.cond(
                R.loaded,
                rx.vstack(
                    page_heading(
                        R.values.get("name", ""),
                        rx.cond(
                            ~R.active, rx.badge("Deactivated", color_scheme="gray", id="customer-inactive")
                        ),
                    ),
                    notice(R.notice),
                    customer_panels(),
                    rx.card(
                        rx.vstack(rx.heading("Details", size="4", as_="h2"), record_form(), width="100%"),
                        width="100%",
                    ),
                    _confirm_dialog(),
                    spacing="4",
                    width="100%",
                ),
                rx.center(rx.spinner(), padding="3em"),
            ),
        ),
        spacing="4",
        width="100%",
        id="office-customer",
    )
