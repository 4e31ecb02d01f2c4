"""The outbox, the integration events log and the views log: paged and searched in SQL, opened in
place with one-time links hidden, a mail resent only after a confirmation, only by staff with the
outbox duty."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from portal import db
from portal.core import clock
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, StaffMember
from portal.models import AuditEvent, Contractor, IntegrationEvent, OutboxMail, Role, Staff
from portal.services.identity import principals, view_as
from portal.services.messaging import events_log, mail, outbox
from portal.state.office.outbox import EventsLogState, OutboxState, ViewsLogState
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import signed_in_tab

OFFICE = StaffMember(1, "Olive Office", Role.OFFICE)


def _mails(session: Session, n: int = 12) -> list[OutboxMail]:
    rows = []
    start = clock.now() - timedelta(hours=n)
    for i in range(n):
        row = mail.queue(
            session, f"person{i}@acme.example", f"Invoice {1000 + i}", f"Body {i}", "invoice_issued"
        )
        row.created_at = start + timedelta(hours=i)
        rows.append(row)
    rows[3].error = "550 mailbox unavailable"
    rows[4].sent_at = clock.now()
    session.add_all(rows)
    session.flush()
    return rows


def test_the_outbox_is_newest_first_paged_and_searched_in_sql(session):
    rows = _mails(session)
    first = outbox.list_outbox(session, OFFICE, "all", PageRequest(size=10))
    assert first.total == 12 and len(first.rows) == 10 and first.pages == 2
    assert [r.id for r in first.rows[:2]] == [rows[11].id, rows[10].id]
    second = outbox.list_outbox(session, OFFICE, "all", PageRequest(size=10, page=2))
    assert [r.id for r in second.rows] == [rows[1].id, rows[0].id]
    found = outbox.list_outbox(session, OFFICE, "all", PageRequest(search="person7@"))
    assert [r.to_address for r in found.rows] == ["person7@acme.example"]
    assert outbox.list_outbox(session, OFFICE, "all", PageRequest(search="Invoice 1005")).total == 1
    assert outbox.list_outbox(session, OFFICE, "all", PageRequest(search="invoice_iss")).total == 12
    failed = outbox.list_outbox(session, OFFICE, "failed", PageRequest())
    assert [(r.id, r.status) for r in failed.rows] == [(rows[3].id, "failed")]
    waiting = outbox.list_outbox(session, OFFICE, "waiting", PageRequest())
    assert waiting.total == 10 and rows[4].id not in {r.id for r in waiting.rows}


def test_an_opened_mail_hides_its_one_time_link(session):
    contact = f.contact(session, f.customer(session))
    invite = mail.queue_invite(session, contact, "raw-secret-token-123")
    detail = outbox.mail_detail(session, OFFICE, invite.id)
    assert "raw-secret-token-123" not in detail.body and outbox.HIDDEN in detail.body
    assert detail.has_link and detail.row.to_address == contact.email
    plain = mail.queue(session, "a@b.example", "Hello", "No link here: https://portal.example/invoices", "x")
    shown = outbox.mail_detail(session, OFFICE, plain.id)
    assert not shown.has_link and shown.body == plain.body_text
    for bad in ("", "abc", "-1", "99999999999", None, [1]):
        assert outbox.mail_detail(session, OFFICE, bad) is None


def test_resend_queues_a_copy_and_is_audited(session):
    row = mail.queue(session, "dana@acme.example", "Your invoice", "Body", "invoice_issued")
    row.error = "550 no"
    session.add(row)
    copy = outbox.resend(session, OFFICE, str(row.id))
    assert copy.id != row.id
    assert (copy.to_address, copy.subject, copy.body_text, copy.kind) == (
        "dana@acme.example",
        "Your invoice",
        "Body",
        "invoice_issued",
    )
    assert copy.sent_at is None and copy.error == ""
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "outbox.resent")).one()
    assert audit.staff_id == OFFICE.staff_id and audit.detail["copy_id"] == copy.id
    assert outbox.resend(session, OFFICE, "nope") is None


@pytest.mark.parametrize("who", [StaffMember(2, "Tech", Role.TECHNICIAN), "contact"])
def test_only_the_outbox_duty_reads_or_resends(session, who):
    row = mail.queue(session, "dana@acme.example", "Your invoice", "Body", "invoice_issued")
    if who == "contact":
        who = principals.scope_for(session, f.contact(session, f.customer(session)).id)
    for call in (
        lambda: outbox.list_outbox(session, who, "all", PageRequest()),
        lambda: outbox.mail_detail(session, who, row.id),
        lambda: outbox.resend(session, who, row.id),
        lambda: events_log.list_events(session, who, "all", PageRequest(), TODAY),
        lambda: view_as.list_views(session, who, PageRequest(), TODAY),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert len(session.exec(select(OutboxMail)).all()) == 1


def test_the_events_log_searches_kind_and_customer_and_pretty_prints_the_payload(session):
    acme, other = f.customer(session, "Acme"), f.customer(session, "Zenith")
    for kind, who in (("quote.requested", acme), ("payment.received", acme), ("site.created", other)):
        session.add(IntegrationEvent(kind=kind, customer_id=who.id, payload={"number": 7, "name": "Ünïcode"}))
    session.flush()
    assert events_log.list_events(session, OFFICE, "all", PageRequest(), TODAY).total == 3
    by_kind = events_log.list_events(session, OFFICE, "all", PageRequest(search="payment"), TODAY)
    assert [r.kind for r in by_kind.rows] == ["payment.received"]
    by_customer = events_log.list_events(session, OFFICE, "all", PageRequest(search="zenith"), TODAY)
    assert [r.customer_name for r in by_customer.rows] == ["Zenith"]
    detail = events_log.event_detail(session, OFFICE, by_kind.rows[0].id)
    assert detail.payload == '{\n  "name": "Ünïcode",\n  "number": 7\n}'
    assert events_log.event_detail(session, OFFICE, "x") is None


# --- the screens, as Reflex runs them ----------------------------------------------------------


@pytest.fixture
def world(committed, monkeypatch):
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        acme = f.customer(s, "Acme")
        dana = f.contact(s, acme)
        staff = {}
        for role in (Role.OFFICE, Role.TECHNICIAN):
            row = Staff(email=f"{role.value}@outbox.test", name=f"{role.value.title()} Person", role=role)
            s.add(row)
            s.flush()
            staff[role] = row.id
        mailed = mail.queue_reset(s, dana, "reset-token-abc")
        s.add(IntegrationEvent(kind="quote.requested", customer_id=acme.id, payload={"quote_id": 1}))
        view_as.open_view(s, StaffMember(staff[Role.OFFICE], "Office Person", Role.OFFICE), dana.id)
        s.commit()
    return {"mail": mailed.id, "staff": staff, "email": dana.email}


def _outbox_rows(engine) -> list[OutboxMail]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxMail).order_by(OutboxMail.id)).all())


def test_the_outbox_screen_opens_a_mail_and_resends_it_after_confirming(committed, world):
    tab = signed_in_tab(committed, "/office/outbox", staff_id=world["staff"][Role.OFFICE])
    shown = tab.run(OutboxState, "load")
    assert [r["to"] for r in shown.rows] == [world["email"]] and shown.rows[0][
        "status_label"
    ] == "Waiting to send"
    opened = tab.run(OutboxState, "toggle_detail", {"mail_id": str(world["mail"])})
    assert opened.open_id == str(world["mail"]) and "reset-token-abc" not in opened.detail["body"]
    assert "may have been used or have expired" in opened.detail["link_note"]
    assert len(_outbox_rows(committed)) == 1  # opening sends nothing
    assert tab.run(OutboxState, "ask_resend").confirm_open
    tab.run(OutboxState, "confirm_resend")
    rows = _outbox_rows(committed)
    assert len(rows) == 2 and rows[1].to_address == world["email"] and rows[1].body_text == rows[0].body_text
    assert tab.run(OutboxState, "confirm_resend").confirm_open is False  # the confirmation is used up
    assert len(_outbox_rows(committed)) == 2


def test_a_technician_sees_and_resends_nothing(committed, world):
    tab = signed_in_tab(committed, "/office/outbox", staff_id=world["staff"][Role.TECHNICIAN])
    assert tab.run(OutboxState, "load").rows == []
    tab.state(OutboxState)._resend_id = world["mail"]
    tab.run(OutboxState, "confirm_resend")
    assert len(_outbox_rows(committed)) == 1
    assert tab.run(EventsLogState, "load").rows == []
    assert tab.run(ViewsLogState, "load").rows == []


def test_the_events_and_views_screens(committed, world):
    tab = signed_in_tab(committed, "/office/events", staff_id=world["staff"][Role.OFFICE])
    events = tab.run(EventsLogState, "load")
    assert [(r["kind"], r["customer"]) for r in events.rows] == [("quote.requested", "Acme")]
    opened = tab.run(EventsLogState, "toggle_detail", {"event_id": events.rows[0]["id"]})
    assert '"quote_id": 1' in opened.detail["payload"]
    views = tab.run(ViewsLogState, "load")
    assert [(r["staff"], r["contact"], r["customer"]) for r in views.rows] == [
        ("Office Person", "Pat Lee", "Acme")
    ]
