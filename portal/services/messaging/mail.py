"""Outgoing mail: every message is written to the outbox table first.

With the ``outbox`` backend the table is the delivery (staff and the demo read it); with ``smtp``
:func:`deliver_pending` also sends it. Queuing inside the caller's transaction means a mail exists
only if the action that caused it was committed.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import quote

from sqlmodel import Session, select

from portal import config
from portal.core import clock, tenant
from portal.models import Contact, OutboxMail, Staff, TokenPurpose
from portal.services.identity.tokens import LIFETIMES
from portal.services.settings import branding

log = logging.getLogger(__name__)

SMTP_TIMEOUT = 30


def _one_line(value: str, limit: int) -> str:
    # A CR or LF in a header would let a value add headers of its own.
    return " ".join((value or "").split())[:limit]


def queue(session: Session, to_address: str, subject: str, body_text: str, kind: str) -> OutboxMail:
    row = OutboxMail(
        kind=kind[:40],
        to_address=_one_line(to_address, 254),
        subject=_one_line(subject, 300),
        body_text=body_text[:20000],
    )
    session.add(row)
    session.flush()
    return row


def to_office(session: Session, subject: str, body_text: str, kind: str, about: str) -> OutboxMail | None:
    """Queue a mail to the contractor's office, or log that none was sent because the contractor has
    no email set (the change itself still stands: the integration event carries it). ``about``
    names the change in that log line ("quote #10001", "site 12")."""
    office = tenant.contractor(session).email
    if not office:
        log.warning("no contractor email set; %s for %s not mailed", kind, about)
        return None
    return queue(session, office, subject, body_text, kind)


def recent(session: Session, limit: int = 20, to_address: str | None = None) -> list[OutboxMail]:
    """Newest mail first, for the ``portal mail`` listing."""
    stmt = select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()).limit(limit)
    if to_address:
        stmt = stmt.where(OutboxMail.to_address == to_address.strip())
    return list(session.exec(stmt).all())


def _connect(smtp: config.SmtpSettings) -> smtplib.SMTP:
    if smtp.tls == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=SMTP_TIMEOUT, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT)
        if smtp.tls == "starttls":
            client.starttls(context=ssl.create_default_context())
    if smtp.user:
        client.login(smtp.user, smtp.password)
    return client


@dataclass(frozen=True)
class MailBrand:
    """The contractor's name, logo address and exact accent colour for a mail's HTML part."""

    company: str
    logo_src: str  # an absolute https?:// address, or ""
    accent: str  # #rrggbb
    ink: str  # the text colour on the accent, for contrast (branding.text_on)


def mail_brand(session: Session, public_url: str) -> MailBrand:
    row = tenant.contractor(session)
    url = branding.logo_url(row) if branding.logo_path(row) is not None else ""
    accent = branding.printed_accent(row)
    return MailBrand(
        company=company_name(session),
        logo_src=f"{public_url.rstrip('/')}{url}" if url else "",
        accent=accent,
        ink=branding.text_on(accent),
    )


_URL = re.compile(r"https?://[^\s<>\"']+")


def html_body(body_text: str, brand: MailBrand) -> str:
    """The plain text as HTML under a band in the contractor's colour with its logo and name.

    Everything from the mail is escaped; only web addresses become links (the same text the plain
    part carries), so the HTML says nothing the text does not.
    """
    text = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', html.escape(body_text, quote=True))
    logo = (
        f'<img src="{html.escape(brand.logo_src, quote=True)}" alt="" height="32" '
        'style="height:32px;max-width:160px;vertical-align:middle;margin-right:10px">'
        if brand.logo_src
        else ""
    )
    return (
        '<!doctype html><html><body style="margin:0;padding:0;background:#f6f7f9">'
        '<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr>'
        f'<td style="background:{brand.accent};color:{brand.ink};padding:14px 20px;'
        'font:bold 18px Arial,sans-serif">'
        f"{logo}{html.escape(brand.company)}</td></tr><tr>"
        '<td style="padding:20px;background:#ffffff;color:#111111;font:15px/1.5 Arial,sans-serif;'
        f'white-space:pre-wrap">{text}</td></tr></table></body></html>'
    )


def _message(row: OutboxMail, sender: str, brand: MailBrand | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row.to_address
    msg["Subject"] = row.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(row.body_text)
    if brand is not None:
        msg.add_alternative(html_body(row.body_text, brand), subtype="html")
    return msg


def _permanent(exc: Exception) -> bool:
    """Whether the failure belongs to this one message (so retrying it is pointless)."""
    if isinstance(exc, ValueError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return False
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def deliver_pending(session: Session, settings: config.Settings | None = None, limit: int = 50) -> int:
    """Send unsent outbox rows over SMTP; returns how many went out.

    A message the server refuses for good (5xx) gets its error recorded and is not retried; staff
    see it in the outbox. When the server is unreachable or answers "try later", the remaining
    rows stay pending for the next run. On
    PostgreSQL the rows are locked while sending, so two workers never send the same mail.
    """
    cfg = settings or config.settings()
    if cfg.mail_backend != "smtp":
        return 0
    rows = session.exec(
        select(OutboxMail)
        .where(OutboxMail.sent_at.is_(None), OutboxMail.error == "")
        .order_by(OutboxMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return 0
    try:
        client = _connect(cfg.smtp)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning(
            "SMTP server %s:%s unavailable, %d mails stay queued: %s",
            cfg.smtp.host,
            cfg.smtp.port,
            len(rows),
            exc,
        )
        return 0
    sent = 0
    brand = mail_brand(session, cfg.public_url)
    try:
        for row in rows:
            try:
                client.send_message(_message(row, cfg.smtp.sender, brand))
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                if not _permanent(exc):
                    log.warning("SMTP delivery stopped, remaining mails stay queued: %s", exc)
                    break
                row.error = (str(exc) or exc.__class__.__name__)[:500]
            else:
                row.sent_at = clock.now()
                sent += 1
            session.add(row)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    session.flush()
    return sent


def numbered(session: Session, kind: str, number: int) -> str:
    """A document number as the customer reads it, with the owner's prefix (``tenant.document_number``)."""
    return tenant.document_number(tenant.contractor(session), kind, number)


def company_name(session: Session) -> str:
    name = tenant.contractor(session).company_name
    return (name or "").strip() or "Your contractor"


def _lifetime(delta: timedelta) -> str:
    for unit, seconds in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if delta.total_seconds() >= seconds and delta.total_seconds() % seconds == 0:
            count = int(delta.total_seconds() // seconds)
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{int(delta.total_seconds())} seconds"


def _link(path: str, raw_token: str) -> str:
    return f"{config.settings().public_url}/{path}?token={quote(raw_token, safe='')}"


def _greeting(contact: Contact) -> str:
    return f"Hello {contact.first_name.strip()}," if contact.first_name.strip() else "Hello,"


def queue_invite(session: Session, contact: Contact, raw_token: str) -> OutboxMail:
    company = company_name(session)
    body = (
        f"{_greeting(contact)}\n\n"
        f"{company} has opened a customer portal account for you, where you can see your quotes, "
        "jobs and invoices.\n\n"
        "Choose your username and password here:\n\n"
        f"{_link('setup', raw_token)}\n\n"
        f"The link expires in {_lifetime(LIFETIMES[TokenPurpose.INVITE])} and works once. "
        "If you were not expecting this email, you can ignore it.\n\n"
        f"{company}\n"
    )
    return queue(session, contact.email, f"Your {company} customer portal account", body, "invite")


def queue_reset(session: Session, contact: Contact, raw_token: str) -> OutboxMail:
    company = company_name(session)
    username = contact.username or contact.email
    body = (
        f"{_greeting(contact)}\n\n"
        f"We received a request to reset the password of your {company} customer portal account "
        f"({username}).\n\n"
        "Choose a new password here:\n\n"
        f"{_link('reset', raw_token)}\n\n"
        f"The link expires in {_lifetime(LIFETIMES[TokenPurpose.RESET])} and works once. "
        "If you did not ask for this, ignore this email: your password stays as it is.\n\n"
        f"{company}\n"
    )
    return queue(session, contact.email, f"Reset your {company} portal password", body, "reset")


def queue_email_confirmation(
    session: Session, contact: Contact, new_email: str, raw_token: str
) -> OutboxMail:
    """The link that proves the contact reads ``new_email``; nothing changes until it is followed."""
    company = company_name(session)
    body = (
        f"{_greeting(contact)}\n\n"
        f"You asked to use this address ({new_email}) for your {company} customer portal account.\n\n"
        "Confirm it here:\n\n"
        f"{_link('preferences/confirm-email', raw_token)}\n\n"
        f"The link expires in {_lifetime(LIFETIMES[TokenPurpose.EMAIL])} and works once. Until you "
        "follow it, your account keeps its current email address. If you did not ask for this, "
        "ignore this email.\n\n"
        f"{company}\n"
    )
    return queue(
        session, new_email, f"Confirm your new {company} portal email address", body, "email_confirm"
    )


def queue_email_change_notice(session: Session, contact: Contact, new_email: str) -> OutboxMail:
    """Tells the current address that a change was asked for, so an owner who did not ask can act."""
    company = company_name(session)
    body = (
        f"{_greeting(contact)}\n\n"
        f"Someone signed in to your {company} customer portal account asked to change its email "
        f"address to {new_email}. The change happens only if the link we sent to that address is "
        "followed.\n\n"
        "If this was not you, change your password (Preferences > Change password) or contact us.\n\n"
        f"{company}\n"
    )
    return queue(session, contact.email, f"Your {company} portal email address", body, "email_change_notice")


def queue_job_booked(
    session: Session, contact: Contact, job_number: int, site_name: str, when: str, rescheduled: bool
) -> OutboxMail:
    """ "Job scheduled" or "job rescheduled" to one of the customer's job contacts, with the visit's
    day and window, so the site can expect the technician."""
    company = company_name(session)
    what = "rescheduled" if rescheduled else "scheduled"
    job = numbered(session, "job", job_number)
    body = (
        f"{_greeting(contact)}\n\n"
        f"Job #{job} at {site_name} has been {what}.\n\n"
        f"Visit: {when}\n\n"
        f"You can see the job in the portal under Jobs > Progress:\n\n"
        f"{config.settings().public_url}/jobs\n\n"
        f"{company}\n"
    )
    subject = f"Job #{job} {what}: {when}"
    return queue(session, contact.email, subject, body, f"job_{what}")


def queue_quote_ready(
    session: Session, contacts: list[Contact], number: int, site_name: str, total: str
) -> list[OutboxMail]:
    """The office sent a priced quote: each of the customer's quote contacts gets a link to it (the
    Actioned list searched for its number, which is where the customer accepts or declines it)."""
    company = company_name(session)
    link = f"{config.settings().public_url}/quotes?tab=actioned&q={number}"
    shown = numbered(session, "quote", number)
    sent = []
    for contact in contacts:
        body = (
            f"{_greeting(contact)}\n\n"
            f"Your quote #{shown} for {site_name} is ready: {total} including tax.\n\n"
            "See it, and accept or decline it, in the customer portal:\n\n"
            f"{link}\n\n"
            f"{company}\n"
        )
        sent.append(queue(session, contact.email, f"Quote #{shown} is ready", body, "quote_ready"))
    return sent


def _portal(path: str) -> str:
    return f"{config.settings().public_url}/{path.lstrip('/')}"


def queue_invoice_issued(
    session: Session, contact: Contact, number: int, site_name: str, total: str, due_on: str
) -> OutboxMail:
    """ "Invoice issued" to one of the customer's invoice contacts, with what is owed and by when."""
    company = company_name(session)
    number_text = numbered(session, "invoice", number)
    body = (
        f"{_greeting(contact)}\n\n"
        f"{company} has issued invoice {number_text} for {site_name}.\n\n"
        f"Amount due: {total}\n"
        f"Due date: {due_on}\n\n"
        "You can see the invoice, print it and pay it online in the portal under Invoices:\n\n"
        f"{_portal('invoices')}\n\n"
        f"{company}\n"
    )
    return queue(
        session,
        contact.email,
        f"Invoice {number_text} from {company}: {total} due {due_on}",
        body,
        "invoice_issued",
    )


def queue_autopay_failed(
    session: Session, to_address: str, number: int, name: str, amount: str, card: str, reason: str
) -> OutboxMail:
    """The automatic payment of a recurring invoice was declined: pay it by hand or change the card."""
    company = company_name(session)
    number_text = numbered(session, "invoice", number)
    body = (
        "Hello,\n\n"
        f"We could not take the automatic payment of {amount} for invoice {number_text} ({name}).\n\n"
        f"Card: {card}\n"
        f"Reason: {reason}\n\n"
        "Please pay the invoice in the customer portal, or update your card under "
        "Invoices > Manage Payments.\n\n"
        f"{company}\n"
    )
    return queue(
        session, to_address, f"Automatic payment failed for invoice {number_text}", body, "autopay_failed"
    )


def queue_statement(
    session: Session, contact: Contact, period: str, summary: str, statement_path: str, pdf_path: str
) -> OutboxMail:
    """The account statement to a statement contact: the figures in the mail, the lines in the portal."""
    company = company_name(session)
    body = (
        f"{_greeting(contact)}\n\n"
        f"Here is your statement of account with {company} for {period}.\n\n"
        f"{summary}\n\n"
        "See every line, and pay online, in the portal:\n\n"
        f"{_portal(statement_path)}\n\n"
        "Print or save it as a PDF (sign in first):\n\n"
        f"{_portal(pdf_path)}\n\n"
        f"{company}\n"
    )
    return queue(session, contact.email, f"Your statement from {company}", body, "statement")


def queue_overdue_reminder(
    session: Session, contact: Contact, number: int, balance: str, due_on: str, days_late: int
) -> OutboxMail:
    """A reminder to a statement contact that an invoice is past its due date."""
    company = company_name(session)
    number_text = numbered(session, "invoice", number)
    late = f"{days_late} day{'' if days_late == 1 else 's'}"
    body = (
        f"{_greeting(contact)}\n\n"
        f"Invoice {number_text} was due on {due_on} and is now {late} overdue. "
        f"The balance owing is {balance}.\n\n"
        "If you have already paid, thank you, and please ignore this reminder. Otherwise you can pay "
        "it online in the portal under Invoices:\n\n"
        f"{_portal('invoices')}\n\n"
        f"{company}\n"
    )
    return queue(
        session, contact.email, f"Overdue: invoice {number_text}, {balance} owing", body, "overdue_reminder"
    )


def _staff_greeting(staff: Staff) -> str:
    first = staff.name.strip().split(" ")[0] if staff.name.strip() else ""
    return f"Hello {first}," if first else "Hello,"


def queue_staff_invite(session: Session, staff: Staff, raw_token: str) -> OutboxMail:
    """A new staff member's setup link: choose a password, then set up an authenticator app."""
    company = company_name(session)
    body = (
        f"{_staff_greeting(staff)}\n\n"
        f"You have been given a {staff.role} login to the {company} back office.\n\n"
        "Choose your password here:\n\n"
        f"{_link('office/setup', raw_token)}\n\n"
        "When you first sign in you will also set up an authenticator app (such as Google "
        "Authenticator, Microsoft Authenticator or 1Password): every sign-in asks for its code.\n\n"
        f"The link expires in {_lifetime(LIFETIMES[TokenPurpose.INVITE])} and works once. "
        "If you were not expecting this email, you can ignore it.\n\n"
        f"{company}\n"
    )
    return queue(session, staff.email, f"Your {company} back office login", body, "staff_invite")


def queue_staff_reset(session: Session, staff: Staff, raw_token: str) -> OutboxMail:
    company = company_name(session)
    body = (
        f"{_staff_greeting(staff)}\n\n"
        f"We received a request to reset the password of your {company} back office login "
        f"({staff.email}).\n\n"
        "Choose a new password here:\n\n"
        f"{_link('office/reset', raw_token)}\n\n"
        f"The link expires in {_lifetime(LIFETIMES[TokenPurpose.RESET])} and works once. Your "
        "authenticator app and recovery codes stay as they are: signing in still asks for a code. "
        "If you did not ask for this, ignore this email: your password stays as it is.\n\n"
        f"{company}\n"
    )
    return queue(session, staff.email, f"Reset your {company} back office password", body, "staff_reset")
