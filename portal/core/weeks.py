"""The PPM report's week numbering: Monday to Sunday, week 1 starting on the year's first Monday.

A year owns the weeks that start on its Mondays, so it has 52 or 53 of them, its last week runs
into the next January, and the January days before the first Monday belong to the year before.
Customers compare the report with their contractor's wall planner, which counts weeks this way
rather than by ISO 8601 (whose week 1 may start in December).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

FIRST_YEAR = 1900
LAST_YEAR = 2200


class Week(NamedTuple):
    number: int
    start: date  # a Monday
    end: date  # the Sunday after

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def first_monday(year: int) -> date:
    jan1 = date(year, 1, 1)
    return jan1 + timedelta(days=(7 - jan1.weekday()) % 7)


def week_count(year: int) -> int:
    """52, or 53 when the year has 53 Mondays."""
    return (first_monday(year + 1) - first_monday(year)).days // 7


def week(year: int, number: int) -> Week:
    if not 1 <= number <= week_count(year):
        raise ValueError(f"{year} has no week {number}")
    start = first_monday(year) + timedelta(weeks=number - 1)
    return Week(number, start, start + timedelta(days=6))


def weeks(year: int) -> list[Week]:
    return [week(year, n) for n in range(1, week_count(year) + 1)]


def week_of(day: date) -> tuple[int, int]:
    """The (year, week number) a day falls in; early January may be the previous year's last week."""
    year = day.year if day >= first_monday(day.year) else day.year - 1
    return year, (day - first_monday(year)).days // 7 + 1


def year_span(year: int) -> tuple[date, date]:
    """The first Monday and the last Sunday of the year's weeks."""
    return first_monday(year), first_monday(year + 1) - timedelta(days=1)
