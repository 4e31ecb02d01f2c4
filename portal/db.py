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

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from portal.config import settings

BEGIN = "portal_begin"  # execution option of a unit of work: "write" or "read"


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
