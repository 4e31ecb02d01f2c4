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

TEST_DB_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")


def fresh_database(url: str) -> Engine:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
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
