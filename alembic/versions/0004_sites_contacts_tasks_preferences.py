"""site contacts of their own, task history, email confirmation, the basic tour

- ``site_contact`` was a link from a site to one of the customer's contacts. A site's Contacts tab
  keeps people of its own (the caretaker of one building is not a contact of the customer), so the
  table now holds the person. Each old link becomes a row with that contact's name, position,
  phones and email.
- ``task_note``: a task's history (status changes and notes); ``task.quote_id`` links a task to a
  quote as ``job_id`` links it to a job.
- ``one_time_token.new_email``: a login's new email address waits here until the link is followed.
- ``contact.tour_seen_at``: the basic tour is offered once after a first login; contacts that
  already have a password count as having seen it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from portal.models.base import UTCDateTime

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PEOPLE = ("first_name", "last_name", "position", "phone", "mobile", "email")


def _site_contact_table(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.String(length=100), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("mobile", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_site_contact_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_contact")),
    )
    op.create_index(op.f("ix_site_contact_site_id"), name, ["site_id"], unique=False)


def upgrade() -> None:
    bind = op.get_bind()
    links = bind.execute(
        sa.text(
            "SELECT l.site_id, c.first_name, c.last_name, c.position, c.phone, c.mobile, c.email, c.created_at "
            "FROM site_contact l JOIN contact c ON c.id = l.contact_id ORDER BY l.site_id, l.contact_id"
        )
    ).all()
    op.drop_index(op.f("ix_site_contact_contact_id"), table_name="site_contact")
    op.drop_table("site_contact")
    _site_contact_table("site_contact")
    if links:
        table = sa.table(
            "site_contact",
            sa.column("site_id"),
            *(sa.column(c) for c in PEOPLE),
            sa.column("created_at"),  # copied as stored, on SQLite as text
        )
        op.bulk_insert(
            table,
            [
                {"site_id": r[0], **dict(zip(PEOPLE, r[1:7], strict=True)), "created_at": r[7]}
                for r in links
            ],
        )

    op.create_table(
        "task_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_task_note_task_id_task")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_note")),
    )
    op.create_index(op.f("ix_task_note_task_id"), "task_note", ["task_id"], unique=False)
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("quote_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_task_quote_id_quote"), "quote", ["quote_id"], ["id"])
    with op.batch_alter_table("one_time_token") as batch:
        batch.add_column(sa.Column("new_email", sa.String(length=254), nullable=False, server_default=""))
    with op.batch_alter_table("contact") as batch:
        batch.add_column(sa.Column("tour_seen_at", UTCDateTime(timezone=True), nullable=True))
    # Contacts who have already set a password know the portal: the tour is offered to new logins only.
    op.execute(
        "UPDATE contact SET tour_seen_at = created_at "
        "WHERE tour_seen_at IS NULL AND id IN (SELECT contact_id FROM credential)"
    )
    # The server default only filled the rows that were there; the models give every new row a value.
    with op.batch_alter_table("one_time_token") as batch:
        batch.alter_column("new_email", server_default=None)


def downgrade() -> None:
    """Back to links: a site contact whose email is one of the customer's contacts links to that
    contact; people of a site's own have nowhere to go in the old shape and are dropped."""
    bind = op.get_bind()
    links = bind.execute(
        sa.text(
            "SELECT DISTINCT s.site_id, c.id FROM site_contact s JOIN site ON site.id = s.site_id "
            "JOIN contact c ON c.customer_id = site.customer_id AND lower(c.email) = lower(s.email) "
            "WHERE s.email <> ''"
        )
    ).all()
    with op.batch_alter_table("contact") as batch:
        batch.drop_column("tour_seen_at")
    with op.batch_alter_table("one_time_token") as batch:
        batch.drop_column("new_email")
    with op.batch_alter_table("task") as batch:
        batch.drop_constraint(op.f("fk_task_quote_id_quote"), type_="foreignkey")
        batch.drop_column("quote_id")
    op.drop_index(op.f("ix_task_note_task_id"), table_name="task_note")
    op.drop_table("task_note")
    op.drop_index(op.f("ix_site_contact_site_id"), table_name="site_contact")
    op.drop_table("site_contact")
    op.create_table(
        "site_contact",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["contact.id"], name=op.f("fk_site_contact_contact_id_contact")),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_site_contact_site_id_site")),
        sa.PrimaryKeyConstraint("site_id", "contact_id", name=op.f("pk_site_contact")),
    )
    op.create_index(op.f("ix_site_contact_contact_id"), "site_contact", ["contact_id"], unique=False)
    if links:
        table = sa.table("site_contact", sa.column("site_id"), sa.column("contact_id"))
        op.bulk_insert(table, [{"site_id": s, "contact_id": c} for s, c in links])
