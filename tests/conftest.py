"""Database fixtures: SQLite by default, PostgreSQL when PORTAL_TEST_DATABASE_URL is set.

The schema is built by ``alembic upgrade head`` (never ``create_all``), so every test also runs on
the schema that production gets. Each test runs inside a transaction that is rolled back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal import migrations
from portal.db import make_engine


def _per_worker(url: str) -> str:
    """Each pytest-xdist worker gets a PostgreSQL database of its own (``test_gw0``, ...)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker:
        return url
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


TEST_DB_URL = _per_worker(os.environ.get("PORTAL_TEST_DATABASE_URL", ""))


def pytest_configure(config):
    """Freeze the clock before any test module is imported, so module-level dates agree with it."""
    from tests import frozen

    frozen.start()


def _create_if_missing(engine: Engine) -> None:
    from sqlalchemy import create_engine

    name = engine.url.database
    admin = create_engine(engine.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def fresh_database(url: str) -> Engine:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        _create_if_missing(engine)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrations.upgrade(url)
    return engine


@pytest.fixture(scope="session")
def engine(tmp_path_factory) -> Iterator[Engine]:
    url = TEST_DB_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    eng = fresh_database(url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine) -> Iterator[Session]:
    """A session whose commits are savepoints inside one transaction rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        with Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False) as s:
            yield s
        outer.rollback()


def _deleting_new_rows(engine: Engine) -> Iterator[Engine]:
    """Every row added while it is open is deleted when it ends."""
    from sqlalchemy import delete, func, or_, select
    from sqlmodel import SQLModel

    tables = SQLModel.metadata.sorted_tables
    with engine.connect() as conn:
        before = {
            t.name: conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()
            for t in tables
            if "id" in t.c
        }
    yield engine
    with engine.begin() as conn:
        for t in reversed(tables):
            if "id" in t.c:
                conn.execute(delete(t).where(t.c.id > before[t.name]))
                continue
            new = [
                fk.parent > before[fk.column.table.name]
                for fk in t.foreign_keys
                if fk.column.table.name in before
            ]
            if new:
                conn.execute(delete(t).where(or_(*new)))


@pytest.fixture
def committed(engine) -> Iterator[Engine]:
    """For tests that must commit (HTTP routes, webhooks): every row they add is deleted afterwards,
    so tests that count rows never depend on which files ran first."""
    yield from _deleting_new_rows(engine)


@pytest.fixture(scope="module")
def committed_module(engine) -> Iterator[Engine]:
    """:func:`committed` for a module whose tests share one committed world (built once, as it is slow)."""
    yield from _deleting_new_rows(engine)
