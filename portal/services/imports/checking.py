"""Every row of an import checked before anything is saved: what it will do, or what is wrong with it.

A row is *new* (it will be created), *already present* (the portal has it: skipped, so importing the
same files twice creates nothing twice) or has *errors*, each naming its column. What is already
there is matched as an office would: a customer by its code, else by its name; a site by its
customer and name; a contact by its customer and email, else its name; an asset by its customer and
number; an asset type or service level by its name (case never matters). A row already present is
left as it is, whatever its other cells say: an import adds what is missing and never overwrites
what the office has since changed.

The portal's rows are read with a few bulk queries (``IN`` lists in chunks), never one per row, so
a file of thousands of assets is checked in well under a second.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import func, or_
from sqlmodel import Session, select

from portal.core import dates
from portal.core.emails import email_problem, normalised
from portal.core.exports import FORMULA_STARTS
from portal.core.text import multi_line, one_line
from portal.models import Asset, AssetType, Contact, Customer, ServiceLevel, Site
from portal.services.imports import formats
from portal.services.imports.formats import (
    ASSET_TYPES,
    ASSETS,
    CONTACTS,
    CUSTOMERS,
    SERVICE_LEVELS,
    SITES,
    Column,
    FileKind,
)
from portal.services.imports.reading import ReadFile

NEW = "new"
PRESENT = "present"
ERROR = "error"
ACTION_LABELS = {NEW: "New", PRESENT: "Already present", ERROR: "Error"}

CHUNK = 500
TWO_OF_A_KIND = "Two files are {label} ({first} and {second}). Upload one file per kind."

_PLAIN_NUMBER = re.compile(r"[+-]?[0-9 ().]+")  # "+61 7 3000 0000", "-5": a phone or a number, not a formula
_DAY_FIRST = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}

T = TypeVar("T")


@dataclass
class RowCheck:
    line: int
    action: str
    label: str
    errors: list[str]
    values: dict[str, Any]


@dataclass
class FileCheck:
    key: str  # the stored upload's key
    name: str
    encoding: str
    kind: FileKind | None
    problem: str
    rows: list[RowCheck] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


@dataclass
class Batch:
    files: list[FileCheck]
    problems: list[str]

    @property
    def ok(self) -> bool:
        """Nothing stops the import: no batch or file problem and no row with errors."""
        return not self.problems and all(
            not f.problem and all(r.action != ERROR for r in f.rows) for f in self.files
        )

    def of(self, kind: FileKind) -> FileCheck | None:
        return next((f for f in self.files if f.kind is kind and not f.problem), None)

    def counts(self) -> dict[str, dict[str, int]]:
        """Per kind: how many rows are new, already present, with errors."""
        return {
            f.kind.key: {a: f.count(a) for a in (NEW, PRESENT, ERROR)}
            for f in self.files
            if f.kind is not None
        }


# --- one cell ------------------------------------------------------------------------------------


def _day(raw: str) -> date | None:
    found = dates.read_day(raw)
    if isinstance(found, date):
        return found
    match = _DAY_FIRST.fullmatch(raw)
    if match is None:
        return None
    try:
        day = date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        return None
    return day if dates.supported(day) else None


def _one_line(raw: str) -> str:
    """:func:`one_line`, whose per-character check is the preview's cost on thousands of rows: text
    that is printable ASCII has nothing for it to replace but runs of spaces."""
    if raw.isascii() and raw.isprintable():
        return " ".join(raw.split())
    return one_line(raw)


def _empty(column: Column) -> Any:
    """What an empty cell stands for: no, the first choice, no date or number, or no text."""
    if column.type == formats.YES_NO:
        return False
    if column.type == formats.CHOICE:
        return column.choices[0]
    return None if column.type in (formats.DATE, formats.WHOLE) else ""


def clean(column: Column, raw: str, errors: list[str]) -> Any:
    """The cell's value as it will be stored, appending what is wrong with it to ``errors``."""
    name = column.name
    start = raw.lstrip(" ")
    if start.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(start.strip()):
        shown = {"\t": "a tab", "\r": "a line break"}.get(start[0], f'"{start[0]}"')
        errors.append(
            f"{name}: begins with {shown}, which a spreadsheet runs as a formula. Remove that character."
        )
        return None
    text = multi_line(raw) if column.type == formats.LINES else _one_line(raw)
    if not text:
        if column.required:
            errors.append(f"{name} is required.")
        return _empty(column)
    if column.type == formats.EMAIL:
        text = normalised(text)
        if problem := email_problem(text):
            errors.append(f"{name}: {problem}")
            return None
    if column.type == formats.DATE:
        day = _day(text)
        if day is None:
            errors.append(f'{name}: "{text[:40]}" is not a date. Write it as YYYY-MM-DD or DD/MM/YYYY.')
        return day
    if column.type == formats.WHOLE:
        if not text.isdigit() or not column.low <= int(text) <= column.high:
            errors.append(f'{name}: "{text[:40]}" is not a whole number from {column.low} to {column.high}.')
            return None
        return int(text)
    if column.type == formats.YES_NO:
        word = text.lower()
        if word not in _YES | _NO:
            errors.append(f'{name}: "{text[:40]}" is not yes or no.')
        return word in _YES
    if column.type == formats.CHOICE:
        word = text.lower()
        if word not in column.choices:
            errors.append(f'{name}: "{text[:40]}" is not one of {", ".join(column.choices)}.')
        return word
    if column.limit and len(text) > column.limit:
        errors.append(f"{name}: {len(text):,} characters; at most {column.limit:,}.")
    return text


def _cleaned(found: ReadFile) -> Iterator[tuple[int, dict[str, Any], list[str]]]:
    kind = found.kind
    assert kind is not None
    width = len(found.columns)
    wanted = [(i, kind.column(name)) for i, name in enumerate(found.columns) if name is not None]
    absent = [c for c in kind.columns if c.name not in found.columns]
    for line, cells in found.rows:
        errors: list[str] = []
        if any(c.strip() for c in cells[width:]):
            errors.append(f"The row has {len(cells)} cells; the header has {width} columns.")
        values = {column.name: clean(column, cells[i], errors) for i, column in wanted}
        for column in absent:
            values[column.name] = clean(column, "", errors)
        yield line, values, errors


# --- the portal's rows, in bulk ------------------------------------------------------------------


def _chunks(values: Iterable[T]) -> Iterator[list[T]]:
    items = list(values)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _rows(session: Session, keys: Iterable[Any], query: Callable[[list[Any]], Any]) -> list[Any]:
    found: list[Any] = []
    for chunk in _chunks(sorted(set(keys))):
        found.extend(session.exec(query(chunk)).all())
    return found


def _key(value: Any) -> str:
    return str(value or "").strip().lower()


def _customers_where(column: Any, lowered: bool, chunk: list[str]) -> Any:
    return select(Customer.id, Customer.code, Customer.name).where(
        (func.lower(column) if lowered else column).in_(chunk)
    )


class _Context:
    """What the portal and the batch hold, looked up by the keys rows use."""

    def __init__(self, session: Session, read: dict[str, list[tuple[int, dict[str, Any], list[str]]]]):
        self.session = session
        self.read = read
        self.customer_codes: dict[str, str] = {}
        self.customer_names: dict[str, list[str]] = defaultdict(list)
        self.sites: dict[tuple[str | None, str], str] = {}
        self.types: dict[str, str] = {}
        self.type_label: dict[str, str] = {}  # a type's name as the portal spells it
        self.type_names: list[str] = []
        self.levels: dict[str, str] = {}
        self.level_names: list[str] = []

    # Named lists: small, read whole.
    def load_lists(self) -> None:
        for row_id, name, active in self.session.exec(
            select(AssetType.id, AssetType.name, AssetType.is_active)
        ):
            if active:
                self.types[_key(name)] = f"db:{row_id}"
                self.type_label[_key(name)] = name
                self.type_names.append(name)
        for row_id, name, active in self.session.exec(
            select(ServiceLevel.id, ServiceLevel.name, ServiceLevel.is_active).order_by(
                ServiceLevel.sort_order, ServiceLevel.interval_months
            )
        ):
            if active:
                self.levels[_key(name)] = f"db:{row_id}"
                self.level_names.append(name)

    def load_customers(self) -> None:
        """The portal's customers any file names, by code or name in any case.

        Each is looked for lower-cased and as written: SQLite's ``lower()`` folds ASCII letters only,
        so "Ørsted" is found by its own spelling, and the two keys are compared in Python.
        """
        codes: set[str] = set()
        names: set[str] = set()
        for kind, rows in self.read.items():
            by_code, by_name = ("code", "name") if kind == CUSTOMERS.key else ("customer_code", "customer")
            for _line, values, _errors in rows:
                codes.update((str(values.get(by_code) or ""), _key(values.get(by_code))))
                names.update((str(values.get(by_name) or ""), _key(values.get(by_name))))
        codes.discard("")
        names.discard("")
        found: list[Any] = []
        for column, wanted in ((Customer.code, codes), (Customer.name, names)):
            found += _rows(self.session, wanted, partial(_customers_where, column, False))
            found += _rows(self.session, wanted, partial(_customers_where, column, True))
        for row_id, code, name in sorted(set(found)):
            if code:
                self.customer_codes.setdefault(_key(code), f"db:{row_id}")
            if f"db:{row_id}" not in self.customer_names[_key(name)]:
                self.customer_names[_key(name)].append(f"db:{row_id}")

    def customer_ids(self) -> set[int]:
        keys = set(self.customer_codes.values()) | {k for ks in self.customer_names.values() for k in ks}
        return {int(k[3:]) for k in keys if k.startswith("db:")}

    def customer(self, values: dict[str, Any], errors: list[str]) -> str | None:
        """The customer a row names (``db:<id>`` or ``new:<row>``), or an error saying why none."""
        code, name = _key(values.get("customer_code")), _key(values.get("customer"))
        if code:
            found = self.customer_codes.get(code)
            if found is None:
                errors.append(
                    f'customer_code: "{values["customer_code"]}" is not a customer code in the portal or in '
                    f"{CUSTOMERS.file_name}."
                )
            return found
        if name:
            matches = self.customer_names.get(name, [])
            if len(matches) > 1:
                errors.append(
                    f'customer: more than one customer is named "{values["customer"]}"; use customer_code.'
                )
                return None
            if not matches:
                errors.append(
                    f'customer: "{values["customer"]}" is not a customer in the portal '
                    f"or in {CUSTOMERS.file_name}."
                )
                return None
            return matches[0]
        if not any("customer" in e for e in errors):
            errors.append("customer_code is required (or customer, the customer's name).")
        return None


def _named_list(names: list[str], file_name: str, label: str) -> str:
    if not names:
        return (
            f"The portal has no {label} yet: add them on the {label} screen first, or import "
            f"{file_name} with these files."
        )
    return f"Your {label} are: {', '.join(names)}."


def _unique(seen: dict[Any, int], key: Any, line: int, what: str, errors: list[str]) -> None:
    if key in seen:
        errors.append(f"{what} is also on row {seen[key]} of this file.")
    else:
        seen[key] = line


# --- each kind ----------------------------------------------------------------------------------


def _check_lists(ctx: _Context, kind: FileKind) -> list[RowCheck]:
    names = ctx.types if kind is ASSET_TYPES else ctx.levels
    everything = {
        _key(n)
        for n in ctx.session.exec(select(AssetType.name if kind is ASSET_TYPES else ServiceLevel.name))
    }
    seen: dict[Any, int] = {}
    checks = []
    for line, values, errors in ctx.read.get(kind.key, []):
        key = _key(values["name"])
        if key:
            _unique(seen, key, line, f'The name "{values["name"]}"', errors)
        action = ERROR if errors else PRESENT if key in everything else NEW
        if key and key not in everything:
            names.setdefault(key, f"new:{line}")
            if kind is ASSET_TYPES:
                ctx.type_label.setdefault(key, values["name"])
        checks.append(RowCheck(line, action, values["name"] or "", errors, values))
    return checks


def _check_customers(ctx: _Context) -> list[RowCheck]:
    codes: dict[Any, int] = {}
    names: dict[Any, int] = {}
    checks = []
    for line, values, errors in ctx.read.get(CUSTOMERS.key, []):
        code, name = _key(values["code"]), _key(values["name"])
        if code:
            _unique(codes, code, line, f'The code "{values["code"]}"', errors)
        if name:
            _unique(names, name, line, f'The name "{values["name"]}"', errors)
        found = ctx.customer_codes.get(code) if code else None
        if found is None and name and ctx.customer_names.get(name):
            found = ctx.customer_names[name][0]
        action = ERROR if errors else PRESENT if found else NEW
        # The other files name this row's customer by its code or name: the one found, or the new one
        # (a row with errors too, so its sites are not also reported as naming an unknown customer).
        target = found or f"new:{line}"
        if code:
            ctx.customer_codes.setdefault(code, target)
        if name:
            ctx.customer_names.setdefault(name, [target])
        label = f"{values['code']} · {values['name']}" if values["code"] else str(values["name"] or "")
        checks.append(RowCheck(line, action, label, errors, values))
    return checks


def _customer_label(values: dict[str, Any]) -> str:
    return str(values.get("customer_code") or values.get("customer") or "")


def _check_sites(ctx: _Context) -> list[RowCheck]:
    ids = ctx.customer_ids()
    for row_id, customer_id, name in _rows(
        ctx.session,
        ids,
        lambda chunk: select(Site.id, Site.customer_id, Site.name).where(Site.customer_id.in_(chunk)),
    ):
        ctx.sites.setdefault((f"db:{customer_id}", _key(name)), f"db:{row_id}")
    seen: dict[Any, int] = {}
    checks = []
    for line, values, errors in ctx.read.get(SITES.key, []):
        customer = ctx.customer(values, errors)
        values["customer_ref"] = customer
        key = (customer, _key(values["site"]))
        if customer and key[1]:
            _unique(seen, key, line, f'The site "{values["site"]}" of this customer', errors)
        found = ctx.sites.get(key)
        action = ERROR if errors else PRESENT if found else NEW
        if not found and customer:
            ctx.sites.setdefault(key, f"new:{line}")
        checks.append(RowCheck(line, action, f"{values['site']} · {_customer_label(values)}", errors, values))
    return checks


def _contact_keys(values: dict[str, Any]) -> tuple[str, str]:
    full = f"{_key(values['first_name'])} {_key(values['last_name'])}".strip()
    return _key(values["email"]), full


def _check_contacts(ctx: _Context) -> list[RowCheck]:
    rows = ctx.read.get(CONTACTS.key, [])
    present: set[tuple[str, str]] = set()
    for customer_id, email, first, last in _rows(
        ctx.session,
        ctx.customer_ids(),
        lambda chunk: select(Contact.customer_id, Contact.email, Contact.first_name, Contact.last_name).where(
            Contact.customer_id.in_(chunk)
        ),
    ):
        if email:
            present.add((f"db:{customer_id}", "e:" + _key(email)))
        present.add((f"db:{customer_id}", "n:" + f"{_key(first)} {_key(last)}".strip()))
    logins = {_key(v["email"]) for _line, v, _errors in rows if v.get("login") and v.get("email")}
    taken = {
        _key(name)
        for username, email in _rows(
            ctx.session,
            logins,
            lambda chunk: select(Contact.username, Contact.email).where(
                or_(
                    Contact.username.in_(chunk),
                    func.lower(Contact.email).in_(chunk) & Contact.login_active.is_(True),
                )
            ),
        )
        for name in (username, email)
    }
    seen: dict[Any, int] = {}
    seen_logins: dict[Any, int] = {}
    checks = []
    for line, values, errors in rows:
        customer = ctx.customer(values, errors)
        values["customer_ref"] = customer
        email, full = _contact_keys(values)
        key = (customer, "e:" + email if email else "n:" + full)
        if customer:
            _unique(seen, key, line, f'The contact "{email or full}" of this customer', errors)
        found = key in present or (customer, "n:" + full) in present
        if values.get("login") and not found and not errors:
            if not email:
                errors.append("login: a login needs an email address (the username).")
            elif email in taken:
                errors.append(f"login: {values['email']} already signs in to the portal as another contact.")
            else:
                _unique(seen_logins, email, line, f"The login {values['email']}", errors)
        action = ERROR if errors else PRESENT if found else NEW
        name = f"{values['first_name'] or ''} {values['last_name'] or ''}".strip()
        checks.append(RowCheck(line, action, f"{name} · {_customer_label(values)}", errors, values))
    return checks


def _check_assets(ctx: _Context) -> list[RowCheck]:
    rows = ctx.read.get(ASSETS.key, [])
    present = {
        (f"db:{customer_id}", _key(number))
        for customer_id, number in _rows(
            ctx.session,
            ctx.customer_ids(),
            lambda chunk: select(Asset.customer_id, Asset.number).where(Asset.customer_id.in_(chunk)),
        )
    }
    seen: dict[Any, int] = {}
    checks = []
    for line, values, errors in rows:
        customer = ctx.customer(values, errors)
        values["customer_ref"] = customer
        if customer and values["site"]:
            values["site_ref"] = ctx.sites.get((customer, _key(values["site"])))
            if values["site_ref"] is None:
                errors.append(
                    f'site: "{values["site"]}" is not a site of this customer in the portal '
                    f"or in {SITES.file_name}."
                )
        if values["type"]:
            values["type_ref"] = ctx.types.get(_key(values["type"]))
            values["name"] = values["name"] or ctx.type_label.get(_key(values["type"]), values["type"])
            if values["type_ref"] is None:
                errors.append(
                    f'type: "{values["type"]}" is not one of your asset types. '
                    + _named_list(ctx.type_names, ASSET_TYPES.file_name, "asset types")
                )
        values["level_ref"] = None
        if values["service_level"]:
            values["level_ref"] = ctx.levels.get(_key(values["service_level"]))
            if values["level_ref"] is None:
                errors.append(
                    f'service_level: "{values["service_level"]}" is not one of your service levels. '
                    + _named_list(ctx.level_names, SERVICE_LEVELS.file_name, "service levels")
                )
        elif values["next_due"] is not None:
            errors.append("next_due: give the service_level the date is for.")
        key = (customer, _key(values["number"]))
        if customer and key[1]:
            _unique(seen, key, line, f'The asset number "{values["number"]}" of this customer', errors)
        action = ERROR if errors else PRESENT if key in present else NEW
        label = f"{values['number']} {values['name'] or values['type'] or ''} · {values['site']}"
        checks.append(RowCheck(line, action, label, errors, values))
    return checks


# --- the batch ----------------------------------------------------------------------------------


def check(session: Session, files: list[tuple[str, ReadFile]]) -> Batch:
    """Every file and row of an upload, checked against each other and the portal; writes nothing."""
    problems: list[str] = []
    by_kind: dict[str, tuple[str, ReadFile]] = {}
    results: list[FileCheck] = []
    for key, found in files:
        result = FileCheck(key, found.name, found.encoding, found.kind, found.problem)
        results.append(result)
        if found.kind is None or found.problem:
            continue
        if found.kind.key in by_kind:
            problems.append(
                TWO_OF_A_KIND.format(
                    label=found.kind.label, first=by_kind[found.kind.key][1].name, second=found.name
                )
            )
            continue
        by_kind[found.kind.key] = (key, found)
    read = {kind: list(_cleaned(found)) for kind, (_key_, found) in by_kind.items()}
    ctx = _Context(session, read)
    ctx.load_lists()
    ctx.load_customers()
    checked = {
        ASSET_TYPES.key: _check_lists(ctx, ASSET_TYPES),
        SERVICE_LEVELS.key: _check_lists(ctx, SERVICE_LEVELS),
        CUSTOMERS.key: _check_customers(ctx),
        SITES.key: _check_sites(ctx),
        CONTACTS.key: _check_contacts(ctx),
        ASSETS.key: _check_assets(ctx),
    }
    for result in results:
        kind = result.kind
        if kind is not None and not result.problem and by_kind.get(kind.key, ("", None))[0] == result.key:
            result.rows = checked[kind.key]
    return Batch(results, problems)
