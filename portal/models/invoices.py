"""Invoices, the payments that settle them, recurring invoices with autopay and the saved card."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models.base import choice, text, when


class InvoiceStatus(StrEnum):
    UNPAID = "unpaid"
    PAID = "paid"
    VOID = "void"


class Invoice(SQLModel, table=True):
    __tablename__ = "invoice"
    __table_args__ = (
        Index("ix_invoice_customer_status_due", "customer_id", "status", "due_on"),
        Index("ix_invoice_customer_issued", "customer_id", "issued_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    customer_id: int = Field(foreign_key="customer.id")
    site_id: int = Field(foreign_key="site.id", index=True)
    job_id: int | None = Field(default=None, foreign_key="job.id", index=True)
    recurring_invoice_id: int | None = Field(default=None, foreign_key="recurring_invoice.id")
    order_number: str = text(60)
    description: str = text(2000)
    issued_on: date
    due_on: date
    subtotal_cents: int = 0
    tax_cents: int = 0
    total_cents: int = 0
    paid_cents: int = 0
    status: InvoiceStatus = choice(InvoiceStatus, InvoiceStatus.UNPAID)
    paid_on: date | None = None
    voided_at: datetime | None = when(nullable=True)
    void_reason: str = text(500)
    created_at: datetime = when(default_now=True)

    @property
    def balance_cents(self) -> int:
        return self.total_cents - self.paid_cents


class InvoiceItem(SQLModel, table=True):
    """A line of an invoice the office wrote itself (a free invoice); a job's invoice bills the job's
    lines."""

    __tablename__ = "invoice_item"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    kind: str = text(20)  # labour, material, or empty for a plain line
    description: str = text(500)
    quantity: int = 1
    unit_price_cents: int = 0
    total_cents: int = 0
    sort_order: int = 0


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class PaymentMethod(StrEnum):
    CARD = "card"
    BANK_TRANSFER = "bank_transfer"
    CASH = "cash"
    CHEQUE = "cheque"


class Payment(SQLModel, table=True):
    """One attempt to charge a card. The attempt key makes a retried click the same payment."""

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    attempt_key: str = Field(sa_type=String(64), unique=True)
    amount_cents: int
    currency: str = text(3, "AUD")
    status: PaymentStatus = choice(PaymentStatus, PaymentStatus.PENDING)
    gateway: str = text(20)
    gateway_ref: str = text(100, index=True)
    receipt_number: str | None = Field(default=None, sa_type=String(40), unique=True, nullable=True)
    card_brand: str = text(20)
    card_last4: str = text(4)
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    failure_reason: str = text(300)
    is_autopay: bool = False
    # An offline payment the office recorded: how it came, its reference, and who recorded it.
    method: PaymentMethod = choice(PaymentMethod, PaymentMethod.CARD)
    reference: str = text(100)
    recorded_by_staff_id: int | None = None
    created_at: datetime = when(default_now=True)
    completed_at: datetime | None = when(nullable=True)


class PaymentAllocation(SQLModel, table=True):
    __tablename__ = "payment_allocation"
    __table_args__ = (UniqueConstraint("payment_id", "invoice_id"),)

    id: int | None = Field(default=None, primary_key=True)
    payment_id: int = Field(foreign_key="payment.id", index=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    amount_cents: int


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    SIX_MONTHLY = "six_monthly"
    ANNUALLY = "annually"


class RecurringInvoice(SQLModel, table=True):
    """Monitoring fees and service agreements invoiced on a schedule, optionally paid automatically."""

    __tablename__ = "recurring_invoice"

    id: int | None = Field(default=None, primary_key=True)
    number: int = Field(unique=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    site_id: int = Field(foreign_key="site.id")
    name: str = text(200)
    frequency: Frequency = choice(Frequency)
    subtotal_cents: int = 0
    tax_cents: int = 0
    total_cents: int = 0
    next_due_on: date = Field(index=True)
    last_paid_on: date | None = None
    autopay: bool = False
    autopay_cancelled_at: datetime | None = when(nullable=True)
    is_active: bool = True
    description: str = text(2000)
    paused_at: datetime | None = when(nullable=True)  # no invoice is issued while paused
    ends_on: date | None = None  # the last date an invoice is issued for
    ended_at: datetime | None = when(nullable=True)
    created_at: datetime = when(default_now=True)


class RecurringInvoiceItem(SQLModel, table=True):
    """A line every invoice of a recurring invoice carries."""

    __tablename__ = "recurring_item"

    id: int | None = Field(default=None, primary_key=True)
    recurring_invoice_id: int = Field(foreign_key="recurring_invoice.id", index=True)
    kind: str = text(20)
    description: str = text(500)
    quantity: int = 1
    unit_price_cents: int = 0
    total_cents: int = 0
    sort_order: int = 0


class AutopayRun(SQLModel, table=True):
    """One charge of one recurring invoice for one due date: the key that makes the run safe twice."""

    __tablename__ = "autopay_run"
    __table_args__ = (UniqueConstraint("recurring_invoice_id", "due_on"),)

    id: int | None = Field(default=None, primary_key=True)
    recurring_invoice_id: int = Field(foreign_key="recurring_invoice.id")
    due_on: date
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    payment_id: int | None = Field(default=None, foreign_key="payment.id")
    status: PaymentStatus = choice(PaymentStatus, PaymentStatus.PENDING)
    error: str = text(300)
    created_at: datetime = when(default_now=True)


class SavedCard(SQLModel, table=True):
    """The customer's one card for automatic payments: a gateway token, never the number."""

    __tablename__ = "saved_card"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    gateway: str = text(20)
    gateway_token: str = text(200)
    brand: str = text(20)
    last4: str = text(4)
    exp_month: int
    exp_year: int
    name_on_card: str = text(200)
    created_at: datetime = when(default_now=True)
    replaced_at: datetime | None = when(nullable=True)
