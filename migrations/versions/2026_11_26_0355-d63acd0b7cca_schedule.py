"""Schedule: slots, weekly slot templates and as-run log entries.

Revision ID: d63acd0b7cca
Revises: e13ad037d6b4
Create Date: 2026-11-26 03:55:02.524494
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'd63acd0b7cca'
down_revision = 'e13ad037d6b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('slot_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('monthly_nth', sa.JSON(), nullable=True),
    sa.Column('local_time', sa.String(length=5), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('exceptions', sa.JSON(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('rerun_of_template_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('report','programme','filler','live')", name=op.f('ck_slot_template_kind')),
    sa.CheckConstraint('duration_s > 0', name=op.f('ck_slot_template_duration')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_slot_template_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_slot_template_report_id_report'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rerun_of_template_id'], ['slot_template.id'], name=op.f('fk_slot_template_rerun_of_template_id_slot_template'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_template'))
    )
    op.create_table('slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('rerun_of_id', sa.Integer(), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind != 'report' OR report_id IS NOT NULL", name=op.f('ck_slot_report_kind')),
    sa.CheckConstraint("kind IN ('report','programme','filler','live')", name=op.f('ck_slot_kind')),
    sa.CheckConstraint("status IN ('planned','published','aired','missed')", name=op.f('ck_slot_status')),
    sa.CheckConstraint('duration_s > 0', name=op.f('ck_slot_duration')),
    sa.CheckConstraint('end_at > start_at', name=op.f('ck_slot_times')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_slot_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_slot_report_id_report'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rerun_of_id'], ['slot.id'], name=op.f('fk_slot_rerun_of_id_slot'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['slot_template.id'], name=op.f('fk_slot_template_id_slot_template'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_slot_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot'))
    )
    with op.batch_alter_table('slot', schema=None) as batch_op:
        batch_op.create_index('ix_slot_channel_end', ['channel_id', 'end_at'], unique=False)
        batch_op.create_index('ix_slot_channel_start', ['channel_id', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_slot_report_id'), ['report_id'], unique=False)

    op.create_table('as_run_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('external_id', sa.String(length=120), nullable=True),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('delay_s', sa.Integer(), nullable=True),
    sa.Column('import_batch', sa.String(length=40), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('as_planned','late','short','unplanned')", name=op.f('ck_as_run_entry_outcome')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_as_run_entry_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['slot.id'], name=op.f('fk_as_run_entry_slot_id_slot'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_as_run_entry'))
    )
    with op.batch_alter_table('as_run_entry', schema=None) as batch_op:
        batch_op.create_index('ix_as_run_channel_start', ['channel_id', 'started_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('as_run_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_as_run_channel_start')

    op.drop_table('as_run_entry')
    with op.batch_alter_table('slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slot_report_id'))
        batch_op.drop_index('ix_slot_channel_start')
        batch_op.drop_index('ix_slot_channel_end')

    op.drop_table('slot')
    op.drop_table('slot_template')
