"""The portal's one rule for cleaning what a person types into a form, before it is checked or stored.

Every service that stores typed text runs it through one of these two, so a name, a phone or a
description is cleaned the same way on every screen, and the length checked against the column is
the length of what will be stored.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def one_line(value: Any) -> str:
    """A single-line field: control, format and direction-override characters become spaces, and
    runs of whitespace collapse to one, so a value reads the same wherever it is shown. Anything a
    browser sends that is not text (a list, an object) counts as empty."""
    if not isinstance(value, str):
        return ""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in value)
    return " ".join(text.split())


def multi_line(value: Any) -> str:
    """A text area: kept as typed, except NUL (no database keeps it) and outer whitespace."""
    return str(value or "").replace("\x00", "").strip()
