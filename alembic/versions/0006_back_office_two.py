"""back office, part two: customers' codes, branding, documents' versions, recurring lines, view as

- ``contractor``: the uploaded logo, accent colour, a new contact's default pages, number formats.
- ``customer.code`` (the contractor's own reference, which an import matches on) and when it was
  deactivated; ``contact.last_login_at``; ``site.closed_at``; a retired asset's date and reason;
  asset types and service levels can be retired from the contractor's lists.
- ``attachment.customer_visible``: the office decides whether the customer sees a file it attached.
- ``contractor_document``: its version and withdrawal; ``document_version`` keeps every file it had
  (existing documents get their first version here).
- ``recurring_invoice``: description, pause and end; ``recurring_item`` holds its lines.
- ``login_session.viewer_staff_id``: a staff member viewing the portal as a contact, read-only.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 16:21:29
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('recurring_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recurring_invoice_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['recurring_invoice_id'], ['recurring_invoice.id'], name=op.f('fk_recurring_item_recurring_invoice_id_recurring_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_item'))
    )
    with op.batch_alter_table('recurring_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recurring_item_recurring_invoice_id'), ['recurring_invoice_id'], unique=False)

    op.create_table('document_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('attachment_id', sa.Integer(), nullable=False),
    sa.Column('published_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'], name=op.f('fk_document_version_attachment_id_attachment')),
    sa.ForeignKeyConstraint(['document_id'], ['contractor_document.id'], name=op.f('fk_document_version_document_id_contractor_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_version')),
    sa.UniqueConstraint('document_id', 'version', name=op.f('uq_document_version_document_id_version'))
    )
    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_version_document_id'), ['document_id'], unique=False)

    op.execute(
        "INSERT INTO document_version (document_id, version, attachment_id, published_at) "
        "SELECT id, 1, attachment_id, published_at FROM contractor_document"
    )

    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('retire_reason', sa.String(length=500), nullable=False, server_default=''))

    with op.batch_alter_table('asset_type', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_visible', sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_login_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('contractor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo_key', sa.String(length=64), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('logo_type', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('accent_color', sa.String(length=7), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('default_pages', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('quote_prefix', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('job_prefix', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('invoice_prefix', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('quote_start', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('job_start', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('invoice_start', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('contractor_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('updated_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdrawn_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('published_by_staff_id', sa.Integer(), nullable=True))

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('code', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('deactivated_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_customer_code'), ['code'], unique=False)

    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('viewer_staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_login_session_viewer_staff_id_staff'), 'staff', ['viewer_staff_id'], ['id'])

    with op.batch_alter_table('recurring_invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.String(length=2000), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('paused_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('ended_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False, server_default=sa.func.current_timestamp()))

    with op.batch_alter_table('service_level', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('closed_at')

    with op.batch_alter_table('service_level', schema=None) as batch_op:
        batch_op.drop_column('is_active')

    with op.batch_alter_table('recurring_invoice', schema=None) as batch_op:
        batch_op.drop_column('created_at')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('ends_on')
        batch_op.drop_column('paused_at')
        batch_op.drop_column('description')

    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_login_session_viewer_staff_id_staff'), type_='foreignkey')
        batch_op.drop_column('viewer_staff_id')

    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_code'))
        batch_op.drop_column('deactivated_at')
        batch_op.drop_column('code')

    with op.batch_alter_table('contractor_document', schema=None) as batch_op:
        batch_op.drop_column('published_by_staff_id')
        batch_op.drop_column('withdrawn_at')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('version')

    with op.batch_alter_table('contractor', schema=None) as batch_op:
        batch_op.drop_column('invoice_start')
        batch_op.drop_column('job_start')
        batch_op.drop_column('quote_start')
        batch_op.drop_column('invoice_prefix')
        batch_op.drop_column('job_prefix')
        batch_op.drop_column('quote_prefix')
        batch_op.drop_column('default_pages')
        batch_op.drop_column('accent_color')
        batch_op.drop_column('logo_type')
        batch_op.drop_column('logo_key')

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('customer_visible')

    with op.batch_alter_table('asset_type', schema=None) as batch_op:
        batch_op.drop_column('is_active')

    with op.batch_alter_table('asset', schema=None) as batch_op:
        batch_op.drop_column('retire_reason')
        batch_op.drop_column('retired_on')

    with op.batch_alter_table('document_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_version_document_id'))

    op.drop_table('document_version')
    with op.batch_alter_table('recurring_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recurring_item_recurring_invoice_id'))

    op.drop_table('recurring_item')
