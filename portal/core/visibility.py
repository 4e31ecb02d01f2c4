"""Which rows a principal sees: one rule per table, applied by :func:`scoped` and :func:`get`.

Every query that returns customer data goes through :func:`scoped`, and every id that comes from a
client is loaded with :func:`get`, so another customer's id, or a site a contact is not assigned
to, finds nothing whatever the client sends. Each table says once, in :data:`RULES`, how its rows
reach a customer; a table that holds no customer data says so in :data:`NOT_CUSTOMER_DATA`. A
table in neither is refused, so a new table cannot be forgotten (tests/unit/test_visibility.py
checks every table of the metadata against both).

- a staff member sees every row;
- an API client sees every customer's rows of the tables its scopes name (the rule's resource);
- a customer contact sees its customer's rows and, when limited to some sites, only those at its
  sites (or reached through a row at its sites).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select
from sqlmodel import Session, select

from portal.core.principal import MAX_ID, ApiClient, CustomerContact, Principal, StaffMember
from portal.models import (
    Asset,
    AssetServiceLevel,
    AssetType,
    Attachment,
    AttachmentOwner,
    AuditEvent,
    AutopayRun,
    Contact,
    ContactSite,
    Contract,
    Contractor,
    ContractorDocument,
    ContractSite,
    Credential,
    Customer,
    Defect,
    DescriptionScript,
    DocumentVersion,
    IntegrationEvent,
    Invoice,
    InvoiceItem,
    Job,
    JobAsset,
    JobItem,
    LoginAttempt,
    LoginSession,
    OneTimeToken,
    OptionalItem,
    OutboxMail,
    Payment,
    PaymentAllocation,
    Quote,
    QuoteAsset,
    QuoteItem,
    RecoveryCode,
    RecurringInvoice,
    RecurringInvoiceItem,
    SavedCard,
    ServiceLevel,
    ServiceRecord,
    Site,
    SiteContact,
    Staff,
    Task,
    TaskNote,
    Transfer,
    WebhookEvent,
)

M = TypeVar("M")
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")
Clause = ColumnElement[bool]


class Rule:
    """How rows of one table reach a customer contact; ``resource`` names the table for API scopes."""

    resource: str

    def clause(self, model: Any, contact: CustomerContact, sites: bool) -> Clause:
        """The rows ``contact`` sees; with ``sites`` false, every row of its customer whatever the site."""
        raise NotImplementedError


@dataclass(frozen=True)
class ByCustomer(Rule):
    """A customer-wide row (a payment, a contact, the saved card): every contact of the customer sees it."""

    resource: str
    customer: str = "customer_id"

    def clause(self, model: Any, contact: CustomerContact, sites: bool) -> Clause:
        own: Clause = getattr(model, self.customer) == contact.customer_id
        return own


@dataclass(frozen=True)
class BySite(Rule):
    """A row at one site: a limited contact sees it only at its sites.

    ``nullable``: a row without a site is for the whole customer, so every contact of the customer
    sees it (a document published for all sites).
    """

    resource: str
    site: str = "site_id"
    nullable: bool = False

    def clause(self, model: Any, contact: CustomerContact, sites: bool) -> Clause:
        own: Clause = model.customer_id == contact.customer_id
        if not sites or contact.site_ids is None:
            return own
        at = getattr(model, self.site).in_(sorted(contact.site_ids))
        return and_(own, or_(getattr(model, self.site).is_(None), at) if self.nullable else at)


@dataclass(frozen=True)
class ByContractSite(Rule):
    """A contract is seen by a limited contact when it covers at least one of the contact's sites."""

    resource: str

    def clause(self, model: Any, contact: CustomerContact, sites: bool) -> Clause:
        own: Clause = model.customer_id == contact.customer_id
        if not sites or contact.site_ids is None:
            return own
        covering = select(ContractSite.contract_id).where(ContractSite.site_id.in_(sorted(contact.site_ids)))
        return and_(own, model.id.in_(covering))


@dataclass(frozen=True)
class Through(Rule):
    """A row with no customer of its own (a quote's line, an asset's test): seen when its parents are.

    ``parents`` are ``(column, parent table)`` pairs; the row needs every parent visible.
    """

    resource: str
    parents: tuple[tuple[str, type[Any]], ...]

    def clause(self, model: Any, contact: CustomerContact, sites: bool) -> Clause:
        return and_(
            *(
                getattr(model, column).in_(select(parent.id).where(_contact_clause(parent, contact, sites)))
                for column, parent in self.parents
            )
        )


@dataclass(frozen=True)
class ByOwner(Rule):
    """An attachment is seen when what it hangs on is: a quote, job, invoice, asset, site or document.

    A file on the customer itself is for every contact of the customer.
    """

    resource: str

    def clause(self, model: Any, contact: CustomerContact, sites: bool) -> Clause:
        own: Clause = model.customer_id == contact.customer_id
        if not sites or contact.site_ids is None:
            return own
        owners: list[Clause] = [model.owner_type == AttachmentOwner.CUSTOMER]
        for kind, parent in _OWNERS.items():
            seen = select(parent.id).where(_contact_clause(parent, contact, sites))
            owners.append(and_(model.owner_type == kind, model.owner_id.in_(seen)))
        documents = select(ContractorDocument.attachment_id).where(
            _contact_clause(ContractorDocument, contact, sites)
        )
        owners.append(and_(model.owner_type == AttachmentOwner.DOCUMENT, model.id.in_(documents)))
        return and_(own, or_(*owners))


_OWNERS: dict[AttachmentOwner, type[Any]] = {
    AttachmentOwner.QUOTE: Quote,
    AttachmentOwner.JOB: Job,
    AttachmentOwner.INVOICE: Invoice,
    AttachmentOwner.ASSET: Asset,
    AttachmentOwner.SITE: Site,
}

RULES: dict[type, Rule] = {
    Customer: ByCustomer("customers", customer="id"),
    Contact: ByCustomer("contacts"),
    ContactSite: Through("contacts", (("contact_id", Contact), ("site_id", Site))),
    Site: BySite("sites", site="id"),
    SiteContact: Through("sites", (("site_id", Site),)),
    Contract: ByContractSite("contracts"),
    ContractSite: Through("contracts", (("contract_id", Contract), ("site_id", Site))),
    Quote: BySite("quotes"),
    QuoteItem: Through("quotes", (("quote_id", Quote),)),
    QuoteAsset: Through("quotes", (("quote_id", Quote),)),
    Job: BySite("jobs"),
    JobItem: Through("jobs", (("job_id", Job),)),
    InvoiceItem: Through("invoices", (("invoice_id", Invoice),)),
    JobAsset: Through("jobs", (("job_id", Job),)),
    Task: BySite("tasks", nullable=True),
    TaskNote: Through("tasks", (("task_id", Task),)),
    Invoice: BySite("invoices"),
    RecurringInvoice: BySite("invoices"),
    AutopayRun: Through("invoices", (("recurring_invoice_id", RecurringInvoice),)),
    RecurringInvoiceItem: Through("invoices", (("recurring_invoice_id", RecurringInvoice),)),
    Payment: ByCustomer("payments"),
    PaymentAllocation: Through("payments", (("payment_id", Payment), ("invoice_id", Invoice))),
    SavedCard: ByCustomer("payments"),
    Asset: BySite("assets"),
    AssetServiceLevel: Through("assets", (("asset_id", Asset),)),
    ServiceRecord: Through("assets", (("asset_id", Asset),)),
    Transfer: Through("assets", (("asset_id", Asset),)),
    Defect: BySite("assets"),
    Attachment: ByOwner("files"),
    ContractorDocument: BySite("documents", nullable=True),
    DocumentVersion: Through("documents", (("document_id", ContractorDocument),)),
    IntegrationEvent: ByCustomer("events"),
    AuditEvent: ByCustomer("audit"),
}

# Tables that belong to the contractor or to the machinery, not to any one customer: logins and
# their secrets, the contractor's settings and catalog, the outbox, the gateway's event ids.
NOT_CUSTOMER_DATA: frozenset[type] = frozenset(
    {
        Contractor,
        Credential,
        OneTimeToken,
        LoginSession,
        LoginAttempt,
        Staff,
        RecoveryCode,
        AssetType,
        ServiceLevel,
        DescriptionScript,
        OptionalItem,
        OutboxMail,
        WebhookEvent,
    }
)


def rule_of(model: type) -> Rule:
    rule = RULES.get(model)
    if rule is not None:
        return rule
    name = getattr(model, "__name__", repr(model))
    if model in NOT_CUSTOMER_DATA:
        raise TypeError(f"{name} holds no customer data: it is not scoped")
    raise TypeError(f"{name} is not in the visibility registry (portal/core/visibility.py)")


def _contact_clause(model: type, contact: CustomerContact, sites: bool) -> Clause:
    return rule_of(model).clause(model, contact, sites)


def visible(principal: Principal, model: type) -> Clause:
    """The rows of ``model`` the principal sees, as a condition (for a join or an update)."""
    rule = rule_of(model)
    if isinstance(principal, CustomerContact):
        return rule.clause(model, principal, sites=True)
    if isinstance(principal, StaffMember):
        return true()
    if isinstance(principal, ApiClient):
        return true() if principal.reads(rule.resource) else false()
    raise TypeError(f"{type(principal).__name__} is not a principal")


def of_customer(principal: Principal, model: type) -> Clause:
    """The customer's rows whatever their site: for rows reached through a row already visible.

    An asset's contract, the job card an asset was tested on, or a rate worked out over all of the
    customer's contracts belongs to what a limited contact sees without the row's own site being one
    of its sites.
    """
    if isinstance(principal, CustomerContact):
        return rule_of(model).clause(model, principal, sites=False)
    return visible(principal, model)


def scoped(stmt: S, principal: Principal, model: type) -> S:
    """Narrow a select to the rows of ``model`` the principal sees."""
    return stmt.where(visible(principal, model))


def get(session: Session, principal: Principal, model: type[M], row_id: Any) -> M | None:
    """Load one row by an id from a client, through the registry; anything but a visible id finds None."""
    try:
        row_id = int(row_id)
    except (TypeError, ValueError, OverflowError):
        return None
    if not 0 < row_id <= MAX_ID:  # PostgreSQL would abort the transaction on an out-of-range integer
        return None
    key: Any = model.id  # type: ignore[attr-defined]
    return session.exec(scoped(select(model).where(key == row_id), principal, model)).first()


def audience(principal: Principal) -> Hashable:
    """Equal for two principals that see the same rows, so a cache of what one saw can serve the other."""
    if isinstance(principal, CustomerContact):
        return ("customer", principal.customer_id, principal.site_ids)
    if isinstance(principal, ApiClient):
        return ("api", principal.scopes)
    return ("staff",)
