"""Rows as plain dicts, written with bulk inserts inside the caller's transaction.

Ids are handed out up front (after the table's current maximum) so that a row can point at
another before anything is inserted, and so that 500,000 rows cost one executemany per table
instead of one ORM object and flush each. The demo is meant for a database nobody else is writing
to at that moment; a concurrent writer could take the same ids.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlmodel import Session, SQLModel


class Rows:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._next_id: dict[str, int] = {}
        self._templates: dict[str, tuple[dict[str, Any], list[tuple[str, Callable[..., Any]]]]] = {}

    def add(self, model: type[SQLModel], /, **values: Any) -> dict[str, Any]:
        """A new row with every column filled, so one executemany can take the whole table."""
        table: Table = model.__table__  # type: ignore[attr-defined]
        scalars, callables = self._template(table)
        row = dict(scalars)
        row.update(values)
        for name, make in callables:
            if name not in values:
                row[name] = make(None)
        if "id" in table.c and row.get("id") is None:
            row["id"] = self.take_id(table)
        self._pending.setdefault(table.name, []).append(row)
        return row

    def take_id(self, table: Table) -> int:
        if table.name not in self._next_id:
            top = self.session.execute(select(func.max(table.c.id))).scalar()
            self._next_id[table.name] = (top or 0) + 1
        value = self._next_id[table.name]
        self._next_id[table.name] = value + 1
        return value

    def write(self) -> None:
        """Insert what is pending, parents before children (foreign keys are checked at once).

        Nothing is pending afterwards, so the next id of each table is read again: a service called
        between two writes inserts rows of its own, and the ids handed out here must go past them.
        The same holds the other way on PostgreSQL: a service's insert takes its id from the table's
        sequence, so each sequence is moved past the ids just written.
        """
        written = []
        for table in SQLModel.metadata.sorted_tables:
            rows = self._pending.pop(table.name, None)
            if rows:
                self.session.execute(table.insert(), rows)
                written.append(table)
        self._next_id.clear()
        self._move_sequences(written)

    def insert_now(self, model: type[SQLModel], /, **values: Any) -> dict[str, Any]:
        """One row written at once, for a row that must take its place among rows a service writes."""
        row = self.add(model, **values)
        self.write()
        return row

    def finish(self) -> None:
        """Write the rest."""
        self.write()

    def _move_sequences(self, tables: list[Table]) -> None:
        """On PostgreSQL, each written table's id sequence moves past the ids given here."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for table in tables:
            if "id" not in table.c:
                continue
            top = self.session.execute(select(func.max(table.c.id))).scalar() or 1
            seq = self.session.execute(
                text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
            ).scalar()
            if seq:
                self.session.execute(
                    text(
                        "SELECT setval(CAST(:seq AS regclass), GREATEST(:top, "
                        "COALESCE(pg_sequence_last_value(CAST(:seq AS regclass)), 1)))"
                    ),
                    {"seq": seq, "top": top},
                )

    def _template(self, table: Table) -> tuple[dict[str, Any], list[tuple[str, Callable[..., Any]]]]:
        cached = self._templates.get(table.name)
        if cached is None:
            scalars: dict[str, Any] = {}
            callables: list[tuple[str, Callable[..., Any]]] = []
            for col in table.columns:
                default = col.default
                if default is None:
                    scalars[col.name] = None
                elif getattr(default, "is_callable", False):
                    callables.append((col.name, default.arg))  # type: ignore[attr-defined]
                else:
                    scalars[col.name] = default.arg  # type: ignore[attr-defined]
            cached = self._templates[table.name] = (scalars, callables)
        return cached


def weekday_on_or_after(day: date) -> date:
    """Technicians visit on working days: a Saturday or Sunday moves to the Monday."""
    return day + timedelta(days=(7 - day.weekday()) % 7) if day.weekday() >= 5 else day


BRISBANE = timezone(timedelta(hours=10), "AEST")  # Queensland keeps no daylight saving


def stamp(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware time of day in Brisbane on a business date, for created_at and the like."""
    return datetime.combine(day, time(hour, minute), tzinfo=BRISBANE)
