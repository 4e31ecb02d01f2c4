"""The declarative list: one description gives the page, the count and the CSV, in the same order."""

import csv
import io
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import case, event

from portal.core import exports
from portal.core.lists import (
    Cell,
    Column,
    Join,
    ListSpec,
    PageRequest,
    PerRequest,
    UnknownTab,
    shorten,
)
from portal.core.principal import AccessDenied
from portal.models import Quote, QuoteStage, Site
from portal.services.identity import principals
from tests.frozen import TODAY
from tests.unit import factories as f


def _row(values, context):
    return SimpleNamespace(**values, late=values["requested_on"] < context.today)


SPEC = ListSpec(
    name="test-quotes",
    page="quotes",
    model=Quote,
    columns=(
        Column("id", Quote.id),
        Column("number", Quote.number),
        Column("site", Site.name),
        Column("description", Quote.description, shown=lambda text: shorten(text, 20)),
        Column("requested_on", Quote.requested_on),
        Column("total", Quote.total_cents),
    ),
    joins=(Join(Site, Site.id == Quote.site_id),),
    tabs={"waiting": Quote.stage == QuoteStage.OUTSTANDING, "priced": Quote.stage == QuoteStage.ACTIONED},
    search=(Quote.number, Site.name, Quote.description),
    sorts={
        "number": Quote.number,
        "date": Quote.requested_on,
        "late": PerRequest(lambda context: case((Quote.requested_on < context.today, 1), else_=0)),
    },
    default_sort="date",
    row=_row,
    cells=(
        Cell("No.", lambda r: r.number),
        Cell("Site", lambda r: r.site),
        Cell("Description", lambda r: r.description),
        Cell("Total", lambda r: exports.cents(r.total)),
    ),
)


@pytest.fixture
def world(session):
    f.contractor(session)
    mine, theirs = f.customer(session, "Mine"), f.customer(session, "Theirs")
    a, b = f.site(session, mine, "Alpha House"), f.site(session, mine, "Bravo Tower")
    other = f.site(session, theirs, "Other Place")
    return SimpleNamespace(mine=mine, a=a, b=b, other=other, scope=_scope(session, mine))


def _scope(session, owner, **contact):
    return principals.scope_for(session, f.contact(session, owner, **contact).id)


def _page(session, scope, tab="waiting", **request):
    return SPEC.rows(session, scope, tab, PageRequest(**request), TODAY)


def _csv(session, scope, tab="waiting", **request):
    text = "".join(SPEC.csv(session, scope, tab, PageRequest(**request), TODAY))
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def _ids(page):
    return [r.id for r in page.rows]


def test_pages_slice_the_total_and_a_page_past_the_end_shows_the_last(session, world):
    for _ in range(23):
        f.quote(session, world.a)
    first, last = _page(session, world.scope, size=10), _page(session, world.scope, size=10, page=9)
    assert (first.total, first.pages, len(first.rows)) == (23, 3, 10)
    assert (last.page, len(last.rows)) == (3, 3)


def test_equal_sort_keys_never_repeat_or_vanish_between_pages(session, world):
    quotes = [f.quote_with(session, world.a, requested_on=date(2026, 3, 1)) for _ in range(25)]
    made = [q.id for q in quotes]
    for descending in (True, False):
        seen = []
        for number in (1, 2, 3):
            page = _page(session, world.scope, size=10, page=number, sort="date", descending=descending)
            seen += _ids(page)
        assert seen == sorted(made, reverse=descending)
    in_csv = [r[0] for r in _csv(session, world.scope, sort="date", descending=False)[1:]]
    assert in_csv == [str(q.number) for q in sorted(quotes, key=lambda q: q.id)]


def test_rows_are_mapped_by_column_name_and_only_the_screen_shortens(session, world):
    q = f.quote_with(session, world.b, description="word " * 30, total_cents=1234, requested_on=TODAY)
    row = _page(session, world.scope).rows[0]
    assert (row.id, row.number, row.site, row.total, row.late) == (q.id, q.number, "Bravo Tower", 1234, False)
    assert row.description.endswith("…") and len(row.description) <= 20
    assert _csv(session, world.scope)[1] == [str(q.number), "Bravo Tower", "word " * 30, "12.34"]


def test_tabs_partition_and_an_unknown_tab_is_refused(session, world):
    waiting = f.quote(session, world.a)
    priced = f.quote(session, world.a, QuoteStage.ACTIONED)
    assert _ids(_page(session, world.scope, "waiting")) == [waiting.id]
    assert _ids(_page(session, world.scope, "priced")) == [priced.id]
    for forged in ("everything", "", None, {"a": 1}, "waiting' OR 1=1"):
        with pytest.raises(UnknownTab):
            _page(session, world.scope, forged)
        with pytest.raises(ValueError):
            SPEC.csv(session, world.scope, forged, PageRequest(), TODAY)


def test_an_unknown_sort_falls_back_to_the_default(session, world):
    old = f.quote_with(session, world.a, requested_on=date(2025, 1, 1), number=5)
    new = f.quote_with(session, world.a, requested_on=date(2026, 1, 1), number=1)
    for forged in ("number); drop table quote; --", "", "status", "x" * 500):
        assert _ids(_page(session, world.scope, sort=forged)) == [new.id, old.id]
    assert _ids(_page(session, world.scope, sort="number", descending=False)) == [new.id, old.id]
    assert _ids(_page(session, world.scope, sort="number")) == [old.id, new.id]


def test_a_sort_built_per_request_uses_the_day_asked_about(session, world):
    late = f.quote_with(session, world.a, requested_on=TODAY - timedelta(days=3))
    due = f.quote_with(session, world.a, requested_on=TODAY + timedelta(days=3))
    assert _ids(_page(session, world.scope, sort="late")) == [late.id, due.id]
    assert _ids(_page(session, world.scope, sort="late", descending=False)) == [due.id, late.id]


@pytest.mark.parametrize(
    ("text", "hit"),
    [("50%", "percent"), ("%", "percent"), ("a_b", "underscore"), ("BRAVO", "site"), ("10021", "number")],
)
def test_search_is_a_case_insensitive_contains_where_percent_and_underscore_are_plain(
    session, world, text, hit
):
    made = {
        "percent": f.quote_with(session, world.a, number=1, description="Save 50% now"),
        "decoy": f.quote_with(session, world.a, number=2, description="Save 500 now axb"),
        "underscore": f.quote_with(session, world.a, number=3, description="tag a_b"),
        "site": f.quote_with(session, world.b, number=4),
        "number": f.quote_with(session, world.a, number=10021),
    }
    found = _page(session, world.scope, search=text)
    assert (_ids(found), found.total) == ([made[hit].id], 1)
    assert [r[0] for r in _csv(session, world.scope, search=text)[1:]] == [str(made[hit].number)]


def test_the_count_leaves_the_joins_out_unless_the_search_needs_them(session, world):
    for _ in range(3):
        f.quote(session, world.a)
    statements = []
    conn = session.connection()
    listener = lambda *args: statements.append(args[2].lower())  # noqa: E731
    event.listen(conn, "before_cursor_execute", listener)
    try:
        plain = _page(session, world.scope)
        searched = _page(session, world.scope, search="alpha")
    finally:
        event.remove(conn, "before_cursor_execute", listener)
    assert plain.total == searched.total == 3 and len(statements) == 4
    count, _, searched_count, _ = statements
    assert "join" not in count and "join" in searched_count


@pytest.mark.parametrize("text", ["=HYPERLINK(1)", "+1", "-5", "@SUM(A1)", "\tTabbed", "\rCR"])
def test_csv_text_cells_that_start_like_a_formula_are_escaped_and_numbers_stay_numbers(session, world, text):
    f.quote_with(session, world.a, description=text, total_cents=-500)
    rows = _csv(session, world.scope)
    assert rows[0] == ["No.", "Site", "Description", "Total"] == SPEC.csv_header
    assert rows[1][2:] == ["'" + text, "-5.00"]


def test_the_scope_and_the_page_hold_for_the_page_the_count_and_the_csv(session, world):
    seen = f.quote(session, world.a)
    f.quote(session, world.b)
    f.quote(session, world.other)
    limited = _scope(session, world.mine, sites=[world.a])
    assert (_ids(_page(session, limited)), _page(session, limited).total) == ([seen.id], 1)
    assert [r[1] for r in _csv(session, limited)[1:]] == ["Alpha House"]
    assert _page(session, world.scope).total == 2
    blind = _scope(session, world.mine, pages=["jobs"])
    with pytest.raises(AccessDenied):
        _page(session, blind)
    with pytest.raises(AccessDenied):
        SPEC.csv(session, blind, "waiting", PageRequest(), TODAY)


def test_a_description_that_cannot_work_is_refused_when_declared():
    with pytest.raises(ValueError, match="default sort"):
        ListSpec(**{**SPEC.__dict__, "default_sort": "nothing"})
    with pytest.raises(ValueError, match="share a name"):
        ListSpec(**{**SPEC.__dict__, "columns": (Column("id", Quote.id), Column("id", Quote.number))})
    with pytest.raises(ValueError, match="tab"):
        ListSpec(**{**SPEC.__dict__, "tabs": {}})
