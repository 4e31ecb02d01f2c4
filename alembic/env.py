"""Alembic runs against DATABASE_URL (or the URL a caller puts in the config) with the portal's models."""

from contextlib import contextmanager

from sqlmodel import SQLModel

import portal.models  # noqa: F401  (fills the metadata)
from alembic import context
from portal.config import settings
from portal.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with _sqlite_foreign_keys_off(connection), context.begin_transaction():
        context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection):
    """SQLite changes a table by copying it to a new one and dropping the old: with foreign keys
    enforced, dropping a table that others point at deletes or refuses their rows. The pragma only
    works outside a transaction; the check afterwards proves no reference was broken."""
    if connection.dialect.name != "sqlite" or connection.in_transaction():
        yield
        return
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migration broke foreign keys: {broken[:5]}")
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


run_migrations_online()
