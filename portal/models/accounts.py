"""Who signs in: the contractor's settings, its customers, their contacts and what each may see."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String
from sqlmodel import Field, SQLModel

from portal.models.base import choice, json_list, text, when


class PortalTier(StrEnum):
    STANDARD = "standard"
    ADVANCED = "advanced"


class Page(StrEnum):
    """Menu areas a contact can be given access to (the dashboard is always allowed)."""

    QUOTES = "quotes"
    JOBS = "jobs"
    INVOICES = "invoices"
    SITES = "sites"
    ASSETS = "assets"
    REPORTS = "reports"
    TASKS = "tasks"
    CONTACTS = "contacts"


ALL_PAGES: tuple[str, ...] = tuple(p.value for p in Page)


class CustomerKind(StrEnum):
    COMPANY = "company"
    INDIVIDUAL = "individual"


class Contractor(SQLModel, table=True):
    """The business running the portal: one row, edited by staff."""

    __tablename__ = "contractor"

    id: int | None = Field(default=None, primary_key=True)
    company_name: str = text(200)
    trading_name: str = text(200)
    business_number: str = text(40)  # ABN, VAT or EIN
    email: str = text(254)
    phone: str = text(40)
    address: str = text(400)
    website: str = text(200)
    logo_path: str = text(200)  # under assets/, served publicly
    currency: str = text(3, "AUD")
    country: str = text(2, "AU")
    timezone: str = text(64, "Australia/Brisbane")
    tax_name: str = text(20, "GST")
    tax_rate_bp: int = 1000  # basis points: 1000 = 10 %
    payment_terms_days: int = 30
    quote_validity_days: int = 30
    portal_tier: PortalTier = choice(PortalTier, PortalTier.STANDARD)
    # Branding: the uploaded logo (private storage key and its checked type) and the accent colour
    # (#rrggbb) the login page, the portal shell, PDFs and emails use.
    logo_key: str = text(64)
    logo_type: str = text(40)
    accent_color: str = text(7)
    # The pages a new contact's login gets unless the office picks others; empty: every page.
    default_pages: list[str] = json_list()
    # Document numbers: a prefix printed before the number, and the lowest number the next one takes.
    quote_prefix: str = text(10)
    job_prefix: str = text(10)
    invoice_prefix: str = text(10)
    quote_start: int = 0
    job_start: int = 0
    invoice_start: int = 0
    created_at: datetime = when(default_now=True)


class Customer(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    kind: CustomerKind = choice(CustomerKind, CustomerKind.COMPANY)
    name: str = text(200, index=True)  # company name, or the person's full name
    # The contractor's own reference (its accounting system's code); an import matches on it.
    code: str = text(40, index=True)
    business_number: str = text(40)
    email: str = text(254)
    phone: str = text(40)
    address: str = text(400)
    postal_address: str = text(400)
    notes: str = text(2000)
    is_active: bool = True
    created_at: datetime = when(default_now=True)
    deactivated_at: datetime | None = when(nullable=True)


class Contact(SQLModel, table=True):
    """A person at a customer; with ``login_active`` also a portal user."""

    __tablename__ = "contact"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    title: str = text(20)
    first_name: str = text(100)
    last_name: str = text(100)
    email: str = text(254, index=True)
    phone: str = text(40)
    mobile: str = text(40)
    position: str = text(100)
    department: str = text(100)
    is_quote_contact: bool = False
    is_job_contact: bool = False
    is_invoice_contact: bool = False
    is_statement_contact: bool = False
    is_primary: bool = False
    login_active: bool = False
    # Unique across the portal, lower-cased; set by the invite, never edited by customers.
    username: str | None = Field(default=None, sa_type=String(254), unique=True, nullable=True)
    pages: list[str] = json_list()
    all_sites: bool = True
    created_at: datetime = when(default_now=True)
    deactivated_at: datetime | None = when(nullable=True)
    last_login_at: datetime | None = when(nullable=True)  # a staff member's view as it is not a sign-in
    # When the contact finished or closed the basic tour; the portal offers it once until then.
    tour_seen_at: datetime | None = when(nullable=True)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ContactSite(SQLModel, table=True):
    """The sites a contact may see when ``all_sites`` is off."""

    __tablename__ = "contact_site"

    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    site_id: int = Field(foreign_key="site.id", primary_key=True, index=True)


class Credential(SQLModel, table=True):
    """A contact's password and the counters that throttle guessing at it."""

    __tablename__ = "credential"

    contact_id: int = Field(foreign_key="contact.id", primary_key=True)
    password_hash: str = text(100)
    changed_at: datetime = when(default_now=True)
    failed_count: int = 0
    last_failed_at: datetime | None = when(nullable=True)
    locked_until: datetime | None = when(nullable=True)


class TokenPurpose(StrEnum):
    INVITE = "invite"
    RESET = "reset"
    LOGIN = "login"  # the one-time nonce swapped for the session cookie
    EMAIL = "email"  # confirms a login's new email address, held in ``new_email`` until followed


class OneTimeToken(SQLModel, table=True):
    """Invite, reset and login links. Only a hash of the token is kept."""

    __tablename__ = "one_time_token"
    __table_args__ = (CheckConstraint("(contact_id IS NULL) <> (staff_id IS NULL)", name="one_owner"),)

    id: int | None = Field(default=None, primary_key=True)
    # Exactly one of the two: a customer's login or a staff member's (``ck_..._one_owner``).
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    purpose: TokenPurpose = choice(TokenPurpose)
    new_email: str = text(254)
    token_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = when(default_now=True)
    expires_at: datetime = when()
    used_at: datetime | None = when(nullable=True)
    voided_at: datetime | None = when(nullable=True)


class LoginSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds the id; the database holds its hash."""

    __tablename__ = "login_session"
    __table_args__ = (CheckConstraint("(contact_id IS NULL) <> (staff_id IS NULL)", name="one_owner"),)

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(sa_type=String(64), unique=True)
    # Exactly one of the two: a customer's login or a staff member's (``ck_..._one_owner``).
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    staff_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    # Set on a contact's session a staff member opened to view the portal as that contact: read-only.
    viewer_staff_id: int | None = Field(default=None, foreign_key="staff.id")
    created_at: datetime = when(default_now=True)
    last_seen_at: datetime = when(default_now=True)
    expires_at: datetime = when()
    revoked_at: datetime | None = when(nullable=True)
    revoked_reason: str = text(40)
    ip: str = text(64)
    user_agent: str = text(300)


class AttemptKind(StrEnum):
    LOGIN = "login"
    RESET = "reset"
    # The back office's own kinds, so a staff email and a customer username never share a streak.
    STAFF_LOGIN = "staff_login"
    STAFF_RESET = "staff_reset"
    STAFF_CODE = "staff_code"  # a second-factor code (TOTP or recovery)


class LoginAttempt(SQLModel, table=True):
    """One login or reset request, kept an hour or so to throttle by account and by address."""

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    kind: AttemptKind = choice(AttemptKind, index=True)
    username: str = text(254, index=True)
    ip: str = text(64, index=True)
    succeeded: bool = False
    at: datetime = when(default_now=True, index=True)
