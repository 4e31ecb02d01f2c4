"""The dates the portal accepts from a browser or a query string (portal/core/dates.py)."""

from __future__ import annotations

from datetime import date

import pytest

from portal.core import dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-23", date(2026, 11, 23)),
        (" 2026-11-23 ", date(2026, 11, 23)),
        ("1990-01-01", date(1990, 1, 1)),
        ("2100-12-31", date(2100, 12, 31)),
        ("1989-12-31", dates.OUT_OF_RANGE),
        ("2101-01-01", dates.OUT_OF_RANGE),
        ("9999-12-31", dates.OUT_OF_RANGE),
        ("0001-01-01", dates.OUT_OF_RANGE),
        ("2026-02-30", dates.NOT_A_DATE),
        ("20261123", dates.NOT_A_DATE),  # date.fromisoformat takes these two; no field sends them
        ("2026-W48-1", dates.NOT_A_DATE),
        ("２０２６-11-23", dates.NOT_A_DATE),
        ("+10000-01-01", dates.NOT_A_DATE),
        ("", dates.NOT_A_DATE),
        (None, dates.NOT_A_DATE),
        (20261123, dates.NOT_A_DATE),
        (["2026-11-23"], dates.NOT_A_DATE),
    ],
)
def test_read_day(raw, expected):
    assert dates.read_day(raw) == expected


def test_read_month():
    assert dates.read_month("2026-02") == date(2026, 2, 1)
    assert dates.read_month("0001-01") == dates.read_month("9999-12") == dates.OUT_OF_RANGE
    assert (
        dates.read_month("2026-13")
        == dates.read_month("2026-02-01")
        == dates.read_month(None)
        == dates.NOT_A_MONTH
    )


def test_read_range_names_each_wrong_field():
    assert dates.read_range("2026-01-01", "2026-03-31") == (date(2026, 1, 1), date(2026, 3, 31), {})
    assert dates.read_range("2026-04-01", "2026-03-31") == (
        date(2026, 4, 1),
        date(2026, 3, 31),
        {"end": dates.START_AFTER_END},
    )
    assert dates.read_range("x", "9999-12-31") == (
        None,
        None,
        {"start": dates.NOT_A_DATE, "end": dates.OUT_OF_RANGE},
    )
