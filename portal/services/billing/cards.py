"""Card checks for the Payments pop-up, so a typo is caught before anything reaches a gateway.

Nothing here stores or logs a card: the number and CVV live only in a :class:`CardInput` for the
length of one request, and its ``repr`` leaves them out so a stray log line or traceback cannot
print them.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date

NAME_MAX = 200
NUMBER_LENGTHS = range(13, 20)
SEPARATORS = " -"

NAME_REQUIRED = "Enter the name on the card."
NUMBER_REQUIRED = "Enter the card number."
NUMBER_DIGITS = "The card number may contain only digits."
NUMBER_LENGTH = "The card number must be 13 to 19 digits."
NUMBER_INVALID = "That card number is not valid."
EXPIRY_INVALID = "Enter the expiry as a month (1-12) and year."
EXPIRY_PAST = "This card has expired."
CVV_INVALID = "The CVV must be {n} digits."

# A card given to the processor's own hosted form (Stripe) reaches the portal only as this id.
PAYMENT_METHOD_ID = re.compile(r"pm_[A-Za-z0-9_]{1,200}")
HOSTED_CARD_MISSING = "Enter your card details in the card form."
HOSTED_NOT_AVAILABLE = "Card payments through the hosted card form are not set up. Please contact us."


@dataclass(frozen=True)
class CardInput:
    name: str
    number: str = field(repr=False)
    exp_month: int | str
    exp_year: int | str
    cvv: str = field(repr=False)

    @property
    def digits(self) -> str:
        return digits_of(self.number)


def _digits_only(text: str) -> bool:
    """0-9 only: ``str.isdigit`` also says yes to "²", which ``int`` then refuses (a typed card field)."""
    return bool(text) and text.isascii() and text.isdigit()


def digits_of(number: str) -> str:
    """The number as typed without the spaces and dashes people put in groups of four."""
    value = str(number or "")
    for sep in SEPARATORS:
        value = value.replace(sep, "")
    return value


def _in(prefix: str, low: int, high: int) -> bool:
    width = len(str(low))
    return len(prefix) >= width and low <= int(prefix[:width]) <= high


def brand(number: str) -> str:
    """The card scheme from the issuer prefix, for the logo and the CVV length ("" when unknown)."""
    d = digits_of(number)
    if not _digits_only(d):
        return ""
    if d.startswith("4"):
        return "visa"
    if _in(d, 34, 34) or _in(d, 37, 37):
        return "amex"
    if _in(d, 51, 55) or _in(d, 2221, 2720):
        return "mastercard"
    if d.startswith("6011") or _in(d, 644, 649) or d.startswith("65") or _in(d, 622126, 622925):
        return "discover"
    return ""


def luhn_ok(digits: str) -> bool:
    if not _digits_only(digits):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def cvv_length(card_brand: str) -> int:
    return 4 if card_brand == "amex" else 3


def _int(value: int | str) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or "").strip()
    return int(text) if _digits_only(text) and len(text) <= 4 else None


def expiry(exp_month: int | str, exp_year: int | str) -> tuple[int, int] | None:
    """(month, four-digit year), or None when either part is not a valid month or year."""
    month, year = _int(exp_month), _int(exp_year)
    if month is None or year is None or not 1 <= month <= 12:
        return None
    if year < 100:
        year += 2000
    return (month, year) if 2000 <= year <= 2099 else None


def expired(month: int, year: int, today: date) -> bool:
    """A card is good until the last day of its expiry month."""
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last < today


def number_problem(digits: str) -> str:
    """What is wrong with a card number (spaces and dashes already removed); empty when nothing."""
    if not digits:
        return NUMBER_REQUIRED
    if not _digits_only(digits):
        return NUMBER_DIGITS
    if len(digits) not in NUMBER_LENGTHS:
        return NUMBER_LENGTH
    if not luhn_ok(digits):
        return NUMBER_INVALID
    return ""


def check(card: CardInput, today: date) -> dict[str, str]:
    """Field errors keyed ``name``, ``number``, ``expiry``, ``cvv``; empty when the card may be charged."""
    errors: dict[str, str] = {}
    name = " ".join(str(card.name or "").split())
    if not name or len(name) > NAME_MAX:
        errors["name"] = NAME_REQUIRED
    d = card.digits
    if problem := number_problem(d):
        errors["number"] = problem
    exp = expiry(card.exp_month, card.exp_year)
    if exp is None:
        errors["expiry"] = EXPIRY_INVALID
    elif expired(*exp, today):
        errors["expiry"] = EXPIRY_PAST
    need = cvv_length(brand(d))
    cvv = str(card.cvv or "").strip()
    if len(cvv) != need or not _digits_only(cvv):
        errors["cvv"] = CVV_INVALID.format(n=need)
    return errors


def last4(number: str) -> str:
    d = digits_of(number)
    return d[-4:] if _digits_only(d) else ""


def mask(number: str) -> str:
    """What the customer sees of a card once typed: "•••• 4242"."""
    tail = last4(number)
    return f"•••• {tail}" if tail else ""
