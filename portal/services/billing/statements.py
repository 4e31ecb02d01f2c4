"""The account statement: opening balance, invoices and payments in a date range, ageing.

A council account can hold 100,000 invoices over five years, so the statement is not built row
by row in Python: one scoped query loads the invoices, one the payment allocations, each straight
into a DataFrame of int64 cents (money never becomes a float), and balances, running totals and
ageing are column operations. Payments are dated in the contractor's time zone, as its office and
its receipts date them.

The statement is an account view: a debit per invoice issued, a credit per card payment (the sum
of what it paid on the invoices this contact may see). When the range covers the whole history
the closing balance is therefore what is owed on the unpaid invoices, the invariant the tests
hold it to.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from threading import Lock
from time import monotonic
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Row, String, case, func, type_coerce
from sqlmodel import Session, select

from portal.core import clock, dates, exports, tenant
from portal.core.principal import Scope
from portal.core.visibility import audience, scoped
from portal.models import Invoice, InvoiceStatus, Payment, PaymentAllocation, PaymentStatus
from portal.services.billing.invoices import PAGE

INVOICE, PAYMENT = "Invoice", "Payment"
AGEING_LABELS = ("Current", "1–30 days", "31–60 days", "61–90 days", "90+ days")
# Upper bounds (days past due) of each bucket after "Current"; anything later is 90+.
AGEING_EDGES = (0, 30, 60, 90)
FRAME_COLUMNS = [
    "on",
    "kind",
    "reference",
    "description",
    "debit_cents",
    "credit_cents",
    "running_balance_cents",
]


@dataclass(frozen=True)
class StatementLine:
    on: date
    kind: str
    reference: str
    description: str
    debit_cents: int
    credit_cents: int
    running_balance_cents: int


@dataclass(frozen=True)
class Ageing:
    """What was owed at the statement date, by how late it was (days past the due date)."""

    current_cents: int = 0
    days_1_30_cents: int = 0
    days_31_60_cents: int = 0
    days_61_90_cents: int = 0
    days_over_90_cents: int = 0

    @property
    def buckets(self) -> list[tuple[str, int]]:
        values = (
            self.current_cents,
            self.days_1_30_cents,
            self.days_31_60_cents,
            self.days_61_90_cents,
            self.days_over_90_cents,
        )
        return list(zip(AGEING_LABELS, values, strict=True))

    @property
    def total_cents(self) -> int:
        return sum(cents for _, cents in self.buckets)


@dataclass(frozen=True)
class UnpaidInvoice:
    id: int
    number: int
    issued_on: date
    due_on: date
    balance_cents: int


@dataclass
class Statement:
    start: date
    end: date
    as_of: date
    currency: str
    opening_balance_cents: int
    closing_balance_cents: int
    total_debit_cents: int
    total_credit_cents: int
    ageing: Ageing
    unpaid_invoices: list[UnpaidInvoice] = field(default_factory=list)
    frame: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FRAME_COLUMNS), repr=False)

    @property
    def line_count(self) -> int:
        return len(self.frame)

    def lines_between(self, offset: int, limit: int) -> list[StatementLine]:
        """One screen's worth of lines, so a five-year statement is never copied whole into state."""
        offset = max(0, int(offset))
        return _lines(self.frame.iloc[offset : offset + max(0, int(limit))])

    @property
    def lines(self) -> list[StatementLine]:
        return _lines(self.frame)

    @property
    def unpaid_total_cents(self) -> int:
        return sum(i.balance_cents for i in self.unpaid_invoices)


def _lines(frame: pd.DataFrame) -> list[StatementLine]:
    return [
        StatementLine(on.date(), kind, ref, text, int(debit), int(credit), int(running))
        for on, kind, ref, text, debit, credit, running in frame[FRAME_COLUMNS].itertuples(index=False)
    ]


# Loading.


def _raw(column: Any) -> Any:
    """The column as the driver returns it, skipping SQLAlchemy's per-row conversion.

    SQLite then gives ISO text and psycopg gives date and datetime objects; numpy and pandas
    parse either a whole column at a time, which is most of what makes 100,000 rows fast.
    """
    return type_coerce(column, String)


def _fetch(session: Session, stmt: Any) -> Sequence[Row[*tuple[Any, ...]]]:
    """Rows through the Core connection: the ORM's row building costs more than the query here."""
    return session.connection().execute(stmt).all()


def _days(values: Any) -> np.ndarray:
    return np.array(list(values), dtype="datetime64[D]")


def _invoice_frame(session: Session, scope: Scope, start: date, end: date) -> pd.DataFrame:
    """Every visible, non-void invoice issued up to ``end``; the description only where it is printed."""
    stmt = scoped(
        select(
            Invoice.id,
            Invoice.number,
            _raw(Invoice.issued_on),
            _raw(Invoice.due_on),
            Invoice.total_cents,
            Invoice.paid_cents,
            _raw(Invoice.status),
            case((Invoice.issued_on >= start, Invoice.description), else_=""),
        ).where(Invoice.status != InvoiceStatus.VOID, Invoice.issued_on <= end),
        scope,
        Invoice,
    )
    rows = _fetch(session, stmt)
    ids, numbers, issued, due, total, paid, status, text = zip(*rows, strict=True) if rows else ([],) * 8
    return pd.DataFrame(
        {
            "id": np.array(ids, dtype=np.int64),
            "number": np.array(numbers, dtype=np.int64),
            "issued": _days(issued),
            "due": _days(due),
            "total": np.array(total, dtype=np.int64),
            "paid": np.array(paid, dtype=np.int64),
            "unpaid": np.array(status, dtype=object) == InvoiceStatus.UNPAID.value,
            "description": pd.Series(text, dtype=object),
        }
    )


def _allocation_frame(session: Session, scope: Scope, end: date, zone: Any) -> pd.DataFrame:
    """What each successful payment put on each visible, non-void invoice, up to the end of ``end`` locally.

    Without statistics SQLite can plan this badly enough to take minutes on the benchmark
    account: joined to the invoices, it may pair every payment with every invoice of the
    customer; with a plain ``invoice_id IN (...)`` it probes the allocation index once per
    payment and listed invoice. ``invoice_id + 0`` is not indexable, so the list becomes a set
    that each allocation is looked up in: one linear plan, on PostgreSQL a hash semi-join.
    """
    paid_at = func.coalesce(Payment.completed_at, Payment.created_at)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    visible = scoped(select(Invoice.id).where(Invoice.status != InvoiceStatus.VOID), scope, Invoice)
    stmt = scoped(
        select(
            PaymentAllocation.invoice_id,
            PaymentAllocation.amount_cents,
            Payment.id,
            Payment.receipt_number,
            _raw(paid_at),
            Payment.card_brand,
            Payment.card_last4,
        )
        .join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(
            Payment.status == PaymentStatus.SUCCEEDED,
            paid_at < until,
            (PaymentAllocation.invoice_id + 0).in_(visible),
        ),
        scope,
        Payment,
    )
    rows = _fetch(session, stmt)
    invoice_ids, amounts, payment_ids, receipts, moments, brands, last4s = (
        zip(*rows, strict=True) if rows else ([],) * 7
    )
    local = pd.to_datetime(pd.Series(moments, dtype=object), utc=True).dt.tz_convert(zone)
    return pd.DataFrame(
        {
            "invoice_id": np.array(invoice_ids, dtype=np.int64),
            "amount": np.array(amounts, dtype=np.int64),
            "payment_id": np.array(payment_ids, dtype=np.int64),
            "receipt": pd.Series(receipts, dtype=object).fillna(""),
            "on": local.dt.tz_localize(None).dt.normalize().to_numpy(dtype="datetime64[D]"),
            "brand": pd.Series(brands, dtype=object),
            "last4": pd.Series(last4s, dtype=object),
        }
    )


# Computing.


def _invoice_lines(inv: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "on": inv["issued"].to_numpy(),
            "order": np.zeros(len(inv), dtype=np.int64),
            "tiebreak": inv["number"].to_numpy(),
            "kind": INVOICE,
            "reference": inv["number"].astype(str).to_numpy(),
            "description": inv["description"].to_numpy(),
            "debit_cents": inv["total"].to_numpy(),
            "credit_cents": np.zeros(len(inv), dtype=np.int64),
        }
    )


def _payment_lines(alloc: pd.DataFrame, numbers: pd.Series) -> pd.DataFrame:
    """One credit per card payment: the sum of what it paid on the invoices in view.

    ``numbers`` maps invoice id to number; a payment of one invoice names it.
    """
    if alloc.empty:
        return pd.DataFrame(
            columns=[
                "on",
                "order",
                "tiebreak",
                "kind",
                "reference",
                "description",
                "debit_cents",
                "credit_cents",
            ]
        )
    alloc = alloc.assign(
        invoice_number=numbers.reindex(alloc["invoice_id"].to_numpy(), fill_value=0).to_numpy()
    )
    grouped = alloc.groupby("payment_id", sort=False).agg(
        on=("on", "max"),
        credit_cents=("amount", "sum"),
        invoices=("invoice_id", "size"),
        first_number=("invoice_number", "min"),
        receipt=("receipt", "first"),
        brand=("brand", "first"),
        last4=("last4", "first"),
    )
    card = np.where(
        grouped["last4"].astype(bool),
        " by " + grouped["brand"].str.title() + " ending " + grouped["last4"],
        "",
    )
    one = grouped["invoices"] == 1
    what = np.select(
        [one & (grouped["first_number"] > 0), one],
        ["Payment of invoice " + grouped["first_number"].astype(str), "Payment of 1 invoice"],
        "Payment of " + grouped["invoices"].astype(str) + " invoices",
    )
    return pd.DataFrame(
        {
            "on": grouped["on"].to_numpy(),
            "order": np.ones(len(grouped), dtype=np.int64),
            "tiebreak": grouped.index.to_numpy(dtype=np.int64),
            "kind": PAYMENT,
            "reference": grouped["receipt"].to_numpy(),
            # numpy's stubs type np.select and np.where of strings as floats.
            "description": pd.Series(what).str.cat(pd.Series(card)).to_numpy(),  # type: ignore[arg-type]
            "debit_cents": np.zeros(len(grouped), dtype=np.int64),
            "credit_cents": grouped["credit_cents"].to_numpy(dtype=np.int64),
        }
    )


def _ageing(inv: pd.DataFrame, alloc: pd.DataFrame, as_of: date) -> Ageing:
    """Balances as they stood on ``as_of`` (payments made later do not count), bucketed by days late."""
    day = np.datetime64(as_of, "D")
    owed = inv[inv["issued"] <= day]
    paid = alloc.loc[alloc["on"] <= day].groupby("invoice_id")["amount"].sum()
    balance = owed["total"].to_numpy() - paid.reindex(owed["id"].to_numpy(), fill_value=0).to_numpy(
        dtype=np.int64
    )
    late = (day - owed["due"].to_numpy()).astype("timedelta64[D]").astype(np.int64)
    bucket = np.searchsorted(np.array(AGEING_EDGES), late, side="left")
    sums = [int(balance[bucket == k].sum()) for k in range(len(AGEING_LABELS))]
    return Ageing(*sums)


def statement(session: Session, scope: Scope, start: date, end: date, today: date) -> Statement:
    """The statement for invoices issued and payments made from ``start`` to ``end``, both included.

    Ageing is as at the end date, or today when the range runs into the future. The unpaid
    invoices (for Pay Online) are those issued by the end date that are owed now.
    """
    scope.require(PAGE)
    if not (dates.supported(start) and dates.supported(end)):
        raise ValueError(dates.OUT_OF_RANGE)  # callers read dates with portal.core.dates, which refuses these
    if start > end:
        raise ValueError("The start date must be on or before the end date.")
    settings = tenant.contractor(session)
    zone = clock.zone(settings.timezone)
    inv = _invoice_frame(session, scope, start, end)
    alloc = _allocation_frame(session, scope, end, zone)
    first = np.datetime64(start, "D")

    before = inv["issued"] < first
    paid_before = alloc["on"] < first
    opening = int(inv.loc[before, "total"].sum()) - int(alloc.loc[paid_before, "amount"].sum())

    numbers = pd.Series(inv["number"].to_numpy(), index=inv["id"].to_numpy())
    lines = pd.concat(
        [_invoice_lines(inv.loc[~before]), _payment_lines(alloc.loc[~paid_before], numbers)],
        ignore_index=True,
    )
    lines = lines.sort_values(["on", "order", "tiebreak"], kind="stable", ignore_index=True)
    debit = lines["debit_cents"].to_numpy(dtype=np.int64)
    credit = lines["credit_cents"].to_numpy(dtype=np.int64)
    lines["debit_cents"], lines["credit_cents"] = debit, credit
    lines["running_balance_cents"] = opening + np.cumsum(debit - credit, dtype=np.int64)
    lines["on"] = pd.to_datetime(lines["on"])
    total_debit, total_credit = int(debit.sum()), int(credit.sum())

    owed_now = inv.loc[inv["unpaid"] & (inv["total"] > inv["paid"])].sort_values(["due", "number"])
    unpaid = [
        UnpaidInvoice(int(i), int(n), pd.Timestamp(issued).date(), pd.Timestamp(due).date(), int(t - p))
        for i, n, issued, due, t, p in owed_now[
            ["id", "number", "issued", "due", "total", "paid"]
        ].itertuples(index=False)
    ]
    return Statement(
        start=start,
        end=end,
        as_of=min(end, today),
        currency=settings.currency,
        opening_balance_cents=opening,
        closing_balance_cents=opening + total_debit - total_credit,
        total_debit_cents=total_debit,
        total_credit_cents=total_credit,
        ageing=_ageing(inv, alloc, min(end, today)),
        unpaid_invoices=unpaid,
        frame=lines[FRAME_COLUMNS],
    )


def _fingerprint(session: Session, scope: Scope) -> tuple[Any, ...]:
    """Changes whenever a statement's lines could have: an invoice issued or voided, a payment made.

    Index-only counts (milliseconds where the statement itself takes seconds for five years of
    a large account). Invoice balances change only through payments, which are counted; an
    invoice amended in place by staff shows once the entry expires.
    """
    issued = session.exec(scoped(select(func.count(Invoice.id), func.max(Invoice.id)), scope, Invoice)).one()
    void = session.exec(
        scoped(select(func.count(Invoice.id)).where(Invoice.status == InvoiceStatus.VOID), scope, Invoice)
    ).one()
    payments = session.exec(
        scoped(
            select(func.count(Payment.id), func.max(Payment.id)).where(
                Payment.status == PaymentStatus.SUCCEEDED
            ),
            scope,
            Payment,
        )
    ).one()
    return (*issued, void, *payments)


class _RecentStatements:
    """The last few statements computed in this process, so paging through one does not recompute it.

    Keyed by who may see what, the range, the day and the data's fingerprint, so a payment or a
    new invoice is never hidden; entries also expire, and only a handful are kept because a
    five-year statement of a large account is tens of megabytes.
    """

    def __init__(self, size: int = 4, ttl: float = 120.0) -> None:
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, Statement]] = OrderedDict()
        self._size, self._ttl, self._lock = size, ttl, Lock()

    def get(self, key: tuple[Any, ...]) -> Statement | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or monotonic() - found[0] > self._ttl:
                self._entries.pop(key, None)
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: tuple[Any, ...], value: Statement) -> None:
        with self._lock:
            self._entries[key] = (monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


_recent = _RecentStatements()


def recent_statement(session: Session, scope: Scope, start: date, end: date, today: date) -> Statement:
    """:func:`statement`, reused while nothing it shows has changed (the screen pages through it)."""
    scope.require(PAGE)
    key = (audience(scope), start, end, today, _fingerprint(session, scope))
    found = _recent.get(key)
    if found is None:
        found = statement(session, scope, start, end, today)
        _recent.put(key, found)
    return found


CSV_HEADER = ["Date", "Type", "Reference", "Description", "Debit", "Credit", "Balance"]


def statement_csv(session: Session, scope: Scope, start: date, end: date, today: date) -> Iterator[str]:
    """The statement as a spreadsheet: the opening balance, every line, the closing balance.

    Computed now, not on the first chunk, so a refused or invalid request fails before any
    response starts.
    """
    st = statement(session, scope, start, end, today)

    def money(cents: int) -> Any:
        return exports.cents(cents) if cents else None

    def rows() -> Iterator[list[Any]]:
        yield [st.start, "Opening balance", "", "", None, None, exports.cents(st.opening_balance_cents)]
        frame = st.frame
        columns = [frame["on"].dt.date] + [frame[name] for name in FRAME_COLUMNS[1:]]
        for on, kind, ref, text, debit, credit, running in zip(*(c.tolist() for c in columns), strict=True):
            yield [on, kind, ref, text, money(debit), money(credit), exports.cents(running)]
        yield [st.end, "Closing balance", "", "", None, None, exports.cents(st.closing_balance_cents)]

    return exports.csv_stream(CSV_HEADER, rows())
