"""The portal's one rule for an email address a person types: what every form checks before saving.

Deliberately narrower than RFC 5322: an ASCII ``local@domain`` with no spaces, no quoting and none of
``? & # %`` (which would turn a ``mailto:`` link into one with a copy to someone else or a body),
a domain of dot-separated labels ending in a letters-only top-level label, 254 characters at most.
Anything a contractor's office would actually mail passes; anything that could smuggle in headers,
a second address or a link trick does not.
"""

from __future__ import annotations

import re

MAX_LENGTH = 254
BAD_EMAIL = "Enter an email address like name@example.com."

# Letters, digits and the few marks real addresses use; dots only between other characters.
_LOCAL = re.compile(r"[A-Za-z0-9!$'*+/=^_`{|}~-]+(\.[A-Za-z0-9!$'*+/=^_`{|}~-]+)*")
_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_TOP = re.compile(r"[A-Za-z]{2,63}")


def normalised(value: object) -> str:
    """The address as it is stored and compared: no surrounding spaces, the domain in lower case."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    local, at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}" if at else text


def email_problem(value: object) -> str | None:
    """What is wrong with an address as typed, or None when it is acceptable. Empty is acceptable
    here; a form that needs an address says so itself."""
    text = normalised(value)
    if not text:
        return None
    if len(text) > MAX_LENGTH or not text.isascii() or text.count("@") != 1:
        return BAD_EMAIL
    local, _, domain = text.partition("@")
    labels = domain.split(".")
    if (
        len(local) > 64
        or not _LOCAL.fullmatch(local)
        or len(labels) < 2
        or not all(_LABEL.fullmatch(label) for label in labels[:-1])
        or not _TOP.fullmatch(labels[-1])
    ):
        return BAD_EMAIL
    return None
