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

from portal.models import Page, PortalTier, Role

MAX_ID = 2**31 - 1  # the largest id PostgreSQL's integer holds; a larger one from a client finds nothing
# The Advanced portal's reports: a contact needs the Reports page and the contractor the Advanced tier.
ADVANCED_REPORTS = "advanced_reports"
# Every signed-in contact may open the dashboard; it is no page a login is given.
DASHBOARD = "dashboard"


class AccessDenied(Exception):
    """The principal may not open this page or row, or do this."""


class ViewOnly(AccessDenied):
    """A staff member viewing the portal as a contact tried to change something: the view is read-only.

    Its text is what the tab is told (``state/failures.py``), so it names whom the portal is shown as.
    """

    def __init__(self, viewed_as: str = "") -> None:
        who = viewed_as or "this customer"
        super().__init__(f"You are viewing as {who}: read-only. Nothing was changed.")


@dataclass(frozen=True)
class CustomerContact:
    """A signed-in person at a customer: its customer, the pages of its login and its sites."""

    customer_id: int
    contact_id: int
    pages: frozenset[str]
    site_ids: frozenset[int] | None  # None: every site of the customer
    tier: PortalTier = PortalTier.STANDARD
    timezone: str = "UTC"  # the contractor's, so "today" in a download's name is the office's today
    # A staff member viewing the portal as this contact (``/auth/view-as``): it sees what the contact
    # sees and changes nothing; ``viewed_as`` is how the banner and the refusals name the contact.
    viewer_staff_id: int | None = None
    viewed_as: str = ""

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
    def read_only(self) -> bool:
        """A staff member's view: every customer-side command refuses it (``customer_of``, ``db``)."""
        return self.viewer_staff_id is not None

    @property
    def limited(self) -> bool:
        """Assigned to some sites only, so what it creates at a new site must be assigned to it too."""
        return self.site_ids is not None


# The name the portal used while a contact was the only kind of principal.
Scope = CustomerContact


class Duty(StrEnum):
    """What the contractor's people do in the back office; a role is a set of these."""

    READ_INBOX = "read_inbox"  # what customers sent, and marking it handled
    ACTION_QUOTES = "action_quotes"  # price, send, create quotes
    SCHEDULE_JOBS = "schedule_jobs"  # create, convert, schedule and reschedule jobs
    COMPLETE_JOBS = "complete_jobs"
    RECORD_TESTS = "record_tests"  # test results and defects on a job
    INVOICE_JOBS = "invoice_jobs"  # raise and void invoices
    TAKE_PAYMENTS = "take_payments"  # record offline payments, see receipts
    SEND_STATEMENTS = "send_statements"  # statement and overdue letters
    MANAGE_CUSTOMERS = "manage_customers"  # customers, contacts, sites, assets, documents, imports
    VIEW_AS_CUSTOMER = "view_as_customer"  # open the portal read-only as one of a customer's contacts
    BILL_RECURRING = "bill_recurring"  # recurring invoices, their autopay and run history
    READ_OUTBOX = "read_outbox"  # the mail outbox (resend too) and the integration events log
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_STAFF = "manage_staff"


OFFICE_DUTIES = frozenset(Duty) - {Duty.MANAGE_SETTINGS, Duty.MANAGE_STAFF}
ROLE_DUTIES: dict[Role, frozenset[Duty]] = {
    Role.OWNER: frozenset(Duty),
    Role.OFFICE: OFFICE_DUTIES,
    # A technician works its own jobs: tests, defects, completion. No money, no settings.
    Role.TECHNICIAN: frozenset({Duty.COMPLETE_JOBS, Duty.RECORD_TESTS}),
}


@dataclass(frozen=True)
class StaffMember:
    """A signed-in member of the contractor's staff (``portal/models/staff.py``), rebuilt on every call."""

    staff_id: int
    name: str
    role: Role

    def has(self, duty: object) -> bool:
        """``duty`` may have come from the browser as any value; only a duty of the role is allowed."""
        return isinstance(duty, str) and duty in ROLE_DUTIES[self.role]

    def require(self, duty: object) -> None:
        """What a list asks of whoever reads it: a back-office list names a duty where a customer's
        names a page (``core/lists.ListSpec.page``)."""
        if not self.has(duty):
            raise AccessDenied(str(duty))

    @property
    def technician(self) -> bool:
        """Works only the jobs it is booked on. Visibility does not narrow its rows: the job commands and
        the technician's day enforce it through ``services/work/jobs.require_booked``."""
        return self.role == Role.TECHNICIAN


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
    row that belongs to nobody; so is a staff member viewing the portal as a contact (read-only),
    before any row is written or a card charged.
    """
    if isinstance(principal, CustomerContact) and principal.read_only:
        raise ViewOnly(principal.viewed_as)
    if isinstance(principal, CustomerContact):
        return principal.customer_id
    raise AccessDenied("customer contacts only")


def own_customer(principal: Principal) -> int:
    """The customer whose rows a contact reads: its own, also while a staff member views the portal as
    it. A command uses :func:`customer_of`, which refuses that view."""
    if isinstance(principal, CustomerContact):
        return principal.customer_id
    raise AccessDenied("customer contacts only")
