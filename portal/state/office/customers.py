"""The office's customers: the list (``/office/customers``) and one customer's record, new or
existing, with deactivating and reactivating it after a confirmation.

Every handler asks :func:`office_staff` for the staff member with ``Duty.MANAGE_CUSTOMERS`` again;
the customer on screen is kept in a backend var, set only by loading its page.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.models import CustomerKind
from portal.services.customers import customers
from portal.services.customers.customers import CustomerError, CustomerInput
from portal.state import arguments
from portal.state.display import DASH
from portal.state.listing import ListState
from portal.state.office.session import office_staff

ROUTE = "/office/customers"
DUTY = Duty.MANAGE_CUSTOMERS
FIELDS = ("kind", *customers.DETAILS)
KINDS = [{"value": k.value, "label": label} for k, label in customers.KIND_LABELS.items()]


class OfficeCustomersState(ListState, rx.State):
    """``/office/customers``: Active, Deactivated and All, searched by name, code, email or phone."""

    TABS: ClassVar[tuple[str, ...]] = customers.CUSTOMER_TABS
    PAGE: ClassVar[str] = DUTY
    EXPORT: ClassVar[str] = "office/customers"  # /export/office/customers.csv, the staff's own route

    def _scope(self, duty: str) -> StaffMember | None:
        return office_staff(self, duty)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            return customers.list_customers(session, scope, self.tab, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "name": row.name,
            "kind": row.kind,
            "code": row.code or DASH,
            "email": row.email or DASH,
            "phone": row.phone or DASH,
            "contacts": str(row.contacts),
            "status": "Active" if row.active else "Deactivated",
            "href": f"{ROUTE}/{row.id}",
        }

    @rx.event
    def load(self):
        self._open_from_url()
        if not self.sort:
            self.sort, self.descending = "name", False
        self._refresh()


def _shown(customer: Any) -> dict[str, str]:
    return {"kind": str(customer.kind), **{name: getattr(customer, name) or "" for name in customers.DETAILS}}


class CustomerRecordState(rx.State):
    """A customer's record on its page (and on ``/office/customers/new``): the form, its errors
    beside each field, and the confirmation before deactivating or reactivating."""

    loaded: bool = False
    found: bool = True
    is_new: bool = True
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    active: bool = True
    busy: bool = False
    confirm: str = ""  # "deactivate" or "reactivate" while its dialog is open
    notice: str = ""
    form_key: int = 0  # bumped on every load, so the inputs show the stored values again
    _customer_id: int = 0

    def _staff(self) -> StaffMember | None:
        return office_staff(self, DUTY)

    def _show(self, customer: Any) -> None:
        self._customer_id = customer.id
        self.values, self.active = _shown(customer), customer.is_active
        self.is_new, self.found, self.loaded = False, True, True
        self.errors, self.busy, self.confirm = {}, False, ""
        self.form_key += 1

    def _reload(self, staff: StaffMember) -> bool:
        with unit_of_work(read_only=True) as session:
            customer = customers.find(session, staff, self._customer_id)
            if customer is None:
                return False
            self._show(customer)
        return True

    @rx.event
    def load(self):
        self.loaded, self.confirm, self.notice = False, "", ""
        staff = self._staff()
        if staff is None:
            return
        with unit_of_work(read_only=True) as session:
            customer = customers.find(session, staff, self.router.page.params.get("customer_id", ""))
            if customer is None:
                self._customer_id, self.found, self.loaded = 0, False, True
                return
            self._show(customer)
        if self.router.url.query_parameters.get("created") == "1":
            self.notice = "Customer created. Add its contacts and sites below."

    @rx.event
    def load_new(self):
        self.loaded = False
        if self._staff() is None:
            return
        self._customer_id, self.is_new, self.found, self.active = 0, True, True, True
        self.values = {"kind": CustomerKind.COMPANY.value, **{name: "" for name in customers.DETAILS}}
        self.errors, self.busy, self.confirm, self.loaded = {}, False, "", True
        self.form_key += 1

    @rx.event
    def save(self, form: dict):
        staff = self._staff()
        if staff is None or not self.loaded or not self.found or self.busy:
            return None
        sent = arguments.form(form)
        typed = {name: arguments.text(sent.get(name), 4000) for name in FIELDS}
        self.values = typed  # what was typed stays on screen when something is refused
        try:
            with unit_of_work() as session:
                saved = customers.save_customer(
                    session, staff, None if self.is_new else self._customer_id, CustomerInput(**typed)
                )
        except CustomerError as refused:
            self.errors = dict(refused.field_errors)
            return rx.toast.error("Please check the highlighted fields.")
        if self.is_new:
            # A second click queued behind this one edits the new customer (and, unchanged, writes nothing).
            self._customer_id, self.is_new = saved, False
            return rx.redirect(f"{ROUTE}/{saved}?created=1")
        self._reload(staff)
        return rx.toast.success("Customer saved.")

    @rx.event
    def ask(self, what: str):
        if self._staff() is None or not self._customer_id:
            return
        what = arguments.text(what, 20)
        wanted = "deactivate" if self.active else "reactivate"
        self.confirm = what if what == wanted else ""

    @rx.event
    def set_confirm_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.confirm = ""

    @rx.event
    def change_active(self):
        """The confirmed Deactivate or Reactivate."""
        staff = self._staff()
        what, self.confirm = self.confirm, ""
        if staff is None or not self._customer_id or what not in ("deactivate", "reactivate"):
            return None
        try:
            with unit_of_work() as session:
                customer = customers.set_active(session, staff, self._customer_id, what == "reactivate")
                name = customer.name
        except CustomerError as refused:
            self.errors = dict(refused.field_errors)
            return None
        self._reload(staff)
        if what == "deactivate":
            return rx.toast.success(f"{name} is deactivated: its contacts can no longer sign in.")
        return rx.toast.success(f"{name} is active again.")
