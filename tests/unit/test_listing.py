"""Server-side paging: counts, clamping, a stable order across pages, and search that means what it says."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from portal.core.lists import (
    PAGE_SIZES,
    Page,
    PageRequest,
    count_rows,
    paginate,
    search_filter,
    shorten,
)
from portal.models import Quote, Site
from tests.unit import factories as f

SORTS = {"number": Quote.number, "date": Quote.requested_on, "order": Quote.order_number}


def _quotes_of(customer):
    return select(Quote.id, Quote.number).where(Quote.customer_id == customer.id)


def _page(session, stmt, **request):
    return paginate(session, stmt, PageRequest(**request), SORTS, "date", tuple, tiebreak=Quote.id)


@pytest.fixture
def place(session):
    owner = f.customer(session)
    return owner, f.site(session, owner)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (PageRequest(page=0, size=7), PageRequest(page=1, size=25)),
        (PageRequest(page=-3, size=100), PageRequest(page=1, size=100)),
        (PageRequest(page="4", size="50"), PageRequest(page=4, size=50)),
        (PageRequest(page="x", size=None), PageRequest(page=1, size=25)),
        (PageRequest(search="  exit  "), PageRequest(search="exit")),
    ],
)
def test_clean_keeps_every_field_in_range(given, expected):
    assert given.clean() == expected


def test_clean_cuts_long_searches():
    assert PageRequest(search="x" * 500).clean().search == "x" * 100
    assert set(PAGE_SIZES) == {10, 25, 50, 100}


@pytest.mark.parametrize(
    ("total", "size", "pages"), [(0, 25, 1), (1, 25, 1), (25, 25, 1), (26, 25, 2), (100, 10, 10)]
)
def test_page_count(total, size, pages):
    assert Page(rows=[], total=total, page=1, size=size).pages == pages


def test_pages_slice_the_total_and_the_last_page_is_short(session, place):
    owner, where = place
    for _ in range(23):
        f.quote(session, where)
    first = _page(session, _quotes_of(owner), size=10)
    last = _page(session, _quotes_of(owner), size=10, page=3)
    assert (first.total, first.pages, len(first.rows)) == (23, 3, 10)
    assert (last.page, len(last.rows)) == (3, 3)


def test_a_page_past_the_end_shows_the_last_page(session, place):
    owner, where = place
    for _ in range(12):
        f.quote(session, where)
    result = _page(session, _quotes_of(owner), size=10, page=9)
    assert (result.page, len(result.rows), result.total) == (2, 2, 12)


def test_empty_list_is_page_one_of_one(session, place):
    owner, _ = place
    result = _page(session, _quotes_of(owner), page=5)
    assert (result.rows, result.total, result.page, result.pages) == ([], 0, 1, 1)


def test_rows_with_equal_sort_values_never_repeat_or_vanish_between_pages(session, place):
    owner, where = place
    same_day = date(2026, 3, 1)
    made = [f.quote_with(session, where, requested_on=same_day).id for _ in range(25)]
    seen = []
    for page in (1, 2, 3):
        seen += [r[0] for r in _page(session, _quotes_of(owner), size=10, page=page, sort="date").rows]
    assert seen == sorted(made, reverse=True)
    seen_up = []
    for page in (1, 2, 3):
        seen_up += [
            r[0] for r in _page(session, _quotes_of(owner), size=10, page=page, descending=False).rows
        ]
    assert seen_up == sorted(made)


def test_unknown_sort_key_falls_back_to_the_default(session, place):
    owner, where = place
    old = f.quote_with(session, where, requested_on=date(2025, 1, 1), number=5)
    new = f.quote_with(session, where, requested_on=date(2026, 1, 1), number=1)
    rows = _page(session, _quotes_of(owner), sort="number); drop table quote; --").rows
    assert [r[0] for r in rows] == [new.id, old.id]
    assert [r[0] for r in _page(session, _quotes_of(owner), sort="number").rows] == [old.id, new.id]


def test_empty_values_sort_last_both_ways(session, place):
    owner, where = place
    stmt = select(Quote.id, Quote.valid_until).where(Quote.customer_id == owner.id)
    f.quote_with(session, where)
    f.quote_with(session, where, valid_until=date(2026, 1, 1))
    f.quote_with(session, where)
    f.quote_with(session, where, valid_until=date(2026, 2, 1))
    sorts = {"valid": Quote.valid_until}
    for descending, dated in (
        (True, [date(2026, 2, 1), date(2026, 1, 1)]),
        (False, [date(2026, 1, 1), date(2026, 2, 1)]),
    ):
        result = paginate(
            session,
            stmt,
            PageRequest(sort="valid", descending=descending),
            sorts,
            "valid",
            tuple,
            tiebreak=Quote.id,
        )
        assert [r[1] for r in result.rows] == [*dated, None, None]


def _search(session, owner, text):
    stmt = (
        select(Quote.id)
        .join(Site, Site.id == Quote.site_id)
        .where(Quote.customer_id == owner.id, search_filter(text, Quote.number, Site.name, Quote.description))
    )
    return set(session.exec(stmt).all())


def test_search_finds_numbers_as_text_and_ignores_case(session, place):
    owner, where = place
    hit = f.quote_with(session, where, number=10021, description="Smoke detector")
    other = f.quote_with(session, where, number=20020, description="Exit SIGN on level 2")
    assert _search(session, owner, "1002") == {hit.id}
    assert _search(session, owner, "exit sign") == {other.id}
    assert _search(session, owner, "HEAD OFF") == {hit.id, other.id}


def test_percent_underscore_and_backslash_match_only_themselves(session, place):
    owner, where = place
    percent = f.quote_with(session, where, description="Save 50% today")
    plain = f.quote_with(session, where, description="Save 500 today")
    under = f.quote_with(session, where, description="tag a_b")
    axb = f.quote_with(session, where, description="tag axb")
    slash = f.quote_with(session, where, description=r"path C:\temp")
    assert _search(session, owner, "50%") == {percent.id}
    assert _search(session, owner, "a_b") == {under.id}
    assert _search(session, owner, "%") == {percent.id}
    assert _search(session, owner, r"C:\t") == {slash.id}
    assert plain.id not in _search(session, owner, "0%") and axb.id not in _search(session, owner, "_")


def test_blank_search_adds_no_filter():
    assert search_filter("", Quote.description) is None
    assert search_filter("   ", Quote.description) is None


def test_count_of_a_grouped_statement_counts_groups(session, place):
    owner, where = place
    second = f.site(session, owner, "Warehouse")
    for s in (where, where, second):
        f.quote(session, s)
    grouped = select(Quote.site_id, func.count()).where(Quote.customer_id == owner.id).group_by(Quote.site_id)
    assert count_rows(session, grouped) == 2
    assert count_rows(session, _quotes_of(owner)) == 3


def test_large_list_counts_in_sql_and_returns_one_page(session, place):
    owner, where = place
    start = date(2020, 1, 1)
    session.bulk_insert_mappings(
        Quote,
        [
            {
                "number": 500_000 + n,
                "customer_id": owner.id,
                "site_id": where.id,
                "description": f"Item {n}",
                "requested_on": start + timedelta(days=n % 900),
            }
            for n in range(3000)
        ],
    )
    result = _page(session, _quotes_of(owner), size=100, page=30)
    assert (result.total, result.pages, len(result.rows)) == (3000, 30, 100)


def test_shorten_makes_one_line_with_an_ellipsis():
    assert shorten("a\n b\tc") == "a b c"
    cut = shorten("word " * 100, 20)
    assert len(cut) <= 20 and cut.endswith("…")


@pytest.mark.parametrize(
    ("digits", "matches", "misses"),
    [
        ("123", [123, 1230, 1239, 12345, 1234567890], [12, 124, 1240, 2123, 11230]),
        ("9", [9, 90, 999999999], [8, 10, 19]),
        ("2147483647", [2147483647], [214748364, 2147483646]),
        ("21474836", [21474836, 214748364, 2147483600, 2147483647], [2147483700]),
        ("3", [3, 399999999], [4]),
        ("0", [], [0, 10, 100]),
        ("0123", [], [123, 10123]),
        ("12345678901", [], [1234567890]),
        ("2147483648", [], [2147483647]),
    ],
)
def test_number_starts_with_matches_by_leading_digits(session, digits, matches, misses):
    from sqlalchemy import literal
    from sqlalchemy import select as core_select

    from portal.core.lists import number_starts_with

    def hit(n: int) -> bool:
        sub = core_select(literal(n).label("n")).subquery()
        return bool(session.execute(core_select(number_starts_with(sub.c.n, digits))).scalar())

    assert [n for n in matches if hit(n)] == matches
    assert [n for n in misses if hit(n)] == []
