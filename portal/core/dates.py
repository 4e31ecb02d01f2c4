"""The dates the portal accepts from a browser or a query string, and the one way to read them.

Python's dates end at 9999-12-31, pandas' at 2262-04-11, and the services add days and months to
what they are given, so a date typed or linked far out of range used to get as far as a statement
or a report and fail there with a server error. One range, wide enough for any record a contractor
keeps and any plan it makes, is accepted everywhere a date comes in; anything outside it, or not a
date at all, comes back as a message a customer can act on, shown beside the field on a screen and
as a 400 from a route.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any

EARLIEST = date(1990, 1, 1)
LATEST = date(2100, 12, 31)

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")

NOT_A_DATE = "Enter a date as DD/MM/YYYY."
NOT_A_TIME = "Enter a time as HH:MM."
OUT_OF_RANGE = f"Choose a date between {EARLIEST.year} and {LATEST.year}."
NOT_A_MONTH = "Choose a month from the list."
START_AFTER_END = "The To date must be on or after the From date."


def supported(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def read_day(raw: Any) -> date | str:
    """``YYYY-MM-DD`` (what a date input sends) as a date, or why it cannot be used.

    Only that spelling: ``date.fromisoformat`` also takes ``20260101`` and week dates, which no
    field of the portal sends, and anything that is not text (a number, a list) is not a date.
    """
    text = raw.strip() if isinstance(raw, str) else ""
    if not _ISO_DAY.fullmatch(text):
        return NOT_A_DATE
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return NOT_A_DATE
    return day if supported(day) else OUT_OF_RANGE


def read_time(raw: Any) -> time | str:
    """``HH:MM`` (what a time input sends) as a time, or why it cannot be used."""
    if isinstance(raw, time):
        return raw.replace(second=0, microsecond=0)
    found = _TIME.fullmatch(raw.strip()) if isinstance(raw, str) else None
    return time(int(found[1]), int(found[2])) if found else NOT_A_TIME


def read_month(raw: Any) -> date | str:
    """``YYYY-MM`` (a month choice) as its first day, or why it cannot be used."""
    text = raw.strip() if isinstance(raw, str) else ""
    if len(text) != len("2026-01"):
        return NOT_A_MONTH
    day = read_day(f"{text}-01")
    return NOT_A_MONTH if day == NOT_A_DATE else day


def read_range(raw_start: Any, raw_end: Any) -> tuple[date | None, date | None, dict[str, str]]:
    """From and To (None where one is unusable) and a message per wrong field (``start``, ``end``)."""
    given = {"start": read_day(raw_start), "end": read_day(raw_end)}
    errors = {name: found for name, found in given.items() if isinstance(found, str)}
    start, end = (day if isinstance(day, date) else None for day in given.values())
    if start is not None and end is not None and start > end:
        errors["end"] = START_AFTER_END
    return start, end, errors
