"""Invoices: the three tabs through the scope, statuses, search, sorts, summary, detail, CSV, payable."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from portal.core import exports
from portal.core.lists import PageRequest
from portal.core.principal import AccessDenied
from portal.models import InvoiceStatus, JobStage
from portal.services.billing import invoices
from portal.services.identity import principals
from tests.frozen import TODAY
from tests.unit import factories as f

YESTERDAY = TODAY - timedelta(days=1)
NEXT_WEEK = TODAY + timedelta(days=7)


def _scope(session, owner, **contact):
    return principals.scope_for(session, f.contact(session, owner, **contact).id)


@pytest.fixture
def world(session):
    f.contractor(session)
    mine, theirs = f.customer(session, "Mine Pty Ltd"), f.customer(session, "Theirs Pty Ltd")
    a, b = f.site(session, mine, "Alpha House"), f.site(session, mine, "Bravo Tower")
    other = f.site(session, theirs, "Other Place")
    return SimpleNamespace(mine=mine, theirs=theirs, a=a, b=b, other=other, scope=_scope(session, mine))


def _inv(session, where, **fields):
    fields.setdefault("issued_on", TODAY - timedelta(days=20))
    fields.setdefault("due_on", NEXT_WEEK)
    return f.invoice_with(session, where, **fields)


def _list(session, scope, tab="all", **request):
    return invoices.list_invoices(session, scope, tab, PageRequest(**request), TODAY)


def _numbers(page):
    return [r.number for r in page.rows]


def _csv(session, scope, tab="all", search="", sort="", descending=True):
    text = "".join(invoices.invoice_csv(session, scope, tab, search, sort, descending, TODAY))
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


# Tabs and statuses.


def test_tabs_split_paid_and_unpaid_and_leave_void_out(session, world):
    unpaid = _inv(session, world.a, total_cents=1000)
    part = _inv(session, world.a, total_cents=1000, paid_cents=400)
    paid = _inv(session, world.b, total_cents=1000, paid_cents=1000)
    void = _inv(session, world.b, total_cents=1000, status=InvoiceStatus.VOID)

    assert set(_numbers(_list(session, world.scope, "all"))) == {unpaid.number, part.number, paid.number}
    assert set(_numbers(_list(session, world.scope, "unpaid"))) == {unpaid.number, part.number}
    assert _numbers(_list(session, world.scope, "paid")) == [paid.number]
    assert void.number not in _numbers(_list(session, world.scope, "all"))
    with pytest.raises(ValueError):
        _list(session, world.scope, "void")


def test_status_labels_with_overdue_winning_over_part_paid(session, world):
    cases = {
        "Unpaid": _inv(session, world.a, total_cents=1000, due_on=TODAY),
        "Overdue": _inv(session, world.a, total_cents=1000, due_on=YESTERDAY),
        "Part paid": _inv(session, world.a, total_cents=1000, paid_cents=250, due_on=NEXT_WEEK),
        "Paid": _inv(session, world.a, total_cents=1000, paid_cents=1000, due_on=YESTERDAY),
    }
    late_part = _inv(session, world.a, total_cents=1000, paid_cents=250, due_on=YESTERDAY)

    rows = {r.number: r for r in _list(session, world.scope, size=100).rows}
    for label, inv in cases.items():
        assert rows[inv.number].status == label
    assert rows[late_part.number].status == "Overdue"
    part = rows[cases["Part paid"].number]
    assert (part.total_cents, part.paid_cents, part.balance_cents) == (1000, 250, 750)


def test_row_shows_job_number_and_site(session, world):
    job = f.job_with(session, world.a, stage=JobStage.INVOICED)
    with_job = _inv(session, world.a, job_id=job.id)
    without = _inv(session, world.b)

    rows = {r.number: r for r in _list(session, world.scope).rows}
    assert (rows[with_job.number].job_number, rows[with_job.number].site_name) == (job.number, "Alpha House")
    assert (rows[without.number].job_number, rows[without.number].site_name) == (None, "Bravo Tower")


# Search and sorts.


def test_search_by_invoice_number_job_number_and_site(session, world):
    job = f.job_with(session, world.a, number=987654, stage=JobStage.INVOICED)
    by_job = _inv(session, world.a, job_id=job.id, number=111222)
    by_number = _inv(session, world.a, number=555666)
    at_bravo = _inv(session, world.b, number=777888)

    assert _numbers(_list(session, world.scope, search="5556")) == [by_number.number]
    assert _numbers(_list(session, world.scope, search="555666")) == [by_number.number]
    assert _numbers(_list(session, world.scope, search="98765")) == [by_job.number]
    assert _numbers(_list(session, world.scope, search="bravo")) == [at_bravo.number]
    assert _list(session, world.scope, search="%").total == 0
    # Numbers match from their first digit (index ranges), not anywhere inside.
    assert _list(session, world.scope, search="5666").total == 0
    assert _list(session, world.scope, search="0555666").total == 0


def test_search_by_number_stays_inside_the_customer(session, world):
    their_job = f.job_with(session, world.other, number=424242, stage=JobStage.INVOICED)
    _inv(session, world.other, number=424243, job_id=their_job.id)

    assert _list(session, world.scope, search="42424").total == 0
    assert _list(session, world.scope, search="other").total == 0


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("number", lambda r: r.number),
        ("site", lambda r: r.site_name),
        ("date", lambda r: r.issued_on),
        ("due", lambda r: r.due_on),
        ("total", lambda r: r.total_cents),
        ("paid", lambda r: r.paid_cents),
        ("balance", lambda r: r.balance_cents),
        ("status", lambda r: r.status),
    ],
)
def test_each_sort_orders_the_rows(session, world, sort, key):
    specs = [
        (world.b, 30, 5000, 0, YESTERDAY),
        (world.a, 10, 9000, 9000, NEXT_WEEK),
        (world.a, 20, 1000, 300, NEXT_WEEK + timedelta(days=3)),
        (world.b, 40, 7000, 0, TODAY),
    ]
    for where, age, total, paid, due in specs:
        _inv(
            session,
            where,
            issued_on=TODAY - timedelta(days=age),
            total_cents=total,
            paid_cents=paid,
            due_on=due,
        )

    for descending in (False, True):
        rows = _list(session, world.scope, sort=sort, descending=descending).rows
        keys = [key(r) for r in rows]
        assert keys == sorted(keys, reverse=descending)
        assert len(set(keys)) > 1


def test_sort_by_job_number_puts_invoices_without_a_job_last(session, world):
    low = _inv(session, world.a, job_id=f.job_with(session, world.a, number=100).id)
    high = _inv(session, world.a, job_id=f.job_with(session, world.a, number=200).id)
    none = _inv(session, world.a)

    assert _numbers(_list(session, world.scope, sort="job", descending=False)) == [
        low.number,
        high.number,
        none.number,
    ]
    assert _numbers(_list(session, world.scope, sort="job", descending=True)) == [
        high.number,
        low.number,
        none.number,
    ]


def test_pages_and_count(session, world):
    for _ in range(12):
        _inv(session, world.a)
    page = _list(session, world.scope, size=10, page=2)
    assert (page.total, page.pages, len(page.rows)) == (12, 2, 2)


# Scope.


def test_other_customers_and_unassigned_sites_are_invisible(session, world):
    mine_a, mine_b = _inv(session, world.a), _inv(session, world.b)
    theirs = _inv(session, world.other)
    limited = _scope(session, world.mine, sites=[world.a])

    assert set(_numbers(_list(session, world.scope))) == {mine_a.number, mine_b.number}
    assert _numbers(_list(session, limited)) == [mine_a.number]
    assert _list(session, world.scope, search=str(theirs.number)).total == 0
    assert invoices.invoice_detail(session, world.scope, theirs.id, TODAY) is None
    assert invoices.invoice_detail(session, limited, mine_b.id, TODAY) is None
    assert [r[0] for r in _csv(session, limited)[1:]] == [str(mine_a.number)]


def test_without_the_invoices_page_everything_is_refused(session, world):
    inv = _inv(session, world.a)
    blind = _scope(session, world.mine, pages=["jobs"])
    calls = [
        lambda: _list(session, blind),
        lambda: invoices.summary(session, blind, TODAY),
        lambda: invoices.invoice_detail(session, blind, inv.id, TODAY),
        lambda: invoices.invoice_csv(session, blind, "all", "", "", True, TODAY),
        lambda: invoices.payable(session, blind, [inv.id]),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()


# Summary.


def test_summary_adds_up_what_the_contact_may_see(session, world):
    _inv(session, world.a, total_cents=10_000, due_on=NEXT_WEEK)
    _inv(session, world.a, total_cents=5_000, paid_cents=2_000, due_on=YESTERDAY)
    _inv(session, world.b, total_cents=700, due_on=TODAY - timedelta(days=40))
    _inv(session, world.b, total_cents=9_999, paid_cents=9_999, due_on=YESTERDAY)
    _inv(session, world.b, total_cents=8_888, status=InvoiceStatus.VOID, due_on=YESTERDAY)
    _inv(session, world.other, total_cents=123_456, due_on=YESTERDAY)

    assert invoices.summary(session, world.scope, TODAY) == invoices.Summary(
        balance_cents=13_700, overdue_cents=3_700, unpaid_count=3, overdue_count=2, currency="AUD"
    )
    limited = _scope(session, world.mine, sites=[world.a])
    assert invoices.summary(session, limited, TODAY) == invoices.Summary(13_000, 3_000, 2, 1, "AUD")


def test_summary_of_nothing_is_zero(session, world):
    assert invoices.summary(session, world.scope, TODAY) == invoices.Summary(0, 0, 0, 0, "AUD")


# One invoice.


def test_detail_of_a_job_invoice_lists_the_job_lines_and_payments(session, world):
    job = f.job_with(session, world.a, stage=JobStage.INVOICED)
    f.job_line(session, job, "Exit sign", 2, 5_000, sort_order=1)
    f.job_line(session, job, "Call-out", 1, 12_000, sort_order=0)
    inv = _inv(
        session,
        world.a,
        job_id=job.id,
        order_number="PO-77",
        description="Job work",
        total_cents=24_200,
        tax_cents=2_200,
        subtotal_cents=22_000,
        due_on=YESTERDAY,
    )
    # 22:30 UTC on the 20th is the morning of the 21st in Brisbane.
    f.invoice_payment(
        session,
        world.mine,
        [(inv, 10_000)],
        datetime(2026, 11, 20, 22, 30, tzinfo=UTC),
        brand="mastercard",
        last4="5454",
    )
    f.invoice_payment(
        session,
        world.mine,
        [(inv, 5_000)],
        datetime(2026, 11, 21, 1, 0, tzinfo=UTC),
        status="failed",
        settle=False,
    )

    d = invoices.invoice_detail(session, world.scope, inv.id, TODAY)
    assert (d.number, d.job_number, d.order_number, d.site_name) == (
        inv.number,
        job.number,
        "PO-77",
        "Alpha House",
    )
    assert (d.subtotal_cents, d.tax_cents, d.total_cents, d.paid_cents, d.balance_cents) == (
        22_000,
        2_200,
        24_200,
        10_000,
        14_200,
    )
    assert d.status == "Overdue"
    assert d.tax_label == "GST 10%"
    assert [(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in d.items] == [
        ("Call-out", 1, 12_000, 12_000),
        ("Exit sign", 2, 5_000, 10_000),
    ]
    assert len(d.payments) == 1
    p = d.payments[0]
    assert (p.paid_on, p.amount_cents, p.card_brand, p.card_last4) == (
        date(2026, 11, 21),
        10_000,
        "mastercard",
        "5454",
    )
    assert p.receipt_number.startswith("R-")


def test_detail_without_a_job_is_one_line_of_the_subtotal(session, world):
    inv = _inv(
        session,
        world.a,
        description="Monthly monitoring",
        subtotal_cents=16_500,
        tax_cents=1_650,
        total_cents=18_150,
    )
    d = invoices.invoice_detail(session, world.scope, inv.id, TODAY)
    assert [(i.description, i.quantity, i.unit_price_cents, i.total_cents) for i in d.items] == [
        ("Monthly monitoring", 1, 16_500, 16_500)
    ]
    assert d.job_number is None and d.payments == [] and d.status == "Unpaid"


@pytest.mark.parametrize("bad", [None, "", "abc", -1, 0, 2**40, "1; drop table invoice"])
def test_detail_of_nonsense_ids_is_none(session, world, bad):
    assert invoices.invoice_detail(session, world.scope, bad, TODAY) is None


def test_detail_of_a_void_invoice_is_none(session, world):
    void = _inv(session, world.a, status=InvoiceStatus.VOID)
    assert invoices.invoice_detail(session, world.scope, void.id, TODAY) is None


# CSV.


def test_csv_has_every_row_with_numbers_as_numbers(session, world):
    job = f.job_with(session, world.a, stage=JobStage.INVOICED)
    first = _inv(
        session,
        world.a,
        job_id=job.id,
        total_cents=123_456,
        paid_cents=23_456,
        due_on=YESTERDAY,
        issued_on=TODAY - timedelta(days=1),
    )
    for n in range(30):
        _inv(session, world.b, issued_on=TODAY - timedelta(days=10 + n))

    rows = _csv(session, world.scope)
    assert rows[0] == invoices.CSV_HEADER
    assert len(rows) == 32
    assert rows[1] == [
        str(first.number),
        str(job.number),
        "Alpha House",
        str(TODAY - timedelta(days=1)),
        str(YESTERDAY),
        "1234.56",
        "234.56",
        "1000.00",
        "Overdue",
    ]
    assert rows[2][1] == ""


def test_csv_escapes_formula_text_and_follows_search_and_sort(session, world):
    evil = f.site(session, world.mine, '=HYPERLINK("http://x")')
    _inv(session, evil, number=424242)
    _inv(session, world.a, number=424243)
    _inv(session, world.a, number=999)

    rows = _csv(session, world.scope, search="4242", sort="number", descending=False)
    assert [r[0] for r in rows[1:]] == ["424242", "424243"]
    assert rows[1][2] == '\'=HYPERLINK("http://x")'


# Paying.


def test_payable_keeps_only_visible_unpaid_invoices(session, world):
    late = _inv(session, world.a, due_on=YESTERDAY, total_cents=500)
    soon = _inv(session, world.b, due_on=NEXT_WEEK, total_cents=900, paid_cents=100)
    paid = _inv(session, world.a, total_cents=900, paid_cents=900)
    void = _inv(session, world.a, status=InvoiceStatus.VOID)
    theirs = _inv(session, world.other)

    ids = [soon.id, str(late.id), soon.id, paid.id, void.id, theirs.id, "x", None, True, 2**40, -5]
    assert [i.id for i in invoices.payable(session, world.scope, ids)] == [late.id, soon.id]
    limited = _scope(session, world.mine, sites=[world.a])
    assert [i.id for i in invoices.payable(session, limited, ids)] == [late.id]
    assert invoices.payable(session, world.scope, []) == []


def test_payable_handles_a_select_all_of_many_ids(session, world):
    rows = [_inv(session, world.a, total_cents=100) for _ in range(invoices.PAYABLE_CHUNK + 5)]
    found = invoices.payable(session, world.scope, [r.id for r in rows])
    assert sorted(i.id for i in found) == sorted(r.id for r in rows)
