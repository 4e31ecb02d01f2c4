"""Settings > Company: who the contractor is, where and when it works, its tax and its numbers.

Every field is checked before anything is written, so a form with one bad field saves nothing and
shows each problem beside its field. The document numbers follow one rule: ``*_start`` is the lowest
number the next quote, job or invoice takes (``tenant.next_number`` reads it); it may not be at or
below a number already used, because numbers are unique and a customer must never see two
documents with one number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func
from sqlmodel import Session, select

from portal.core import emails, events, tenant, text
from portal.core.money import parse_cents
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import Contractor
from portal.services.identity.company import website_href
from portal.services.settings.errors import SettingsError
from portal.services.work.jobs import FIRST_INVOICE_NUMBER, FIRST_JOB_NUMBER
from portal.services.work.office_quotes import FIRST_QUOTE_NUMBER

FIRST_NUMBERS = {"quote": FIRST_QUOTE_NUMBER, "job": FIRST_JOB_NUMBER, "invoice": FIRST_INVOICE_NUMBER}
MAX_NUMBER = 999_999_999
MAX_DAYS = 365
CURRENCY = re.compile(r"^[A-Z]{3}$")
PREFIX = re.compile(r"^[A-Za-z0-9#/_.-]{0,10}$")

# Plain single-line fields: form key, column limit, whether it is needed.
TEXT_FIELDS: dict[str, tuple[int, bool]] = {
    "company_name": (200, True),
    "trading_name": (200, False),
    "business_number": (40, False),
    "phone": (40, False),
    "tax_name": (20, True),
}
REQUIRED = {
    "company_name": "Enter the company's name.",
    "tax_name": "Enter the tax's name, such as GST or VAT.",
}


@lru_cache(maxsize=1)
def timezones() -> tuple[str, ...]:
    """The IANA time zones this server knows, sorted (the form's list and the check are the same)."""
    return tuple(sorted(available_timezones()))


def percent_text(rate_bp: int) -> str:
    """Basis points as the percentage the owner typed: 1000 -> "10", 1025 -> "10.25"."""
    whole, part = divmod(int(rate_bp), 100)
    return f"{whole}" if part == 0 else f"{whole}.{part:02d}".rstrip("0")


def highest_number(session: Session, kind: str) -> int:
    """The highest quote, job or invoice number already used (0 when there is none)."""
    column = tenant.DOCUMENT_KINDS[kind]
    return int(session.scalar(select(func.max(column))) or 0)


def next_number(session: Session, kind: str) -> int:
    """The number the next document of ``kind`` will take, as ``tenant.next_number`` will give it."""
    return tenant.next_number(session, tenant.DOCUMENT_KINDS[kind], FIRST_NUMBERS[kind])


def form_values(session: Session) -> dict[str, str]:
    """The company form as text, filled from the saved row (or the defaults before one is saved)."""
    row = tenant.contractor(session)
    values = {key: str(getattr(row, key) or "") for key in TEXT_FIELDS}
    values.update(
        address=row.address or "",
        email=row.email or "",
        website=row.website or "",
        timezone=row.timezone or "",
        currency=row.currency or "",
        tax_rate=percent_text(row.tax_rate_bp),
        payment_terms_days=str(row.payment_terms_days),
        quote_validity_days=str(row.quote_validity_days),
    )
    for kind in tenant.DOCUMENT_KINDS:
        values[f"{kind}_prefix"] = getattr(row, f"{kind}_prefix") or ""
        values[f"{kind}_start"] = str(next_number(session, kind))
    return values


@dataclass
class _Checked:
    values: dict[str, Any]
    errors: dict[str, str]


def _days(raw: object, key: str, low: int, errors: dict[str, str], label: str) -> int | None:
    typed = text.one_line(raw)
    if not typed.isdigit() or not low <= int(typed) <= MAX_DAYS:
        errors[key] = f"Enter {label} as a whole number of days from {low} to {MAX_DAYS}."
        return None
    return int(typed)


def _start(session: Session, kind: str, raw: object, errors: dict[str, str]) -> int | None:
    typed = text.one_line(raw).replace(",", "")
    key = f"{kind}_start"
    if not typed.isdigit() or not 1 <= int(typed) <= MAX_NUMBER:
        errors[key] = f"Enter the next {kind} number as a whole number from 1 to {MAX_NUMBER:,}."
        return None
    wanted = int(typed)
    top = highest_number(session, kind)
    if wanted <= top:
        errors[key] = (
            f"{kind.title()} {top} already exists, and numbers are never reused, so the next {kind} "
            f"number must be {top + 1} or higher."
        )
        return None
    return wanted


def check(session: Session, form: Mapping[str, object]) -> _Checked:
    """Every field of the company form checked; the values to store, and each field's problem."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for key, (limit, needed) in TEXT_FIELDS.items():
        typed = text.one_line(form.get(key))
        if needed and not typed:
            errors[key] = REQUIRED[key]
        elif len(typed) > limit:
            errors[key] = f"Use at most {limit} characters."
        values[key] = typed
    address = text.multi_line(form.get("address"))
    if len(address) > 400:
        errors["address"] = "Use at most 400 characters."
    values["address"] = address
    email = emails.normalised(text.one_line(form.get("email")))
    if problem := emails.email_problem(email):
        errors["email"] = problem
    values["email"] = email
    website = text.one_line(form.get("website"))
    if website and not website_href(website):
        errors["website"] = "Enter the full address, starting with https://"
    elif len(website) > 200:
        errors["website"] = "Use at most 200 characters."
    values["website"] = website
    zone = text.one_line(form.get("timezone"))
    if zone not in timezones():
        errors["timezone"] = "Choose a time zone from the list, such as Australia/Sydney."
    values["timezone"] = zone
    currency = text.one_line(form.get("currency")).upper()
    if not CURRENCY.match(currency):
        errors["currency"] = "Enter the currency's three-letter code, such as AUD, NZD or GBP."
    values["currency"] = currency
    rate = parse_cents(text.one_line(form.get("tax_rate")).removesuffix("%").strip())
    if rate is None or rate > 10000:
        errors["tax_rate"] = "Enter the tax rate as a percentage from 0 to 100, with up to 2 decimals."
    values["tax_rate_bp"] = rate
    values["payment_terms_days"] = _days(
        form.get("payment_terms_days"), "payment_terms_days", 0, errors, "the payment terms"
    )
    values["quote_validity_days"] = _days(
        form.get("quote_validity_days"), "quote_validity_days", 1, errors, "how long a quote is valid"
    )
    for kind in tenant.DOCUMENT_KINDS:
        prefix = text.one_line(form.get(f"{kind}_prefix"))
        if not PREFIX.match(prefix):
            errors[f"{kind}_prefix"] = "Use up to 10 letters, digits or - / # _ . (no spaces)."
        values[f"{kind}_prefix"] = prefix
        values[f"{kind}_start"] = _start(session, kind, form.get(f"{kind}_start"), errors)
    return _Checked(values, errors)


def save_company(session: Session, staff: StaffMember, form: Mapping[str, object]) -> Contractor:
    """Save the whole company form, or nothing (``SettingsError`` names each bad field).

    A start equal to the number the next document would take anyway is stored as it is: it changes
    nothing today and keeps the floor the owner saw.
    """
    require_duty(staff, Duty.MANAGE_SETTINGS)
    checked = check(session, form)
    if checked.errors:
        raise SettingsError(checked.errors)
    row = tenant.contractor(session)
    if row.id is None:
        session.add(row)
    before = {key: getattr(row, key) for key in checked.values}
    for key, value in checked.values.items():
        setattr(row, key, value)
    session.add(row)
    session.flush()
    changed = [key for key in checked.values if before[key] != checked.values[key]]
    if changed:
        events.audit(
            session,
            staff,
            "settings_company_changed",
            row,
            detail={
                "before": {key: before[key] for key in changed},
                "after": {key: checked.values[key] for key in changed},
            },
        )
    return row
