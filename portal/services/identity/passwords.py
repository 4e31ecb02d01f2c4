"""Password rules and hashing.

The spec's rule (a number, an upper-case and a lower-case letter) plus a length of 10 to 128
characters and refusal of the 10,000 most common passwords. Any Unicode is allowed: the password
is pre-hashed with SHA-256 before bcrypt, so bcrypt's 72-byte limit never truncates or rejects it.

"Characters" are what Python's ``len`` counts (code points), here and only here: the forms set no
``maxlength``, because a browser counts UTF-16 units there and would silently cut a password of
emoji in half; an overlong password reaches this module whole and is refused with its length.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import bcrypt

MIN_LENGTH = 10
MAX_LENGTH = 128


@dataclass(frozen=True)
class Rule:
    key: str
    label: str


RULES: tuple[Rule, ...] = (
    Rule("length", f"{MIN_LENGTH} to {MAX_LENGTH} characters"),
    Rule("number", "At least 1 number"),
    Rule("upper", "At least 1 upper case letter"),
    Rule("lower", "At least 1 lower case letter"),
    Rule("common", "Not a commonly used password"),
)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files("portal.data").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def rule_results(password: str) -> dict[str, bool]:
    """Which rules the password meets, for showing each one beside the field as the user types."""
    return {
        "length": MIN_LENGTH <= len(password) <= MAX_LENGTH,
        "number": any(c.isdigit() for c in password),
        "upper": any(c.isupper() for c in password),
        "lower": any(c.islower() for c in password),
        "common": bool(password) and password.lower() not in common_passwords(),
    }


def too_long(password: str) -> str:
    """What to say beside the field once the password is over the limit; empty until then."""
    if len(password) <= MAX_LENGTH:
        return ""
    return f"at most {MAX_LENGTH} characters (this one has {len(password)})"


def problems(password: str) -> list[str]:
    """The labels of the rules the password breaks; empty when it is acceptable."""
    met = rule_results(password)
    return [
        (too_long(password) or rule.label) if rule.key == "length" else rule.label
        for rule in RULES
        if not met[rule.key]
    ]


def _prehash(password: str) -> bytes:
    # 44 ASCII bytes, no NUL: inside bcrypt's 72-byte limit whatever the password's length.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def hash_password(password: str, rounds: int = 12) -> str:
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def verify_password(password: str, password_hash: str) -> bool:
    if not password_hash:
        return False
    try:
        return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))
    except ValueError:
        return False


@lru_cache(maxsize=4)
def dummy_hash(rounds: int = 12) -> str:
    """A hash to check against when the account does not exist, so timing does not tell."""
    return hash_password("not-a-real-password-Z9", rounds)
