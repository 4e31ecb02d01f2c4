"""Invoices: All, Unpaid and Paid lists with the Page Summary of what is owed, and one invoice's details."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.db import unit_of_work
from portal.models import Page as PageKey
from portal.services.billing import invoices
from portal.state import arguments
from portal.state.display import DASH, day, item_rows, money
from portal.state.listing import ListState
from portal.state.session import SessionState


class InvoicesState(ListState, SessionState):
    # Unpaid first: what a customer opens Invoices for.
    TABS: ClassVar[tuple[str, ...]] = ("unpaid", "all", "paid")
    PAGE: ClassVar[str] = PageKey.INVOICES
    EXPORT: ClassVar[str] = "invoices"

    balance: str = ""
    overdue: str = ""
    overdue_count: int = 0
    unpaid_count: int = 0
    detail: dict[str, str] = {}
    items: list[dict[str, str]] = []
    payments: list[dict[str, str]] = []
    detail_open: bool = False
    selected: list[str] = []
    _currency: str = "AUD"

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work() as session:
            today = tenant.today(session)
            owed = invoices.summary(session, scope, today)
            result = invoices.list_invoices(session, scope, self.tab, request, today)
        self._currency = owed.currency
        self.balance, self.overdue = (
            money(owed.balance_cents, owed.currency),
            money(owed.overdue_cents, owed.currency),
        )
        self.unpaid_count, self.overdue_count = owed.unpaid_count, owed.overdue_count
        return result

    def _format(self, row: Any) -> dict[str, str]:
        cur = self._currency
        return {
            "id": str(row.id),
            "number": str(row.number),
            "job": str(row.job_number) if row.job_number else DASH,
            "site": row.site_name,
            "date": day(row.issued_on),
            "due": day(row.due_on),
            "total": money(row.total_cents, cur),
            "paid": money(row.paid_cents, cur),
            "balance": money(row.balance_cents, cur),
            "status": row.status,
            "payable": "yes" if row.balance_cents > 0 else "",
            "balance_cents": str(row.balance_cents),
        }

    @rx.var
    def selected_total(self) -> str:
        cents = sum(int(r["balance_cents"]) for r in self.rows if r["id"] in self.selected)
        return money(cents, self._currency)

    @rx.event
    def load(self):
        self._open_from_url()
        self.detail_open, self.selected = False, []
        self._refresh()
        return self._follow()

    def _live_reload(self) -> bool:
        """The page on screen and, when open, the invoice's pop-up (a payment, a void)."""
        if self._refresh() is None:
            return False
        if self.detail_open and type(self).open_detail.fn(self, self.detail.get("id", "")) is not None:
            self.detail_open = False
        return True

    @rx.event
    def refresh(self):
        """After a payment: the balances and the summary as they are now."""
        self.selected = []
        self._refresh()

    @rx.event
    def toggle(self, invoice_id: str):
        """Selection of invoices on this page; what is paid is decided again on the server."""
        invoice_id = str(invoice_id)
        if invoice_id in self.selected:
            self.selected = [i for i in self.selected if i != invoice_id]
        elif any(r["id"] == invoice_id and r["payable"] for r in self.rows):
            self.selected = [*self.selected, invoice_id]

    @rx.event
    def select_all(self, checked: bool):
        self.selected = [r["id"] for r in self.rows if r["payable"]] if arguments.flag(checked) else []

    @rx.event
    def open_detail(self, invoice_id: str):
        scope = self._scope(PageKey.INVOICES)
        if scope is None:
            return None
        with unit_of_work() as session:
            d = invoices.invoice_detail(session, scope, invoice_id, tenant.today(session))
        if d is None:
            return rx.toast.error("That invoice is not available.")
        cur = d.currency
        self.detail = {
            "id": str(d.id),
            "number": str(d.number),
            "status": d.status,
            "site": d.site_name,
            "site_address": d.site_address,
            "job": str(d.job_number) if d.job_number else DASH,
            "order": d.order_number or DASH,
            "description": d.description,
            "issued_on": day(d.issued_on),
            "due_on": day(d.due_on),
            "paid_on": day(d.paid_on),
            "subtotal": money(d.subtotal_cents, cur),
            "tax": money(d.tax_cents, cur),
            "tax_label": d.tax_label,
            "total": money(d.total_cents, cur),
            "paid": money(d.paid_cents, cur),
            "balance": money(d.balance_cents, cur),
            "pdf": f"/documents/invoices/{d.id}.pdf",
        }
        self.items = item_rows(d.items, cur)
        self.payments = [
            {
                "receipt": p.receipt_number,
                "date": day(p.paid_on),
                "amount": money(p.amount_cents, cur),
                "card": f"{p.card_brand.title()} •••• {p.card_last4}" if p.card_last4 else DASH,
            }
            for p in d.payments
        ]
        self.detail_open = True
        return None

    @rx.event
    def set_detail_open(self, is_open: bool):
        self.detail_open = arguments.flag(is_open)
