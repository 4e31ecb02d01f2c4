"""The office's Quotes: the list of every customer's quotes, one quote's pricing editor, and a quote
from scratch.

The quote on screen is kept server-side (``_quote_id``), set only by loading its page; the editor's
lines are text as typed, read into cents by ``core.money.parse_cents`` and checked again by the service.
Every handler asks for the staff member again (``OfficeSession._staff``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import tenant
from portal.core.lists import Page, PageRequest
from portal.core.money import parse_cents
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.services.work import office_quotes, pricing
from portal.services.work.pricing import LineInput, PricingError
from portal.state import arguments
from portal.state.display import DASH, day, moment, money, size
from portal.state.listing import ListState
from portal.state.office.inbox import office_file_href
from portal.state.office.session import office_staff

DUTY = Duty.ACTION_QUOTES
LINE_FIELDS = ("kind", "description", "quantity", "unit")


def _staff(state: rx.State) -> StaffMember | None:
    return office_staff(state, DUTY)


def _dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class OfficeQuotesState(ListState, rx.State):
    TABS: ClassVar[tuple[str, ...]] = office_quotes.TABS
    PAGE: ClassVar[str] = DUTY
    EXPORT: ClassVar[str] = ""
    _currency: str = "AUD"

    def _scope(self, duty: str = DUTY) -> StaffMember | None:
        return office_staff(self, duty)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            self._currency = tenant.currency(session)
            return office_quotes.list_quotes(session, scope, self.tab, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        return {
            "id": str(row.id),
            "number": str(row.number),
            "customer": row.customer_name,
            "site": row.site_name,
            "description": row.description,
            "order": row.order_number or DASH,
            "date": day(row.requested_on),
            "status": row.status,
            "total": money(row.total_cents, self._currency),
            "href": f"/office/quotes/{row.id}",
        }

    @rx.event
    def load(self):
        self._open_from_url()
        self._refresh()


class OfficeQuoteState(rx.State):
    """One quote and its pricing editor."""

    found: bool = False
    loaded: bool = False
    facts: dict[str, str] = {}
    assets: list[dict[str, str]] = []
    files: list[dict[str, str]] = []
    price_list: list[dict[str, str]] = []
    lines: list[dict[str, str]] = []
    valid_until: str = ""
    subtotal: str = ""
    tax: str = ""
    total: str = ""
    errors: dict[str, str] = {}
    can_price: bool = False
    can_send: bool = False
    can_convert: bool = False
    job_href: str = ""
    confirm_open: bool = False
    busy: bool = False
    _quote_id: int = 0
    _rate_bp: int = 0
    _currency: str = "AUD"

    def _show(self, staff: StaffMember, quote_id: Any) -> None:
        with unit_of_work(read_only=True) as session:
            q = office_quotes.quote_for_office(session, staff, quote_id)
            items = office_quotes.price_list(session, staff) if q is not None else []
            default_until = pricing.default_valid_until(session, tenant.today(session))
        self.found, self.loaded = q is not None, True
        if q is None:
            self._quote_id = 0
            return
        cur = self._currency = q.currency
        self._quote_id, self._rate_bp = q.id, q.tax_rate_bp
        self.facts = {
            "number": str(q.number),
            "status": q.status,
            "customer": q.customer_name,
            "site": q.site_name,
            "site_address": q.site_address,
            "contact": q.contact_name or DASH,
            "requested_by": q.requested_by_name or DASH,
            "order": q.order_number or DASH,
            "description": q.description,
            "requested_on": day(q.requested_on),
            "preferred_date": day(q.preferred_date),
            "priced_at": moment(q.priced_at),
            "actioned_on": day(q.actioned_on),
            "valid_until": day(q.valid_until),
            "tax_label": q.tax_label,
            "signer": q.signer_name or DASH,
            "decline_reason": q.decline_reason,
            "saved_total": money(q.total_cents, cur),
        }
        self.assets = [
            {"number": a.number, "name": a.name, "location": a.location, "type": a.type_name}
            for a in q.assets
        ]
        self.files = [
            {"name": a.name, "size": size(a.size_bytes), "href": office_file_href(a.id)}
            for a in q.attachments
        ]
        self.price_list = [
            {
                "id": str(i.id),
                "label": f"{i.name} ({i.kind}, {money(i.unit_price_cents, cur)})",
                "name": i.name,
                "kind": i.kind,
                "unit": _dollars(i.unit_price_cents),
            }
            for i in items
        ]
        self.lines = [
            {
                "kind": line.kind,
                "description": line.description,
                "quantity": str(line.quantity),
                "unit": _dollars(line.unit_price_cents),
                "item_id": str(line.optional_item_id or ""),
                "total": "",
            }
            for line in q.lines
        ]
        until = q.valid_until if q.valid_until is not None and q.priced_at is not None else default_until
        self.valid_until = until.isoformat()
        self.can_price, self.can_send, self.can_convert = q.can_price, q.can_send, q.can_convert
        self.job_href = f"/office/jobs/{q.job_id}" if q.job_id else ""
        self._recount()

    def _recount(self) -> None:
        """Each line's total and the quote's, as the service will work them out, while typing."""
        checked = []
        for line in self.lines:
            quantity = arguments.whole(line.get("quantity"))
            unit = parse_cents(line.get("unit"))
            if quantity is None or unit is None or quantity < 1 or unit < 0:
                line["total"] = DASH
                continue
            line["total"] = money(quantity * unit, self._currency)
            checked.append(pricing.Line("other", "", quantity, unit, quantity * unit))
        sums = pricing.totals(checked, self._rate_bp)
        self.subtotal = money(sums.subtotal_cents, self._currency)
        self.tax = money(sums.tax_cents, self._currency)
        self.total = money(sums.total_cents, self._currency)
        self.lines = list(self.lines)

    def _inputs(self) -> list[LineInput]:
        return [
            LineInput(
                kind=line.get("kind", ""),
                description=line.get("description", ""),
                quantity=arguments.whole(line.get("quantity")),
                unit_price_cents=parse_cents(line.get("unit")),
                optional_item_id=line.get("item_id") or None,
            )
            for line in self.lines
        ]

    @rx.event
    def load(self):
        self.loaded, self.errors, self.confirm_open, self.busy = False, {}, False, False
        staff = _staff(self)
        raw = self.router.page.params.get("quote_id", "")
        if staff is None:
            self.found, self.loaded = False, True
            return
        self._show(staff, raw if isinstance(raw, str) else "")

    @rx.event
    def add_from_list(self, item_id: str):
        item_id = arguments.text(item_id, 20)
        if _staff(self) is None or not self.can_price or len(self.lines) >= pricing.MAX_LINES:
            return
        item = next((i for i in self.price_list if i["id"] == item_id), None)
        if item is None:
            return
        self.lines.append(
            {
                "kind": item["kind"],
                "description": item["name"],
                "quantity": "1",
                "unit": item["unit"],
                "item_id": item["id"],
                "total": "",
            }
        )
        self._recount()

    @rx.event
    def add_free_line(self):
        if _staff(self) is None or not self.can_price or len(self.lines) >= pricing.MAX_LINES:
            return
        self.lines.append(
            {"kind": "labour", "description": "", "quantity": "1", "unit": "", "item_id": "", "total": ""}
        )
        self._recount()

    @rx.event
    def remove_line(self, index: int):
        n = arguments.whole(index)
        if _staff(self) is None or n is None or not 0 <= n < len(self.lines):
            return
        self.lines.pop(n)
        self.errors = {}
        self._recount()

    @rx.event
    def set_line(self, index: int, key: str, value: str):
        n, key = arguments.whole(index), arguments.text(key, 20)
        if _staff(self) is None or n is None or not 0 <= n < len(self.lines) or key not in LINE_FIELDS:
            return
        if key == "kind" and self.lines[n].get("item_id"):
            return  # a price-list line's kind is the price list's
        self.lines[n][key] = arguments.text(value, 600)
        self._recount()

    @rx.event
    def set_valid_until(self, value: str):
        if _staff(self) is not None:
            self.valid_until = arguments.text(value, 20)

    def _price(self, staff: StaffMember, send: bool) -> str | None:
        """Save the editor's lines (and send when asked) in one unit of work; the error, if any."""
        self.errors = {}
        try:
            with unit_of_work() as session:
                today = tenant.today(session)
                pricing.price_quote(session, staff, self._quote_id, self._inputs(), self.valid_until, today)
                if send:
                    pricing.send_quote(session, staff, self._quote_id, today)
        except PricingError as err:
            self.errors = dict(err.field_errors)
            return next(iter(err.field_errors.values()))
        return None

    @rx.event
    def save(self):
        staff = _staff(self)
        if staff is None or not self._quote_id or self.busy:
            return None
        self.busy = True
        problem = self._price(staff, send=False)
        self.busy = False
        if problem:
            return rx.toast.error("Not saved: " + problem)
        self._show(staff, self._quote_id)
        return rx.toast.success(
            f"Quote #{self.facts['number']} saved as a draft: the customer does not see it yet."
        )

    @rx.event
    def ask_send(self):
        if _staff(self) is not None and self.can_price:
            self.confirm_open = True

    @rx.event
    def set_confirm_open(self, is_open: bool):
        self.confirm_open = arguments.flag(is_open)

    @rx.event
    def send(self):
        """Send after the confirmation: the editor's lines are saved and the quote goes to the customer."""
        staff = _staff(self)
        self.confirm_open = False
        if staff is None or not self._quote_id or self.busy:
            return None
        self.busy = True
        problem = self._price(staff, send=True)
        self.busy = False
        if problem:
            return rx.toast.error("Not sent: " + problem)
        self._show(staff, self._quote_id)
        return rx.toast.success(f"Quote #{self.facts['number']} sent to the customer.")

    @rx.event
    def convert(self):
        staff = _staff(self)
        if staff is None or not self._quote_id or self.busy:
            return None
        try:
            with unit_of_work() as session:
                job = office_quotes.convert_to_job(session, staff, self._quote_id, tenant.today(session))
                job_id = job.id
        except PricingError as err:
            return rx.toast.error(next(iter(err.field_errors.values())))
        return rx.redirect(f"/office/jobs/{job_id}")


class NewQuoteState(rx.State):
    """A quote from scratch: a customer and one of its sites picked by searching, then the request."""

    customer_search: str = ""
    customers: list[dict[str, str]] = []
    customer_id: str = ""
    customer_name: str = ""
    site_search: str = ""
    sites: list[dict[str, str]] = []
    site_id: str = ""
    errors: dict[str, str] = {}
    busy: bool = False

    @rx.event
    def start(self):
        self.customer_search = self.customer_id = self.customer_name = self.site_search = self.site_id = ""
        self.customers, self.sites, self.errors, self.busy = [], [], {}, False

    @rx.event
    def find_customers(self, form: dict):
        staff = _staff(self)
        if staff is None:
            return
        self.customer_search = arguments.text(arguments.form(form).get("customer_q"), 100)
        with unit_of_work(read_only=True) as session:
            found = office_quotes.find_customers(session, staff, self.customer_search)
        self.customers = [{"id": str(c.id), "name": c.name, "address": ""} for c in found]

    @rx.event
    def pick_customer(self, customer_id: str):
        staff = _staff(self)
        customer_id = arguments.text(customer_id, 20)
        chosen = next((c for c in self.customers if c["id"] == customer_id), None)
        if staff is None or chosen is None:
            return
        self.customer_id, self.customer_name = chosen["id"], chosen["name"]
        self.site_id, self.site_search = "", ""
        self._find_sites(staff)

    def _find_sites(self, staff: StaffMember) -> None:
        with unit_of_work(read_only=True) as session:
            found = office_quotes.find_sites(session, staff, self.customer_id, self.site_search)
        self.sites = [{"id": str(s.id), "name": s.name, "address": s.detail} for s in found]

    @rx.event
    def find_sites(self, form: dict):
        staff = _staff(self)
        if staff is None or not self.customer_id:
            return
        self.site_search = arguments.text(arguments.form(form).get("site_q"), 100)
        self._find_sites(staff)

    @rx.event
    def pick_site(self, site_id: str):
        site_id = arguments.text(site_id, 20)
        if _staff(self) is not None and any(s["id"] == site_id for s in self.sites):
            self.site_id = site_id

    @rx.event
    def create(self, form: dict):
        staff = _staff(self)
        if staff is None or self.busy:
            return None
        form = arguments.form(form)
        self.busy, self.errors = True, {}
        try:
            with unit_of_work() as session:
                quote = office_quotes.create_quote(
                    session,
                    staff,
                    self.customer_id,
                    self.site_id,
                    arguments.text(form.get("description"), 25_000),
                    arguments.text(form.get("order_number"), 200),
                    tenant.today(session),
                )
                quote_id = quote.id
        except PricingError as err:
            self.errors = dict(err.field_errors)
            return None
        finally:
            self.busy = False
        return rx.redirect(f"/office/quotes/{quote_id}")
