"""Money is integer cents everywhere; this is the one place it becomes text."""

from __future__ import annotations

SYMBOLS = {"AUD": "$", "NZD": "$", "USD": "$", "CAD": "$", "GBP": "£", "EUR": "€"}


def format_money(cents: int, currency: str = "AUD") -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{whole:,}.{part:02d}"
