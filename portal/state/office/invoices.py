"""The office's invoices: every customer's list, one invoice (void, record a payment, letters), and a
new invoice (a completed job's, or a free one).

Every handler asks :func:`office_staff` for the staff member again with the duty its command needs;
the ids the commands act on (the invoice on screen, the chosen customer, the job) are kept in
backend vars, set only by loading the page or choosing from what the server offered.
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.core.money import format_money
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.services.billing import invoicing, letters, office_invoices
from portal.services.billing.invoicing import InvoicingError, PaymentInput
from portal.state import arguments
from portal.state.display import DASH, day, money
from portal.state.listing import ListState
from portal.state.office.customer_search import offered, search_customers
from portal.state.office.lines import LineEditor
from portal.state.office.session import office_staff

ROUTE = "/office/invoices"
MAX_LINES = invoicing.MAX_LINES
METHODS = [{"value": m.value, "label": label} for m, label in invoicing.OFFLINE_METHODS.items()]


class OfficeInvoicesState(ListState, rx.State):
    """``/office/invoices``: Unpaid, Overdue, Paid, Void and All, for every customer."""

    TABS: ClassVar[tuple[str, ...]] = office_invoices.INVOICE_TABS
    PAGE: ClassVar[str] = Duty.INVOICE_JOBS
    _currency: str = "AUD"

    def _scope(self, duty: str) -> StaffMember | None:
        return office_staff(self, duty)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            self._currency = tenant.currency(session)
            return office_invoices.list_invoices(session, scope, self.tab, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        cur = self._currency
        return {
            "id": str(row.id),
            "number": str(row.number),
            "customer": row.customer_name,
            "site": row.site_name,
            "job": str(row.job_number) if row.job_number else DASH,
            "order": row.order_number or DASH,
            "date": day(row.issued_on),
            "due": day(row.due_on),
            "total": money(row.total_cents, cur),
            "balance": money(row.balance_cents, cur),
            "status": row.status,
            "href": f"{ROUTE}/{row.id}",
        }

    @rx.event
    def load(self):
        self._open_from_url()
        self._refresh()


class OfficeInvoiceState(rx.State):
    """``/office/invoices/[invoice_id]``: the invoice, its lines and payments, and what can be done."""

    found: bool = True
    loaded: bool = False
    detail: dict[str, str] = {}
    lines: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    voidable: bool = False
    payable: bool = False
    overdue: bool = False
    # Void.
    void_open: bool = False
    void_errors: dict[str, str] = {}
    # Record payment: the form, then its confirmation.
    pay_open: bool = False
    pay_step: str = "form"  # "form" or "confirm"
    owed: list[dict[str, str]] = []
    typed: dict[str, str] = {}
    allocations: dict[str, str] = {}
    pay_errors: dict[str, str] = {}
    confirm_lines: list[str] = []
    issued: bool = False  # just issued from the new invoice screen: say its contacts were emailed
    # Letters.
    letter_open: str = ""  # "statement" or "reminder"
    letter_error: str = ""
    _invoice_id: int = 0
    _customer_id: int = 0
    _attempt_key: str = ""  # drawn when the form is reviewed; records the payment once

    def _staff(self, duty: Duty) -> StaffMember | None:
        return office_staff(self, duty)

    def _show(self, staff: StaffMember, invoice_id: Any) -> bool:
        with unit_of_work(read_only=True) as session:
            d = office_invoices.invoice_for_office(session, staff, invoice_id)
        if d is None:
            self.found, self.loaded, self._invoice_id = False, True, 0
            return False
        cur = d.currency
        self._invoice_id, self._customer_id = d.id, d.customer_id
        self.detail = {
            "id": str(d.id),
            "number": str(d.number),
            "status": d.status,
            "customer": d.customer_name,
            "site": d.site_name,
            "job": str(d.job_number) if d.job_number else DASH,
            "order": d.order_number or DASH,
            "description": d.description,
            "issued_on": day(d.issued_on),
            "due_on": day(d.due_on),
            "paid_on": day(d.paid_on),
            "subtotal": money(d.subtotal_cents, cur),
            "tax_label": d.tax_label,
            "tax": money(d.tax_cents, cur),
            "total": money(d.total_cents, cur),
            "paid": money(d.paid_cents, cur),
            "balance": money(d.balance_cents, cur),
            "balance_plain": f"{d.balance_cents // 100}.{d.balance_cents % 100:02d}",
            "void_reason": d.void_reason,
            "voided_on": day(d.voided_on),
        }
        self.lines = [
            {
                "kind": line.kind or DASH,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": money(line.unit_price_cents, cur),
                "total": money(line.total_cents, cur),
            }
            for line in d.lines
        ]
        self.payments = [
            {
                "receipt": p.receipt_number or DASH,
                "href": f"/office/payments?q={p.receipt_number}" if p.receipt_number else "",
                "date": day(p.paid_on),
                "amount": money(p.amount_cents, cur),
                "method": p.method,
                "reference": p.reference or DASH,
            }
            for p in d.payments
        ]
        self.voidable, self.payable, self.overdue = d.voidable, d.payable, d.overdue
        self.found, self.loaded = True, True
        return True

    @rx.event
    def load(self):
        self.void_open = self.pay_open = False
        self.letter_open, self.letter_error, self.loaded = "", "", False
        self.issued = self.router.url.query_parameters.get("issued", "") == "1"
        staff = self._staff(Duty.INVOICE_JOBS)
        if staff is None:
            return
        self._show(staff, self.router.page.params.get("invoice_id", ""))

    # Void.

    @rx.event
    def open_void(self):
        if self._staff(Duty.INVOICE_JOBS) is None or not self._invoice_id:
            return
        self.void_open, self.void_errors = True, {}

    @rx.event
    def set_void_open(self, is_open: bool):
        self.void_open = arguments.flag(is_open)

    @rx.event
    def void(self, form: dict):
        staff = self._staff(Duty.INVOICE_JOBS)
        if staff is None or not self._invoice_id:
            return None
        reason = arguments.text(arguments.form(form).get("reason"), 2000)
        try:
            with unit_of_work() as session:
                inv = invoicing.void_invoice(session, staff, self._invoice_id, reason)
                number = inv.number
        except InvoicingError as refused:
            self.void_errors = refused.field_errors
            return None
        self.void_open = False
        self._show(staff, self._invoice_id)
        return rx.toast.success(f"Invoice {number} is void.")

    # Record payment.

    @rx.event
    def open_payment(self):
        staff = self._staff(Duty.TAKE_PAYMENTS)
        if staff is None or not self._customer_id:
            return None
        with unit_of_work(read_only=True) as session:
            owed = office_invoices.unpaid_invoices(session, staff, self._customer_id)
            cur, today = tenant.currency(session), tenant.today(session)
        self.owed = [
            {
                "id": str(o.id),
                "number": str(o.number),
                "due": day(o.due_on),
                "balance": money(o.balance_cents, cur),
            }
            for o in owed
        ]
        balance = self.detail.get("balance_plain", "")
        this = str(self._invoice_id)
        self.allocations = {o["id"]: (balance if o["id"] == this else "") for o in self.owed}
        self.typed = {
            "method": "bank_transfer",
            "reference": "",
            "paid_on": today.isoformat(),
            "amount": balance,
        }
        self.pay_errors, self.pay_step, self.pay_open = {}, "form", True
        return None

    @rx.event
    def set_pay_open(self, is_open: bool):
        self.pay_open = arguments.flag(is_open)

    @rx.event
    def review_payment(self, form: dict):
        """The form's values, shown back as a sentence to confirm before the money is recorded."""
        staff = self._staff(Duty.TAKE_PAYMENTS)
        if staff is None or not self._customer_id:
            return
        sent = arguments.form(form)
        self.typed = {
            "method": arguments.text(sent.get("method"), 20),
            "reference": arguments.text(sent.get("reference"), 200),
            "paid_on": arguments.text(sent.get("paid_on"), 20),
            "amount": arguments.text(sent.get("amount"), 20),
        }
        self.allocations = {
            o["id"]: arguments.text(sent.get(f"allocation-{o['id']}"), 20).strip() for o in self.owed
        }
        labels = {m["value"]: m["label"] for m in METHODS}
        method = labels.get(self.typed["method"], "")
        self.pay_errors = {} if method else {"method": "Choose bank transfer, cash or cheque."}
        if self.pay_errors:
            return
        on = {o["id"]: o["number"] for o in self.owed}
        self.confirm_lines = [
            f"Record {method.lower()} of {self.typed['amount'] or '0'} received {self.typed['paid_on']}"
            + (f", reference {self.typed['reference']}" if self.typed["reference"].strip() else "")
            + f", from {self.detail.get('customer', '')}:",
            *[f"Invoice {on[i]}: {a}" for i, a in self.allocations.items() if a and a not in ("0", "0.00")],
        ]
        self._attempt_key = invoicing.new_attempt_key()
        self.pay_step = "confirm"

    @rx.event
    def back_to_payment(self):
        self.pay_step = "form"

    @rx.event
    def record_payment(self):
        staff = self._staff(Duty.TAKE_PAYMENTS)
        if staff is None or not self._customer_id or self.pay_step != "confirm" or not self._attempt_key:
            return None
        typed = PaymentInput(
            customer_id=self._customer_id,
            method=self.typed.get("method", ""),
            reference=self.typed.get("reference", ""),
            paid_on=self.typed.get("paid_on", ""),
            amount=self.typed.get("amount", ""),
            allocations=dict(self.allocations),
            attempt_key=self._attempt_key,
        )
        try:
            with unit_of_work() as session:
                payment = invoicing.record_payment(session, staff, typed)
                receipt, amount = payment.receipt_number, format_money(payment.amount_cents, payment.currency)
        except InvoicingError as refused:
            self.pay_errors, self.pay_step = refused.field_errors, "form"
            return None
        # Recorded: a second click or a replayed event finds nothing to confirm.
        self.pay_open, self.pay_step, self._attempt_key = False, "form", ""
        self.typed, self.allocations = {}, {}
        invoices_staff = self._staff(Duty.INVOICE_JOBS)
        if invoices_staff is not None:
            self._show(invoices_staff, self._invoice_id)
        return rx.toast.success(f"Payment of {amount} recorded. Receipt {receipt}.")

    # Letters.

    @rx.event
    def ask_letter(self, kind: str):
        if self._staff(Duty.SEND_STATEMENTS) is None or not self._invoice_id:
            return
        self.letter_open = kind if kind in ("statement", "reminder") else ""
        self.letter_error = ""

    @rx.event
    def set_letter_open(self, is_open: bool):
        if not arguments.flag(is_open):
            self.letter_open = ""

    @rx.event
    def send_letter(self):
        staff = self._staff(Duty.SEND_STATEMENTS)
        if staff is None or not self._invoice_id or self.letter_open not in ("statement", "reminder"):
            return None
        try:
            with unit_of_work() as session:
                if self.letter_open == "statement":
                    sent = letters.send_statement(session, staff, self._customer_id)
                else:
                    sent = letters.send_overdue_reminder(session, staff, self._invoice_id)
        except letters.LetterError as refused:
            self.letter_error = refused.field_errors["form"]
            return None
        what = "Statement" if self.letter_open == "statement" else "Overdue reminder"
        self.letter_open = ""
        return rx.toast.success(f"{what} sent to {', '.join(sent.addresses)}.")


class NewInvoiceState(LineEditor, rx.State):
    """``/office/invoices/new``: a completed job's invoice (``?job=<id>``) or a free invoice, each
    confirmed before it is issued."""

    mode: str = "free"  # "job" or "free"
    step: str = "form"  # "form" or "confirm"
    errors: dict[str, str] = {}
    # A job's invoice.
    job: dict[str, str] = {}
    job_lines: list[dict[str, str]] = []
    waiting_jobs: list[dict[str, str]] = []
    # A free invoice.
    customer_query: str = ""
    customer_choices: list[dict[str, str]] = []
    customer_name: str = ""
    sites: list[dict[str, str]] = []
    site_id: str = ""
    order_number: str = ""
    description: str = ""
    totals: dict[str, str] = {}
    preview: list[dict[str, str]] = []
    busy: bool = False
    _job_id: int = 0
    _customer_id: int = 0

    def _staff(self) -> StaffMember | None:
        return office_staff(self, Duty.INVOICE_JOBS)

    def _may_edit_lines(self) -> bool:
        return self._staff() is not None

    @rx.event
    def load(self):
        staff = self._staff()
        self.step, self.errors, self.busy = "form", {}, False
        if staff is None:
            return
        raw = self.router.url.query_parameters.get("job", "")
        if raw:
            self.mode = "job"
            self._load_job(staff, raw)
            return
        self.mode, self._job_id, self.job = "free", 0, {}
        self._customer_id, self.customer_name, self.sites, self.site_id = 0, "", [], ""
        self.customer_query, self.customer_choices = "", []
        self.order_number = self.description = ""
        self._start_lines()
        with unit_of_work(read_only=True) as session:
            waiting = office_invoices.completed_jobs(session, staff)
        self.waiting_jobs = [{"id": str(c.id), "label": c.label} for c in waiting]

    def _load_job(self, staff: StaffMember, raw: Any) -> None:
        try:
            with unit_of_work(read_only=True) as session:
                j = office_invoices.job_to_invoice(session, staff, raw)
        except InvoicingError as refused:
            self._job_id, self.job, self.job_lines = 0, {}, []
            self.errors = refused.field_errors
            return
        cur = j.currency
        self._job_id = j.id
        self.job = {
            "number": str(j.number),
            "customer": j.customer_name,
            "site": j.site_name,
            "description": j.description,
            "order": j.order_number or DASH,
            "subtotal": money(j.subtotal_cents, cur),
            "tax": money(j.tax_cents, cur),
            "total": money(j.total_cents, cur),
        }
        self.job_lines = [
            {
                "kind": line.kind or DASH,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": money(line.unit_price_cents, cur),
                "total": money(line.total_cents, cur),
            }
            for line in j.lines
        ]

    @rx.event
    def raise_job_invoice(self):
        staff = self._staff()
        if staff is None or self.mode != "job" or not self._job_id or self.busy:
            return None
        try:
            with unit_of_work() as session:
                inv = invoicing.invoice_job(session, staff, self._job_id)
                invoice_id = inv.id
        except InvoicingError as refused:
            self.errors = refused.field_errors
            return None
        return rx.redirect(f"{ROUTE}/{invoice_id}?issued=1")

    # A free invoice: the customer and site.

    @rx.event
    def find_customers(self, form: dict):
        staff = self._staff()
        if staff is None:
            return
        search_customers(self, staff, form, office_invoices.find_customers)

    @rx.event
    def choose_customer(self, customer_id: str):
        staff = self._staff()
        if staff is None:
            return
        chosen = offered(self.customer_choices, customer_id)
        if chosen is None:
            return
        with unit_of_work(read_only=True) as session:
            sites = office_invoices.customer_sites(session, staff, chosen["id"])
        self._customer_id, self.customer_name = int(chosen["id"]), chosen["label"]
        self.sites = [{"id": str(s.id), "label": s.label} for s in sites]
        self.site_id = self.sites[0]["id"] if len(self.sites) == 1 else ""
        self.customer_choices, self.errors = [], {}

    @rx.event
    def set_site(self, site_id: str):
        site_id = arguments.text(site_id, 20)
        if any(s["id"] == site_id for s in self.sites):
            self.site_id = site_id

    # The lines.

    def _keep_typed(self, sent: dict[str, Any]) -> None:
        """What was typed in each line and the other fields, kept for the review."""
        self._keep_lines(sent)
        self.order_number = arguments.text(sent.get("order_number", self.order_number), 100)
        self.description = arguments.text(sent.get("description", self.description), 2000)

    @rx.event
    def review(self, form: dict):
        """Price the lines as the invoice will, and ask to confirm before it is issued."""
        staff = self._staff()
        if staff is None or self.mode != "free":
            return
        self._keep_typed(arguments.form(form))
        errors: dict[str, str] = {}
        if not self._customer_id:
            errors["customer"] = "Choose the customer."
        if not self.site_id:
            errors["site"] = "Choose the site."
        typed = self._typed_lines()
        try:
            priced = invoicing.read_lines(typed)
        except InvoicingError as refused:
            errors.update(self._keyed(refused.field_errors))
            priced = []
        self.errors = errors
        if errors:
            return
        with unit_of_work(read_only=True) as session:
            settings = tenant.contractor(session)
            subtotal, tax, total = invoicing.lines_totals(session, priced)
        cur = settings.currency
        self.preview = [
            {
                "kind": invoicing.KIND_LABELS[p.kind],
                "description": p.description,
                "quantity": str(p.quantity),
                "unit": money(p.unit_price_cents, cur),
                "total": money(p.total_cents, cur),
            }
            for p in priced
        ]
        self.totals = {
            "subtotal": money(subtotal, cur),
            "tax": money(tax, cur),
            "total": money(total, cur),
            "site": next((s["label"] for s in self.sites if s["id"] == self.site_id), ""),
        }
        self.step = "confirm"

    @rx.event
    def back(self):
        self.step = "form"

    @rx.event
    def issue(self):
        staff = self._staff()
        if staff is None or self.mode != "free" or self.step != "confirm" or self.busy:
            return None
        typed = self._typed_lines()
        self.busy = True
        try:
            with unit_of_work() as session:
                inv = invoicing.free_invoice(
                    session,
                    staff,
                    self._customer_id,
                    self.site_id,
                    typed,
                    self.order_number,
                    self.description,
                )
                invoice_id = inv.id
        except InvoicingError as refused:
            self.errors, self.step, self.busy = self._keyed(refused.field_errors), "form", False
            return None
        return rx.redirect(f"{ROUTE}/{invoice_id}?issued=1")
