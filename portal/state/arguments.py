"""An event handler's arguments as the type it was written for.

The annotations on a handler are what the screen sends, not a promise: any client can send any
handler any JSON value (null, a number, a list, a dict nested as deep as it likes), and Reflex
passes it through when it cannot convert it. A handler that calls ``form.get`` on a list, or looks
a dict up in a set, then fails with a server error. Handlers read their arguments through these,
so a value of the wrong kind is treated like an empty one.
"""

from __future__ import annotations

import math
from typing import Any


def form(value: Any) -> dict[str, Any]:
    """A submitted form: its fields, or none."""
    return value if isinstance(value, dict) else {}


def text(value: Any, limit: int | None) -> str:
    """A field or choice as text, cut to ``limit`` (None: never cut, as a password must not be):
    numbers as typed, anything else (null, lists, dicts) as empty."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, int | float):
        return str(value)[:limit]
    return value[:limit] if isinstance(value, str) else ""


def records(value: Any, limit: int) -> list[dict[str, Any]]:
    """A list of objects (the files a drop zone refused, the points of a chart click): the objects in it."""
    return [item for item in value[:limit] if isinstance(item, dict)] if isinstance(value, list) else []


def items(value: Any, limit: int) -> list[str | int]:
    """A list of ids (the invoices ticked for payment): its text and whole-number entries, at most
    ``limit``."""
    if not isinstance(value, list):
        return []
    return [item for item in value[:limit] if isinstance(item, str | int) and not isinstance(item, bool)]


def whole(value: Any) -> int | None:
    """A whole number from a field or a page link ("3", 3, 3.0); None for anything else, however large."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, int):
        return value
    text_ = value.strip() if isinstance(value, str) else ""
    if not text_ or len(text_) > 20:
        return None
    try:
        return int(text_)
    except ValueError:
        return None


def flag(value: Any) -> bool:
    """A checkbox or an open/closed state: only a real true is true (the text "false" is not)."""
    return value is True
