"""The PPM report's week numbering, checked over every year it is likely to be used for."""

from datetime import date, timedelta

import pytest

from portal.core import weeks

YEARS = range(2020, 2036)


def mondays(year: int) -> int:
    day = date(year, 1, 1)
    return sum(
        1
        for i in range(366)
        if (day + timedelta(days=i)).year == year and (day + timedelta(days=i)).weekday() == 0
    )


@pytest.mark.parametrize("year", YEARS)
def test_weeks_are_contiguous_monday_to_sunday_from_the_first_monday(year):
    all_weeks = weeks.weeks(year)
    assert len(all_weeks) == weeks.week_count(year) == mondays(year)
    assert len(all_weeks) in (52, 53)
    first = all_weeks[0].start
    assert first.year == year and first.month == 1 and first.day <= 7 and first.weekday() == 0
    for n, wk in enumerate(all_weeks, start=1):
        assert wk.number == n
        assert wk.start.weekday() == 0 and wk.end.weekday() == 6 and wk.end - wk.start == timedelta(days=6)
    for before, after in zip(all_weeks, all_weeks[1:], strict=False):
        assert after.start == before.end + timedelta(days=1)
    last = all_weeks[-1]
    assert (
        last.start.year == year
        and last.start.month == 12
        and last.start + timedelta(days=7) > date(year, 12, 31)
    )
    assert last.end + timedelta(days=1) == weeks.first_monday(year + 1)
    assert weeks.year_span(year) == (first, last.end)


@pytest.mark.parametrize("year", YEARS)
def test_every_day_falls_in_exactly_the_week_that_holds_it(year):
    start, end = weeks.year_span(year)
    day = start
    while day <= end:
        owner, number = weeks.week_of(day)
        assert owner == year and day in weeks.week(year, number)
        day += timedelta(days=1)
    assert weeks.week_of(start - timedelta(days=1)) == (year - 1, weeks.week_count(year - 1))


def test_the_issues_vectors():
    assert weeks.week_count(2024) == 53
    assert weeks.week(2024, 53) == (53, date(2024, 12, 30), date(2025, 1, 5))
    assert weeks.week_count(2025) == 52
    assert weeks.week(2025, 1).start == date(2025, 1, 6)
    assert weeks.week(2025, 52) == (52, date(2025, 12, 29), date(2026, 1, 4))
    assert weeks.week_of(date(2026, 1, 1)) == (2025, 52)
    assert weeks.week_of(date(2025, 1, 5)) == (2024, 53)
    assert weeks.week_of(date(2025, 1, 6)) == (2025, 1)


def test_a_week_the_year_does_not_have_is_refused():
    with pytest.raises(ValueError):
        weeks.week(2025, 53)
    with pytest.raises(ValueError):
        weeks.week(2025, 0)
