"""The account statement: balances on a worked example, ageing edges, the closing-equals-owed invariant."""

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from pypdf import PdfReader

from portal.core import exports
from portal.core.principal import AccessDenied
from portal.models import InvoiceStatus
from portal.services.billing import invoices, statements
from portal.services.documents import prints
from portal.services.identity import principals
from tests.unit import factories as f

# The day these reports are run on: the rows below are dated around it, and every service is given
# it, so the tests read the same whatever day the suite runs.
TODAY = date(2026, 11, 23)


def _scope(session, owner, **contact):
    return principals.scope_for(session, f.contact(session, owner, **contact).id)


def _utc(y, m, d, h=3):
    return datetime(y, m, d, h, tzinfo=UTC)


@pytest.fixture
def book(session):
    """A worked example (the contractor is in Brisbane, UTC+10):

    I1 10,000 issued 10 Sep, 4,000 paid 25 Sep, 6,000 paid with I2 on 21 Oct (local; 20 Oct UTC);
    I2 20,000 issued 5 Oct; I3 5,000 issued 20 Oct, 2,000 paid 1 Nov; I4 3,000 issued 1 Nov;
    a void invoice, a failed payment and another customer's invoice that must not count.
    """
    f.contractor(session)
    mine, theirs = f.customer(session, "Mine Pty Ltd"), f.customer(session, "Theirs Pty Ltd")
    a, b = f.site(session, mine, "Alpha House"), f.site(session, mine, "Bravo Tower")
    other = f.site(session, theirs, "Other Place")

    def inv(where, issued, total, **fields):
        return f.invoice_with(
            session, where, issued_on=issued, due_on=issued + timedelta(days=30), total_cents=total, **fields
        )

    i1 = inv(a, date(2026, 9, 10), 10_000, number=501, description="Sign repairs")
    i2 = inv(b, date(2026, 10, 5), 20_000, number=502)
    i3 = inv(a, date(2026, 10, 20), 5_000, number=503)
    i4 = inv(b, date(2026, 11, 1), 3_000, number=504)
    inv(a, date(2026, 10, 10), 99_999, number=505, status=InvoiceStatus.VOID)
    theirs_inv = inv(other, date(2026, 10, 12), 77_777, number=506)
    p1 = f.invoice_payment(session, mine, [(i1, 4_000)], _utc(2026, 9, 25))
    p2 = f.invoice_payment(
        session, mine, [(i1, 6_000), (i2, 20_000)], datetime(2026, 10, 20, 23, 0, tzinfo=UTC)
    )
    f.invoice_payment(session, mine, [(i3, 5_000)], _utc(2026, 10, 22), status="failed")
    p4 = f.invoice_payment(session, mine, [(i3, 2_000)], datetime(2026, 11, 1, 1, 0, tzinfo=UTC))
    f.invoice_payment(session, theirs, [(theirs_inv, 7_777)], _utc(2026, 10, 25))
    return SimpleNamespace(
        mine=mine,
        theirs=theirs,
        a=a,
        b=b,
        scope=_scope(session, mine),
        invoices=(i1, i2, i3, i4),
        payments=(p1, p2, p4),
    )


def _statement(session, scope, start=date(2026, 10, 1), end=TODAY, today=TODAY):
    return statements.statement(session, scope, start, end, today)


def test_worked_example_balances(session, book):
    st = _statement(session, book.scope)
    _, p2, p4 = book.payments

    assert st.opening_balance_cents == 6_000
    got = [
        (line.on, line.kind, line.reference, line.debit_cents, line.credit_cents, line.running_balance_cents)
        for line in st.lines
    ]
    assert got == [
        (date(2026, 10, 5), "Invoice", "502", 20_000, 0, 26_000),
        (date(2026, 10, 20), "Invoice", "503", 5_000, 0, 31_000),
        (date(2026, 10, 21), "Payment", p2.receipt_number, 0, 26_000, 5_000),
        (date(2026, 11, 1), "Invoice", "504", 3_000, 0, 8_000),
        (date(2026, 11, 1), "Payment", p4.receipt_number, 0, 2_000, 6_000),
    ]
    assert (st.total_debit_cents, st.total_credit_cents, st.closing_balance_cents) == (28_000, 28_000, 6_000)
    assert st.lines[2].description == "Payment of 2 invoices by Visa ending 4242"
    assert st.lines[4].description == "Payment of invoice 503 by Visa ending 4242"
    assert all(
        isinstance(v, int)
        for v in (
            st.opening_balance_cents,
            st.closing_balance_cents,
            st.lines[0].debit_cents,
            st.lines[0].running_balance_cents,
        )
    )


def test_payments_are_dated_in_the_contractors_time_zone(session, book):
    # 23:00 UTC on 20 Oct is 9 am on 21 Oct in Brisbane: it belongs to the day after.
    up_to_20th = _statement(session, book.scope, end=date(2026, 10, 20))
    assert [line.kind for line in up_to_20th.lines] == ["Invoice", "Invoice"]
    assert up_to_20th.closing_balance_cents == 6_000 + 25_000

    from_21st = _statement(session, book.scope, start=date(2026, 10, 21))
    assert from_21st.opening_balance_cents == 31_000
    assert from_21st.lines[0].kind == "Payment"


def test_ageing_and_unpaid_at_the_statement_date(session, book):
    st = _statement(session, book.scope)
    # I3 (3,000 left) was due 19 Nov, four days late; I4 is due 1 Dec.
    assert st.ageing == statements.Ageing(current_cents=3_000, days_1_30_cents=3_000)
    assert [(u.number, u.balance_cents) for u in st.unpaid_invoices] == [(503, 3_000), (504, 3_000)]

    back_then = _statement(session, book.scope, start=date(2026, 9, 1), end=date(2026, 10, 31))
    # On 31 Oct only I3 was owed, in full (the 1 Nov payment had not happened yet), and not yet due.
    assert back_then.as_of == date(2026, 10, 31)
    assert back_then.ageing == statements.Ageing(current_cents=5_000)
    assert back_then.closing_balance_cents == back_then.ageing.total_cents == 5_000


def test_limited_contact_sees_only_its_sites(session, book):
    limited = _scope(session, book.mine, sites=[book.a])
    st = _statement(session, limited, start=date(2026, 1, 1))
    # Site A: I1 10,000 and I3 5,000; paid 4,000 + the 6,000 share of P2 + 2,000.
    assert st.opening_balance_cents == 0
    assert [line.reference for line in st.lines if line.kind == "Invoice"] == ["501", "503"]
    assert [line.credit_cents for line in st.lines if line.kind == "Payment"] == [4_000, 6_000, 2_000]
    assert st.closing_balance_cents == 3_000


def test_refusals(session, book):
    blind = _scope(session, book.mine, pages=["jobs"])
    with pytest.raises(AccessDenied):
        _statement(session, blind)
    with pytest.raises(AccessDenied):
        statements.statement_csv(session, blind, date(2026, 1, 1), TODAY, TODAY)
    with pytest.raises(ValueError):
        _statement(session, book.scope, start=TODAY, end=TODAY - timedelta(days=1))


def test_an_empty_account(session):
    f.contractor(session)
    scope = _scope(session, f.customer(session, "Empty Ltd"))
    st = _statement(session, scope)
    assert (st.opening_balance_cents, st.closing_balance_cents, st.lines, st.unpaid_invoices) == (
        0,
        0,
        [],
        [],
    )
    assert st.ageing.total_cents == 0


@pytest.mark.parametrize(
    ("days_late", "bucket"),
    [(-5, 0), (0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4), (400, 4)],
)
def test_ageing_bucket_edges(session, days_late, bucket):
    f.contractor(session)
    owner = f.customer(session, "Edges Ltd")
    where = f.site(session, owner)
    f.invoice_with(
        session,
        where,
        issued_on=TODAY - timedelta(days=500),
        due_on=TODAY - timedelta(days=days_late),
        total_cents=1_234,
    )
    st = _statement(session, _scope(session, owner), start=date(2020, 1, 1))
    expected = [0] * 5
    expected[bucket] = 1_234
    assert [cents for _, cents in st.ageing.buckets] == expected


def test_closing_balance_equals_what_is_owed_over_the_whole_history(session):
    """The invariant, on a few hundred random invoices and part payments across sites."""
    rng = random.Random(7)
    f.contractor(session)
    owner = f.customer(session, "Random Ltd")
    sites = [f.site(session, owner, f"Site {n}") for n in range(3)]
    rows = []
    for _ in range(300):
        issued = TODAY - timedelta(days=rng.randint(0, 900))
        rows.append(
            f.invoice_with(
                session,
                rng.choice(sites),
                issued_on=issued,
                due_on=issued + timedelta(days=30),
                total_cents=rng.randint(1, 500_000),
            )
        )
    rng.shuffle(rows)
    for start in range(0, 240, 4):
        group = rows[start : start + rng.randint(1, 4)]
        latest = max(i.issued_on for i in group)
        on = datetime.combine(latest + timedelta(days=rng.randint(0, 40)), datetime.min.time(), tzinfo=UTC)
        on = min(on, datetime(2026, 11, 22, tzinfo=UTC))
        f.invoice_payment(
            session, owner, [(i, rng.choice([i.total_cents, i.total_cents // 2])) for i in group], on
        )
    owed = sum(i.total_cents - i.paid_cents for i in rows if i.status == InvoiceStatus.UNPAID)

    scope = _scope(session, owner)
    st = _statement(session, scope, start=date(2000, 1, 1))
    assert owed > 0
    assert st.closing_balance_cents == owed
    assert st.unpaid_total_cents == owed
    assert st.ageing.total_cents == owed
    assert invoices.summary(session, scope, TODAY).balance_cents == owed
    assert st.lines[-1].running_balance_cents == owed

    # The same holds when the history is split at any date: opening carries what came before.
    split = _statement(session, scope, start=TODAY - timedelta(days=200))
    assert split.closing_balance_cents == owed


def test_lines_between_gives_one_screen(session, book):
    st = _statement(session, book.scope)
    assert st.line_count == 5
    assert st.lines_between(1, 2) == st.lines[1:3]
    assert st.lines_between(4, 10) == st.lines[4:]


def _csv(session, scope, start=date(2026, 10, 1), end=TODAY):
    text = "".join(statements.statement_csv(session, scope, start, end, TODAY))
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def test_csv_rows_balances_and_escaping(session, book):
    i2 = book.invoices[1]
    i2.description = "=cmd|' /C calc'!A0"
    session.add(i2)
    session.flush()

    rows = _csv(session, book.scope)
    assert rows[0] == statements.CSV_HEADER
    assert rows[1] == ["2026-10-01", "Opening balance", "", "", "", "", "60.00"]
    assert rows[2] == ["2026-10-05", "Invoice", "502", "'=cmd|' /C calc'!A0", "200.00", "", "260.00"]
    assert rows[4][1:3] == ["Payment", book.payments[1].receipt_number]
    assert rows[4][4:] == ["", "260.00", "50.00"]
    assert rows[-1] == [str(TODAY), "Closing balance", "", "", "", "", "60.00"]
    assert len(rows) == 1 + 1 + 5 + 1


def test_csv_keeps_a_negative_balance_a_number(session):
    f.contractor(session)
    owner = f.customer(session, "Credit Ltd")
    inv = f.invoice_with(session, f.site(session, owner), issued_on=date(2026, 10, 1), total_cents=1_000)
    f.invoice_payment(session, owner, [(inv, 1_500)], _utc(2026, 10, 2))
    rows = _csv(session, _scope(session, owner))
    assert rows[-2][-1] == "-5.00"
    assert rows[-1][-1] == "-5.00"


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_statement_pdf_shows_lines_totals_and_ageing(session, book):
    text = _pdf_text(prints.statement_pdf(session, book.scope, date(2026, 10, 1), TODAY, TODAY))
    assert "STATEMENT" in text
    assert "Opening balance" in text and "$60.00" in text
    assert "Closing balance" in text
    assert book.payments[1].receipt_number in text
    assert "$260.00" in text and "$310.00" in text
    assert "1–30 days: $30.00" in text


def test_statement_pdf_refuses_a_range_too_long_to_print(session, book, monkeypatch):
    monkeypatch.setattr(prints, "STATEMENT_PDF_MAX_LINES", 4)
    with pytest.raises(prints.StatementTooLong):
        prints.statement_pdf(session, book.scope, date(2026, 10, 1), TODAY, TODAY)


def test_invoice_pdf_shows_number_totals_and_balance(session, book):
    i1, _, i3, _ = book.invoices
    number, data = prints.invoice_pdf(session, book.scope, i3.id, TODAY)
    text = _pdf_text(data)
    assert number == 503
    assert "TAX INVOICE" in text and "503" in text
    assert "$50.00" in text and "Paid" in text and "$20.00" in text
    assert "Balance due" in text and "$30.00" in text
    assert "Overdue" in text

    theirs = _scope(session, book.theirs)
    assert prints.invoice_pdf(session, theirs, i1.id, TODAY) is None


# Paging reuses the computed statement until something on it changes.


@pytest.fixture
def fresh_cache(monkeypatch):
    monkeypatch.setattr(statements, "_recent", statements._RecentStatements())
    calls = []
    real = statements.statement

    def counting(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(statements, "statement", counting)
    return calls


def test_recent_statement_is_reused_until_a_payment_or_invoice_changes_it(session, book, fresh_cache):
    start = date(2026, 10, 1)
    first = statements.recent_statement(session, book.scope, start, TODAY, TODAY)
    assert statements.recent_statement(session, book.scope, start, TODAY, TODAY) is first
    assert len(fresh_cache) == 1

    i4 = book.invoices[3]
    f.invoice_payment(session, book.mine, [(i4, 3_000)], _utc(2026, 11, 20))
    paid = statements.recent_statement(session, book.scope, start, TODAY, TODAY)
    assert paid.closing_balance_cents == first.closing_balance_cents - 3_000

    f.invoice_with(
        session, book.a, issued_on=date(2026, 11, 21), due_on=date(2026, 12, 21), total_cents=1_234
    )
    issued = statements.recent_statement(session, book.scope, start, TODAY, TODAY)
    assert issued.closing_balance_cents == paid.closing_balance_cents + 1_234

    i4.status = InvoiceStatus.VOID
    session.add(i4)
    session.flush()
    voided = statements.recent_statement(session, book.scope, start, TODAY, TODAY)
    assert voided.line_count == issued.line_count - 2  # the invoice and its payment leave the statement
    assert len(fresh_cache) == 4


def test_recent_statement_keeps_each_scope_and_range_apart(session, book, fresh_cache):
    limited = _scope(session, book.mine, sites=[book.a])
    whole = statements.recent_statement(session, book.scope, date(2026, 10, 1), TODAY, TODAY)
    only_a = statements.recent_statement(session, limited, date(2026, 10, 1), TODAY, TODAY)
    longer = statements.recent_statement(session, book.scope, date(2026, 9, 1), TODAY, TODAY)

    assert len(fresh_cache) == 3
    assert {line.reference for line in only_a.lines if line.kind == "Invoice"} == {"503"}
    assert whole.line_count != only_a.line_count and longer.line_count > whole.line_count
    with pytest.raises(AccessDenied):
        statements.recent_statement(
            session, _scope(session, book.mine, pages=["quotes"]), date(2026, 10, 1), TODAY, TODAY
        )
