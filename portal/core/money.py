"""Money is integer cents everywhere; this is the one place it becomes text, and typed text becomes cents."""

from __future__ import annotations

import re

SYMBOLS = {"AUD": "$", "NZD": "$", "USD": "$", "CAD": "$", "GBP": "£", "EUR": "€"}


def format_money(cents: int, currency: str = "AUD") -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{whole:,}.{part:02d}"


AMOUNT = re.compile(r"[0-9]{1,9}(\.[0-9]{0,2})?")  # "12." is twelve, as people type it


def parse_cents(raw: object) -> int | None:
    """Cents from an amount typed by staff ("1,250.5", "$80"), or None when it is not one (a negative
    amount, an exponent, more than two decimals). Every office form reads money through this.

    Exact: the text is read as digits, never as a float, so 0.1 + 0.2 is never 0.30000000000000004.
    """
    if not isinstance(raw, str):
        return None
    text = raw.strip().replace(",", "").replace(" ", "")
    for symbol in set(SYMBOLS.values()):
        text = text.removeprefix(symbol)
    if not AMOUNT.fullmatch(text):
        return None
    whole, _, part = text.partition(".")
    return int(whole) * 100 + int((part + "00")[:2])
