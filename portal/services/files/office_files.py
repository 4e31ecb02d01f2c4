"""Customers' files as the office reads them: any customer's, to a staff member whose duties read
what customers send (the Inbox, quotes) or manages customers (their files and published documents,
every version); a technician's own jobs are the day screen's business."""

from __future__ import annotations

from sqlmodel import Session

from portal.core import visibility
from portal.core.principal import Duty, StaffMember
from portal.models import Attachment
from portal.services.files.storage import StoredFile, storage_path

READERS = (Duty.READ_INBOX, Duty.ACTION_QUOTES, Duty.MANAGE_CUSTOMERS)


def open_for_staff(session: Session, staff: StaffMember, attachment_id: object) -> StoredFile | None:
    """The stored file, or None for an id that is no file, a missing file, or a role without the duty."""
    if not any(staff.has(duty) for duty in READERS):
        return None
    row = visibility.get(session, staff, Attachment, attachment_id)
    if row is None:
        return None
    path = storage_path(row.storage_key)
    if not path.is_file():
        return None
    return StoredFile(row.name, row.content_type, row.size_bytes, path)
