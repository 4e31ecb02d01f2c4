"""Preferences > Company information: the customer's own record and who to call at the contractor.

The CMP keeps these under "View company information"; a customer looks here for its business number
as the contractor holds it, and for the contractor's phone, email and ABN to put on an order.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal.core import tenant, visibility
from portal.core.principal import Scope, own_customer
from portal.models import Customer


@dataclass(frozen=True)
class CustomerRecord:
    name: str
    business_number: str
    address: str
    postal_address: str
    phone: str
    email: str


@dataclass(frozen=True)
class ContractorRecord:
    name: str
    phone: str
    email: str
    business_number: str
    website: str
    website_href: str  # the website as a link only when it is an http(s) address, else empty
    address: str


def website_href(website: str) -> str:
    """A link target only for a web address: a ``javascript:`` or ``data:`` value stays plain text."""
    text = (website or "").strip()
    return text if text.lower().startswith(("https://", "http://")) and " " not in text else ""


def customer_record(session: Session, scope: Scope) -> CustomerRecord | None:
    """The contact's own customer, through the scope (staff and API clients have none here)."""
    customer = visibility.get(session, scope, Customer, own_customer(scope))
    if customer is None:
        return None
    return CustomerRecord(
        name=customer.name,
        business_number=customer.business_number,
        address=customer.address,
        postal_address=customer.postal_address,
        phone=customer.phone,
        email=customer.email,
    )


def contractor_record(session: Session) -> ContractorRecord:
    row = tenant.contractor(session)
    return ContractorRecord(
        name=(row.trading_name or row.company_name or "").strip(),
        phone=row.phone,
        email=row.email,
        business_number=row.business_number,
        website=row.website,
        website_href=website_href(row.website),
        address=row.address,
    )
