"""What a site's tab shows of a list it caps: the first lines, and whether there are more, so the
screen can say "showing the first N" instead of silently leaving rows out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Shown(Generic[T]):
    lines: list[T]
    more: bool
