"""Quotes: the two lists through the scope, one quote's details, a decision made once, pricing, CSV."""

import csv
import io
import secrets
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, update
from sqlmodel import Session, select

from portal.core import exports, tenant
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import (
    Attachment,
    AttachmentOwner,
    AuditEvent,
    Contractor,
    IntegrationEvent,
    OutboxMail,
    Quote,
    QuoteAsset,
    QuoteDecision,
    QuoteStage,
)
from portal.services.identity import principals
from portal.services.work import quotes
from portal.services.work.quotes import QuoteError
from tests.frozen import MOMENT, TODAY
from tests.unit import factories as f

# The contractor's office, which prices quotes and books, closes and bills jobs.
STAFF = StaffMember(1, "Office admin", Role.OWNER)

NOW = MOMENT


@pytest.fixture
def world(session):
    f.contractor(session)
    mine, theirs = f.customer(session, "Mine Pty Ltd"), f.customer(session, "Theirs Pty Ltd")
    a, b, c = (
        f.site(session, mine, "Alpha House"),
        f.site(session, mine, "Bravo Tower"),
        f.site(session, mine, "Charlie Mall"),
    )
    other = f.site(session, theirs, "Other Place")
    return SimpleNamespace(
        mine=mine,
        theirs=theirs,
        a=a,
        b=b,
        c=c,
        other=other,
        scope=_scope(session, mine),
        theirs_scope=_scope(session, theirs),
    )


def _scope(session, owner, **contact):
    return principals.scope_for(session, f.contact(session, owner, **contact).id)


def _priced(session, where, total=1100, valid_until=TODAY + timedelta(days=30), **fields):
    return f.quote_with(
        session,
        where,
        stage=QuoteStage.ACTIONED,
        actioned_on=TODAY - timedelta(days=1),
        subtotal_cents=total * 10 // 11,
        tax_cents=total - total * 10 // 11,
        total_cents=total,
        valid_until=valid_until,
        **fields,
    )


def _ids(page):
    return [r.id for r in page.rows]


def _list(session, scope, tab="outstanding", **request):
    return quotes.list_quotes(session, scope, tab, PageRequest(**request), TODAY)


def _csv(session, scope, tab="outstanding", search="", sort="", descending=True):
    text = "".join(quotes.quote_csv(session, scope, tab, search, sort, descending, TODAY))
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# Lists.


def test_tabs_partition_the_quotes(session, world):
    waiting = [f.quote(session, world.a).id for _ in range(2)]
    priced = [_priced(session, world.b).id for _ in range(3)]
    out, done = _list(session, world.scope), _list(session, world.scope, "actioned")
    assert sorted(_ids(out)) == sorted(waiting) and sorted(_ids(done)) == sorted(priced)
    assert {(r.status, r.cost_cents) for r in out.rows} == {("Awaiting pricing", None)}
    assert {(r.status, r.cost_cents) for r in done.rows} == {("Ready to accept", 1100)}


def test_unknown_tab_is_refused(session, world):
    with pytest.raises(ValueError):
        _list(session, world.scope, "everything")
    with pytest.raises(ValueError):
        quotes.quote_csv(session, world.scope, "everything", "", "", True, TODAY)


def test_status_labels_a_customer_understands(session, world):
    made = {
        "Ready to accept": _priced(session, world.a, valid_until=TODAY),
        "Expired": _priced(session, world.a, valid_until=TODAY - timedelta(days=1)),
        "Accepted": _priced(
            session, world.a, valid_until=TODAY - timedelta(days=9), decision=QuoteDecision.ACCEPTED
        ),
        "Declined": _priced(session, world.a, decision=QuoteDecision.DECLINED),
    }
    no_expiry = _priced(session, world.a, valid_until=None)
    shown = {r.id: r.status for r in _list(session, world.scope, "actioned").rows}
    assert shown == {**{q.id: label for label, q in made.items()}, no_expiry.id: "Ready to accept"}
    for label, q in made.items():
        assert quotes.quote_detail(session, world.scope, q.id, TODAY).status == label


def test_list_description_is_short_and_on_one_line(session, world):
    f.quote_with(session, world.a, description="Line one\n" + "x" * 5000)
    row = _list(session, world.scope).rows[0]
    assert row.description.startswith("Line one x") and len(row.description) <= 120


# Each sort key: the rows below are in ascending order of that key, made in a different order so
# that neither creation order nor the id tiebreak could pass the test by accident.
SORT_CASES = {
    "number": [{"number": 3001}, {"number": 3002}, {"number": 3003}],
    "site": [{"site": "a"}, {"site": "b"}, {"site": "c"}],
    "description": [{"description": "Alarm"}, {"description": "Bell"}, {"description": "Cable"}],
    "order": [{"order_number": "PO-1"}, {"order_number": "PO-2"}, {"order_number": "PO-3"}],
    "date": [
        {"requested_on": date(2026, 1, 1)},
        {"requested_on": date(2026, 2, 1)},
        {"requested_on": date(2026, 3, 1)},
    ],
    "cost": [{"total": 100}, {"total": 2000}, {"total": 30000}],
    "status": [
        {"decision": QuoteDecision.ACCEPTED},
        {"decision": QuoteDecision.DECLINED},
        {"valid_until": TODAY - timedelta(days=1)},
        {},
    ],
}


def test_every_sort_key_has_a_case():
    assert set(SORT_CASES) == set(quotes.QUOTE_SORTS)


@pytest.mark.parametrize("key", sorted(SORT_CASES))
def test_each_sort_key_orders_both_ways(session, world, key):
    cases = SORT_CASES[key]
    made: dict[int, int] = {}
    for index in [1, len(cases) - 1, 0, *range(2, len(cases) - 1)]:
        fields = dict(cases[index])
        where = getattr(world, fields.pop("site", "a"))
        made[index] = _priced(session, where, **fields).id
    ascending = [made[i] for i in range(len(cases))]
    assert _ids(_list(session, world.scope, "actioned", sort=key, descending=False)) == ascending
    assert _ids(_list(session, world.scope, "actioned", sort=key, descending=True)) == ascending[::-1]


@pytest.mark.parametrize(
    ("text", "hit"),
    [
        ("1002", "number"),
        ("charlie", "site"),
        ("SMOKE DET", "description"),
        ("PO-77", "order"),
        ("50%", "percent"),
        ("a_b", "underscore"),
    ],
)
def test_search_by_number_site_description_and_order(session, world, text, hit):
    made = {
        "number": f.quote_with(session, world.a, number=10021),
        "site": f.quote_with(session, world.c, number=1),
        "description": f.quote_with(session, world.a, number=2, description="Smoke detector fault"),
        "order": f.quote_with(session, world.b, number=3, order_number="PO-77A"),
        "percent": f.quote_with(session, world.a, number=4, description="Save 50% now"),
        "underscore": f.quote_with(session, world.a, number=5, order_number="a_b"),
        "decoys": f.quote_with(session, world.b, number=6, description="Save 500 now", order_number="axb"),
    }
    assert _ids(_list(session, world.scope, search=text)) == [made[hit].id]


# Scope.


def test_another_customers_quotes_are_never_listed_or_found(session, world):
    mine, theirs = _priced(session, world.a), _priced(session, world.other, number=77001)
    assert _ids(_list(session, world.scope, "actioned")) == [mine.id]
    assert _ids(_list(session, world.scope, "actioned", search="77001")) == []
    assert quotes.quote_detail(session, world.scope, theirs.id, TODAY) is None
    assert quotes.quote_detail(session, world.theirs_scope, theirs.id, TODAY).id == theirs.id
    assert [row[0] for row in _csv(session, world.scope, "actioned")[1:]] == [str(mine.number)]
    with pytest.raises(QuoteError) as refused:
        quotes.accept_quote(session, world.scope, theirs.id, "Mallory", "", TODAY)
    assert refused.value.field_errors == {"form": quotes.NOT_AVAILABLE}
    with pytest.raises(QuoteError):
        quotes.decline_quote(session, world.scope, theirs.id, "no", TODAY)
    session.refresh(theirs)
    assert theirs.decision == QuoteDecision.NONE


def test_contact_limited_to_two_sites_sees_only_those(session, world):
    limited = _scope(session, world.mine, sites=[world.a, world.b])
    seen = {s.id: _priced(session, s) for s in (world.a, world.b, world.c)}
    hidden = seen[world.c.id]
    listed = _list(session, limited, "actioned")
    assert sorted(_ids(listed)) == sorted([seen[world.a.id].id, seen[world.b.id].id]) and listed.total == 2
    assert _ids(_list(session, limited, "actioned", search="Charlie")) == []
    assert quotes.quote_detail(session, limited, hidden.id, TODAY) is None
    assert quotes.quote_detail(session, limited, seen[world.a.id].id, TODAY) is not None
    assert sorted(row[1] for row in _csv(session, limited, "actioned")[1:]) == ["Alpha House", "Bravo Tower"]
    with pytest.raises(QuoteError):
        quotes.accept_quote(session, limited, hidden.id, "Pat", "", TODAY)
    assert len(_list(session, world.scope, "actioned").rows) == 3


def test_without_quote_access_everything_is_refused(session, world):
    jobs_only = _scope(session, world.mine, pages=["jobs"])
    q = _priced(session, world.a)
    calls = [
        lambda: _list(session, jobs_only),
        lambda: quotes.quote_detail(session, jobs_only, q.id, TODAY),
        lambda: quotes.quote_csv(session, jobs_only, "actioned", "", "", True, TODAY),
        lambda: quotes.accept_quote(session, jobs_only, q.id, "Pat", "", TODAY),
        lambda: quotes.decline_quote(session, jobs_only, q.id, "Too dear", TODAY),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()
    session.refresh(q)
    assert q.decision == QuoteDecision.NONE


@pytest.mark.parametrize("forged", ["", "abc", None, "1 OR 1=1", -1, 0, 2**31, "9" * 30, float("inf"), [1]])
def test_forged_ids_find_nothing(session, world, forged):
    q = _priced(session, world.a)
    assert quotes.quote_detail(session, world.scope, forged, TODAY) is None
    with pytest.raises(QuoteError):
        quotes.accept_quote(session, world.scope, forged, "Pat", "", TODAY)
    # The transaction is still usable afterwards (PostgreSQL aborts it on an out-of-range id).
    assert quotes.quote_detail(session, world.scope, q.id, TODAY).id == q.id


def test_list_is_two_queries_whatever_the_page_size(session, world):
    for _ in range(30):
        _priced(session, world.a)
    statements = []
    conn = session.connection()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(conn, "before_cursor_execute", listener)
    try:
        page = _list(session, world.scope, "actioned", size=25, sort="status")
    finally:
        event.remove(conn, "before_cursor_execute", listener)
    assert len(page.rows) == 25 and len(statements) == 2


# One quote.


def _attach(session, owner_type, owner_id, customer_id, name):
    row = Attachment(
        customer_id=customer_id,
        owner_type=owner_type,
        owner_id=owner_id,
        name=name,
        content_type="application/pdf",
        size_bytes=1234,
        storage_key=secrets.token_hex(16),
    )
    session.add(row)
    session.flush()
    return row


def test_detail_has_what_the_customer_needs_to_decide(session, world):
    requester = f.contact(session, world.mine)
    q = f.quote_with(
        session,
        world.a,
        order_number="PO-9",
        description="Full\ntext " + "y" * 300,
        requested_by_contact_id=requester.id,
        contact_id=requester.id,
        preferred_date=TODAY,
    )
    f.price_and_send(
        session, STAFF, q.id, [("Exit sign", 2, 12500), ("Labour", 1, 9000)], TODAY, valid_days=14
    )
    unit = f.asset(session, world.a)
    session.add(QuoteAsset(quote_id=q.id, asset_id=unit.id))
    mine = _attach(session, AttachmentOwner.QUOTE, q.id, world.mine.id, "plan.pdf")
    _attach(session, AttachmentOwner.JOB, q.id, world.mine.id, "job-card.pdf")
    _attach(session, AttachmentOwner.QUOTE, q.id, world.theirs.id, "not-yours.pdf")
    d = quotes.quote_detail(session, world.scope, str(q.id), TODAY)
    assert (d.number, d.stage, d.status, d.can_decide) == (q.number, "actioned", "Ready to accept", True)
    assert (d.site_name, d.site_address) == ("Alpha House", "1 Main St, Brisbane, QLD 4000")
    assert d.contact_name == d.requested_by_name == "Pat Lee"
    assert d.description == q.description and d.order_number == "PO-9"
    assert [(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in d.items] == [
        ("Exit sign", 2, 12500, 25000),
        ("Labour", 1, 9000, 9000),
    ]
    assert (d.subtotal_cents, d.tax_cents, d.total_cents) == (34000, 3400, 37400)
    assert (d.tax_label, d.currency, d.valid_until) == ("GST 10%", "AUD", TODAY + timedelta(days=14))
    assert [(a.number, a.type_name) for a in d.assets] == [(unit.number, "Exit Sign")]
    assert [(a.id, a.name, a.size_bytes) for a in d.attachments] == [(mine.id, "plan.pdf", 1234)]


def test_tax_label_follows_the_contractors_rate(session, world):
    settings = session.exec(select(Contractor)).first()
    settings.tax_name, settings.tax_rate_bp = "VAT", 825
    session.add(settings)
    q = _priced(session, world.a)
    assert quotes.quote_detail(session, world.scope, q.id, TODAY).tax_label == "VAT 8.25%"


# Accepting and declining.


def test_accept_records_who_when_and_tells_the_contractor(session, world):
    q = _priced(session, world.a, total=37400)
    quotes.accept_quote(session, world.scope, q.id, "  Pat   Lee ", " PO-123 ", TODAY, now=NOW)
    session.refresh(q)
    assert (q.decision, q.decided_at, q.decided_by_contact_id) == (
        QuoteDecision.ACCEPTED,
        NOW,
        world.scope.contact_id,
    )
    assert (q.signer_name, q.accepted_order_number) == ("Pat Lee", "PO-123")
    event_row = session.exec(select(IntegrationEvent).where(IntegrationEvent.kind == "quote.accepted")).one()
    assert event_row.customer_id == world.mine.id
    assert {
        k: event_row.payload[k]
        for k in ("quote_number", "signer_name", "order_number", "contact_id", "total_cents")
    } == {
        "quote_number": q.number,
        "signer_name": "Pat Lee",
        "order_number": "PO-123",
        "contact_id": world.scope.contact_id,
        "total_cents": 37400,
    }
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "quote.accepted")).one()
    assert (audit.target_type, audit.target_id, audit.contact_id) == ("quote", q.id, world.scope.contact_id)
    sent = session.exec(select(OutboxMail).where(OutboxMail.kind == "quote_accepted")).one()
    assert sent.to_address == "office@contractor.example"
    assert str(q.number) in sent.subject and "Mine Pty Ltd" in sent.subject
    assert "Pat Lee" in sent.body_text and "PO-123" in sent.body_text and "$374.00" in sent.body_text
    assert quotes.quote_detail(session, world.scope, q.id, TODAY).status == "Accepted"


def test_a_quote_is_accepted_only_once(session, world):
    q = _priced(session, world.a)
    quotes.accept_quote(session, world.scope, q.id, "Pat", "", TODAY)
    for again in (
        lambda: quotes.accept_quote(session, world.scope, q.id, "Sam", "PO-2", TODAY),
        lambda: quotes.decline_quote(session, world.scope, q.id, "Changed my mind", TODAY),
    ):
        with pytest.raises(QuoteError) as refused:
            again()
        assert refused.value.field_errors == {"form": quotes.ALREADY_DECIDED}
    session.refresh(q)
    assert (q.decision, q.signer_name) == (QuoteDecision.ACCEPTED, "Pat")
    assert len(session.exec(select(IntegrationEvent)).all()) == 1
    assert len(session.exec(select(OutboxMail)).all()) == 1


def test_of_two_racing_decisions_exactly_one_is_recorded(session, world):
    """Two tabs both saw the quote undecided; the conditional UPDATE lets only the first through."""
    q = _priced(session, world.a)
    # This session read the quote before the other tab wrote: its copy still says "none".
    assert session.get(Quote, q.id).decision == QuoteDecision.NONE
    with Session(bind=session.connection(), join_transaction_mode="create_savepoint") as other_tab:
        quotes.accept_quote(other_tab, world.scope, q.id, "First Tab", "", TODAY)
        other_tab.commit()
    with pytest.raises(QuoteError) as refused:
        quotes.decline_quote(session, world.scope, q.id, "Second tab", TODAY)
    assert refused.value.field_errors == {"form": quotes.ALREADY_DECIDED}
    session.refresh(q)
    assert (q.decision, q.signer_name, q.decline_reason) == (QuoteDecision.ACCEPTED, "First Tab", "")
    assert [e.kind for e in session.exec(select(IntegrationEvent)).all()] == ["quote.accepted"]


def test_conditional_update_changes_one_row_then_none(session, world):
    q = _priced(session, world.a)
    guard = (
        update(Quote)
        .where(Quote.id == q.id, Quote.decision == QuoteDecision.NONE)
        .values(decision=QuoteDecision.ACCEPTED)
        .execution_options(synchronize_session=False)
    )
    assert [session.exec(guard).rowcount, session.exec(guard).rowcount] == [1, 0]


def test_expired_and_unpriced_quotes_cannot_be_decided(session, world):
    expired = _priced(session, world.a, valid_until=TODAY - timedelta(days=1))
    unpriced = f.quote(session, world.a)
    for q, words in ((expired, "expired"), (unpriced, "not been priced")):
        assert quotes.quote_detail(session, world.scope, q.id, TODAY).can_decide is False
        for decide in (
            lambda q=q: quotes.accept_quote(session, world.scope, q.id, "Pat", "", TODAY),
            lambda q=q: quotes.decline_quote(session, world.scope, q.id, "No", TODAY),
        ):
            with pytest.raises(QuoteError) as refused:
                decide()
            assert words in refused.value.field_errors["form"]
        session.refresh(q)
        assert q.decision == QuoteDecision.NONE
    last_day = _priced(session, world.a, valid_until=TODAY)
    assert (
        quotes.accept_quote(session, world.scope, last_day.id, "Pat", "", TODAY).decision
        == QuoteDecision.ACCEPTED
    )


@pytest.mark.parametrize(
    ("signer", "order", "errors"),
    [
        ("", "", {"signer"}),
        ("   \n ", "", {"signer"}),
        ("x" * 201, "", {"signer"}),
        ("Pat", "9" * 61, {"order_number"}),
        ("", "9" * 61, {"signer", "order_number"}),
    ],
)
def test_accept_checks_its_fields(session, world, signer, order, errors):
    q = _priced(session, world.a)
    with pytest.raises(QuoteError) as refused:
        quotes.accept_quote(session, world.scope, q.id, signer, order, TODAY)
    assert set(refused.value.field_errors) == errors
    session.refresh(q)
    assert q.decision == QuoteDecision.NONE and session.exec(select(IntegrationEvent)).first() is None


def test_accept_takes_the_longest_allowed_values(session, world):
    q = _priced(session, world.a)
    quotes.accept_quote(session, world.scope, q.id, "x" * 200, "9" * 60, TODAY)
    assert (len(q.signer_name), len(q.accepted_order_number)) == (200, 60)


@pytest.mark.parametrize("reason", ["", "   ", "r" * 2001])
def test_decline_needs_a_reason(session, world, reason):
    q = _priced(session, world.a)
    with pytest.raises(QuoteError) as refused:
        quotes.decline_quote(session, world.scope, q.id, reason, TODAY)
    assert set(refused.value.field_errors) == {"reason"}
    session.refresh(q)
    assert q.decision == QuoteDecision.NONE


def test_decline_records_the_reason_and_tells_the_contractor(session, world):
    q = _priced(session, world.a)
    quotes.decline_quote(
        session, world.scope, q.id, "  Too dear.\nWe found another supplier. ", TODAY, now=NOW
    )
    session.refresh(q)
    assert (q.decision, q.decided_at, q.decline_reason) == (
        QuoteDecision.DECLINED,
        NOW,
        "Too dear.\nWe found another supplier.",
    )
    event_row = session.exec(select(IntegrationEvent)).one()
    assert (event_row.kind, event_row.payload["reason"]) == ("quote.declined", q.decline_reason)
    sent = session.exec(select(OutboxMail)).one()
    assert sent.kind == "quote_declined" and "another supplier" in sent.body_text
    assert quotes.quote_detail(session, world.scope, q.id, TODAY).status == "Declined"


def test_no_mail_when_the_contractor_has_no_address(session, world):
    settings = session.exec(select(Contractor)).first()
    settings.email = ""
    session.add(settings)
    q = _priced(session, world.a)
    quotes.accept_quote(session, world.scope, q.id, "Pat", "", TODAY)
    assert session.exec(select(OutboxMail)).first() is None
    assert session.exec(select(IntegrationEvent)).one().kind == "quote.accepted"


# Tax (pricing itself is tests/unit/test_pricing.py).


@pytest.mark.parametrize(
    ("subtotal", "rate_bp", "tax"),
    [(1005, 1000, 101), (1004, 1000, 100), (999, 1500, 150), (1, 1000, 0), (5, 1000, 1), (-1005, 1000, -101)],
)
def test_tax_on(subtotal, rate_bp, tax):
    assert tenant.tax_on(subtotal, rate_bp) == tax


# CSV.


def test_csv_has_every_matching_row_not_only_a_page(session, world):
    for n in range(30):
        f.quote_with(session, world.a, number=40000 + n, requested_on=TODAY - timedelta(days=n))
    f.quote_with(session, world.a, number=99999, description="Other")
    assert len(_list(session, world.scope, search="400", size=10).rows) == 10
    rows = _csv(session, world.scope, search="400", sort="number", descending=False)
    assert rows[0] == ["Quote No.", "Site", "Description", "Order No.", "Date", "Status", "Cost"]
    assert [r[0] for r in rows[1:]] == [str(40000 + n) for n in range(30)]
    assert rows[1][4:] == [TODAY.isoformat(), "Awaiting pricing", ""]


def test_csv_escapes_text_cells_and_keeps_numbers(session, world):
    _priced(session, world.a, number=1, description="=cmd|' /C calc'!A0", order_number="-5", total=-500)
    _priced(session, world.a, number=2, description="\tTabbed", order_number="\rCR", total=12345)
    _priced(
        session, world.a, number=3, description="Full description " + "z" * 500, order_number="@x", total=0
    )
    rows = _csv(session, world.scope, "actioned", sort="number", descending=False)
    assert rows[1] == [
        "1",
        "Alpha House",
        "'=cmd|' /C calc'!A0",
        "'-5",
        TODAY.isoformat(),
        "Ready to accept",
        "-5.00",
    ]
    assert rows[2][2:4] == ["'\tTabbed", "'\rCR"] and rows[2][6] == "123.45"
    assert rows[3][2] == "Full description " + "z" * 500 and rows[3][3] == "'@x" and rows[3][6] == "0.00"


def test_csv_streams_in_chunks(session, world):
    session.bulk_insert_mappings(
        Quote,
        [
            {
                "number": 600_000 + n,
                "customer_id": world.mine.id,
                "site_id": world.a.id,
                "description": f"Item {n}",
                "requested_on": TODAY,
            }
            for n in range(2500)
        ],
    )
    chunks = list(quotes.quote_csv(session, world.scope, "outstanding", "", "", True, TODAY))
    assert len(chunks) >= 5 and chunks[0].startswith(exports.BOM)
    assert sum(c.count("\r\n") for c in chunks) == 2501


def test_an_unsent_draft_price_does_not_order_the_outstanding_list(session, world):
    """The office's draft total is not the customer's to see, so sorting by Cost ignores it."""
    dear = f.quote_with(session, world.a, stage=QuoteStage.OUTSTANDING, total_cents=900_000)
    cheap = f.quote_with(session, world.a, stage=QuoteStage.OUTSTANDING, total_cents=100)
    for descending in (True, False):
        page = _list(session, world.scope, sort="cost", descending=descending)
        assert _ids(page) == sorted([cheap.id, dear.id], reverse=descending)
        assert all(r.cost_cents is None for r in page.rows)
