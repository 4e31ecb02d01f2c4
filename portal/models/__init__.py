"""All tables, imported together so SQLModel.metadata is complete for Alembic and the tests."""

from portal.models.accounts import (
    ALL_PAGES,
    AttemptKind,
    Contact,
    ContactSite,
    Contractor,
    Credential,
    Customer,
    CustomerKind,
    LoginAttempt,
    LoginSession,
    OneTimeToken,
    Page,
    PortalTier,
    TokenPurpose,
)
from portal.models.assets import (
    Asset,
    AssetServiceLevel,
    AssetStatus,
    AssetType,
    Defect,
    DefectSeverity,
    ServiceLevel,
    ServiceRecord,
    TestResult,
    Transfer,
)
from portal.models.catalog import DescriptionScript, OptionalItem, ScriptUse
from portal.models.files import Attachment, AttachmentOwner, ContractorDocument, DocumentKind
from portal.models.invoices import (
    AutopayRun,
    Frequency,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    RecurringInvoice,
    SavedCard,
)
from portal.models.jobs import Job, JobAsset, JobItem, JobStage
from portal.models.messaging import AuditEvent, IntegrationEvent, OutboxMail, WebhookEvent
from portal.models.quotes import Quote, QuoteAsset, QuoteDecision, QuoteItem, QuoteStage
from portal.models.sites import Contract, ContractSite, Site, SiteContact
from portal.models.tasks import Task, TaskPriority, TaskStatus

__all__ = [
    "ALL_PAGES", "Asset", "AssetServiceLevel", "AssetStatus", "AssetType", "AttemptKind",
    "Attachment", "AttachmentOwner", "AuditEvent", "AutopayRun", "Contact", "ContactSite",
    "Contract", "ContractSite", "Contractor", "ContractorDocument", "Credential", "Customer",
    "CustomerKind", "Defect", "DefectSeverity", "DescriptionScript", "DocumentKind", "Frequency",
    "IntegrationEvent", "Invoice", "InvoiceStatus", "Job", "JobAsset", "JobItem", "JobStage",
    "LoginAttempt", "LoginSession", "OneTimeToken", "OptionalItem", "OutboxMail", "Page",
    "Payment", "PaymentAllocation", "PaymentStatus", "PortalTier", "Quote", "QuoteAsset",
    "QuoteDecision", "QuoteItem", "QuoteStage", "RecurringInvoice", "SavedCard", "ScriptUse",
    "ServiceLevel", "ServiceRecord", "Site", "SiteContact", "Task", "TaskPriority", "TaskStatus",
    "TestResult", "TokenPurpose", "Transfer", "WebhookEvent",
]
