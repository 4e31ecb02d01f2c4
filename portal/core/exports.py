"""CSV downloads: streamed in chunks, safe to open in a spreadsheet.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, tab or CR is read by Excel and its kin as
a formula, so a description typed by anyone could run in the contractor's or the customer's
spreadsheet. Such text gets a leading apostrophe. Numbers and dates are written as they are, so
a cost of -5.00 stays a number a spreadsheet can add up.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 500
STREAM_BATCH = 1000


def escape_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text in chunks of a few hundred rows, the byte order mark first so Excel reads UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow([escape_cell(h) for h in header])
    pending = 0
    for row in rows:
        writer.writerow([escape_cell(v) for v in row])
        pending += 1
        if pending >= CHUNK_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate(0)
            pending = 0
    yield buffer.getvalue()


def cents(value: int | None) -> Decimal | None:
    """Cents as a decimal amount with two places, which csv writes as 123.45."""
    return None if value is None else Decimal(int(value)).scaleb(-2)


def filename(prefix: str, today: date) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", prefix).strip("-") or "export"
    return f"{safe}-{today.isoformat()}.csv"
