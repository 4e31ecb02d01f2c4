"""The files an import reads: one kind per file, its columns, the help the page shows and a template.

A contractor exports these from a spreadsheet or its old system, so a header is matched loosely
(case, spaces, hyphens, a byte order mark and the column order do not matter) but a column the
portal does not know is refused rather than dropped: a misspelt "serail" would otherwise lose every
serial number without a word. Text limits are read from the columns (``models.base.column_limit``),
so the check here, the form's limit and the database agree.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from portal.core import exports
from portal.models import Asset, AssetType, Contact, Customer, ServiceLevel, Site
from portal.models.base import column_limit

# What a cell may hold.
TEXT = "text"  # one line
LINES = "lines"  # a note that may keep its line breaks
EMAIL = "email"
DATE = "date"
WHOLE = "whole"  # a whole number
YES_NO = "yes/no"
CHOICE = "choice"


@dataclass(frozen=True)
class Column:
    name: str
    type: str = TEXT
    limit: int = 0
    required: bool = False
    hint: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    low: int = 0
    high: int = 0


@dataclass(frozen=True)
class FileKind:
    key: str
    label: str  # "Customers"
    file_name: str  # "customers.csv"
    columns: tuple[Column, ...]
    example: tuple[tuple[str, ...], ...]
    note: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _text(model: type, field: str, name: str | None = None, **more: Any) -> Column:
    return Column(name or field, TEXT, column_limit(model, field), **more)


# A customer is named by its code, or by its name when the code column is left out or empty.
CUSTOMER_REF = (
    Column("customer_code", TEXT, column_limit(Customer, "code"), hint="the customer's code"),
    Column(
        "customer",
        TEXT,
        column_limit(Customer, "name"),
        hint="or the customer's name",
        aliases=("customer_name",),
    ),
)
YES_NO_HINT = "yes or no (empty: no)"

ASSET_TYPES = FileKind(
    "asset_types",
    "Asset types",
    "asset_types.csv",
    (
        _text(AssetType, "name", required=True, aliases=("asset_type", "type")),
        Column("expected_life_years", WHOLE, required=True, low=1, high=100, hint="whole years, 1 to 100"),
    ),
    (("Fire Extinguisher", "10"), ("Emergency Light", "8")),
    "Only needed for types the portal does not have yet.",
)
SERVICE_LEVELS = FileKind(
    "service_levels",
    "Service levels",
    "service_levels.csv",
    (
        _text(ServiceLevel, "name", required=True, aliases=("service_level",)),
        Column(
            "interval_months", WHOLE, required=True, low=1, high=120, hint="months between tests, 1 to 120"
        ),
    ),
    (("Six Monthly", "6"), ("Annually", "12")),
    "Only needed for levels the portal does not have yet.",
)
CUSTOMERS = FileKind(
    "customers",
    "Customers",
    "customers.csv",
    (
        _text(Customer, "code", hint="your own code for the customer; an import matches on it"),
        _text(Customer, "name", required=True, aliases=("customer_name", "company")),
        Column(
            "kind", CHOICE, choices=("company", "individual"), hint="company or individual (empty: company)"
        ),
        Column("email", EMAIL, column_limit(Customer, "email")),
        _text(Customer, "phone"),
        _text(Customer, "address"),
        _text(Customer, "business_number", aliases=("abn",)),
    ),
    (
        (
            "C001",
            "Northside Property Group",
            "company",
            "accounts@northside.example",
            "07 3000 0000",
            "1 Eagle St, Brisbane QLD 4000",
            "12 345 678 901",
        ),
    ),
)
SITES = FileKind(
    "sites",
    "Sites",
    "sites.csv",
    (
        *CUSTOMER_REF,
        _text(Site, "name", "site", required=True, aliases=("site_name",)),
        _text(Site, "street", aliases=("address",)),
        _text(Site, "suburb", aliases=("city",)),
        _text(Site, "state"),
        _text(Site, "postcode", aliases=("post_code", "zip")),
        Column("access_notes", LINES, column_limit(Site, "access_notes")),
    ),
    (("C001", "", "North Tower", "1 Eagle St", "Brisbane", "QLD", "4000", "Keys at reception"),),
)
CONTACTS = FileKind(
    "contacts",
    "Contacts",
    "contacts.csv",
    (
        *CUSTOMER_REF,
        _text(Contact, "first_name", required=True, aliases=("firstname", "given_name")),
        _text(Contact, "last_name", aliases=("lastname", "surname")),
        Column("email", EMAIL, column_limit(Contact, "email")),
        _text(Contact, "phone"),
        _text(Contact, "mobile"),
        _text(Contact, "position", aliases=("title", "role")),
        Column("quote_contact", YES_NO, hint=YES_NO_HINT),
        Column("job_contact", YES_NO, hint=YES_NO_HINT),
        Column("invoice_contact", YES_NO, hint=YES_NO_HINT),
        Column("statement_contact", YES_NO, hint=YES_NO_HINT),
        Column("login", YES_NO, hint="yes gives a portal login (username: the email); no email is sent"),
    ),
    (
        (
            "C001",
            "",
            "Dana",
            "Lee",
            "dana@northside.example",
            "07 3000 0001",
            "0400 000 001",
            "Facilities Manager",
            "yes",
            "yes",
            "no",
            "no",
            "yes",
        ),
    ),
)
ASSETS = FileKind(
    "assets",
    "Assets",
    "assets.csv",
    (
        *CUSTOMER_REF,
        _text(Site, "name", "site", required=True, aliases=("site_name",)),
        _text(Asset, "number", required=True, aliases=("asset_number", "barcode")),
        _text(AssetType, "name", "type", required=True, aliases=("asset_type",)),
        _text(Asset, "name", hint="empty: the type's name"),
        _text(Asset, "location"),
        _text(Asset, "make"),
        _text(Asset, "model"),
        _text(Asset, "serial", aliases=("serial_number",)),
        Column("details", LINES, column_limit(Asset, "details")),
        Column("install_date", DATE, hint="YYYY-MM-DD or DD/MM/YYYY", aliases=("installed",)),
        Column(
            "expected_life_years", WHOLE, low=1, hint="whole years, 1 to 100 (empty: the type's)", high=100
        ),
        _text(ServiceLevel, "name", "service_level", hint="one of your service levels (empty: none)"),
        Column(
            "next_due", DATE, hint="YYYY-MM-DD or DD/MM/YYYY (empty: due today)", aliases=("next_due_on",)
        ),
    ),
    (
        (
            "C001",
            "",
            "North Tower",
            "FE-0001",
            "Fire Extinguisher",
            "Extinguisher level 1",
            "Level 1 lobby",
            "Wormald",
            "CO2 5kg",
            "SN123",
            "",
            "2020-03-01",
            "",
            "Six Monthly",
            "2027-01-15",
        ),
    ),
    "The customer, the site, the type and the service level must be in the portal or in the same import.",
)

# In the order an import writes them: a row may name what an earlier kind created.
KINDS: tuple[FileKind, ...] = (ASSET_TYPES, SERVICE_LEVELS, CUSTOMERS, SITES, CONTACTS, ASSETS)
BY_KEY = {k.key: k for k in KINDS}

_SEPARATORS = re.compile(r"[\s\-./]+")


def header_name(raw: str) -> str:
    """A header cell as compared: no byte order mark or quotes, lower case, words joined by ``_``."""
    text = raw.replace("\ufeff", "").strip().strip("\"'").strip().lower()
    text = text.replace("#", " number ").replace("(", " ").replace(")", " ")
    return "_".join(w for w in _SEPARATORS.split(text) if w)


def _known(kind: FileKind) -> dict[str, str]:
    """Every spelling this kind accepts, to its column's name."""
    names = {c.name: c.name for c in kind.columns}
    for c in kind.columns:
        names.update({alias: c.name for alias in c.aliases})
    return names


def guess_kind(header: list[str]) -> FileKind | None:
    """The kind of file a header names, by the columns only that kind has."""
    cells = {header_name(h) for h in header}
    if {"number", "type"} <= cells or {"asset_number", "asset_type"} <= cells:
        return ASSETS
    if cells & {"first_name", "firstname", "given_name"}:
        return CONTACTS
    if cells & {"site", "site_name"}:
        return SITES
    if "interval_months" in cells:
        return SERVICE_LEVELS
    if "expected_life_years" in cells and not cells & {"customer_code", "customer"}:
        return ASSET_TYPES
    if cells & {"name", "customer_name", "company"} and not cells & {"customer_code", "customer"}:
        return CUSTOMERS
    return None


def map_header(kind: FileKind, header: list[str]) -> tuple[list[str | None], list[str]]:
    """(each header cell's column name or None, the problems with the header)."""
    known = _known(kind)
    mapped: list[str | None] = []
    problems: list[str] = []
    seen: set[str] = set()
    for raw in header:
        name = header_name(raw)
        column = known.get(name)
        if not name:
            mapped.append(None)  # an empty header cell over an empty column, as spreadsheets leave
            continue
        if column is None:
            problems.append(f'The column "{raw.strip()}" is not one of {kind.file_name}\'s columns.')
        elif column in seen:
            problems.append(f'The column "{column}" appears twice.')
        else:
            seen.add(column)
        mapped.append(column)
    missing = [c.name for c in kind.columns if c.required and c.name not in seen]
    if missing:
        problems.append(f"Missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}.")
    if kind.columns[0].name == "customer_code" and not seen & {"customer_code", "customer"}:
        problems.append("Missing column: customer_code (or customer, the customer's name).")
    if problems:
        problems.append(f"{kind.file_name} has the columns: {', '.join(kind.names)}.")
    return mapped, problems


def unrecognised(header: list[str]) -> str:
    shown = ", ".join(h.replace("\ufeff", "").strip() for h in header[:8] if h.strip()) or "nothing"
    return (
        f"The first row ({shown}) is not a header the import knows. The first row must name the columns of "
        "one of: " + "; ".join(f"{k.file_name} ({', '.join(k.names[:4])}, ...)" for k in KINDS) + "."
    )


def template(kind: FileKind) -> str:
    """The kind's header and an example row, as a CSV a spreadsheet opens (UTF-8 with a byte order mark)."""
    return "".join(exports.csv_stream(kind.names, kind.example))


def help_lines(kind: FileKind) -> list[str]:
    """One line per column for the page's help: name, whether required, what it takes."""
    lines = []
    for c in kind.columns:
        what = c.hint or {
            TEXT: f"text, at most {c.limit:,} characters",
            LINES: f"text, at most {c.limit:,} characters",
            EMAIL: "an email address",
            DATE: "YYYY-MM-DD or DD/MM/YYYY",
            WHOLE: "a whole number",
            YES_NO: YES_NO_HINT,
        }.get(c.type, "")
        lines.append(f"{c.name}{' (required)' if c.required else ''}: {what}")
    return lines


def as_text(rows: list[list[str]]) -> str:
    """Rows as CSV text (the tests' and benchmark's files)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
