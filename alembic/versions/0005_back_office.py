"""back office: staff with a second factor, scheduling, pricing, invoicing, the inbox

- ``staff`` and ``recovery_code``: the contractor's people, their password counters and TOTP.
- ``login_session`` and ``one_time_token`` belong to a contact or a staff member, exactly one.
- ``job``: the visit's window and technician; items of quotes, jobs and invoices say labour or
  material; ``invoice_item`` holds a free invoice's lines; an invoice keeps why it was voided.
- ``optional_item`` is the price list: ``kind`` and whether customers are ``offered`` it.
- ``payment``: how an offline payment came and who recorded it.
- ``integration_event``: the Inbox's handled mark; ``audit_event.staff_id`` names staff actors.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 13:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_OWNER = "(contact_id IS NULL) <> (staff_id IS NULL)"


def upgrade() -> None:
    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deactivated_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('password_hash', sa.String(length=100), nullable=False),
    sa.Column('changed_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('totp_secret', sa.String(length=64), nullable=False),
    sa.Column('totp_enrolled_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('totp_last_step', sa.Integer(), nullable=False),
    sa.Column('last_login_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('email', name=op.f('uq_staff_email'))
    )
    op.create_table('recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', portal.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_recovery_code_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_recovery_code_code_hash'))
    )
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_code_staff_id'), ['staff_id'], unique=False)

    op.create_table('invoice_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'], name=op.f('fk_invoice_item_invoice_id_invoice')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_item'))
    )
    with op.batch_alter_table('invoice_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_item_invoice_id'), ['invoice_id'], unique=False)

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uploaded_by_staff_id', sa.Integer(), nullable=True))

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_event_staff_id'), ['staff_id'], unique=False)

    with op.batch_alter_table('integration_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handled_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_by_staff_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_integration_event_inbox', ['handled_at', 'created_at'], unique=False)

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('voided_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.String(length=500), nullable=False, server_default=''))

    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_start', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('window_end', sa.Time(), nullable=True))
        batch_op.add_column(sa.Column('technician_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_job_technician_id'), ['technician_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_job_technician_id_staff'), 'staff', ['technician_id'], ['id'])

    with op.batch_alter_table('job_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default=''))

    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.alter_column('contact_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_login_session_staff_id'), ['staff_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_login_session_staff_id_staff'), 'staff', ['staff_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_login_session_one_owner'), ONE_OWNER)

    with op.batch_alter_table('one_time_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_id', sa.Integer(), nullable=True))
        batch_op.alter_column('contact_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_one_time_token_staff_id'), ['staff_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_one_time_token_staff_id_staff'), 'staff', ['staff_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_one_time_token_one_owner'), ONE_OWNER)

    with op.batch_alter_table('optional_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), nullable=False, server_default='material'))
        batch_op.add_column(sa.Column('offered', sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('method', sa.String(length=13), nullable=False, server_default='card'))
        batch_op.add_column(sa.Column('reference', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('recorded_by_staff_id', sa.Integer(), nullable=True))

    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priced_at', portal.models.base.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('quote_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), nullable=False, server_default=''))

    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('technician_id', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('service_record', schema=None) as batch_op:
        batch_op.drop_column('technician_id')

    with op.batch_alter_table('quote_item', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('quote', schema=None) as batch_op:
        batch_op.drop_column('priced_at')

    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_column('recorded_by_staff_id')
        batch_op.drop_column('reference')
        batch_op.drop_column('method')

    with op.batch_alter_table('optional_item', schema=None) as batch_op:
        batch_op.drop_column('offered')
        batch_op.drop_column('kind')

    op.execute("DELETE FROM one_time_token WHERE staff_id IS NOT NULL")
    with op.batch_alter_table('one_time_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_one_time_token_one_owner'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_one_time_token_staff_id_staff'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_one_time_token_staff_id'))
        batch_op.alter_column('contact_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('staff_id')

    op.execute("DELETE FROM login_session WHERE staff_id IS NOT NULL")
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_login_session_one_owner'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_login_session_staff_id_staff'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_login_session_staff_id'))
        batch_op.alter_column('contact_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('staff_id')

    with op.batch_alter_table('job_item', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_job_technician_id_staff'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_job_technician_id'))
        batch_op.drop_column('technician_id')
        batch_op.drop_column('window_end')
        batch_op.drop_column('window_start')

    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('void_reason')
        batch_op.drop_column('voided_at')

    with op.batch_alter_table('integration_event', schema=None) as batch_op:
        batch_op.drop_index('ix_integration_event_inbox')
        batch_op.drop_column('handled_by_staff_id')
        batch_op.drop_column('handled_at')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_staff_id'))
        batch_op.drop_column('staff_id')

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('uploaded_by_staff_id')

    with op.batch_alter_table('invoice_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_item_invoice_id'))

    op.drop_table('invoice_item')
    with op.batch_alter_table('recovery_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_code_staff_id'))

    op.drop_table('recovery_code')
    op.drop_table('staff')
