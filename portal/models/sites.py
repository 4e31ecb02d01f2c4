"""The customer's buildings, where the work happens, and the people to call there."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from portal.models.base import text, when


def site_address(street: str, suburb: str, state: str, postcode: str) -> str:
    """A site's address on one line ("1 Main St, Brisbane, QLD 4000"), the same on every screen,
    list, CSV and mail; empty parts are left out."""
    return ", ".join(p for p in (street, suburb, f"{state} {postcode}".strip()) if p)


class Site(SQLModel, table=True):
    __tablename__ = "site"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    name: str = text(200, index=True)
    street: str = text(200)
    suburb: str = text(100)
    state: str = text(50)
    postcode: str = text(20)
    country: str = text(2, "AU")
    access_notes: str = text(2000)
    is_active: bool = True
    created_at: datetime = when(default_now=True)
    closed_at: datetime | None = when(nullable=True)

    @property
    def address(self) -> str:
        return site_address(self.street, self.suburb, self.state, self.postcode)


class SiteContact(SQLModel, table=True):
    """A person to call about one site (the building manager, the caretaker).

    Kept apart from the customer's contacts, as in simPRO: the caretaker of one building is not a
    person at the customer's office, never signs in and is not on its quotes or invoices.
    """

    __tablename__ = "site_contact"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    first_name: str = text(100)
    last_name: str = text(100)
    position: str = text(100)
    phone: str = text(40)
    mobile: str = text(40)
    email: str = text(254)
    created_at: datetime = when(default_now=True)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Contract(SQLModel, table=True):
    """A maintenance agreement covering sites and assets until its expiry date."""

    __tablename__ = "contract"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    number: str = text(40, index=True)
    name: str = text(200)
    start_date: date
    expiry_date: date = Field(index=True)
    value_cents: int = 0
    notes: str = text(2000)


class ContractSite(SQLModel, table=True):
    __tablename__ = "contract_site"

    contract_id: int = Field(foreign_key="contract.id", primary_key=True)
    site_id: int = Field(foreign_key="site.id", primary_key=True, index=True)
