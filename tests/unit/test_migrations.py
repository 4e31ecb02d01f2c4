"""``alembic upgrade head`` on an empty database must equal the models, on SQLite and PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import portal.models  # noqa: F401


def test_upgrade_head_matches_models(engine):
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, SQLModel.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_every_model_table_exists(engine):
    from sqlalchemy import inspect

    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
