"""The contractor's name for pages shown before sign-in."""

from __future__ import annotations

import reflex as rx

from portal.core import tenant
from portal.db import unit_of_work


class BrandState(rx.State):
    company: str = "Customer Portal"

    @rx.event
    def load(self):
        with unit_of_work() as session:
            name = tenant.contractor(session).company_name
        self.company = name or "Customer Portal"
