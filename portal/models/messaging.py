"""What leaves the portal: mail, events for the contractor's back office, and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from portal.models.base import json_dict, text, when


class OutboxMail(SQLModel, table=True):
    """Every email, kept; the smtp backend also sends it and records when."""

    __tablename__ = "outbox_mail"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = text(40, index=True)
    to_address: str = text(254, index=True)
    subject: str = text(300)
    body_text: str = text(20000)
    created_at: datetime = when(default_now=True, index=True)
    sent_at: datetime | None = when(nullable=True)
    error: str = text(500)


class IntegrationEvent(SQLModel, table=True):
    """Something the contractor's back office must hear about (a new request, an acceptance, a payment)."""

    __tablename__ = "integration_event"
    # The Inbox: what is not handled yet, newest first.
    __table_args__ = (Index("ix_integration_event_inbox", "handled_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = text(60, index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    payload: dict[str, Any] = json_dict()
    created_at: datetime = when(default_now=True)
    delivered_at: datetime | None = when(nullable=True)
    # The back office's Inbox: a customer's event stays there until someone marks it handled.
    handled_at: datetime | None = when(nullable=True)
    handled_by_staff_id: int | None = None


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    action: str = text(60, index=True)
    customer_id: int | None = Field(default=None, foreign_key="customer.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id")
    staff_id: int | None = Field(default=None, index=True)  # no key: the trail outlives the account
    target_type: str = text(40)
    target_id: int | None = None
    ip: str = text(64)
    detail: dict[str, Any] = json_dict()
    at: datetime = when(default_now=True, index=True)


class WebhookEvent(SQLModel, table=True):
    """Gateway events seen, by id, so a redelivered event changes nothing."""

    __tablename__ = "webhook_event"

    id: int | None = Field(default=None, primary_key=True)
    gateway: str = text(20)
    event_id: str = Field(sa_type=String(100), unique=True)
    received_at: datetime = when(default_now=True)
