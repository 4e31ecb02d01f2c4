"""The contractor's name, logo and accent for pages shown before sign-in, and for the portal's shell."""

from __future__ import annotations

import reflex as rx

from portal.db import unit_of_work
from portal.services.settings import branding


class BrandState(rx.State):
    company: str = "Customer Portal"
    logo_url: str = ""  # "" until the owner uploads one: the pages show the portal's own mark
    radix: str = branding.DEFAULT_RADIX  # the Radix accent scale nearest the owner's colour

    @rx.event
    def load(self):
        with unit_of_work(read_only=True) as session:
            found = branding.brand(session)
        self.company = found.company or "Customer Portal"
        self.logo_url = found.logo_url
        self.radix = found.radix
