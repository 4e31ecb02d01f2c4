"""The access scope: which customer, pages and sites a signed-in contact may see.

Every query that returns customer data goes through :func:`scoped`, and every id that comes from
the browser is loaded with :func:`get`, so another customer's id, or a site the contact is not
assigned to, finds nothing whatever the client sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlmodel import Session, select

from portal.models import ALL_PAGES, Contact, ContactSite, Contractor, Customer, PortalTier, Site
from portal.services.identity.tokens import Secret

M = TypeVar("M")
MAX_ID = 2**31 - 1
# The Advanced portal's reports: a contact needs the Reports page and the contractor the Advanced tier.
ADVANCED_REPORTS = "advanced_reports"


class AccessDenied(Exception):
    """The contact may not open this page or row."""


@dataclass(frozen=True)
class Scope:
    customer_id: int
    contact_id: int
    pages: frozenset[str]
    site_ids: frozenset[int] | None  # None: every site of the customer
    tier: PortalTier = PortalTier.STANDARD
    timezone: str = "UTC"  # the contractor's, so "today" in a download's name is the office's today

    def can(self, page: str) -> bool:
        """``page`` may have come from the browser as any value; only a page name is ever allowed."""
        if not isinstance(page, str):
            return False
        if page == ADVANCED_REPORTS:
            return self.advanced and "reports" in self.pages
        return page == "dashboard" or page in self.pages

    def require(self, page: str) -> None:
        if not self.can(page):
            raise AccessDenied(page)

    @property
    def advanced(self) -> bool:
        return self.tier == PortalTier.ADVANCED


def scope_for(session: Session, contact_id: int) -> Scope | None:
    """The scope of an active login, or None when the contact may not sign in."""
    contact = session.get(Contact, contact_id)
    if contact is None or not contact.login_active or contact.deactivated_at is not None:
        return None
    customer = session.get(Customer, contact.customer_id)
    if customer is None or not customer.is_active:
        return None
    site_ids: frozenset[int] | None = None
    if not contact.all_sites:
        rows = session.exec(
            select(ContactSite.site_id)
            .join(Site, Site.id == ContactSite.site_id)
            .where(ContactSite.contact_id == contact.id, Site.customer_id == customer.id)
        ).all()
        site_ids = frozenset(rows)
    tenant = session.exec(select(Contractor.portal_tier, Contractor.timezone).limit(1)).first()
    tier, timezone = tenant if tenant is not None else (PortalTier.STANDARD, "UTC")
    pages = frozenset(p for p in contact.pages if p in ALL_PAGES)
    return Scope(
        customer.id, contact.id, pages, site_ids, PortalTier(tier or PortalTier.STANDARD), timezone or "UTC"
    )


def signed_in_scope(session: Session, session_id: Secret | None) -> Scope | None:
    """The scope behind a session cookie (raw, or hashed at the edge), or None when it is not live."""
    from portal.services.identity import sessions

    login = sessions.resolve(session, session_id) if session_id else None
    return scope_for(session, login.contact_id) if login else None


def scoped(stmt: Any, scope: Scope, model: type) -> Any:
    """Narrow a select to the scope's customer and, for a limited contact, to its sites."""
    stmt = stmt.where(model.customer_id == scope.customer_id)
    if scope.site_ids is not None:
        site_col = model.id if model is Site else getattr(model, "site_id", None)
        if site_col is None:
            raise TypeError(f"{model.__name__} has no site to scope by")
        stmt = stmt.where(site_col.in_(scope.site_ids))
    return stmt


def get(session: Session, scope: Scope, model: type[M], row_id: Any) -> M | None:
    """Load one row by an id from the client, through the scope."""
    try:
        row_id = int(row_id)
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 < row_id <= MAX_ID:  # PostgreSQL would abort the transaction on an out-of-range integer
        return None
    return session.exec(scoped(select(model).where(model.id == row_id), scope, model)).first()
