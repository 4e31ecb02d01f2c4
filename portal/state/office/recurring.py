"""The office's recurring invoices: the list (``/office/recurring``, ``?customer=<id>``), every run
(``/office/recurring/runs``), a new one (``/office/recurring/new``) and one recurring invoice
(``/office/recurring/<id>``): its form, pause, resume, end, "Run now" and its own runs.

Every handler asks :func:`office_staff` for the staff member with ``BILL_RECURRING`` again; the ids
the commands act on (the recurring invoice on screen, its customer) live in backend vars, set only
by loading the page or choosing from what the server offered.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import clock, tenant
from portal.core.lists import Page, PageRequest
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.models import Frequency
from portal.services.billing import recurring
from portal.services.billing.gateways import get_gateway
from portal.services.billing.invoicing import InvoicingError
from portal.services.billing.recurring import RecurringInput
from portal.state import arguments
from portal.state.display import DASH, day, money
from portal.state.listing import ListState
from portal.state.office.customer_search import offered, search_customers
from portal.state.office.lines import LineEditor
from portal.state.office.session import office_staff

ROUTE = "/office/recurring"
FREQUENCIES = [{"value": f.value, "label": label} for f, label in recurring.FREQUENCIES.items()]


def _staff(state: rx.State) -> StaffMember | None:
    return office_staff(state, Duty.BILL_RECURRING)


class RecurringListState(ListState, rx.State):
    """``/office/recurring``: Active, Paused, Ended and All; one customer's with ``?customer=<id>``."""

    TABS: ClassVar[tuple[str, ...]] = recurring.RECURRING_TABS
    PAGE: ClassVar[str] = Duty.BILL_RECURRING
    customer_name: str = ""
    customer_href: str = ""
    _customer_id: int = 0
    _currency: str = "AUD"

    def _scope(self, duty: str) -> StaffMember | None:
        return office_staff(self, duty)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            self._currency = tenant.currency(session)
            return recurring.list_recurring(
                session, scope, self.tab, request, tenant.today(session), self._customer_id
            )

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "number": str(row.number),
            "customer": row.customer_name,
            "site": row.site_name,
            "name": row.name,
            "frequency": row.frequency,
            "next": day(row.next_due_on) if row.status != recurring.ENDED else DASH,
            "total": money(row.total_cents, self._currency),
            "autopay": "On" if row.autopay else "Off",
            "status": row.status,
            "href": f"{ROUTE}/{row.id}",
        }

    @rx.event
    def load(self):
        self._open_from_url()
        self._customer_id, self.customer_name, self.customer_href = 0, "", f"{ROUTE}/new"
        staff = _staff(self)
        raw = self.router.url.query_parameters.get("customer", "")
        if staff is not None and raw:
            with unit_of_work(read_only=True) as session:
                chosen = recurring.customer_choice(session, staff, raw)
            if chosen is not None:
                self._customer_id, self.customer_name = chosen.id, chosen.name
                self.customer_href = f"{ROUTE}/new?customer={chosen.id}"
        self._refresh()


class RunsList(ListState, mixin=True):
    """A page of runs: every recurring invoice's, or one's (``_recurring_id``)."""

    TABS: ClassVar[tuple[str, ...]] = recurring.RUN_TABS
    PAGE: ClassVar[str] = Duty.BILL_RECURRING
    _recurring_id: int = 0
    _currency: str = "AUD"
    _zone: str = "UTC"

    def _scope(self, duty: str) -> StaffMember | None:
        return office_staff(self, duty)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            self._currency = tenant.currency(session)
            self._zone = tenant.contractor(session).timezone
            return recurring.list_runs(
                session, scope, self.tab, request, tenant.today(session), self._recurring_id
            )

    def _format(self, row: Any) -> dict[str, str]:
        run_day = clock.local_day(row.run_at, clock.zone(self._zone)) if row.run_at else None
        return {
            "id": str(row.id),
            "date": day(run_day),
            "due": day(row.due_on),
            "recurring": f"{row.recurring_number} · {row.recurring_name}",
            "recurring_href": f"{ROUTE}/{row.recurring_id}",
            "customer": row.customer_name,
            "invoice": str(row.invoice_number) if row.invoice_number else DASH,
            "invoice_href": f"/office/invoices/{row.invoice_id}" if row.invoice_id else "",
            "amount": money(row.invoice_total_cents, self._currency),
            "invoice_status": row.invoice_status or DASH,
            "result": row.result,
            "reason": row.reason or DASH,
            "card": row.card or DASH,
        }


class RecurringRunsState(RunsList, rx.State):
    """``/office/recurring/runs``: every run, newest first."""

    @rx.event
    def load(self):
        self._open_from_url()
        self._recurring_id = 0
        self._refresh()


class RecurringHistoryState(RunsList, rx.State):
    """The runs of the recurring invoice on screen, under its form."""

    @rx.event
    def load(self):
        self._open_from_url()
        self._recurring_id = arguments.whole(self.router.page.params.get("recurring_id", "")) or 0
        if self._recurring_id > 2**31:
            self._recurring_id = 0
        self._refresh()


def _blank_form() -> dict[str, str]:
    return {
        "name": "",
        "description": "",
        "frequency": "monthly",
        "next_due_on": "",
        "ends_on": "",
    }


class RecurringState(LineEditor, rx.State):
    """``/office/recurring/new`` and ``/office/recurring/<id>``: the form, and for one that exists its
    status, pause, resume, end and "Run now" (both confirmed first)."""

    mode: str = "new"  # "new" or "edit"
    found: bool = True
    loaded: bool = False
    detail: dict[str, str] = {}
    status: str = ""
    editable: bool = True
    due_now: bool = False
    form: dict[str, str] = _blank_form()
    errors: dict[str, str] = {}
    # The customer: chosen on a new one, fixed on one that exists.
    customer_name: str = ""
    customer_query: str = ""
    customer_choices: list[dict[str, str]] = []
    sites: list[dict[str, str]] = []
    site_id: str = ""
    card: str = ""  # the customer's saved card: automatic payment is offered only with one
    autopay: bool = False
    saved: bool = False
    confirm: str = ""  # "end" or "run": the confirmation open
    busy: bool = False
    _recurring_id: int = 0
    _customer_id: int = 0

    def _may_edit_lines(self) -> bool:
        return _staff(self) is not None and self.editable

    @rx.event
    def load(self):
        self.errors, self.confirm, self.busy, self.loaded = {}, "", False, False
        self.saved = self.router.url.query_parameters.get("saved", "") == "1"
        staff = _staff(self)
        if staff is None:
            return
        raw = self.router.page.params.get("recurring_id", "")
        if raw and raw != "new":
            self.mode = "edit"
            self._show(staff, raw)
            return
        self.mode, self.found, self.editable, self.due_now = "new", True, True, False
        self._recurring_id, self.detail, self.status = 0, {}, ""
        self.form = {**_blank_form(), "next_due_on": self._today().isoformat()}
        self.autopay = False
        self._start_lines()
        self._choose(staff, self.router.url.query_parameters.get("customer", ""))
        self.loaded = True

    @staticmethod
    def _today():
        with unit_of_work(read_only=True) as session:
            return tenant.today(session)

    def _show(self, staff: StaffMember, recurring_id: Any) -> bool:
        with unit_of_work(read_only=True) as session:
            d = recurring.recurring_for_office(session, staff, recurring_id)
        if d is None:
            self.found, self.loaded, self._recurring_id = False, True, 0
            return False
        cur = d.currency
        self._recurring_id, self._customer_id = d.id, d.customer_id
        self.found, self.status, self.editable, self.due_now = True, d.status, d.editable, d.due_now
        self.customer_name, self.card = d.customer_name, d.card
        self.sites = [{"id": str(s.id), "label": s.label} for s in d.sites]
        if all(s["id"] != str(d.site_id) for s in self.sites):  # a site closed since: still its own
            self.sites = [{"id": str(d.site_id), "label": d.site_name}, *self.sites]
        self.site_id = str(d.site_id)
        self.detail = {
            "number": str(d.number),
            "customer": d.customer_name,
            "customer_id": str(d.customer_id),
            "site": d.site_name,
            "name": d.name,
            "frequency": recurring.FREQUENCIES.get(Frequency(d.frequency), d.frequency),
            "next": day(d.next_due_on) if d.status != recurring.ENDED else DASH,
            "ends": day(d.ends_on),
            "last_paid": day(d.last_paid_on),
            "autopay": ("On, " + d.card if d.card else "On, but no saved card") if d.autopay else "Off",
            "cancelled": "1" if d.cancelled_by_customer else "",
            "subtotal": money(d.subtotal_cents, cur),
            "tax": money(d.tax_cents, cur),
            "total": money(d.total_cents, cur),
            "charges_card": "1" if d.autopay and d.card else "",
        }
        self.form = {
            "name": d.name,
            "description": d.description,
            "frequency": d.frequency,
            "next_due_on": d.next_due_on.isoformat(),
            "ends_on": d.ends_on.isoformat() if d.ends_on else "",
        }
        self.autopay = d.autopay
        self._start_lines(
            [
                {
                    "kind": line.kind or "other",
                    "description": line.description,
                    "quantity": str(line.quantity),
                    "unit_price": f"{line.unit_price_cents // 100}.{line.unit_price_cents % 100:02d}",
                    "kind_label": line.kind_label,
                    "unit": money(line.unit_price_cents, cur),
                    "total": money(line.total_cents, cur),
                }
                for line in d.lines
            ]
        )
        self.loaded = True
        return True

    # The customer and site of a new one.

    def _choose(self, staff: StaffMember, customer_id: Any) -> bool:
        self._customer_id, self.customer_name, self.sites, self.site_id, self.card = 0, "", [], "", ""
        if not customer_id:
            return False
        with unit_of_work(read_only=True) as session:
            chosen = recurring.customer_choice(session, staff, customer_id)
        if chosen is None:
            self.errors = {"customer": "That customer is not available."}
            return False
        self._customer_id, self.customer_name, self.card = chosen.id, chosen.name, chosen.card
        self.sites = [{"id": str(s.id), "label": s.label} for s in chosen.sites]
        self.site_id = self.sites[0]["id"] if len(self.sites) == 1 else ""
        self.autopay = self.autopay and bool(self.card)
        return True

    @rx.event
    def find_customers(self, form: dict):
        staff = _staff(self)
        if staff is None or self.mode != "new":
            return
        search_customers(self, staff, form, recurring.find_customers)

    @rx.event
    def choose_customer(self, customer_id: str):
        staff = _staff(self)
        if staff is None or self.mode != "new":
            return
        chosen = offered(self.customer_choices, customer_id)
        if chosen is not None and self._choose(staff, chosen["id"]):
            self.customer_choices, self.errors = [], {}

    @rx.event
    def change_customer(self):
        if _staff(self) is None or self.mode != "new":
            return
        self._customer_id, self.customer_name, self.sites, self.site_id, self.card = 0, "", [], "", ""

    @rx.event
    def set_autopay(self, checked: bool):
        self.autopay = arguments.flag(checked)

    @rx.event
    def set_site(self, site_id: str):
        site_id = arguments.text(site_id, 20)
        if any(s["id"] == site_id for s in self.sites):
            self.site_id = site_id

    # Saving.

    @rx.event
    def save(self, form: dict):
        staff = _staff(self)
        if (
            staff is None
            or self.busy
            or not self.editable
            or (self.mode == "edit" and not self._recurring_id)
        ):
            return None
        sent = arguments.form(form)
        self._keep_lines(sent)
        self.form = {
            "name": arguments.text(sent.get("name"), 300),
            "description": arguments.text(sent.get("description"), 2100),
            "frequency": arguments.text(sent.get("frequency"), 20),
            "next_due_on": arguments.text(sent.get("next_due_on"), 20),
            "ends_on": arguments.text(sent.get("ends_on"), 20),
        }
        if self.mode == "new" and not self._customer_id:
            self.errors = {"customer": "Choose the customer."}
            return None
        typed = RecurringInput(
            customer_id=self._customer_id,
            site_id=self.site_id,
            name=self.form["name"],
            description=self.form["description"],
            frequency=self.form["frequency"],
            next_due_on=self.form["next_due_on"],
            ends_on=self.form["ends_on"],
            autopay=self.autopay,
            lines=self._typed_lines(),
        )
        try:
            with unit_of_work() as session:
                ri = recurring.save_recurring(
                    session, staff, self._recurring_id if self.mode == "edit" else None, typed
                )
                saved_id, number = ri.id, ri.number
        except InvoicingError as refused:
            self.errors = self._keyed(refused.field_errors)
            return None
        self.errors = {}
        if self.mode == "new":
            return rx.redirect(f"{ROUTE}/{saved_id}?saved=1")
        self._show(staff, saved_id)
        return rx.toast.success(f"Recurring invoice {number} saved.")

    # Pause, resume, end, run now.

    def _command(self, name: str) -> Any:
        staff = _staff(self)
        if staff is None or not self._recurring_id or self.busy:
            return None
        self.busy = True
        try:
            with unit_of_work() as session:
                if name == "run":
                    run = recurring.run_now(session, staff, self._recurring_id, get_gateway())
                    message = (
                        "Run: invoice issued and paid by card."
                        if run.status == "succeeded" and run.payment_id
                        else f"Run: invoice issued. {run.error}".strip()
                    )
                else:
                    ri = getattr(recurring, name)(session, staff, self._recurring_id)
                    message = {
                        "pause": f"Recurring invoice {ri.number} is paused.",
                        "resume": f"Recurring invoice {ri.number} is active again.",
                        "end": f"Recurring invoice {ri.number} has ended.",
                    }[name]
        except InvoicingError as refused:
            self.errors, self.busy, self.confirm = refused.field_errors, False, ""
            self._show(staff, self._recurring_id)
            return None
        self.busy, self.confirm, self.errors = False, "", {}
        self._show(staff, self._recurring_id)
        return [rx.toast.success(message), RecurringHistoryState.load]

    @rx.event
    def pause(self):
        return self._command("pause")

    @rx.event
    def resume(self):
        return self._command("resume")

    @rx.event
    def ask(self, kind: str):
        if _staff(self) is None or not self._recurring_id:
            return
        self.confirm = kind if kind in ("end", "run") else ""

    @rx.event
    def set_confirm_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.confirm = ""

    @rx.event
    def confirm_end(self):
        if self.confirm != "end":
            return None
        return self._command("end")

    @rx.event
    def confirm_run(self):
        if self.confirm != "run":
            return None
        return self._command("run")
