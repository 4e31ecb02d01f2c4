"""Jobs: Pending → Progress (scheduled) → Complete → Invoiced → Archive (paid)."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from portal.models.base import choice, text, when


class JobStage(StrEnum):
    PENDING = "pending"
    PROGRESS = "progress"
    COMPLETE = "complete"
    INVOICED = "invoiced"
    ARCHIVE = "archive"


class Job(SQLModel, table=True):
    __tablename__ = "job"
    # The lists: one customer, one tab, newest first.
    __table_args__ = (Index("ix_job_customer_stage_requested", "customer_id", "stage", "requested_on"),)

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    requested_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    quote_id: int | None = Field(default=None, foreign_key="quote.id")
    contract_id: int | None = Field(default=None, foreign_key="contract.id")
    order_number: str = text(60, index=True)
    description: str = text(20000)
    stage: JobStage = choice(JobStage, JobStage.PENDING, index=True)
    status_text: str = text(60, "Job : New Service")
    requested_on: date = Field(index=True)
    preferred_date: date | None = None
    scheduled_on: date | None = None
    # The visit's window on ``scheduled_on`` and who goes, set by Schedule in the back office.
    window_start: time | None = None
    window_end: time | None = None
    technician_id: int | None = Field(default=None, foreign_key="staff.id", index=True)
    due_on: date | None = None
    completed_on: date | None = None
    subtotal_cents: int = 0
    tax_cents: int = 0
    total_cents: int = 0
    created_at: datetime = when(default_now=True)


class JobItem(SQLModel, table=True):
    __tablename__ = "job_item"

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="job.id", index=True)
    optional_item_id: int | None = Field(default=None, foreign_key="optional_item.id")
    kind: str = text(20)  # labour, material, or empty for a plain line
    description: str = text(500)
    quantity: int = 1
    unit_price_cents: int = 0
    total_cents: int = 0
    sort_order: int = 0


class JobAsset(SQLModel, table=True):
    __tablename__ = "job_asset"

    job_id: int = Field(foreign_key="job.id", primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", primary_key=True, index=True)
