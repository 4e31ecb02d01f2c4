"""A staff member's view of the portal as a contact: it opens only for staff with the duty, from the
portal's own pages, as a contact with a login; it shows what that contact sees; it changes nothing.

"Changes nothing" is checked as a sweep, as ``test_office_refusals.py`` does for the office: every
handler of every customer-side state is sent, twice over in the order a screen offers them (so a
quote is opened before it is accepted, a payment started before it is confirmed), with real ids and
well-formed forms, through a view session; afterwards every table but the sessions' own is exactly
as before (quotes, requests, payments, cards, sites, contacts, tasks, preferences, files, tours, mail,
integration events and the audit trail all included). The same sweep through the contact's own
session does change things, so the sweep's events are ones that work.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlmodel import Session, SQLModel

from portal import db
from portal.config import SESSION_COOKIE, STAFF_COOKIE
from portal.core.principal import AccessDenied, StaffMember, ViewOnly, customer_of, own_customer
from portal.models import (
    AuditEvent,
    Contact,
    Contractor,
    IntegrationEvent,
    LoginSession,
    Page,
    Quote,
    QuoteStage,
    Role,
    Staff,
)
from portal.services.identity import principals, sessions, view_as
from portal.services.identity.view_as import ViewAsError
from portal.state.billing.invoices import InvoicesState
from portal.state.billing.payment import PaymentState
from portal.state.session import SessionState
from portal.state.sites.sites import SitesState
from portal.state.work.quotes import QuotesState
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import STATES, Tab, arguments, client, edge_cookie, portal_handlers

CUSTOMER_STATES = [
    cls
    for cls in STATES
    if issubclass(cls, SessionState) and not cls.__module__.startswith("portal.state.office.")
]
# What a view may write: its own session's last-seen time (and its end).
NOT_COMPARED = {"login_session"}


class World:
    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", email="office@harbourside.example"))
        acme = f.customer(s, "Acme")
        self.customer = acme.id
        north, south = f.site(s, acme, "North Tower"), f.site(s, acme, "South Yard")
        self.north, self.south = north.id, south.id
        dana = f.contact(s, acme, email="dana@acme.example")
        dana.first_name, dana.last_name = "Dana", "Smith"
        dana.is_primary = dana.is_invoice_contact = dana.is_quote_contact = True
        s.add(dana)
        self.dana = dana.id
        # Limited to the north site and no invoices page: the view must show just that.
        limited = f.contact(s, acme, email="lee@acme.example", sites=[north], pages=[Page.SITES, Page.QUOTES])
        self.limited = limited.id
        self.no_login = f.contact(s, acme, email="nologin@acme.example", login_active=False).id
        self.quote = f.quote(s, north, QuoteStage.ACTIONED).id
        self.job = f.job(s, north).id
        self.invoice = f.invoice_with(s, north, total_cents=10_000, due_on=TODAY + timedelta(days=5)).id
        self.south_invoice = f.invoice_with(s, south, total_cents=5_000).id
        self.asset = f.asset(s, north).id
        self.card = f.saved_card(s, acme).id
        self.recurring = f.recurring_invoice(s, north).id if _takes_site(f.recurring_invoice) else 0
        staff = {}
        for role in Role:
            row = Staff(email=f"{role.value}@view.test", name=f"{role.value.title()} Viewer", role=role)
            s.add(row)
            s.flush()
            staff[role] = row.id
        self.staff = staff
        self.ids = {
            "quote": self.quote,
            "job": self.job,
            "invoice": self.invoice,
            "site": self.north,
            "contact": self.limited,
            "asset": self.asset,
            "recurring": self.recurring,
            "card": self.card,
        }


def _takes_site(factory) -> bool:
    import inspect

    return list(inspect.signature(factory).parameters)[1:2] == ["where"]


@pytest.fixture(scope="module")
def world(committed_module) -> World:
    with Session(committed_module, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


@pytest.fixture(autouse=True)
def _database(committed_module, monkeypatch, fast_settings):
    monkeypatch.setattr(db, "engine", lambda: committed_module)


def _member(world: World, role: Role) -> StaffMember:
    return StaffMember(world.staff[role], f"{role.value.title()} Viewer", role)


def view_cookie(engine, world: World, contact_id: int) -> str:
    """A view session opened through the service, as the route does; the raw cookie value."""
    with Session(engine) as s:
        raw = view_as.open_view(s, _member(world, Role.OFFICE), contact_id)
        s.commit()
    return raw


def own_cookie(engine, contact_id: int) -> str:
    with Session(engine) as s:
        raw = sessions.start(s, contact_id)
        s.commit()
    return raw


# --- the service and the scope ---------------------------------------------------------------


def test_a_view_is_a_read_only_session_of_the_contact_for_an_hour_and_is_audited(committed_module, world):
    raw = view_cookie(committed_module, world, world.dana)
    with Session(committed_module) as s:
        row = s.exec(select(LoginSession).where(LoginSession.id_hash == sessions.digest(raw))).scalar_one()
        assert (row.contact_id, row.viewer_staff_id, row.staff_id) == (
            world.dana,
            world.staff[Role.OFFICE],
            None,
        )
        assert row.expires_at - row.created_at == timedelta(hours=1)
        audit = (
            s.exec(
                select(AuditEvent)
                .where(AuditEvent.action == "customer.viewed_as")
                .order_by(AuditEvent.id.desc())
            )
            .scalars()
            .first()
        )
        assert audit.staff_id == world.staff[Role.OFFICE] and audit.customer_id == world.customer
        assert audit.detail["contact_id"] == world.dana and audit.detail["customer_id"] == world.customer
        assert s.get(Contact, world.dana).last_login_at is None  # not the contact's sign-in
        scope = principals.signed_in_scope(s, raw)
    assert scope.read_only and scope.viewed_as == "Dana Smith (Acme)"
    assert scope.contact_id == world.dana and own_customer(scope) == world.customer
    with pytest.raises(ViewOnly, match="You are viewing as Dana Smith \\(Acme\\): read-only"):
        customer_of(scope)


def test_the_view_has_exactly_the_contacts_pages_and_sites(committed_module, world):
    viewing, owning = (
        view_cookie(committed_module, world, world.limited),
        own_cookie(committed_module, world.limited),
    )
    with Session(committed_module) as s:
        viewed, own = principals.signed_in_scope(s, viewing), principals.signed_in_scope(s, owning)
    assert (
        (viewed.pages, viewed.site_ids)
        == (own.pages, own.site_ids)
        == (
            frozenset({Page.SITES, Page.QUOTES}),
            frozenset({world.north}),
        )
    )
    assert not own.read_only and customer_of(own) == world.customer


@pytest.mark.parametrize("role", [Role.TECHNICIAN])
def test_a_role_without_the_duty_opens_no_view(session, role):
    owner = f.customer(session, "Acme")
    contact = f.contact(session, owner)
    row, member = f.staff_member(session, role.value)
    with pytest.raises(AccessDenied):
        view_as.open_view(session, member, contact.id)
    with pytest.raises(AccessDenied):
        view_as.open_view(session, owner_scope(session, contact.id), contact.id)


def owner_scope(session, contact_id):
    return principals.scope_for(session, contact_id)


@pytest.mark.parametrize("bad", ["", "abc", "-1", "99999999999999", None, [1], {"a": 1}])
def test_a_view_of_no_contact_or_a_contact_without_login_is_refused_with_words(session, bad):
    owner = f.customer(session, "Acme")
    off = f.contact(session, owner, login_active=False)
    _row, member = f.staff_member(session, "office")
    with pytest.raises(ViewAsError, match="not found"):
        view_as.open_view(session, member, bad)
    with pytest.raises(ViewAsError, match="no active portal login"):
        view_as.open_view(session, member, off.id)
    assert session.exec(select(LoginSession).where(LoginSession.contact_id == off.id)).first() is None


def test_the_view_ends_when_the_viewer_loses_the_duty_or_its_login(committed_module, world):
    raw = view_cookie(committed_module, world, world.dana)
    with Session(committed_module) as s:
        staff = s.get(Staff, world.staff[Role.OFFICE])
        staff.role = Role.TECHNICIAN
        s.add(staff)
        s.flush()
        assert principals.signed_in_scope(s, raw) is None
        s.rollback()
        assert principals.signed_in_scope(s, raw) is not None


# --- the database guard ----------------------------------------------------------------------


def test_the_guard_refuses_every_kind_of_write_and_lets_reads_and_the_session_touch_through(
    committed_module, world
):
    refusal = ViewOnly("Dana Smith (Acme)")

    def attempt(write) -> None:
        db.refuse_writes(refusal)
        try:
            with db.unit_of_work() as s:
                write(s)
        finally:
            db.refuse_writes(None)

    before = _fingerprint(committed_module)
    for write in (
        lambda s: s.add(IntegrationEvent(kind="x", customer_id=world.customer, payload={})),
        lambda s: s.exec(text("UPDATE quote SET description = 'x'")),
        lambda s: s.exec(text("DELETE FROM audit_event")),
        lambda s: s.connection().exec_driver_sql("INSERT INTO outbox_mail (kind) VALUES ('x')"),
        lambda s: s.exec(text("UPDATE login_session SET revoked_at = created_at WHERE contact_id = 1")),
    ):
        with pytest.raises(ViewOnly):
            attempt(write)
    assert _fingerprint(committed_module) == before
    raw = view_cookie(committed_module, world, world.dana)
    db.refuse_writes(refusal)
    try:
        with db.unit_of_work() as s:
            assert s.exec(select(Quote)).first() is not None
            later = sessions.TOUCH_INTERVAL + timedelta(seconds=1)
            from portal.core import clock

            assert sessions.resolve(s, raw, clock.now() + later) is not None  # its own last-seen time
    finally:
        db.refuse_writes(None)


def test_the_mark_stays_in_its_own_event(committed_module):
    """Reflex runs each event as an asyncio task started from the processor's context: one tab's view
    marks only its own task (and the threads it hands work to), never another tab's event."""

    async def viewing(started: asyncio.Event, other_done: asyncio.Event) -> tuple:
        db.refuse_writes(ViewOnly("Dana"))
        started.set()
        await other_done.wait()
        in_thread = await asyncio.to_thread(db.writes_refused)
        return db.writes_refused() is not None, in_thread is not None

    async def other(started: asyncio.Event, other_done: asyncio.Event) -> bool:
        await started.wait()
        with db.unit_of_work() as s:  # another tab writes while the view is open
            s.exec(text("UPDATE contractor SET phone = phone"))
        other_done.set()
        return db.writes_refused() is None

    async def both() -> tuple:
        started, done = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(
            asyncio.create_task(viewing(started, done)), asyncio.create_task(other(started, done))
        )

    (viewed, viewed_in_thread), other_clean = asyncio.run(both())
    assert viewed and viewed_in_thread and other_clean
    assert db.writes_refused() is None


def test_a_view_tab_event_does_not_mark_the_next_event(committed_module, world):
    tab = Tab(edge_cookie(view_cookie(committed_module, world, world.dana)), "/dashboard")
    tab.run(SessionState, "guard", {"page": "dashboard"})
    assert db.writes_refused() is None
    assert tab.state(SessionState).viewing_as == "Dana Smith (Acme)"
    own = Tab(edge_cookie(own_cookie(committed_module, world.dana)), "/dashboard")
    assert own.run(SessionState, "guard", {"page": "dashboard"}).viewing_as == ""


# --- what the view shows -----------------------------------------------------------------------


def test_reading_screens_show_the_contacts_own_rows(committed_module, world):
    full = Tab(edge_cookie(view_cookie(committed_module, world, world.dana)), "/invoices")
    shown = full.run(InvoicesState, "load")
    assert shown.total == 2 and {r["id"] for r in shown.rows} == {
        str(world.invoice),
        str(world.south_invoice),
    }
    limited = Tab(edge_cookie(view_cookie(committed_module, world, world.limited)), "/sites")
    sites = limited.run(SitesState, "load")
    assert [r["name"] for r in sites.rows] == ["North Tower"]
    refused = limited.run(SessionState, "guard", {"page": Page.INVOICES})
    assert refused.denied == Page.INVOICES and refused.granted == ""


def test_paying_in_a_view_is_refused_in_words_and_charges_nothing(committed_module, world):
    tab = Tab(edge_cookie(view_cookie(committed_module, world, world.dana)), "/invoices")
    before = _fingerprint(committed_module)
    tab.run(PaymentState, "start", {"invoice_ids": [str(world.invoice)]})
    card = {"name": "Dana Smith", "number": "4242 4242 4242 4242", "expiry": "12/30", "cvv": "123"}
    tab.run(PaymentState, "submit", {"form": card})
    paid = tab.run(PaymentState, "submit", {"form": card})
    assert paid.message == "You are viewing as Dana Smith (Acme): read-only. Nothing was changed."
    assert paid.step == "details" and paid.receipt == ""
    assert _fingerprint(committed_module) == before


def test_accepting_a_quote_in_a_view_is_refused(committed_module, world):
    tab = Tab(edge_cookie(view_cookie(committed_module, world, world.dana)), "/quotes")
    tab.run(QuotesState, "load")
    tab.run(QuotesState, "open_detail", {"quote_id": str(world.quote)})
    tab.run(QuotesState, "start_decision", {"which": "accept"})
    before = _fingerprint(committed_module)
    with pytest.raises(ViewOnly):  # answered by state/failures.py with the same words
        tab.run(QuotesState, "decide", {"form": {"signer": "Dana Smith", "order_number": "PO1"}})
    assert _fingerprint(committed_module) == before
    with Session(committed_module) as s:
        assert s.get(Quote, world.quote).decided_at is None


def test_failures_answer_a_view_refusal_politely():
    from portal.state import failures

    spec = failures.answer(ViewOnly("Dana Smith (Acme)"))
    assert "read-only" in str(spec) and failures.SOMETHING_WENT_WRONG not in str(spec)


# --- the sweep ---------------------------------------------------------------------------------


def _fingerprint(engine) -> dict[str, str]:
    """Every table's rows (the sessions' own excepted), as a digest per table."""
    found = {}
    with Session(engine) as s:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in NOT_COMPARED:
                continue
            rows = s.exec(select(*table.columns).order_by(*table.primary_key.columns)).all()
            found[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return found


def _value(name: str, world: World) -> object:
    if name == "invoice_ids":
        return [str(world.invoice)]
    for key, row_id in world.ids.items():
        if key in name:
            return str(row_id)
    simple = {
        "which": "accept",
        "purpose": "quote",
        "key": "basic",
        "tab": "",
        "page": 1,
        "size": "25",
        "finished": True,
        "is_open": True,
        "checked": True,
        "same": True,
        "value": "true",
        "answer": {"id": "pm_1234567890"},
        "progress": {"progress": 1},
        "rejected": [],
        "points": [],
        "files": [],
        "ref": "x",
        "row": 0,
        "week": 1,
        "open_": False,
        "name": "is_quote_contact",
        "finish": True,
    }
    if name in simple:
        return simple[name]
    if name in ("form", "form_data"):
        return {
            "q": "",
            "name": "Dana Smith",
            "number": "4242 4242 4242 4242",
            "expiry": "12/30",
            "cvv": "123",
            "signer": "Dana Smith",
            "order_number": "PO-1",
            "reason": "Too dear",
            "first_name": "Dana",
            "last_name": "Smyth",
            "email": "dana.new@acme.example",
            "phone": "0400 000 000",
            "mobile": "0400 000 001",
            "position": "Manager",
            "address": "1 New Street",
            "description": "A new thing",
            "quantity": "1",
            "current": "old password",
            "password": "a much longer new password 42",
            "confirm": "a much longer new password 42",
            "month": TODAY.strftime("%Y-%m"),
        }
    return str(world.quote)


def _plant(state, world: World) -> None:
    declared = {n for k in type(state).__mro__ for n in vars(k).get("__annotations__", {})}
    for name in sorted(n for n in declared if n.startswith("_") and not n.startswith("__")):
        current = getattr(state, name, None)
        if isinstance(current, int) and not isinstance(current, bool) and name.endswith("_id"):
            key = next((k for k in world.ids if k in name), "quote")
            setattr(state, name, world.ids[key])


def _sweep(engine, world: World, cookie: str) -> tuple[list[str], list[str]]:
    """Every customer-side handler, twice over per state; the handlers after which the database
    moved, and those that raised anything but a read-only refusal."""
    moved, raised = [], []
    for cls in CUSTOMER_STATES:
        tab = Tab(edge_cookie(cookie), "/dashboard")
        tab.run(SessionState, "guard", {"page": "dashboard"})
        handlers = portal_handlers(cls)
        for _pass in range(2):
            for name, handler in handlers.items():
                _plant(tab.state(cls), world)
                before = _fingerprint(engine)
                try:
                    tab.run(cls, name, {arg: _value(arg, world) for arg in arguments(handler)})
                except ViewOnly:
                    pass
                except Exception as exc:  # noqa: BLE001 - reported below
                    raised.append(f"{cls.__name__}.{name}: {exc!r}")
                if _fingerprint(engine) != before:
                    moved.append(f"{cls.__name__}.{name}")
    return moved, raised


def test_the_sweep_covers_every_customer_screen():
    modules = {cls.__module__ for cls in CUSTOMER_STATES}
    assert {
        "portal.state.work.quotes",
        "portal.state.work.request",
        "portal.state.billing.payment",
        "portal.state.billing.manage_payments",
        "portal.state.sites.site",
        "portal.state.identity.contacts",
        "portal.state.identity.preferences",
        "portal.state.tours",
        "portal.state.work.tasks",
    } <= modules


def test_a_view_changes_nothing_whatever_it_sends(committed_module, world):
    cookie = view_cookie(committed_module, world, world.dana)
    moved, raised = _sweep(committed_module, world, cookie)
    assert moved == []
    assert raised == []


def test_the_same_events_change_things_in_the_contacts_own_session(committed_module, world):
    """Without this the sweep above could pass on events that change nothing for anyone."""
    cookie = own_cookie(committed_module, world.dana)
    tab = Tab(edge_cookie(cookie), "/invoices")
    tab.run(PaymentState, "start", {"invoice_ids": [str(world.invoice)]})
    card = {"name": "Dana Smith", "number": "4242 4242 4242 4242", "expiry": "12/30", "cvv": "123"}
    tab.run(PaymentState, "submit", {"form": card})
    assert tab.run(PaymentState, "submit", {"form": card}).receipt != ""
    moved, _raised = _sweep(committed_module, world, cookie)
    assert {
        "QuotesState.decide",
        "PreferencesState.save_details",
        "TourState.ended",
        "SiteState.save",
    } <= set(moved), moved


# --- the route ---------------------------------------------------------------------------------


def _staff_cookie(engine, staff_id: int) -> str:
    with Session(engine) as s:
        raw = sessions.start_staff(s, staff_id)
        s.commit()
    return raw


SAME_SITE = {"sec-fetch-site": "same-origin"}


def _views_of(engine, contact_id: int) -> int:
    with Session(engine) as s:
        rows = s.exec(
            select(LoginSession).where(
                LoginSession.contact_id == contact_id, LoginSession.viewer_staff_id.is_not(None)
            )
        ).all()
    return len(rows)


def test_the_route_opens_a_view_for_staff_with_the_duty_and_end_view_closes_it(committed_module, world):
    http = client()
    before = _views_of(committed_module, world.dana)
    http.cookies.set(STAFF_COOKIE, _staff_cookie(committed_module, world.staff[Role.OFFICE]))
    answer = http.post("/auth/view-as", data={"contact_id": str(world.dana)}, headers=SAME_SITE)
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    raw = answer.cookies.get(SESSION_COOKIE)
    assert raw and _views_of(committed_module, world.dana) == before + 1
    with Session(committed_module) as s:
        assert principals.signed_in_scope(s, raw).read_only
    http.cookies.set(SESSION_COOKIE, raw)
    ended = http.post("/auth/end-view", headers=SAME_SITE)
    assert ended.status_code == 303 and ended.headers["location"] == f"/office/customers/{world.customer}"
    with Session(committed_module) as s:
        assert principals.signed_in_scope(s, raw) is None
    # "End view" never ends a contact's own session.
    own = own_cookie(committed_module, world.dana)
    http.cookies.set(SESSION_COOKIE, own)
    assert http.post("/auth/end-view", headers=SAME_SITE).headers["location"] == "/dashboard"
    with Session(committed_module) as s:
        assert principals.signed_in_scope(s, own) is not None


@pytest.mark.parametrize(
    "who, contact, headers, status",
    [
        ("nobody", "dana", SAME_SITE, 303),
        ("technician", "dana", SAME_SITE, 403),
        ("customer", "dana", SAME_SITE, 303),
        ("office", "dana", {"sec-fetch-site": "cross-site"}, 403),
        ("office", "dana", {"origin": "https://evil.example"}, 403),
        ("office", "no_login", SAME_SITE, 404),
        ("office", "nobody", SAME_SITE, 404),
    ],
)
def test_the_route_refuses(committed_module, world, who, contact, headers, status):
    http = client()
    if who in ("office", "technician"):
        role = Role.OFFICE if who == "office" else Role.TECHNICIAN
        http.cookies.set(STAFF_COOKIE, _staff_cookie(committed_module, world.staff[role]))
    elif who == "customer":  # a customer's cookie is no staff session
        http.cookies.set(STAFF_COOKIE, own_cookie(committed_module, world.dana))
    contact_id = {"dana": world.dana, "no_login": world.no_login, "nobody": 987654}[contact]
    before = _views_of(committed_module, contact_id)
    answer = http.post("/auth/view-as", data={"contact_id": str(contact_id)}, headers=headers)
    assert answer.status_code == status
    assert SESSION_COOKIE not in answer.cookies
    assert _views_of(committed_module, contact_id) == before
    if status == 303:
        assert answer.headers["location"].startswith("/office/login")
    else:
        assert "View as customer" in answer.text
