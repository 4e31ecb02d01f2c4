"""Column types shared by every table: aware UTC times, short enum strings, JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

from portal.core import clock

# Every constraint and index gets a predictable name, the same on SQLite and PostgreSQL, so a
# migration can drop or alter it by name (revision 0003 named the ones 0001 left unnamed).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back an aware datetime, also on SQLite which keeps no offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def when(*, nullable: bool = False, index: bool = False, default_now: bool = False) -> Any:
    """A timezone-aware timestamp column."""
    kwargs: dict[str, Any] = {"sa_type": UTCDateTime, "nullable": nullable, "index": index}
    if default_now:
        kwargs["default_factory"] = clock.now
    elif nullable:
        kwargs["default"] = None
    return Field(**kwargs)


def choice(enum: type[StrEnum], default: StrEnum | None = None, *, index: bool = False) -> Any:
    """An enum kept as a short string, so migrations never fight database enum types."""
    width = max(len(m.value) for m in enum)
    return Field(default=default, sa_type=String(max(width, 12)), index=index, nullable=False)


def text(length: int, default: str | None = "", *, index: bool = False, nullable: bool = False) -> Any:
    return Field(default=default, sa_type=String(length), index=index, nullable=nullable)


def column_limit(model: Any, name: str) -> int:
    """The length of a :func:`text` column, read from the model so a form's limit, its check and the
    database agree."""
    column_type = model.__table__.c[name].type
    assert isinstance(column_type, String) and column_type.length, f"{name} is a text column with a length"
    return int(column_type.length)


def too_long(limit: int) -> str:
    """What a field longer than its column says."""
    return f"At most {limit:,} characters."


def json_list() -> Any:
    return Field(default_factory=list, sa_type=JSON, nullable=False)


def json_dict() -> Any:
    return Field(default_factory=dict, sa_type=JSON, nullable=False)
