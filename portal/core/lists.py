"""Lists: one description of a list screen gives its page of rows, its count and its CSV.

A customer can have tens of thousands of quotes, so the database does the filtering, counting,
ordering and slicing, and a screen only ever holds one page. A list is declared once as a
:class:`ListSpec` (the scoped base query, its columns by name, sorts, tabs, search, how a row
reads and the CSV's cells); the page, the count and the download all come from that one
description, so they can never disagree about which rows a customer sees or in what order.

Every ordering ends on a unique column: without it two rows with the same date could swap places
between queries and appear on two pages, or on none.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, String, cast, false, func, or_
from sqlalchemy.sql import Select
from sqlalchemy.sql.sqltypes import Integer, Numeric
from sqlmodel import Session, select
from sqlmodel.sql.expression import Select as RowsSelect

from portal.core import exports
from portal.core.visibility import scoped

T = TypeVar("T")
# A select of any columns; ordering keeps its type, so a SQLModel select still runs through exec().
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")

PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_SIZE = 25
MAX_SEARCH = 100


def _int(value: Any, fallback: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return fallback


@dataclass(frozen=True)
class PageRequest:
    search: str = ""
    sort: str = ""
    descending: bool = True
    page: int = 1
    size: int = DEFAULT_SIZE

    def clean(self) -> PageRequest:
        """The same request with every field in range, since any of them may come from the browser."""
        size = _int(self.size, DEFAULT_SIZE)
        return replace(
            self,
            search=str(self.search or "").strip()[:MAX_SEARCH].strip(),
            sort=str(self.sort or "")[:40],
            descending=bool(self.descending),
            page=max(1, _int(self.page, 1)),
            size=size if size in PAGE_SIZES else DEFAULT_SIZE,
        )


@dataclass
class Page(Generic[T]):
    rows: list[T]
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        """At least one, so an empty list still reads "page 1 of 1"."""
        return max(1, math.ceil(self.total / self.size)) if self.size > 0 else 1


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_filter(text: str, *columns: Any) -> ColumnElement[bool] | None:
    """Rows where any column contains the text, case-insensitively; None when there is nothing to find.

    Numbers are compared as text, so typing the start of a quote number finds it, and ``%`` or
    ``_`` typed by the user match themselves rather than acting as wildcards.
    """
    text = (text or "").strip()[:MAX_SEARCH]
    if not text or not columns:
        return None
    pattern = f"%{escape_like(text)}%"
    tests = []
    for column in columns:
        as_text = cast(column, String) if isinstance(column.type, Integer | Numeric) else column
        tests.append(as_text.ilike(pattern, escape="\\"))
    return or_(*tests)


MAX_NUMBER = 2**31 - 1  # document numbers are 32-bit integers; PostgreSQL refuses larger literals


def is_number(text: str) -> bool:
    """Plain 0-9 digits, short enough to read: ``str.isdigit`` also says yes to "²" and "١", which
    ``int`` refuses or reads as another number, and ``int`` refuses thousands of digits."""
    return text.isascii() and text.isdigit() and len(text) <= 20


def number_starts_with(column: Any, digits: str) -> ColumnElement[bool]:
    """Numbers whose decimal form starts with ``digits``, as index-friendly ranges.

    "123" matches 123, 1230–1239, 12300–12399 and so on up to the largest number a column holds;
    each is a range the index answers, where casting every number to text and matching a
    pattern reads the whole table.
    """
    if not is_number(digits) or digits[0] == "0" or int(digits) > MAX_NUMBER:
        return false()  # no document number starts with 0 or is that large
    ranges, low, high = [], int(digits), int(digits)
    while low <= MAX_NUMBER:
        ranges.append(column.between(low, min(high, MAX_NUMBER)))
        low, high = low * 10, high * 10 + 9
    return or_(*ranges)


def count_rows(session: Session, stmt: Select[*tuple[Any, ...]]) -> int:
    """How many rows the statement returns, counted in SQL without its ordering or selected columns."""
    if stmt._group_by_clauses or stmt._distinct or stmt._limit_clause is not None:
        total = session.scalar(func.count().select().select_from(stmt.order_by(None).subquery()))
    else:
        total = session.scalar(
            stmt.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
        )
    return int(total or 0)


def ordered(
    stmt: S, sorts: Mapping[str, Any], key: str, descending: bool, default_sort: str, tiebreak: Any
) -> S:
    """The statement ordered by a known sort key (else the default), then by the unique tiebreak.

    Empty values go last in both directions, on SQLite and PostgreSQL alike (they disagree by
    default), so "not scheduled yet" never crowds the top of a list.
    """
    column = sorts[key] if key in sorts else sorts[default_sort]
    direction = column.desc() if descending else column.asc()
    if _nullable(column):
        direction = direction.nulls_last()
    last = tiebreak.desc() if descending else tiebreak.asc()
    return stmt.order_by(None).order_by(direction, last)


def ordered_csv(
    session: Session,
    stmt: RowsSelect[*tuple[Any, ...]],
    request: PageRequest,
    sorts: Mapping[str, Any],
    default_sort: str,
    tiebreak: Any,
    header: Sequence[str],
    cells: Callable[[Sequence[Any]], Sequence[Any]],
) -> Iterator[str]:
    """Every row of a list, in the screen's order, as streamed CSV: one page's query without the page."""
    query = ordered(stmt, sorts, request.sort, request.descending, default_sort, tiebreak)
    rows = session.exec(query.execution_options(yield_per=exports.STREAM_BATCH))
    return exports.csv_stream(header, (cells(r) for r in rows))


def _nullable(column: Any) -> bool:
    """Whether NULLS LAST is needed; on a NOT NULL column it would only stop PostgreSQL using the index."""
    return bool(getattr(getattr(column, "expression", column), "nullable", True))


def paginate(
    session: Session,
    stmt: RowsSelect[*tuple[Any, ...]],
    request: PageRequest,
    sorts: Mapping[str, Any],
    default_sort: str,
    row_factory: Callable[[Sequence[Any]], T],
    *,
    tiebreak: Any,
    count_stmt: Select[*tuple[Any, ...]] | None = None,
) -> Page[T]:
    """One page of the statement's rows, with the total, clamped to the last page that exists.

    ``stmt`` must already be scoped and filtered; ``tiebreak`` is a unique column (the id).
    ``count_stmt`` counts the same rows more cheaply when the joins only add display columns:
    with 100,000 invoices, joining every row to its site and job just to count them costs more
    than the whole page.
    """
    request = request.clean()
    total = count_rows(session, count_stmt if count_stmt is not None else stmt)
    last_page = max(1, math.ceil(total / request.size))
    page = min(request.page, last_page)
    rows: list[T] = []
    if total:
        query = ordered(stmt, sorts, request.sort, request.descending, default_sort, tiebreak)
        result = session.exec(query.limit(request.size).offset((page - 1) * request.size))
        rows = [row_factory(r) for r in result.all()]
    return Page(rows=rows, total=total, page=page, size=request.size)


def shorten(text: str, limit: int = 120) -> str:
    """One line of at most ``limit`` characters, for a list cell."""
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# The declarative description of a list.


@dataclass(frozen=True)
class Context:
    """What a list's SQL and rows may depend on besides the request: who asks, and the office's today."""

    scope: Any
    today: date


@dataclass(frozen=True)
class PerRequest:
    """An SQL expression that depends on who asks or on the day (a status worked out from dates, a tab
    such as "Overdue")."""

    build: Callable[[Context], Any]


def _sql(value: Any, context: Context) -> Any:
    return value.build(context) if isinstance(value, PerRequest) else value


@dataclass(frozen=True)
class Column:
    """One selected value, reached by ``name`` in the row mapping; ``shown`` is how the screen shows it
    (a description cut to one line), while the CSV takes the value whole."""

    name: str
    sql: Any
    shown: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Join:
    """A table joined for display columns or search; ``outer`` when a row may have none."""

    target: Any
    on: Any
    outer: bool = False


@dataclass(frozen=True)
class Cell:
    """One CSV column: its header and its value, read from the mapped row."""

    header: str
    value: Callable[[Any], Any]


class UnknownTab(ValueError):
    """A tab the list does not have: the screen and the download route check the name first."""


@dataclass(frozen=True)
class ListSpec(Generic[T]):
    """One list, declared once: its page of rows, its count and its CSV all come from here.

    ``row`` builds what the service returns from the selected values by column name. ``search``
    names the columns a case-insensitive "contains" looks in; a list whose search is its own
    (index-friendly number ranges, say) gives ``search_by`` instead, written against ``model``
    alone so the count can leave the display joins out. Sort and tab names come from the browser:
    an unknown sort falls back to ``default_sort``, an unknown tab raises :class:`UnknownTab`.
    """

    name: str  # the CSV route's name: /export/<name>.csv
    page: str  # the page a login needs to see the list
    model: Any  # the table the scope narrows; its id is the unique tie-break
    columns: tuple[Column, ...]
    row: Callable[[dict[str, Any], Context], T]
    tabs: Mapping[str, Any]
    sorts: Mapping[str, Any]
    default_sort: str
    cells: tuple[Cell, ...]
    joins: tuple[Join, ...] = ()
    search: tuple[Any, ...] = ()
    search_by: Callable[[Context, str], Any] | None = None

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: two columns share a name")
        if self.default_sort not in self.sorts:
            raise ValueError(f"{self.name}: the default sort {self.default_sort!r} is not a sort")
        if not self.tabs:
            raise ValueError(f"{self.name}: a list has at least one tab")

    @property
    def csv_header(self) -> list[str]:
        return [cell.header for cell in self.cells]

    def condition(self, tab: str) -> Any:
        if not isinstance(tab, str) or tab not in self.tabs:
            raise UnknownTab(f"unknown {self.name} tab: {tab!r}")
        return self.tabs[tab]

    def _found(self, context: Context, text: str) -> Any:
        text = (text or "").strip()[:MAX_SEARCH]
        if not text:
            return None
        if self.search_by is not None:
            return self.search_by(context, text)
        return search_filter(text, *self.search)

    def query(self, context: Context, tab: str, search: str) -> RowsSelect[*tuple[Any, ...]]:
        """The scoped, filtered rows of one tab, unordered: the page slices it, the CSV streams it all."""
        stmt = select(*[_sql(c.sql, context).label(c.name) for c in self.columns]).select_from(self.model)
        for join in self.joins:
            stmt = stmt.join(join.target, join.on, isouter=join.outer)
        stmt = stmt.where(_sql(self.condition(tab), context))
        found = self._found(context, search)
        if found is not None:
            stmt = stmt.where(found)
        return scoped(stmt, context.scope, self.model)

    def _count_query(self, context: Context, tab: str, search: str) -> Select[*tuple[Any, ...]] | None:
        """The same rows without the joins, which only add display columns, so counting 100,000 rows
        does not join each one; None when a "contains" search looks into a joined table."""
        found = self._found(context, search)
        if found is not None and self.search_by is None:
            return None
        stmt = select(self.model.id).where(_sql(self.condition(tab), context))
        if found is not None:
            stmt = stmt.where(found)
        return scoped(stmt, context.scope, self.model)

    def _sorts(self, context: Context) -> dict[str, Any]:
        return {key: _sql(value, context) for key, value in self.sorts.items()}

    @staticmethod
    def _reader() -> Callable[[Any], dict[str, Any]]:
        """A row's values by column name; the names are read once per query, not once per row (a
        100,000-row CSV spent a third of its time building each row's mapping)."""
        fields: tuple[str, ...] = ()

        def values(row: Any) -> dict[str, Any]:
            nonlocal fields
            if not fields:
                fields = tuple(row._fields)
            return dict(zip(fields, row, strict=True))

        return values

    def rows(self, session: Session, scope: Any, tab: str, request: PageRequest, today: date) -> Page[T]:
        """One page of the tab as the screen shows it, with the total."""
        scope.require(self.page)
        request = request.clean()
        context = Context(scope, today)
        shown = [(c.name, c.shown) for c in self.columns if c.shown is not None]
        read = self._reader()

        def make(row: Any) -> T:
            values = read(row)
            for name, show in shown:
                values[name] = show(values[name])
            return self.row(values, context)

        return paginate(
            session,
            self.query(context, tab, request.search),
            request,
            self._sorts(context),
            self.default_sort,
            make,
            tiebreak=self.model.id,
            count_stmt=self._count_query(context, tab, request.search),
        )

    def csv(self, session: Session, scope: Any, tab: str, request: PageRequest, today: date) -> Iterator[str]:
        """Every row of the tab as filtered and sorted on screen, streamed without a row limit.

        The checks and the query run now, not on the first chunk, so a refused download fails
        before any response is sent.
        """
        scope.require(self.page)
        request = request.clean()
        context = Context(scope, today)
        read = self._reader()

        def cells(row: Any) -> list[Any]:
            mapped = self.row(read(row), context)
            return [cell.value(mapped) for cell in self.cells]

        return ordered_csv(
            session,
            self.query(context, tab, request.search),
            request,
            self._sorts(context),
            self.default_sort,
            self.model.id,
            self.csv_header,
            cells,
        )
