"""Audit and integration events: each row says who did what, to which row, and when (the one clock)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlmodel import select

from portal.core import events
from portal.core.principal import ApiClient, Role, Scope, StaffMember
from portal.models import AuditEvent, IntegrationEvent
from tests.unit import factories

STOPPED = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def world(session):
    owner = factories.customer(session)
    where = factories.site(session, owner)
    person = factories.contact(session, owner)
    scope = Scope(owner.id, person.id, frozenset({"quotes"}), None)
    return owner, person, scope, factories.quote(session, where)


def _stored(session, model):
    session.expire_all()
    return session.exec(select(model)).one()


def test_an_audit_row_names_the_contact_the_action_the_row_and_the_moment(session, world):
    owner, person, scope, quote = world
    with time_machine.travel(STOPPED, tick=False):
        events.audit(session, scope, "quote.accepted", quote, detail={"signer": "Pat"}, ip="192.0.2.7")
    row = _stored(session, AuditEvent)
    assert (row.customer_id, row.contact_id, row.action) == (owner.id, person.id, "quote.accepted")
    assert (row.target_type, row.target_id, row.ip) == ("quote", quote.id, "192.0.2.7")
    assert (row.detail, row.at) == ({"signer": "Pat"}, STOPPED)


def test_a_contact_row_is_a_principal_too(session, world):
    owner, person, _, _ = world
    events.audit(session, person, "login_succeeded", person, ip="x" * 100)
    row = _stored(session, AuditEvent)
    assert (row.customer_id, row.contact_id, row.target_type, row.target_id) == (
        owner.id,
        person.id,
        "contact",
        person.id,
    )
    assert row.ip == "x" * events.IP_LENGTH


@pytest.mark.parametrize(
    ("who", "actor"),
    [
        (StaffMember(7, "Sam Office", Role.OFFICE), {"kind": "staff", "id": 7}),
        (ApiClient(9, frozenset({"quotes:read"})), {"kind": "api_client", "id": 9}),
    ],
)
def test_staff_and_api_clients_are_named_in_the_detail(session, world, who, actor):
    owner, _, _, quote = world
    events.audit(session, who, "quote.sent", quote, detail={"n": 1}, customer_id=owner.id)
    row = _stored(session, AuditEvent)
    assert (row.customer_id, row.contact_id) == (owner.id, None)
    assert row.detail == {"n": 1, "actor": actor}


def test_the_portal_itself_acts_with_no_principal(session, world):
    owner, _, _, quote = world
    events.audit(session, None, "payment.needs_review", ("payment", 42), customer_id=owner.id)
    row = _stored(session, AuditEvent)
    assert (row.customer_id, row.contact_id, row.target_type, row.target_id) == (
        owner.id,
        None,
        "payment",
        42,
    )
    assert row.detail == {}


def test_something_that_is_no_principal_is_refused(session):
    with pytest.raises(TypeError):
        events.audit(session, object(), "anything")


def test_an_integration_event_is_stamped_by_the_clock(session, world):
    owner, _, _, _ = world
    with time_machine.travel(STOPPED, tick=False):
        events.integration(session, "site.created", owner.id, {"site_id": 3})
    row = _stored(session, IntegrationEvent)
    assert (row.kind, row.customer_id, row.payload, row.created_at) == (
        "site.created",
        owner.id,
        {"site_id": 3},
        STOPPED,
    )
    assert row.delivered_at is None


def test_an_integration_event_keeps_the_moment_it_was_given(session, world):
    owner, _, _, _ = world
    events.integration(session, "job.booked", owner.id, {}, at=STOPPED)
    assert _stored(session, IntegrationEvent).created_at == STOPPED
