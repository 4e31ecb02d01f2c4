"""The contractor's name for pages shown before sign-in."""

from __future__ import annotations

import reflex as rx
from sqlmodel import select

from portal.db import unit_of_work
from portal.models import Contractor


class BrandState(rx.State):
    company: str = "Customer Portal"

    @rx.event
    def load(self):
        with unit_of_work() as session:
            name = session.exec(select(Contractor.company_name).limit(1)).first()
        self.company = name or "Customer Portal"
