"""The back office's mail outbox: every mail the portal wrote, newest first, one opened, and resent.

Why the bodies are shown with their one-time links hidden: a setup, reset or email-confirmation link
opens the account it was sent for, and the outbox is read by office staff, who must not be able to
sign in as a customer or a colleague with it. Resending copies the mail, link included, to the same
address (a new outbox row the delivery sends; the old row stays as the record of the first one): the
link may have been used or have expired since, so the screen says so and offers the fresh invite or
reset as the better way. Each resend is a staff command like any other, audited.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, true
from sqlmodel import Session, select

from portal.core import events
from portal.core.lists import Page, PageRequest, paginate, search_filter
from portal.core.principal import MAX_ID, Duty, StaffMember, require_duty
from portal.models import OutboxMail
from portal.services.messaging import mail

DUTY = Duty.READ_OUTBOX
TABS = ("all", "waiting", "failed")
# The kinds whose body holds a one-time link (services/messaging/mail.py writes them).
LINK_KINDS = frozenset({"invite", "reset", "email_confirm", "staff_invite", "staff_reset"})
HIDDEN = "(one-time link hidden)"
_TOKEN = re.compile(r"\S*[?&]token=\S+")
LINK_NOTE = (
    "This mail holds a one-time link. A link sent earlier may have been used or have expired; "
    "resending sends the same link. To give a working link, send a new invite or password reset."
)


def hide_links(body: str) -> str:
    """The body as office staff may read it: every one-time link replaced by words."""
    return _TOKEN.sub(HIDDEN, body or "")


def status_of(sent_at: datetime | None, error: str) -> str:
    if error:
        return "failed"
    return "sent" if sent_at is not None else "waiting"


@dataclass(frozen=True)
class MailRow:
    id: int
    kind: str
    to_address: str
    subject: str
    created_at: datetime
    sent_at: datetime | None
    error: str
    status: str


def _row(values: dict[str, Any]) -> MailRow:
    return MailRow(
        id=values["id"],
        kind=values["kind"],
        to_address=values["to_address"],
        subject=values["subject"],
        created_at=values["created_at"],
        sent_at=values["sent_at"],
        error=values["error"] or "",
        status=status_of(values["sent_at"], values["error"] or ""),
    )


TAB_FILTERS = {
    "all": true(),
    "waiting": and_(OutboxMail.sent_at.is_(None), OutboxMail.error == ""),
    "failed": OutboxMail.error != "",
}
SORTS = {"date": OutboxMail.created_at, "to": OutboxMail.to_address}
COLUMNS = (
    OutboxMail.id,
    OutboxMail.kind,
    OutboxMail.to_address,
    OutboxMail.subject,
    OutboxMail.created_at,
    OutboxMail.sent_at,
    OutboxMail.error,
)


def _mail_id(value: object) -> int | None:
    """An id from the browser, or None for anything that cannot be one (mail is no customer data, so
    ``visibility.get`` does not apply; its bounds do)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def list_outbox(session: Session, staff: StaffMember, tab: str, request: PageRequest) -> Page[MailRow]:
    """One page of the tab, newest first by default (the search looks in the address, subject and kind);
    an unknown tab reads as "all"."""
    require_duty(staff, DUTY)
    request = request.clean()
    stmt = select(*COLUMNS).where(TAB_FILTERS.get(tab, TAB_FILTERS["all"]))
    found = search_filter(request.search, OutboxMail.to_address, OutboxMail.subject, OutboxMail.kind)
    if found is not None:
        stmt = stmt.where(found)

    def row(values: Sequence[Any]) -> MailRow:
        return _row(
            dict(
                zip(
                    ("id", "kind", "to_address", "subject", "created_at", "sent_at", "error"),
                    values,
                    strict=True,
                )
            )
        )

    return paginate(session, stmt, request, SORTS, "date", row, tiebreak=OutboxMail.id)


@dataclass(frozen=True)
class MailDetail:
    row: MailRow
    body: str  # one-time links hidden
    has_link: bool


def mail_detail(session: Session, staff: StaffMember, mail_id: Any) -> MailDetail | None:
    """One mail as the office may read it; None for an id that is no mail (any value from a browser)."""
    require_duty(staff, DUTY)
    number = _mail_id(mail_id)
    found = session.get(OutboxMail, number) if number is not None else None
    if found is None or found.id is None:
        return None
    row = _row(found.model_dump())
    has_link = found.kind in LINK_KINDS or bool(_TOKEN.search(found.body_text))
    return MailDetail(row, hide_links(found.body_text), has_link)


def resend(session: Session, staff: StaffMember, mail_id: Any) -> OutboxMail | None:
    """Queue a copy of the mail to the same address; None when the id is no mail. Audited."""
    require_duty(staff, DUTY)
    number = _mail_id(mail_id)
    found = session.get(OutboxMail, number) if number is not None else None
    if found is None or found.id is None:
        return None
    copy = mail.queue(session, found.to_address, found.subject, found.body_text, found.kind)
    events.audit(
        session,
        staff,
        "outbox.resent",
        found,
        detail={"mail_id": found.id, "copy_id": copy.id, "kind": found.kind, "to": found.to_address},
    )
    return copy
