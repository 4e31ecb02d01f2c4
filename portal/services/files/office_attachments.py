"""Files the office attaches to a customer, site, quote, job or invoice, and whether the customer sees them.

A file is never deleted from here: hiding it (``customer_visible`` false) takes it off every
customer screen and refuses its download (``storage.visible_attachment``), and it can be shown
again. Files a customer sent stay visible unless the office hides them. Every command needs
``Duty.MANAGE_CUSTOMERS`` and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from portal.core import events, visibility
from portal.core.lists import Page, PageRequest, escape_like, paginate
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import Attachment, AttachmentOwner, Contact, Customer, Invoice, Job, Quote, Site
from portal.services.files import uploads

OWNERS: dict[str, type[Any]] = {
    AttachmentOwner.CUSTOMER.value: Customer,
    AttachmentOwner.SITE.value: Site,
    AttachmentOwner.QUOTE.value: Quote,
    AttachmentOwner.JOB.value: Job,
    AttachmentOwner.INVOICE.value: Invoice,
}
# Where the office reads the row the files hang on (customers and sites have their own screens).
BACK = {
    AttachmentOwner.QUOTE.value: "/office/quotes/{id}",
    AttachmentOwner.JOB.value: "/office/jobs/{id}",
    AttachmentOwner.INVOICE.value: "/office/invoices/{id}",
}


@dataclass(frozen=True)
class Owner:
    """The row the files hang on, as the page heads it."""

    owner_type: AttachmentOwner
    id: int
    customer_id: int
    label: str  # "Job 1042", "Site Plaza"
    customer_name: str
    back: str


def find_owner(session: Session, staff: StaffMember, owner_type: object, owner_id: object) -> Owner | None:
    """The customer, site, quote, job or invoice named by the address; None for anything else."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    if not isinstance(owner_type, str) or owner_type not in OWNERS:
        return None
    row = visibility.get(session, staff, OWNERS[owner_type], owner_id)
    if row is None or row.id is None:
        return None
    kind = AttachmentOwner(owner_type)
    customer_id = row.id if kind == AttachmentOwner.CUSTOMER else row.customer_id
    customer = session.get(Customer, customer_id)
    if kind in (AttachmentOwner.CUSTOMER, AttachmentOwner.SITE):
        label = f"{kind.value.title()} {row.name}"
    else:
        label = f"{kind.value.title()} {row.number}"
    back = BACK[owner_type].format(id=row.id) if owner_type in BACK else ""
    return Owner(kind, row.id, customer_id, label, customer.name if customer else "", back)


@dataclass(frozen=True)
class OfficeFile:
    id: int
    name: str
    content_type: str
    size_bytes: int
    uploaded_at: datetime
    uploaded_by: str
    customer_visible: bool


def owner_files(session: Session, staff: StaffMember, owner: Owner, request: PageRequest) -> Page[OfficeFile]:
    """One page of the row's files, newest first, found by name in SQL."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    stmt = (
        select(
            Attachment.id,
            Attachment.name,
            Attachment.content_type,
            Attachment.size_bytes,
            Attachment.uploaded_at,
            Attachment.uploaded_by_staff,
            Contact.first_name,
            Contact.last_name,
            Attachment.customer_visible,
        )
        .outerjoin(Contact, col(Contact.id) == Attachment.uploaded_by_contact_id)
        .where(
            Attachment.owner_type == owner.owner_type,
            Attachment.owner_id == owner.id,
            Attachment.customer_id == owner.customer_id,
        )
    )
    request = request.clean()
    if request.search:
        stmt = stmt.where(Attachment.name.ilike(f"%{escape_like(request.search)}%", escape="\\"))
    stmt = visibility.scoped(stmt, staff, Attachment)
    sorts = {"uploaded": Attachment.uploaded_at, "name": Attachment.name}

    def row(r: Any) -> OfficeFile:
        who = r[5] or " ".join(part for part in (r[6], r[7]) if part) or ""
        return OfficeFile(r[0], r[1], r[2], r[3], r[4], who, bool(r[8]))

    return paginate(session, stmt, request, sorts, "uploaded", row, tiebreak=Attachment.id)


def attach(
    session: Session, staff: StaffMember, owner: Owner, pending: list[uploads.PendingFile], *, visible: bool
) -> list[Attachment]:
    """Checked files on the row, by this staff member, shown to the customer or not."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    checked = [uploads.inspect_pending(p.key, p.name) for p in pending]
    rows = uploads.attach(
        session,
        checked,
        customer_id=owner.customer_id,
        owner_type=owner.owner_type,
        owner_id=owner.id,
        contact_id=None,
    )
    for row in rows:
        row.uploaded_by_staff_id, row.uploaded_by_staff = staff.staff_id, staff.name[:100]
        row.customer_visible = bool(visible)
        session.add(row)
    session.flush()
    events.audit(
        session,
        staff,
        "attachments.added",
        (owner.owner_type.value, owner.id),
        customer_id=owner.customer_id,
        detail={
            "owner": owner.owner_type.value,
            "owner_id": owner.id,
            "files": [r.name for r in rows],
            "customer_visible": bool(visible),
        },
    )
    return rows


def set_visible(
    session: Session, staff: StaffMember, owner: Owner, attachment_id: object, visible: bool
) -> Attachment | None:
    """Show the file to the customer or hide it; None when the id is not a file of this row."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    row = visibility.get(session, staff, Attachment, attachment_id)
    if row is None or row.owner_type != owner.owner_type or row.owner_id != owner.id:
        return None
    if row.customer_visible == bool(visible):
        return row
    row.customer_visible = bool(visible)
    session.add(row)
    session.flush()
    events.audit(
        session,
        staff,
        "attachment.shown" if visible else "attachment.hidden",
        row,
        customer_id=row.customer_id,
        detail={"owner": owner.owner_type.value, "owner_id": owner.id, "name": row.name},
    )
    return row
