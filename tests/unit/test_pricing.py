"""Pricing a quote in the office: lines from the price list or free, tax on the subtotal, a draft the
customer does not see, Send that shows it under Actioned and mails the quote contacts, and nothing
after the customer's decision."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied, Role, StaffMember
from portal.models import AuditEvent, Job, JobAsset, JobItem, OutboxMail, QuoteAsset, QuoteItem, QuoteStage
from portal.services.identity import principals
from portal.services.work import office_quotes, pricing, quotes
from portal.services.work.pricing import LineInput, PricingError
from tests.frozen import TODAY
from tests.unit import factories as f

OFFICE = StaffMember(1, "Office", Role.OFFICE)
TECHNICIAN = StaffMember(2, "Tech", Role.TECHNICIAN)


@pytest.fixture
def world(session):
    f.contractor(session)
    mine, theirs = f.customer(session, "Mine Pty Ltd"), f.customer(session, "Theirs Pty Ltd")
    site = f.site(session, mine, "Alpha House")
    other = f.site(session, theirs, "Other Place")
    pat = f.contact(session, mine)
    pat.is_quote_contact = True
    session.add(pat)
    sign = f.optional_item(session, "Exit sign", 12_500)
    hidden = f.optional_item(session, "Office-only labour", 9_000)
    hidden.offered = False
    session.add(hidden)
    session.flush()
    scope = principals.scope_for(session, pat.id)
    return SimpleNamespace(
        mine=mine, theirs=theirs, site=site, other=other, pat=pat, sign=sign, hidden=hidden, scope=scope
    )


def _lines(world):
    return [
        LineInput(optional_item_id=world.sign.id, quantity=2, unit_price_cents=12_500),
        LineInput(optional_item_id=str(world.hidden.id), quantity="1", unit_price_cents=9_000),
        LineInput("other", "Travel", 1, 335),
    ]


def test_a_draft_prices_the_lines_but_the_customer_still_waits(session, world):
    q = f.quote(session, world.site)
    pricing.price_quote(session, OFFICE, q.id, _lines(world), "", TODAY)
    items = session.exec(
        select(QuoteItem).where(QuoteItem.quote_id == q.id).order_by(QuoteItem.sort_order)
    ).all()
    assert [(i.kind, i.description, i.total_cents) for i in items] == [
        ("material", "Exit sign", 25_000),
        ("material", "Office-only labour", 9_000),
        ("", "Travel", 335),
    ]
    # 34,335 at 10%: 3,433.5 rounds half away from zero.
    assert (q.subtotal_cents, q.tax_cents, q.total_cents) == (34_335, 3_434, 37_769)
    assert q.valid_until == TODAY + timedelta(days=30) and q.priced_at is not None
    assert q.stage == QuoteStage.OUTSTANDING and q.actioned_on is None

    row = quotes.list_quotes(session, world.scope, "outstanding", PageRequest(), TODAY).rows[0]
    assert (row.status, row.cost_cents) == (quotes.AWAITING, None)
    d = quotes.quote_detail(session, world.scope, q.id, TODAY)
    assert d.items == [] and d.total_cents == 0
    assert session.exec(select(OutboxMail).where(OutboxMail.kind == "quote_ready")).all() == []
    audit = session.exec(select(AuditEvent).where(AuditEvent.action == "quote.priced")).one()
    assert audit.staff_id == OFFICE.staff_id and audit.detail["after"]["total_cents"] == 37_769


def test_send_shows_it_actioned_with_its_cost_and_mails_the_quote_contacts(session, world):
    q = f.quote(session, world.site)
    with pytest.raises(PricingError) as refused:
        pricing.send_quote(session, OFFICE, q.id, TODAY)
    assert refused.value.field_errors == {"form": pricing.NOT_PRICED}
    pricing.price_quote(session, OFFICE, q.id, _lines(world), (TODAY + timedelta(days=14)).isoformat(), TODAY)
    pricing.send_quote(session, OFFICE, q.id, TODAY)
    assert (q.stage, q.actioned_on, q.valid_until) == (QuoteStage.ACTIONED, TODAY, TODAY + timedelta(days=14))
    row = quotes.list_quotes(session, world.scope, "actioned", PageRequest(), TODAY).rows[0]
    assert (row.number, row.status, row.cost_cents) == (q.number, quotes.READY, 37_769)
    sent = session.exec(select(OutboxMail).where(OutboxMail.kind == "quote_ready")).all()
    assert [m.to_address for m in sent] == [world.pat.email]
    assert f"q={q.number}" in sent[0].body_text and "$377.69" in sent[0].body_text
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "quote.sent")).one().staff_id == 1


def test_without_quote_contacts_the_quotes_own_contact_is_mailed(session, world):
    world.pat.is_quote_contact = False
    other = f.contact(session, world.mine, email="kim@mine.example")
    q = f.quote_with(session, world.site, contact_id=other.id)
    pricing.price_quote(session, OFFICE, q.id, [LineInput("labour", "Call-out", 1, 100)], None, TODAY)
    pricing.send_quote(session, OFFICE, q.id, TODAY)
    assert [m.to_address for m in session.exec(select(OutboxMail)).all()] == ["kim@mine.example"]


def test_a_new_price_for_a_sent_quote_must_be_sent_before_the_customer_can_accept_it(session, world):
    q = f.quote(session, world.site)
    pricing.price_quote(session, OFFICE, q.id, [LineInput("labour", "Call-out", 1, 10_000)], None, TODAY)
    pricing.send_quote(session, OFFICE, q.id, TODAY)
    pricing.price_quote(session, OFFICE, q.id, [LineInput("labour", "Call-out", 1, 50_000)], None, TODAY)
    assert (q.stage, q.actioned_on) == (QuoteStage.OUTSTANDING, None)
    with pytest.raises(quotes.QuoteError):
        quotes.accept_quote(session, world.scope, q.id, "Pat", "", TODAY)
    assert quotes.quote_detail(session, world.scope, q.id, TODAY).total_cents == 0, "no price shown meanwhile"
    pricing.send_quote(session, OFFICE, q.id, TODAY)
    quotes.accept_quote(session, world.scope, q.id, "Pat", "", TODAY)
    assert (q.decision, q.total_cents) == ("accepted", 55_000)


def test_pricing_again_replaces_the_lines_of_a_sent_quote(session, world):
    q = f.quote(session, world.site)
    first = [LineInput("other", "First", 1, 100), LineInput("other", "Second", 2, 100)]
    pricing.price_quote(session, OFFICE, q.id, first, None, TODAY)
    pricing.send_quote(session, OFFICE, q.id, TODAY)
    until = (TODAY + timedelta(days=8)).isoformat()
    pricing.price_quote(session, OFFICE, q.id, [LineInput("other", "Revised", 3, 1000)], until, TODAY)
    lines = session.exec(select(QuoteItem).where(QuoteItem.quote_id == q.id)).all()
    assert [(i.description, i.total_cents) for i in lines] == [("Revised", 3000)]
    assert (q.stage, q.total_cents, q.valid_until) == (
        QuoteStage.OUTSTANDING,
        3300,
        TODAY + timedelta(days=8),
    )


def test_a_decided_quote_cannot_be_priced_or_sent_again(session, world):
    q = f.quote(session, world.site)
    pricing.price_quote(session, OFFICE, q.id, [LineInput("labour", "Call-out", 1, 10_000)], None, TODAY)
    pricing.send_quote(session, OFFICE, q.id, TODAY)
    quotes.accept_quote(session, world.scope, q.id, "Pat", "", TODAY)
    for attempt in (
        lambda: pricing.price_quote(session, OFFICE, q.id, [LineInput("labour", "Less", 1, 1)], None, TODAY),
        lambda: pricing.send_quote(session, OFFICE, q.id, TODAY),
    ):
        with pytest.raises(PricingError) as refused:
            attempt()
        assert refused.value.field_errors == {"form": pricing.DECIDED}
    assert q.total_cents == 11_000


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (LineInput("other", "Sign", -1, 100), "quantity"),
        (LineInput("other", "Sign", 0, 100), "quantity"),
        (LineInput("other", "Sign", 1.5, 100), "quantity"),
        (LineInput("other", "Sign", 1, -100), "unit price"),
        (LineInput("other", "Sign", 1, "lots"), "unit price"),
        (LineInput("other", "x" * 501, 1, 100), "500 characters"),
        (LineInput("other", "   ", 1, 100), "description"),
        (LineInput("discount", "Sign", 1, 100), "labour, material or other"),
        (LineInput(optional_item_id=99_999_999, quantity=1, unit_price_cents=1), "no longer available"),
        (LineInput(optional_item_id="1; drop table", quantity=1, unit_price_cents=1), "no longer available"),
    ],
)
def test_bad_lines_are_refused_and_nothing_changes(session, world, line, problem):
    q = f.quote(session, world.site)
    with pytest.raises(PricingError) as refused:
        pricing.price_quote(session, OFFICE, q.id, [LineInput("other", "Fine", 1, 100), line], None, TODAY)
    assert list(refused.value.field_errors) == ["line-1"]
    assert problem in refused.value.field_errors["line-1"]
    assert q.priced_at is None and q.total_cents == 0
    assert session.exec(select(QuoteItem).where(QuoteItem.quote_id == q.id)).all() == []


def test_an_inactive_price_list_item_is_refused(session, world):
    gone = f.optional_item(session, "Old part", 100, active=False)
    with pytest.raises(PricingError):
        pricing.check_lines(session, [LineInput(optional_item_id=gone.id, quantity=1, unit_price_cents=100)])


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("yesterday", "valid_until"),
        ((TODAY - timedelta(days=1)).isoformat(), "valid_until"),
        ("2999-01-01", "valid_until"),
    ],
)
def test_a_bad_valid_until_is_refused(session, world, raw, field):
    q = f.quote(session, world.site)
    with pytest.raises(PricingError) as refused:
        pricing.price_quote(session, OFFICE, q.id, [LineInput("other", "Fine", 1, 100)], raw, TODAY)
    assert list(refused.value.field_errors) == [field]


def test_no_lines_or_too_many_are_refused(session, world):
    q = f.quote(session, world.site)
    with pytest.raises(PricingError):
        pricing.price_quote(session, OFFICE, q.id, [], None, TODAY)
    with pytest.raises(PricingError):
        pricing.price_quote(session, OFFICE, q.id, [LineInput("other", "x", 1, 1)] * 101, None, TODAY)


def test_pricing_needs_the_quotes_duty(session, world):
    q = f.quote(session, world.site)
    for who in (TECHNICIAN, world.scope):
        with pytest.raises(AccessDenied):
            pricing.price_quote(session, who, q.id, [LineInput("other", "x", 1, 1)], None, TODAY)
        with pytest.raises(AccessDenied):
            pricing.send_quote(session, who, q.id, TODAY)
        with pytest.raises(AccessDenied):
            office_quotes.list_quotes(session, who, "all", PageRequest(), TODAY)
    assert q.priced_at is None and q.stage == QuoteStage.OUTSTANDING


@pytest.mark.parametrize("bad", [None, "", "abc", -1, 2**40, "99999999"])
def test_an_unknown_quote_is_a_clear_error(session, world, bad):
    with pytest.raises(PricingError) as refused:
        pricing.price_quote(session, OFFICE, bad, [LineInput("other", "x", 1, 1)], None, TODAY)
    assert refused.value.field_errors == {"form": pricing.NOT_AVAILABLE}
    assert office_quotes.quote_for_office(session, OFFICE, bad) is None


# The office's list and a quote from scratch.


def test_tabs_follow_the_quote_and_search_finds_customer_site_and_number(session, world):
    to_price = f.quote(session, world.site)
    sent = f.quote(session, world.other)
    pricing.price_quote(session, OFFICE, sent.id, [LineInput("other", "x", 1, 100)], None, TODAY)
    pricing.send_quote(session, OFFICE, sent.id, TODAY)

    def numbers(tab, search=""):
        page = office_quotes.list_quotes(session, OFFICE, tab, PageRequest(search=search), TODAY)
        return {r.number for r in page.rows}

    assert numbers("to_price") == {to_price.number}
    assert numbers("sent") == {sent.number}
    assert numbers("all") == {to_price.number, sent.number}
    assert numbers("accepted") == numbers("declined") == set()
    assert numbers("all", "Theirs") == {sent.number}
    assert numbers("all", "Alpha") == {to_price.number}
    assert numbers("all", str(sent.number)) == {sent.number}
    other_staff = StaffMember(9, "Another", Role.OWNER)
    assert {
        r.number for r in office_quotes.list_quotes(session, other_staff, "all", PageRequest(), TODAY).rows
    } == numbers("all")


def test_a_new_quote_for_a_customer_site_then_priced(session, world):
    assert [c.name for c in office_quotes.find_customers(session, OFFICE, "mine")] == ["Mine Pty Ltd"]
    assert [s.name for s in office_quotes.find_sites(session, OFFICE, world.mine.id, "")] == ["Alpha House"]
    assert office_quotes.find_sites(session, OFFICE, "x", "") == []
    q = office_quotes.create_quote(
        session, OFFICE, world.mine.id, world.site.id, "Replace the panel", "PO-1", TODAY
    )
    assert (q.customer_id, q.site_id, q.stage, q.requested_on) == (
        world.mine.id,
        world.site.id,
        QuoteStage.OUTSTANDING,
        TODAY,
    )
    assert (
        session.exec(select(AuditEvent).where(AuditEvent.action == "quote.created")).one().target_id == q.id
    )


@pytest.mark.parametrize(
    ("site", "description", "order", "field"),
    [
        ("other", "Work", "", "site"),
        ("none", "Work", "", "site"),
        ("site", "", "", "description"),
        ("site", "x" * 20_001, "", "description"),
        ("site", "Work", "P" * 61, "order_number"),
    ],
)
def test_a_new_quote_refuses_bad_input(session, world, site, description, order, field):
    site_id = {"other": world.other.id, "none": "abc", "site": world.site.id}[site]
    with pytest.raises(PricingError) as refused:
        office_quotes.create_quote(session, OFFICE, world.mine.id, site_id, description, order, TODAY)
    assert field in refused.value.field_errors


def test_convert_an_accepted_quote_carries_lines_and_assets(session, world):
    q = f.quote(session, world.site)
    unit = f.asset(session, world.site)
    session.add(QuoteAsset(quote_id=q.id, asset_id=unit.id))
    pricing.price_quote(session, OFFICE, q.id, [LineInput("labour", "Fit", 2, 5_000)], None, TODAY)
    pricing.send_quote(session, OFFICE, q.id, TODAY)
    with pytest.raises(PricingError):
        office_quotes.convert_to_job(session, OFFICE, q.id, TODAY)
    quotes.accept_quote(session, world.scope, q.id, "Pat", "PO-7", TODAY)
    with pytest.raises(AccessDenied):
        office_quotes.convert_to_job(session, TECHNICIAN, q.id, TODAY)
    job = office_quotes.convert_to_job(session, OFFICE, q.id, TODAY)
    assert (job.quote_id, job.total_cents, job.order_number) == (q.id, 11_000, "PO-7")
    assert session.exec(select(JobAsset.asset_id).where(JobAsset.job_id == job.id)).all() == [unit.id]
    lines = session.exec(select(JobItem.kind, JobItem.description).where(JobItem.job_id == job.id)).all()
    assert [tuple(line) for line in lines] == [("labour", "Fit")]
    assert office_quotes.quote_for_office(session, OFFICE, q.id).job_id == job.id
    with pytest.raises(PricingError):
        office_quotes.convert_to_job(session, OFFICE, q.id, TODAY)
    assert len(session.exec(select(Job).where(Job.quote_id == q.id)).all()) == 1


def test_the_request_form_offers_only_offered_items(session, world):
    from portal.services.work import requests

    assert [i.name for i in requests.offered_items(session)] == ["Exit sign"]
    assert requests.offered_item(session, world.hidden.id) is None
    assert requests.offered_item(session, world.sign.id) is not None
