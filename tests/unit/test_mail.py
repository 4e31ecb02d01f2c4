"""Mail: the outbox row always, SMTP delivery when configured, and the invite and reset texts."""

from __future__ import annotations

import dataclasses
import email
import socket
from email import policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlmodel import select

from portal import config
from portal.models import Contact, Contractor, Customer, OutboxMail
from portal.services.messaging import mail


class Collector:
    """Accepts everything except recipients at bounce.example, which it refuses for good."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@bounce.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Collector()
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    handler.logins = logins
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


def smtp_settings(base, port, **smtp):
    return dataclasses.replace(
        base,
        mail_backend="smtp",
        smtp=config.SmtpSettings(host="127.0.0.1", port=port, sender="portal@contractor.example", **smtp),
    )


def make_contact(session, **fields) -> Contact:
    customer = Customer(name="Harbour Body Corporate")
    session.add(customer)
    session.flush()
    values = {"first_name": "Jane", "email": "jane@example.com", "login_active": True, **fields}
    contact = Contact(customer_id=customer.id, **values)
    session.add(contact)
    session.flush()
    return contact


def unsent(session):
    return session.exec(select(OutboxMail).where(OutboxMail.sent_at.is_(None))).all()


def test_queue_writes_the_outbox_row(session):
    row = mail.queue(session, "jane@example.com", "Hello", "Body text", "invite")
    stored = session.get(OutboxMail, row.id)
    assert (stored.to_address, stored.subject, stored.body_text, stored.kind) == (
        "jane@example.com",
        "Hello",
        "Body text",
        "invite",
    )
    assert stored.sent_at is None and stored.error == ""


def test_line_breaks_cannot_reach_headers(session):
    row = mail.queue(
        session, "jane@example.com\r\nBcc: all@example.com", "Hi\nBcc: x@example.com", "b", "test"
    )
    assert "\n" not in row.to_address and "\r" not in row.to_address
    assert "\n" not in row.subject


def test_outbox_backend_leaves_rows_unsent(session, smtp_server, fast_settings):
    mail.queue(session, "jane@example.com", "Hello", "Body", "test")
    assert mail.deliver_pending(session, fast_settings) == 0
    assert mail.deliver_pending(session) == 0
    assert len(unsent(session)) == 1
    assert smtp_server.messages == []


def test_smtp_backend_sends_and_marks_sent(session, smtp_server, fast_settings):
    cfg = smtp_settings(fast_settings, smtp_server.port)
    mail.queue(
        session, "jane@example.com", "Your portal account", "Line one\nhttps://x/setup?token=abc", "invite"
    )
    mail.queue(session, "bob@example.com", "Résumé ready", "Ünïcødé body", "test")
    assert mail.deliver_pending(session, cfg) == 2
    assert unsent(session) == []
    assert [m["To"] for m in smtp_server.messages] == ["jane@example.com", "bob@example.com"]
    first, second = smtp_server.messages
    assert first["From"] == "portal@contractor.example"
    assert first["Subject"] == "Your portal account"
    assert "https://x/setup?token=abc" in first.get_body(("plain",)).get_content()
    assert second["Subject"] == "Résumé ready"
    assert "Ünïcødé body" in second.get_body(("plain",)).get_content()
    assert mail.deliver_pending(session, cfg) == 0
    assert len(smtp_server.messages) == 2


def test_smtp_reads_settings_when_none_given(session, smtp_server, fast_settings, monkeypatch):
    monkeypatch.setattr(config, "settings", lambda: smtp_settings(fast_settings, smtp_server.port))
    mail.queue(session, "jane@example.com", "Hello", "Body", "test")
    assert mail.deliver_pending(session) == 1


def test_smtp_logs_in_when_a_user_is_set(session, smtp_server, fast_settings):
    cfg = smtp_settings(fast_settings, smtp_server.port, user="portal", password="s3cret")
    mail.queue(session, "jane@example.com", "Hello", "Body", "test")
    assert mail.deliver_pending(session, cfg) == 1
    assert smtp_server.logins == [(b"portal", b"s3cret")]


def test_refused_recipient_records_the_error_and_others_still_go(session, smtp_server, fast_settings):
    cfg = smtp_settings(fast_settings, smtp_server.port)
    bad = mail.queue(session, "nobody@bounce.example", "Hello", "Body", "test")
    good = mail.queue(session, "jane@example.com", "Hello", "Body", "test")
    assert mail.deliver_pending(session, cfg) == 1
    assert bad.sent_at is None and "no such mailbox" in bad.error
    assert good.sent_at is not None and good.error == ""
    assert mail.deliver_pending(session, cfg) == 0  # the refused one is not retried


def test_unreachable_server_keeps_mail_pending(session, fast_settings):
    cfg = smtp_settings(fast_settings, free_port())
    row = mail.queue(session, "jane@example.com", "Hello", "Body", "test")
    assert mail.deliver_pending(session, cfg) == 0
    assert row.sent_at is None and row.error == ""


def test_limit_caps_one_run(session, smtp_server, fast_settings):
    cfg = smtp_settings(fast_settings, smtp_server.port)
    for i in range(3):
        mail.queue(session, f"p{i}@example.com", "Hello", "Body", "test")
    assert mail.deliver_pending(session, cfg, limit=2) == 2
    assert len(unsent(session)) == 1


def test_recent_lists_newest_first_and_filters(session):
    for to in ("a@example.com", "b@example.com", "a@example.com"):
        mail.queue(session, to, f"to {to}", "Body", "test")
    rows = mail.recent(session, limit=2)
    assert [r.to_address for r in rows] == ["a@example.com", "b@example.com"]
    assert rows[0].id > rows[1].id
    assert {r.to_address for r in mail.recent(session, to_address="a@example.com")} == {"a@example.com"}
    assert len(mail.recent(session, to_address="a@example.com")) == 2


def test_invite_text(session):
    session.add(Contractor(company_name="Bright Spark Electrical"))
    contact = make_contact(session)
    row = mail.queue_invite(session, contact, "tok-EN_123")
    assert row.kind == "invite" and row.to_address == "jane@example.com"
    assert "https://portal.example.test/setup?token=tok-EN_123" in row.body_text
    assert "Bright Spark Electrical" in row.body_text and "Bright Spark Electrical" in row.subject
    assert "expires in 7 days" in row.body_text
    assert row.body_text.startswith("Hello Jane,")


def test_reset_text(session):
    session.add(Contractor(company_name="Bright Spark Electrical"))
    contact = make_contact(session, username="jane.h")
    row = mail.queue_reset(session, contact, "tok-EN_123")
    assert row.kind == "reset"
    assert "https://portal.example.test/reset?token=tok-EN_123" in row.body_text
    assert "Bright Spark Electrical" in row.body_text
    assert "expires in 30 minutes" in row.body_text
    assert "jane.h" in row.body_text


def test_company_name_falls_back(session):
    contact = make_contact(session, first_name="")
    row = mail.queue_invite(session, contact, "tok")
    assert "Your contractor" in row.body_text
    assert row.body_text.startswith("Hello,")
