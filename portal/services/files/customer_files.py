"""Preferences > Attachments: the files kept on the customer itself (contracts, service agreements).

They are read through the visibility registry like every other attachment, so every contact of the
customer sees them and no other customer's contact ever does; downloads go through the same scoped
route as a quote's files (``/files/attachments/<id>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from portal.core.lists import MAX_SEARCH, count_rows, escape_like
from portal.core.principal import Scope, own_customer
from portal.core.visibility import scoped
from portal.models import Attachment, AttachmentOwner

# A customer keeps a handful of agreements; a screen of this many is more than anyone scrolls.
MAX_LISTED = 200


@dataclass(frozen=True)
class CustomerFile:
    id: int
    name: str
    content_type: str
    size_bytes: int
    uploaded_at: datetime


@dataclass(frozen=True)
class CustomerFiles:
    files: list[CustomerFile]
    total: int  # every match, of which at most MAX_LISTED are listed


def customer_files(session: Session, scope: Scope, search: str = "") -> CustomerFiles:
    """The customer's own files, newest first, whose name contains ``search`` (case ignored)."""
    stmt = select(
        Attachment.id, Attachment.name, Attachment.content_type, Attachment.size_bytes, Attachment.uploaded_at
    ).where(
        Attachment.owner_type == AttachmentOwner.CUSTOMER,
        Attachment.owner_id == own_customer(scope),
        col(Attachment.customer_visible).is_(True),  # the office may keep a file to itself
    )
    text = (search or "").strip()[:MAX_SEARCH].strip() if isinstance(search, str) else ""
    if text:
        stmt = stmt.where(Attachment.name.ilike(f"%{escape_like(text)}%", escape="\\"))
    stmt = scoped(stmt, scope, Attachment)
    rows = session.exec(
        stmt.order_by(Attachment.uploaded_at.desc(), Attachment.id.desc()).limit(MAX_LISTED + 1)
    ).all()
    total = len(rows) if len(rows) <= MAX_LISTED else count_rows(session, stmt)
    return CustomerFiles([CustomerFile(*row) for row in rows[:MAX_LISTED]], total)
