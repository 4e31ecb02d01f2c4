"""The contractor running the portal: its settings, its today, its currency, its tax and its numbers.

Why one module: every domain asks these questions, and each used to answer them itself (settings
read in nine places, tax rounded three ways, "next number" written four times). The settings row is
read once per unit of work and kept on the session, so a page that asks ten times reads once, and
a change made by staff is seen by the next request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from portal.core import clock
from portal.models import ALL_PAGES, Contractor, Invoice, Job, Quote

_SETTINGS = "portal_contractor"


def contractor(session: Session) -> Contractor:
    """The contractor's settings; the model's defaults when the row is not set up yet (never saved)."""
    cached = session.info.get(_SETTINGS)
    if isinstance(cached, Contractor):
        return cached
    row = session.exec(select(Contractor).order_by(Contractor.id).limit(1)).first()
    settings = row if row is not None else Contractor()
    if row is not None:
        session.info[_SETTINGS] = settings
    return settings


def default_pages(row: Contractor) -> list[str]:
    """The pages a new contact's login gets, in menu order: the owner's saved choice (Settings >
    Portal), or every page when none is saved. The office's contact form, the import and the settings
    screen all read it here."""
    chosen = [page for page in ALL_PAGES if page in (row.default_pages or [])]
    return chosen or list(ALL_PAGES)


def today(session: Session) -> date:
    """Today as the contractor's office reads it: what "due", "overdue" and "paid on" mean to a customer."""
    return clock.today(contractor(session).timezone)


def currency(session: Session) -> str:
    return contractor(session).currency or "AUD"


def tax_on(subtotal_cents: int, rate_bp: int) -> int:
    """Tax on a whole subtotal in integer cents, rounded half away from zero as printed invoices do."""
    exact = abs(subtotal_cents) * rate_bp
    cents = (exact + 5000) // 10000
    return cents if subtotal_cents >= 0 else -cents


def totals(session: Session, line_cents: Iterable[int]) -> tuple[int, int, int]:
    """Subtotal, tax and total of a document's lines at the contractor's tax rate."""
    return totals_at(line_cents, contractor(session).tax_rate_bp)


def totals_at(line_cents: Iterable[int], rate_bp: int) -> tuple[int, int, int]:
    """The same sums at a rate already read: tax on the whole subtotal, rounded once (``tax_on``)."""
    subtotal = sum(line_cents)
    tax = tax_on(subtotal, rate_bp)
    return subtotal, tax, subtotal + tax


def next_number(session: Session, column: Any, first: int) -> int:
    """The next document number in ``column`` (quotes, jobs, invoices), never below ``first``.

    The column is unique, so two writers that read the same top number cannot both save it; on SQLite
    a write transaction holds the database from its start (``db.unit_of_work``), so they never do.
    """
    top = session.scalar(select(func.max(column)))
    return max(first, (top or 0) + 1, number_start(session, column))


# The document kinds whose numbers the owner formats (Settings > Company), by their number column.
DOCUMENT_KINDS = {"quote": Quote.number, "job": Job.number, "invoice": Invoice.number}


def _kind_of(column: Any) -> str:
    return next((kind for kind, col in DOCUMENT_KINDS.items() if col is column), "")


def number_start(session: Session, column: Any) -> int:
    """The lowest number the owner asked the next document of this column to take (0: no floor)."""
    kind = _kind_of(column)
    return int(getattr(contractor(session), f"{kind}_start", 0) or 0) if kind else 0


def document_number(settings: Contractor, kind: str, number: int | str | None) -> str:
    """A quote, job or invoice number as a customer reads it: the owner's prefix, then the number.

    The one place a prefix is put on a number, so a PDF, an email and a screen print the same
    "INV-30001"; the database keeps the bare integer (it is what is unique and what sorts).
    """
    if number is None or number == "":
        return ""
    prefix = str(getattr(settings, f"{kind}_prefix", "") or "") if kind in DOCUMENT_KINDS else ""
    return f"{prefix}{number}"
