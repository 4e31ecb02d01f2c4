"""The rules of the Request a Quote / Book a Job form: its limits, what each field may hold, and the words.

Why a module of its own: the form checks a field as it is typed or an item as it is added, and
submitting checks everything again; both must say the same thing for the same input. These are
plain functions of the values (no session, no scope), so the form's state and the service call the
same rule and each message is written once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from portal.core import dates
from portal.core.text import multi_line as multi_line  # the one rule, still read from here by the forms
from portal.core.text import one_line as one_line

MAX_DESCRIPTION = 20_000
MAX_ORDER_NUMBER = 60
MAX_ASSETS = 100
MAX_ITEM_LINES = 50
MAX_QUANTITY = 999
MAX_ATTACHMENTS = 20
PREFERRED_DATE_YEARS = 5

CHOOSE_SITE = "Choose one of your sites, or create a new one."
CHOOSE_CONTACT = "Choose a contact from your organisation."
DESCRIBE = "Describe the work you need."
ASSET_ELSEWHERE = "An asset on the list is not at the chosen site. Remove it, or choose its site."
TOO_MANY_ASSETS = f"Add at most {MAX_ASSETS} assets to one request."
CHOOSE_ITEM = "Choose an item from the list."
ITEM_GONE = "An optional item on the list is no longer offered. Remove it."
TOO_MANY_ITEMS = f"Add at most {MAX_ITEM_LINES} optional items."
QUANTITY = f"The quantity must be a whole number from 1 to {MAX_QUANTITY}."
TOO_MANY_FILES = f"Attach at most {MAX_ATTACHMENTS} files to one request."
ORDER_NUMBER_TOO_LONG = f"The order number can be at most {MAX_ORDER_NUMBER} characters."


def order_number_problem(value: Any) -> str:
    return ORDER_NUMBER_TOO_LONG if len(one_line(value)) > MAX_ORDER_NUMBER else ""


def description_too_long(value: Any) -> str:
    """What is said as the description is typed: only its length (an empty one is said on submit)."""
    length = len(multi_line(value))
    if length > MAX_DESCRIPTION:
        return f"The description is too long: {length:,} characters, the limit is {MAX_DESCRIPTION:,}."
    return ""


def description_problem(value: Any) -> str:
    return DESCRIBE if not multi_line(value) else description_too_long(value)


def preferred_date(value: Any, today: date) -> tuple[date | None, str]:
    """The preferred date (None when not given) and what is wrong with it ("" when nothing)."""
    if value is None or value == "":
        return None, ""
    if isinstance(value, datetime):
        value = value.date()
    found = value if isinstance(value, date) else dates.read_day(value)
    if found == dates.NOT_A_DATE:
        return None, "Choose a date from the calendar."
    if isinstance(found, str):  # a well-formed date outside the portal's range: long past or far ahead
        found = dates.EARLIEST if str(value).strip() < today.isoformat() else dates.LATEST
    if found < today:
        return None, "The preferred date can't be in the past."
    if found > today + timedelta(days=366 * PREFERRED_DATE_YEARS):
        return None, f"Choose a date within the next {PREFERRED_DATE_YEARS} years."
    return found, ""


def preferred_date_problem(value: Any, today: date) -> str:
    """What the form says beside the preferred date as it is picked ("" when it will do)."""
    return preferred_date(value, today)[1]


def assets_problem(count: int) -> str:
    """What is wrong with a request holding ``count`` assets."""
    return TOO_MANY_ASSETS if count > MAX_ASSETS else ""


def files_problem(count: int) -> str:
    """What is wrong with a request holding ``count`` attachments."""
    return TOO_MANY_FILES if count > MAX_ATTACHMENTS else ""


def add_item(
    lines: Sequence[tuple[int, int]], item_id: int, quantity: int | None
) -> tuple[list[tuple[int, int]], str]:
    """The item lines with ``quantity`` more of ``item_id``, or the lines unchanged and what is wrong.

    Adding an item already on the list adds to its quantity, so one item is one line; the quantity
    added and the line's total must both be from 1 to ``MAX_QUANTITY``.
    """
    kept = list(lines)
    current = next((n for n, (line_id, _) in enumerate(kept) if line_id == item_id), None)
    total = (quantity or 0) + (kept[current][1] if current is not None else 0)
    if quantity is None or not 1 <= quantity <= MAX_QUANTITY or total > MAX_QUANTITY:
        return kept, QUANTITY
    if current is None:
        if len(kept) >= MAX_ITEM_LINES:
            return kept, TOO_MANY_ITEMS
        return [*kept, (item_id, quantity)], ""
    kept[current] = (item_id, total)
    return kept, ""
