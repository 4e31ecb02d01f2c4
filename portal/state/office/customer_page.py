"""What a customer's page shows besides its record: its account (balance and ageing), its contacts,
and one page each of its sites, quotes, jobs and invoices, linked to their own screens.

The customer is the one in the page's address, checked by the services on every load; each list
holds one page, and its Previous and Next ask the services again.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal.core import tenant
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.services.customers import overview
from portal.services.identity import office_contacts
from portal.state import arguments
from portal.state.display import DASH, day, moment, money
from portal.state.office.session import office_staff

DUTY = Duty.MANAGE_CUSTOMERS
LINKS = {
    "sites": "/office/sites/",
    "quotes": "/office/quotes/",
    "jobs": "/office/jobs/",
    "invoices": "/office/invoices/",
}
EMPTY = {"sites": [], "quotes": [], "jobs": [], "invoices": []}


class CustomerActivityState(rx.State):
    loaded: bool = False
    customer_id: str = ""  # for the links of this page (sites, documents, files), never read back
    balance: str = DASH
    overdue: str = DASH
    ageing: list[dict[str, str]] = []
    contacts: list[dict[str, str]] = []
    contact_page: int = 1
    contact_pages: int = 1
    related: dict[str, list[dict[str, str]]] = EMPTY
    pages: dict[str, int] = {}
    page_counts: dict[str, int] = {}
    totals: dict[str, int] = {}
    _customer_id: int = 0

    def _staff(self) -> StaffMember | None:
        return office_staff(self, DUTY)

    def _account(self, staff: StaffMember) -> bool:
        with unit_of_work(read_only=True) as session:
            found = overview.account(session, staff, self._customer_id)
        if found is None:
            return False
        cur = found.currency
        self.balance, self.overdue = money(found.balance_cents, cur), money(found.overdue_cents, cur)
        self.ageing = [{"label": label, "amount": money(cents, cur)} for label, cents in found.ageing]
        return True

    def _contacts(self, staff: StaffMember, page: int) -> None:
        with unit_of_work(read_only=True) as session:
            found = office_contacts.list_contacts(session, staff, self._customer_id, page)
        if found is None:
            self.contacts = []
            return
        base = f"/office/customers/{self._customer_id}/contacts/"
        self.contacts = [
            {
                "id": str(c.id),
                "name": c.name or DASH,
                "email": c.email or DASH,
                "position": c.position or DASH,
                "roles": ", ".join(c.roles) or DASH,
                "primary": "yes" if c.is_primary else "",
                "login": c.login,
                "last_sign_in": moment(c.last_login_at),
                "view_as": "yes" if c.may_view_as else "",
                "href": base + str(c.id),
            }
            for c in found.rows
        ]
        self.contact_page, self.contact_pages = found.page, found.pages

    def _related(self, staff: StaffMember, kind: str, page: int) -> None:
        with unit_of_work(read_only=True) as session:
            found = overview.related(session, staff, self._customer_id, kind, page)
            cur = tenant.currency(session)
        if found is None:
            return
        rows = [
            {
                "id": str(r.id),
                "title": r.title,
                "detail": r.detail or DASH,
                "status": r.status,
                "day": day(r.day) if r.day else "",
                "amount": money(r.amount_cents, cur) if r.amount_cents is not None else "",
                "href": LINKS[kind] + str(r.id),
            }
            for r in found.rows
        ]
        self.related = {**self.related, kind: rows}
        self.pages = {**self.pages, kind: found.page}
        self.page_counts = {**self.page_counts, kind: found.pages}
        self.totals = {**self.totals, kind: found.total}

    @rx.event
    def load(self):
        self.loaded, self.related, self.contacts = False, dict(EMPTY), []
        staff = self._staff()
        if staff is None:
            return
        wanted = self.router.page.params.get("customer_id", "")
        self._customer_id = arguments.whole(wanted) or 0
        if not self._customer_id or not self._account(staff):
            self._customer_id, self.customer_id = 0, ""
            return
        self.customer_id = str(self._customer_id)
        self._contacts(staff, 1)
        for kind in overview.KINDS:
            self._related(staff, kind, 1)
        self.loaded = True

    @rx.event
    def turn_page(self, kind: str, page: Any):
        """Previous or Next on one of the lists (``contacts`` or a related kind)."""
        staff = self._staff()
        number = arguments.whole(page)
        kind = arguments.text(kind, 20)
        if staff is None or not self._customer_id or number is None:
            return
        if kind == "contacts":
            self._contacts(staff, max(1, number))
        elif kind in overview.KINDS:
            self._related(staff, kind, max(1, number))
