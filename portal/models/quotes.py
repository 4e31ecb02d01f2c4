"""Quotes: requested by the customer (Outstanding), priced by the contractor (Actioned)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from portal.models.base import choice, text, when


class QuoteStage(StrEnum):
    OUTSTANDING = "outstanding"
    ACTIONED = "actioned"


class QuoteDecision(StrEnum):
    NONE = "none"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Quote(SQLModel, table=True):
    __tablename__ = "quote"
    # The lists: one customer, one tab, newest first.
    __table_args__ = (Index("ix_quote_customer_stage_requested", "customer_id", "stage", "requested_on"),)

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    requested_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    order_number: str = text(60, index=True)
    description: str = text(20000)
    stage: QuoteStage = choice(QuoteStage, QuoteStage.OUTSTANDING, index=True)
    requested_on: date = Field(index=True)
    preferred_date: date | None = None
    actioned_on: date | None = None
    # When the office priced it; the customer sees it (Actioned) only once it is sent.
    priced_at: datetime | None = when(nullable=True)
    valid_until: date | None = None
    subtotal_cents: int = 0
    tax_cents: int = 0
    total_cents: int = 0
    decision: QuoteDecision = choice(QuoteDecision, QuoteDecision.NONE)
    decided_at: datetime | None = when(nullable=True)
    decided_by_contact_id: int | None = Field(default=None, foreign_key="contact.id")
    signer_name: str = text(200)
    accepted_order_number: str = text(60)
    decline_reason: str = text(2000)
    created_at: datetime = when(default_now=True)


class QuoteItem(SQLModel, table=True):
    """A priced line, or an optional item the customer added to the request."""

    __tablename__ = "quote_item"

    id: int | None = Field(default=None, primary_key=True)
    quote_id: int = Field(foreign_key="quote.id", index=True)
    optional_item_id: int | None = Field(default=None, foreign_key="optional_item.id")
    kind: str = text(20)  # labour, material, or empty for a plain line
    description: str = text(500)
    quantity: int = 1
    unit_price_cents: int = 0
    total_cents: int = 0
    sort_order: int = 0


class QuoteAsset(SQLModel, table=True):
    __tablename__ = "quote_asset"

    quote_id: int = Field(foreign_key="quote.id", primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", primary_key=True, index=True)
