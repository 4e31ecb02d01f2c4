"""A CSV file's bytes to rows: its encoding, its header, its kind.

Spreadsheets save CSV in several encodings: Excel's "CSV UTF-8" (with a byte order mark), "Unicode
text" (UTF-16), and plain "CSV" in the Windows code page (cp1252, a superset of Latin-1 for text).
Each is recognised from the bytes and named in the preview, so a file read the wrong way is seen
before anything is saved; bytes no text encoding explains (a workbook, an image) are refused with
a sentence saying what to do instead.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

from portal.services.imports.formats import FileKind, guess_kind, map_header, unrecognised

MAX_ROWS = 20_000
MAX_CELL = 10_000  # csv's own limit is 128 KB; no column is longer than a few thousand characters

UTF8 = "UTF-8"
UTF8_BOM = "UTF-8 with byte order mark"
UTF16 = "UTF-16"
CP1252 = "Windows-1252 (Western European)"
LATIN1 = "Latin-1 (ISO-8859-1)"

NOT_TEXT = (
    "This file is not a CSV file. In your spreadsheet choose File > Save As > CSV UTF-8 "
    "(comma delimited) and upload that file."
)
NOT_CSV_WORKBOOK = "This is a spreadsheet workbook, not a CSV file. " + NOT_TEXT.split(". ", 1)[1]
UTF32 = "This file is saved as UTF-32, which the import does not read. " + NOT_TEXT.split(". ", 1)[1]
EMPTY = "The file is empty: it needs a header row and at least one row below it."
NO_ROWS = "The file has a header but no rows below it."
TOO_MANY = f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files."
BAD_CSV = "The file could not be read as CSV ({reason}). Check it was saved as CSV (comma delimited)."

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass
class ReadFile:
    """One file as read: its kind, the column of each cell and the rows (line number, cells)."""

    name: str
    encoding: str = ""
    kind: FileKind | None = None
    problem: str = ""  # the whole file cannot be used; then there are no rows
    columns: list[str | None] = field(default_factory=list)
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def decode(data: bytes) -> tuple[str, str] | str:
    """(text, the encoding's name) or why the bytes are not text the import reads."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return UTF32
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8"), UTF8_BOM
        except UnicodeDecodeError:
            return NOT_TEXT
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), UTF16
        except UnicodeDecodeError:
            return NOT_TEXT
    if data.startswith((_ZIP, _OLE)):
        return NOT_CSV_WORKBOOK
    head = data[:4096]
    if len(head) >= 4 and b"\x00" in head:
        # UTF-16 without a byte order mark: ASCII text has every other byte zero.
        if head[1::2].count(0) > len(head) // 4 and head[0::2].count(0) == 0:
            encoding = "utf-16-le"
        elif head[0::2].count(0) > len(head) // 4 and head[1::2].count(0) == 0:
            encoding = "utf-16-be"
        else:
            return NOT_TEXT
        try:
            return data.decode(encoding), UTF16
        except UnicodeDecodeError:
            return NOT_TEXT
    if b"\x00" in data:
        return NOT_TEXT
    try:
        return data.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), CP1252
    except UnicodeDecodeError:
        return data.decode("latin-1"), LATIN1  # the five bytes cp1252 leaves undefined


def read(name: str, data: bytes) -> ReadFile:
    """The file's kind and rows, or its ``problem``. Rows whose cells are all empty are skipped (a
    spreadsheet's trailing lines); a row's number is the spreadsheet's, the header being row 1."""
    found = ReadFile(name)
    decoded = decode(data)
    if isinstance(decoded, str):
        found.problem = decoded
        return found
    text, found.encoding = decoded
    if not text.strip():
        found.problem = EMPTY
        return found
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        header = next(reader, [])
        kind = guess_kind(header)
        if kind is None:
            found.problem = unrecognised(header)
            return found
        columns, problems = map_header(kind, header)
        found.kind, found.columns = kind, columns
        if problems:
            found.problem = " ".join(problems)
            return found
        width = len(columns)
        for line, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            if len(found.rows) >= MAX_ROWS:
                found.problem, found.rows = TOO_MANY, []
                return found
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            found.rows.append((line, cells))
    except csv.Error as exc:
        found.problem, found.rows = BAD_CSV.format(reason=str(exc)), []
        return found
    if not found.rows:
        found.problem = NO_ROWS
    return found
