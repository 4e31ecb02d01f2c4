"""The database engine and the unit of work: one session, one transaction per user action.

Why SQLite transactions begin IMMEDIATE: a deferred transaction that reads, then writes, cannot
upgrade to a writer once another connection has committed since its read (SQLite answers
"database is locked" at once, without waiting out the busy timeout). Ten people signing in at the
same moment, or two tabs paying one invoice, met exactly that. An immediate transaction takes the
write lock first and waits its turn (busy timeout), so it never has to upgrade. Readers are not
blocked by it (WAL); only writers queue. A unit of work that only reads, and may stay open while
a download streams, asks for ``read_only=True``: a deferred snapshot that holds no lock, enforced
as read-only on both databases so a write there fails loudly in tests instead of queueing.
Sessions opened on the engine directly (migrations, tests reading a served portal's database)
begin deferred, as SQLite does by default, so they never hold the lock the portal's writers wait on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from portal.config import settings

BEGIN = "portal_begin"  # execution option of a unit of work: "write" or "read"

# Writes refused for the rest of the current event (a staff member viewing the portal as a contact):
# the exception to raise, or None. See :func:`refuse_writes`.
_REFUSAL: ContextVar[Exception | None] = ContextVar("portal_write_refusal", default=None)
# What a read-only view still writes: its own session row (the last-seen time, its end when idle), one
# row by its id, never a bulk change such as "sign this contact out everywhere".
_OWN_SESSION = re.compile(
    r'^\s*UPDATE\s+"?login_session"?\s+SET\s.*\sWHERE\s+"?login_session"?\."?id"?\s*=\s*\S+\s*$', re.I | re.S
)
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)', re.I
)
_OTHER_WRITE = re.compile(r"^\s*(?:INSERT|UPDATE|DELETE|REPLACE|MERGE|TRUNCATE|CREATE|DROP|ALTER)\b", re.I)
_CTE_WRITE = re.compile(r"^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.I | re.S)


def refuse_writes(refusal: Exception | None) -> None:
    """From now until the current event ends, every write but the session's own row raises ``refusal``.

    Why here, at the database: a staff member viewing the portal as a contact must change nothing,
    whichever handler or service a (forged) event reaches, including ones written after this guard.
    Buttons hidden, or a check in each command, would each be one more place to forget.
    ``SessionState._scope`` (the one entry every customer handler uses) calls this on every call,
    with None for a contact's own session, so the mark always says what the latest resolved scope
    was. It lives in a context variable: Reflex runs each event as its own asyncio task, which starts
    from a copy of the event processor's context, so the mark ends with the event and never reaches
    another tab's event; ``asyncio.to_thread`` and Starlette's threadpool copy it into their thread.
    Every statement on every engine passes :func:`_guard`, so an ORM flush, a Core ``update()`` and
    raw SQL are all refused before they reach the database; the unit of work then rolls back.
    """
    _REFUSAL.set(refusal)


def writes_refused() -> Exception | None:
    return _REFUSAL.get()


def written_table(statement: str) -> str | None:
    """The table a writing statement changes ("" when it writes but the table is not plain to see);
    None for a statement that only reads."""
    if match := _WRITE.match(statement):
        return match.group(1).lower()
    if _OTHER_WRITE.match(statement) or _CTE_WRITE.match(statement):
        return ""
    return None


@event.listens_for(Engine, "before_cursor_execute")
def _guard(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
    refusal = _REFUSAL.get()
    if refusal is None:
        return
    if written_table(statement) is not None and not _OWN_SESSION.match(statement):
        raise refusal


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:  # WAL lets readers run beside one writer.
            # pysqlite's own transaction handling breaks savepoints; SQLAlchemy emits BEGIN instead.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            kind = conn.get_execution_options().get(BEGIN)
            conn.exec_driver_sql(f"PRAGMA query_only={int(kind == 'read')}")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if kind == "write" else "BEGIN")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


@lru_cache(maxsize=1)
def engine() -> Engine:
    return make_engine(settings().database_url)


@contextmanager
def unit_of_work(*, read_only: bool = False) -> Iterator[Session]:
    """A session whose work is committed together, or not at all (``read_only``: see the module)."""
    if read_only:
        bind = engine().execution_options(**{BEGIN: "read", "postgresql_readonly": True})
    else:
        bind = engine().execution_options(**{BEGIN: "write"})
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
