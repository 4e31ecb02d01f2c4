"""Invoices > Statement: a date range, balances, ageing, lines a page at a time, and Pay Online.

The statement is computed by the service for the whole range (and reused while paging, until
anything on it changes); state keeps one page of its lines and at most ``UNPAID_SHOWN`` unpaid
invoices to tick.
"""

from __future__ import annotations

from datetime import timedelta
from typing import ClassVar
from urllib.parse import urlencode

import reflex as rx

from portal.core import dates, tenant
from portal.db import unit_of_work
from portal.models import Page
from portal.services.billing import statements
from portal.state import arguments
from portal.state.display import day, money
from portal.state.session import SessionState

LINES_PER_PAGE = 50
MAX_TYPED = 40  # a date input sends 10 characters; a link may carry anything
UNPAID_SHOWN = 200


class StatementState(SessionState):
    PAGE: ClassVar[str] = Page.INVOICES

    start: str = ""  # as typed or linked, so a wrong one stays in its field beside its message
    end: str = ""
    errors: dict[str, str] = {}  # "start" / "end" -> what is wrong with it
    loaded: bool = False
    opening: str = ""
    closing: str = ""
    debits: str = ""
    credits: str = ""
    ageing: list[dict[str, str]] = []
    lines: list[dict[str, str]] = []
    line_count: int = 0
    line_page: int = 1
    unpaid: list[dict[str, str]] = []
    unpaid_count: int = 0
    selected: list[str] = []

    @rx.var
    def line_pages(self) -> int:
        return max(1, -(-self.line_count // LINES_PER_PAGE))

    @rx.var
    def export_query(self) -> str:
        return urlencode({"start": self.start, "end": self.end})

    @rx.event
    def load(self):
        """The range from the address (``?start=&end=``, a link or a reload); the last twelve months when
        absent."""
        with unit_of_work() as session:
            today = tenant.today(session)
        params = self.router.url.query_parameters
        self.start = params.get("start") or (today.replace(day=1) - timedelta(days=365)).isoformat()
        self.end = params.get("end") or today.isoformat()
        self.line_page, self.selected = 1, []
        self._compute()

    @rx.event
    def search(self, form: dict):
        form = arguments.form(form)
        self.start = arguments.text(form.get("start"), MAX_TYPED)
        self.end = arguments.text(form.get("end"), MAX_TYPED)
        self.line_page, self.selected = 1, []
        self._compute()

    @rx.event
    def go_to(self, page: int):
        number = arguments.whole(page)
        if number is None:
            return
        self.line_page = min(max(1, number), self.line_pages)
        self._compute()

    @rx.event
    def refresh(self):
        self.selected = []
        self._compute()

    @rx.event
    def toggle(self, invoice_id: str):
        invoice_id = str(invoice_id)
        if invoice_id in self.selected:
            self.selected = [i for i in self.selected if i != invoice_id]
        elif any(u["id"] == invoice_id for u in self.unpaid):
            self.selected = [*self.selected, invoice_id]

    @rx.event
    def select_all(self, checked: bool):
        self.selected = [u["id"] for u in self.unpaid] if arguments.flag(checked) else []

    def _compute(self) -> None:
        """What was typed stays in the fields, with a message beside each that is not a usable date."""
        scope = self._scope(self.PAGE)
        if scope is None:
            return
        self.start, self.end = self.start[:MAX_TYPED], self.end[:MAX_TYPED]
        start, end, self.errors = dates.read_range(self.start, self.end)
        if start is None or end is None or self.errors:
            self.loaded = False
            return
        with unit_of_work() as session:
            today = tenant.today(session)
            st = statements.recent_statement(session, scope, start, end, today)
        cur = st.currency
        self.loaded = True
        self.opening, self.closing = (
            money(st.opening_balance_cents, cur),
            money(st.closing_balance_cents, cur),
        )
        self.debits, self.credits = money(st.total_debit_cents, cur), money(st.total_credit_cents, cur)
        self.ageing = [{"label": label, "amount": money(cents, cur)} for label, cents in st.ageing.buckets]
        self.line_count = st.line_count
        offset = (min(self.line_page, self.line_pages) - 1) * LINES_PER_PAGE
        self.lines = [
            {
                "date": day(x.on),
                "kind": x.kind,
                "reference": x.reference,
                "description": x.description,
                "debit": money(x.debit_cents, cur) if x.debit_cents else "",
                "credit": money(x.credit_cents, cur) if x.credit_cents else "",
                "balance": money(x.running_balance_cents, cur),
            }
            for x in st.lines_between(offset, LINES_PER_PAGE)
        ]
        self.unpaid_count = len(st.unpaid_invoices)
        self.unpaid = [
            {
                "id": str(u.id),
                "number": str(u.number),
                "due": day(u.due_on),
                "balance": money(u.balance_cents, cur),
                "overdue": "yes" if u.due_on < today else "",
            }
            for u in st.unpaid_invoices[:UNPAID_SHOWN]
        ]
