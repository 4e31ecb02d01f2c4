"""name every constraint

0001 left its primary keys, foreign keys and unique constraints unnamed: PostgreSQL made up names
of its own and SQLite kept none, so no later migration could drop or alter one by name on both.
This gives each the name the models' naming convention (portal/models/base.py) gives it. The
names are worked out from the database itself, so this revision does not depend on today's models.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _tables(inspector) -> list[str]:
    return sorted(t for t in inspector.get_table_names() if t != "alembic_version")


def _names(inspector, table: str, convention: bool) -> list[tuple[str, str]]:
    """(current name, wanted name) of the table's constraints: the convention's, or PostgreSQL's own."""
    pairs = []
    pk = inspector.get_pk_constraint(table)
    if pk.get("constrained_columns"):
        pairs.append((pk["name"], f"pk_{table}" if convention else f"{table}_pkey"))
    for fk in inspector.get_foreign_keys(table):
        cols = "_".join(fk["constrained_columns"])
        pairs.append((fk["name"], f"fk_{table}_{cols}_{fk['referred_table']}" if convention else f"{table}_{cols}_fkey"))
    for uq in inspector.get_unique_constraints(table):
        cols = "_".join(uq["column_names"])
        pairs.append((uq["name"], f"uq_{table}_{cols}" if convention else f"{table}_{cols}_key"))
    return pairs


def _rename_on_postgresql(convention: bool) -> None:
    inspector = sa.inspect(op.get_bind())
    for table in _tables(inspector):
        for current, wanted in _names(inspector, table, convention):
            if current and current != wanted:
                op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{current}" TO "{wanted}"')


def _rebuild_on_sqlite(convention: bool) -> None:
    """SQLite cannot rename a constraint: each table is rebuilt (env.py turns foreign keys off)."""
    bind = op.get_bind()
    for table in _tables(sa.inspect(bind)):
        if convention:
            with op.batch_alter_table(table, recreate="always", naming_convention=NAMING_CONVENTION):
                pass
            continue
        unnamed = sa.Table(table, sa.MetaData(), autoload_with=bind)
        for constraint in unnamed.constraints:
            if not isinstance(constraint, sa.CheckConstraint):
                constraint.name = None
        with op.batch_alter_table(table, recreate="always", copy_from=unnamed):
            pass


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(convention=True)
    else:
        _rename_on_postgresql(convention=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(convention=False)
    else:
        _rename_on_postgresql(convention=False)
