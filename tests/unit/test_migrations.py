"""``alembic upgrade head`` on an empty database must equal the models, on SQLite and PostgreSQL."""

import pytest
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


# --- Constraint names and the downgrade/upgrade round trip ----------------------------------------


def _named(engine) -> dict[str, list]:
    """Every model table's primary key, foreign key and unique constraint names, as stored."""
    from sqlalchemy import inspect

    found = inspect(engine)
    present = set(found.get_table_names())  # after a downgrade, later revisions' tables are gone
    return {
        table: sorted(
            [("pk", found.get_pk_constraint(table)["name"])]
            + [("fk", fk["name"]) for fk in found.get_foreign_keys(table)]
            + [("uq", uq["name"]) for uq in found.get_unique_constraints(table)],
            key=lambda pair: (pair[0], str(pair[1])),
        )
        for table in SQLModel.metadata.tables
        if table in present
    }


def _wanted() -> dict[str, list]:
    from sqlalchemy import ForeignKeyConstraint, PrimaryKeyConstraint, UniqueConstraint

    kinds = {PrimaryKeyConstraint: "pk", ForeignKeyConstraint: "fk", UniqueConstraint: "uq"}
    return {
        name: sorted(
            ((kinds[type(c)], c.name) for c in table.constraints if type(c) in kinds),
            key=lambda pair: (pair[0], str(pair[1])),
        )
        for name, table in SQLModel.metadata.tables.items()
    }


def test_every_constraint_has_the_name_of_the_convention(engine):
    named = _named(engine)
    assert sum(len(v) for v in named.values()) == 148
    assert named == _wanted()


@pytest.fixture
def scratch_url(tmp_path):
    """An empty database of its own: SQLite in a temp folder, or a second PostgreSQL database."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from tests.conftest import TEST_DB_URL

    if not TEST_DB_URL:
        yield f"sqlite:///{tmp_path / 'round-trip.db'}"
        return
    url = make_url(TEST_DB_URL)
    name = f"{url.database}_round_trip"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_downgrade_and_upgrade_round_trip_keeps_rows_and_names(scratch_url):
    from sqlalchemy import func, select
    from sqlmodel import Session

    from alembic import command
    from portal import migrations
    from portal.db import make_engine
    from portal.demo import seed_demo
    from portal.models import Invoice, PaymentAllocation, Quote

    migrations.upgrade(scratch_url)
    engine = make_engine(scratch_url)
    with Session(engine) as s:
        seed_demo(s)
        s.commit()

    def counts() -> tuple[int, ...]:
        with Session(engine) as s:
            return tuple(
                s.scalar(select(func.count()).select_from(m)) for m in (Quote, Invoice, PaymentAllocation)
            )

    before = counts()
    cfg = migrations.alembic_config(scratch_url)
    command.downgrade(cfg, "0002")
    engine.dispose()
    unnamed = _named(engine)
    if engine.dialect.name == "sqlite":
        assert {name for pairs in unnamed.values() for _kind, name in pairs} == {None}
    else:
        assert ("pk", "invoice_pkey") in unnamed["invoice"] and ("fk", "invoice_job_id_fkey") in unnamed[
            "invoice"
        ]
    command.upgrade(cfg, "head")
    engine.dispose()
    assert _named(engine) == _wanted()
    assert counts() == before and before[0] > 0
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(ctx, SQLModel.metadata) == []
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
    engine.dispose()


def test_contacts_with_a_password_are_not_offered_the_first_login_tour(scratch_url):
    """0004 adds ``tour_seen_at``: people who already sign in count as having seen the tour."""
    from sqlalchemy import create_engine, text

    from alembic import command
    from portal import migrations

    cfg = migrations.alembic_config(scratch_url)
    command.upgrade(cfg, "0003")
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO customer (id, kind, name, business_number, email, phone, address, "
                "postal_address, notes, is_active, created_at) "
                "VALUES (1, 'company', 'C', '', '', '', '', '', '', true, '2024-01-01 00:00:00')"
            )
        )
        for contact_id in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO contact (id, customer_id, title, first_name, last_name, email, phone, "
                    "mobile, position, department, is_quote_contact, is_job_contact, is_invoice_contact, "
                    "is_statement_contact, is_primary, login_active, pages, all_sites, created_at) "
                    "VALUES (:id, 1, '', 'A', '', '', '', '', '', '', false, false, false, false, false, "
                    "true, '[]', true, '2024-01-01 00:00:00')"
                ),
                {"id": contact_id},
            )
        conn.execute(
            text(
                "INSERT INTO credential (contact_id, password_hash, changed_at, failed_count) "
                "VALUES (1, 'x', '2024-01-01 00:00:00', 0)"
            )
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        seen = dict(conn.execute(text("SELECT id, tour_seen_at IS NOT NULL FROM contact ORDER BY id")).all())
    engine.dispose()
    assert seen == {1: True, 2: False}
