"""Who is asking: a customer contact, a staff member of the contractor, or an API client.

Every service call carries one of these. What rows it may see is the visibility registry's
business (portal/core/visibility.py); what it may do is decided here: a contact by the pages of
its login, a staff member by the duties of its role, an API client by its scopes. A contractor-side
command asks :func:`require_duty`, so no customer contact (and no staff member without the duty)
can price a quote or raise an invoice, whatever reaches the service.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from portal.models import Page, PortalTier

MAX_ID = 2**31 - 1  # the largest id PostgreSQL's integer holds; a larger one from a client finds nothing
# The Advanced portal's reports: a contact needs the Reports page and the contractor the Advanced tier.
ADVANCED_REPORTS = "advanced_reports"
# Every signed-in contact may open the dashboard; it is no page a login is given.
DASHBOARD = "dashboard"


class AccessDenied(Exception):
    """The principal may not open this page or row, or do this."""


@dataclass(frozen=True)
class CustomerContact:
    """A signed-in person at a customer: its customer, the pages of its login and its sites."""

    customer_id: int
    contact_id: int
    pages: frozenset[str]
    site_ids: frozenset[int] | None  # None: every site of the customer
    tier: PortalTier = PortalTier.STANDARD
    timezone: str = "UTC"  # the contractor's, so "today" in a download's name is the office's today

    def can(self, page: object) -> bool:
        """``page`` may have come from the browser as any value; only a page name is ever allowed."""
        if not isinstance(page, str):
            return False
        if page == ADVANCED_REPORTS:
            return self.advanced and Page.REPORTS in self.pages
        return page == DASHBOARD or page in self.pages

    def require(self, page: str) -> None:
        if not self.can(page):
            raise AccessDenied(page)

    @property
    def advanced(self) -> bool:
        return self.tier == PortalTier.ADVANCED

    @property
    def limited(self) -> bool:
        """Assigned to some sites only, so what it creates at a new site must be assigned to it too."""
        return self.site_ids is not None


# The name the portal used while a contact was the only kind of principal.
Scope = CustomerContact


class Duty(StrEnum):
    """What the contractor's people do in the back office."""

    ACTION_QUOTES = "action_quotes"
    SCHEDULE_JOBS = "schedule_jobs"
    COMPLETE_JOBS = "complete_jobs"
    INVOICE_JOBS = "invoice_jobs"


class Role(StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    TECHNICIAN = "technician"

    @property
    def duties(self) -> frozenset[Duty]:
        return ROLE_DUTIES[self]


ROLE_DUTIES: dict[Role, frozenset[Duty]] = {
    Role.ADMIN: frozenset(Duty),
    Role.OFFICE: frozenset({Duty.ACTION_QUOTES, Duty.SCHEDULE_JOBS, Duty.INVOICE_JOBS}),
    # A technician closes the job it worked on; pricing and billing stay with the office.
    Role.TECHNICIAN: frozenset({Duty.COMPLETE_JOBS}),
}


@dataclass(frozen=True)
class StaffMember:
    """One of the contractor's people; a value until the back office gives staff a table and logins."""

    staff_id: int
    name: str
    role: Role

    def has(self, duty: Duty) -> bool:
        return duty in self.role.duties


@dataclass(frozen=True)
class ApiClient:
    """An integration (the contractor's accounting or job system): every customer's rows, within its scopes.

    A scope is ``"<resource>:read"`` or ``"<resource>:write"``; the resource of each table is in
    the visibility registry.
    """

    client_id: int
    scopes: frozenset[str]

    def reads(self, resource: str) -> bool:
        return f"{resource}:read" in self.scopes or f"{resource}:write" in self.scopes


Principal = CustomerContact | StaffMember | ApiClient


def require_duty(principal: Principal, duty: Duty) -> StaffMember:
    """The staff member, when it has ``duty``; anyone else (a customer contact too) is refused."""
    if isinstance(principal, StaffMember) and principal.has(duty):
        return principal
    raise AccessDenied(duty.value)


def customer_of(principal: Principal) -> int:
    """The customer a customer-side command acts for: the contact's own.

    Staff and API clients act for no one customer, so they are refused here rather than writing a
    row that belongs to nobody.
    """
    if isinstance(principal, CustomerContact):
        return principal.customer_id
    raise AccessDenied("customer contacts only")
