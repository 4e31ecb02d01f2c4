"""What quotes and jobs both show: the first columns of their lists, and in the details the site, the
people, the priced lines with tax, the assets and the files. Each loads its own row through the
scope first; the details read around it, always within the row's customer, so a link to another
customer's contact or asset shows nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from portal.core import tenant
from portal.core.lists import MAX_SEARCH, Cell, Column, Join, escape_like, shorten
from portal.models import Asset, AssetType, Attachment, AttachmentOwner, Contact, Site

LIST_DESCRIPTION_CHARS = 120


def work_list(model: Any, number_header: str) -> dict[str, Any]:
    """The list columns, joins, search, sorts and CSV cells a quote and a job share: number, site,
    description (one short line on screen), order number and the date it was asked for."""
    return {
        "columns": (
            Column("id", model.id),
            Column("number", model.number),
            Column("site_name", Site.name),
            Column(
                "description", model.description, shown=lambda text: shorten(text, LIST_DESCRIPTION_CHARS)
            ),
            Column("order_number", model.order_number),
            Column("requested_on", model.requested_on),
        ),
        "joins": (Join(Site, Site.id == model.site_id),),
        "search": (model.number, Site.name, model.description, model.order_number),
        "sorts": {
            "number": model.number,
            "site": Site.name,
            "description": model.description,
            "order": model.order_number,
            "date": model.requested_on,
        },
        "cells": (
            Cell(number_header, lambda r: r.number),
            Cell("Site", lambda r: r.site_name),
            Cell("Description", lambda r: r.description),
            Cell("Order No.", lambda r: r.order_number),
            Cell("Date", lambda r: r.requested_on),
        ),
    }


@dataclass(frozen=True)
class ItemLine:
    description: str
    quantity: int
    unit_price_cents: int
    total_cents: int


@dataclass(frozen=True)
class AssetLine:
    id: int
    number: str
    name: str
    location: str
    type_name: str


@dataclass(frozen=True)
class AttachmentLine:
    id: int
    name: str
    size_bytes: int
    content_type: str
    uploaded_at: datetime


@dataclass(kw_only=True)
class WorkDetail:
    """The part of a quote's or a job's details that reads the same on both."""

    id: int
    number: int
    stage: str
    site_name: str
    site_address: str
    contact_name: str
    requested_by_name: str
    order_number: str
    description: str
    requested_on: date
    preferred_date: date | None
    subtotal_cents: int
    tax_cents: int
    total_cents: int
    tax_name: str
    tax_rate_text: str
    currency: str
    items: list[ItemLine] = field(default_factory=list)
    assets: list[AssetLine] = field(default_factory=list)
    attachments: list[AttachmentLine] = field(default_factory=list)

    @property
    def tax_label(self) -> str:
        return f"{self.tax_name} {self.tax_rate_text}".strip()


def rate_text(rate_bp: int) -> str:
    """Basis points as a percentage a customer reads: 1000 → "10%", 825 → "8.25%"."""
    percent = (Decimal(rate_bp) / Decimal(100)).normalize()
    return f"{percent:f}%"


def person_name(session: Session, contact_id: int | None, customer_id: int) -> str:
    if contact_id is None:
        return ""
    person = session.get(Contact, contact_id)
    return person.full_name if person is not None and person.customer_id == customer_id else ""


def item_lines(session: Session, item_model: Any, owner_column: Any, owner_id: int) -> list[ItemLine]:
    items = session.exec(
        select(item_model).where(owner_column == owner_id).order_by(item_model.sort_order, item_model.id)
    ).all()
    return [ItemLine(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in items]


def asset_lines(
    session: Session, link: Any, owner_column: Any, owner_id: int, customer_id: int
) -> list[AssetLine]:
    rows = session.exec(
        select(Asset.id, Asset.number, Asset.name, Asset.location, AssetType.name)
        .join(link, link.asset_id == Asset.id)
        .join(AssetType, AssetType.id == Asset.asset_type_id)
        .where(owner_column == owner_id, Asset.customer_id == customer_id)
        .order_by(Asset.number, Asset.id)
    ).all()
    return [AssetLine(*r) for r in rows]


def attachment_lines(
    session: Session,
    owner: AttachmentOwner,
    owner_id: int,
    customer_id: int,
    *,
    search: str = "",
    newest_first: bool = False,
    limit: int | None = None,
    with_hidden: bool = False,
) -> list[AttachmentLine]:
    """The files of one quote, job or site (loaded through the scope by the caller), oldest first or
    newest first, those whose name contains ``search`` (as typed, ``%`` and ``_`` included), at
    most ``limit``. Files the office hid from the customer are left out unless ``with_hidden`` (the
    office's own screens)."""
    stmt = select(
        Attachment.id,
        Attachment.name,
        Attachment.size_bytes,
        Attachment.content_type,
        Attachment.uploaded_at,
    ).where(
        Attachment.owner_type == owner,
        Attachment.owner_id == owner_id,
        Attachment.customer_id == customer_id,
    )
    if not with_hidden:
        stmt = stmt.where(col(Attachment.customer_visible).is_(True))
    text = (search or "").strip()[:MAX_SEARCH]
    if text:
        stmt = stmt.where(col(Attachment.name).ilike(f"%{escape_like(text)}%", escape="\\"))
    if newest_first:
        stmt = stmt.order_by(col(Attachment.uploaded_at).desc(), col(Attachment.id).desc())
    else:
        stmt = stmt.order_by(col(Attachment.uploaded_at), col(Attachment.id))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [AttachmentLine(*r) for r in session.exec(stmt).all()]


def work_detail(
    session: Session,
    row: Any,
    *,
    items: tuple[Any, Any],
    assets: tuple[Any, Any],
    owner: AttachmentOwner,
    with_hidden: bool = False,
) -> dict[str, Any]:
    """The shared fields of a quote's or job's details; ``items`` and ``assets`` name the line table and
    the asset link table, each with its column pointing at the row (``with_hidden``: the office's)."""
    site = session.get(Site, row.site_id)
    settings = tenant.contractor(session)
    return {
        "id": row.id,
        "number": row.number,
        "stage": str(getattr(row.stage, "value", row.stage)),
        "site_name": site.name if site else "",
        "site_address": site.address if site else "",
        "contact_name": person_name(session, row.contact_id, row.customer_id),
        "requested_by_name": person_name(session, row.requested_by_contact_id, row.customer_id),
        "order_number": row.order_number,
        "description": row.description,
        "requested_on": row.requested_on,
        "preferred_date": row.preferred_date,
        "subtotal_cents": row.subtotal_cents,
        "tax_cents": row.tax_cents,
        "total_cents": row.total_cents,
        "tax_name": settings.tax_name,
        "tax_rate_text": rate_text(settings.tax_rate_bp),
        "currency": settings.currency,
        "items": item_lines(session, *items, row.id),
        "assets": asset_lines(session, *assets, row.id, row.customer_id),
        "attachments": attachment_lines(session, owner, row.id, row.customer_id, with_hidden=with_hidden),
    }
