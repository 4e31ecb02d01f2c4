"""CSV cells that a spreadsheet would run as formulas come out as text; numbers stay numbers."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from portal.core import exports


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        ("Exit sign", "Exit sign"),
    ],
)
def test_text_that_starts_like_a_formula_gets_an_apostrophe(value, expected):
    assert exports.escape_cell(value) == expected


@pytest.mark.parametrize("value", [-5, -5.5, Decimal("-5.00"), date(2026, 1, 2), None, 0])
def test_numbers_dates_and_blanks_are_left_alone(value):
    assert exports.escape_cell(value) is value


def _parse(text):
    assert text.startswith(exports.BOM)
    return list(csv.reader(io.StringIO(text[len(exports.BOM) :], newline="")))


def test_stream_starts_with_a_bom_and_escapes_text_but_not_numbers():
    chunks = list(
        exports.csv_stream(["No.", "Note", "Cost"], [[1, "=1+1", Decimal("-5.00")], [2, "-5", None]])
    )
    text = "".join(chunks)
    assert text.count(exports.BOM) == 1
    assert _parse(text) == [["No.", "Note", "Cost"], ["1", "'=1+1", "-5.00"], ["2", "'-5", ""]]


def test_stream_yields_chunks_as_it_goes_and_keeps_every_row():
    def rows():
        for n in range(1, 1201):
            yield [n, f"row {n}"]

    stream = exports.csv_stream(["n", "text"], rows())
    first = next(stream)
    assert first.startswith(exports.BOM) and first.count("\n") == exports.CHUNK_ROWS + 1
    rest = list(stream)
    assert len(rest) == 2
    parsed = _parse(first + "".join(rest))
    assert len(parsed) == 1201 and parsed[-1] == ["1200", "row 1200"]


def test_cells_with_commas_quotes_and_newlines_round_trip():
    text = "".join(exports.csv_stream(["a"], [['He said "hi",\nthen left']]))
    assert _parse(text)[1] == ['He said "hi",\nthen left']


def test_cents_become_an_amount_with_two_places():
    assert str(exports.cents(12345)) == "123.45"
    assert str(exports.cents(-500)) == "-5.00"
    assert str(exports.cents(0)) == "0.00"
    assert exports.cents(None) is None


def test_filename_has_the_list_and_the_day():
    assert exports.filename("quotes-outstanding", date(2026, 11, 23)) == "quotes-outstanding-2026-11-23.csv"
    assert exports.filename('../x"; y', date(2026, 1, 2)) == "x-y-2026-01-02.csv"
