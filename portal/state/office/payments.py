"""``/office/payments``: every payment, online and offline, with its receipt."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from portal.core import clock, tenant
from portal.core.lists import Page, PageRequest
from portal.core.principal import Duty, StaffMember
from portal.db import unit_of_work
from portal.services.billing import office_invoices
from portal.state.display import DASH, day, money
from portal.state.listing import ListState
from portal.state.office.session import office_staff


class OfficePaymentsState(ListState, rx.State):
    TABS: ClassVar[tuple[str, ...]] = office_invoices.PAYMENT_TABS
    PAGE: ClassVar[str] = Duty.TAKE_PAYMENTS
    _currency: str = "AUD"
    _zone: str = "UTC"

    def _scope(self, duty: str) -> StaffMember | None:
        return office_staff(self, duty)

    def _fetch(self, scope: Any, request: PageRequest) -> Page:
        with unit_of_work(read_only=True) as session:
            self._currency = tenant.currency(session)
            self._zone = tenant.contractor(session).timezone
            return office_invoices.list_payments(session, scope, self.tab, request, tenant.today(session))

    def _format(self, row: Any) -> dict[str, str]:
        invoices = (
            DASH
            if not row.invoice_count
            else str(row.first_invoice)
            + (f" and {row.invoice_count - 1} more" if row.invoice_count > 1 else "")
        )
        return {
            "id": str(row.id),
            "receipt": row.receipt_number or DASH,
            "customer": row.customer_name,
            "method": office_invoices.method_text(row.method, row.card_brand, row.card_last4),
            "reference": row.reference or DASH,
            "date": day(clock.local_day(row.paid_at, clock.zone(self._zone))) if row.paid_at else DASH,
            "amount": money(row.amount_cents, self._currency),
            "invoices": invoices,
            "recorded_by": row.recorded_by or "Online",
        }

    @rx.event
    def load(self):
        self._open_from_url()
        self._refresh()
