"""Planning: news bulletins' running orders (rundown, rundown_item) and reading rates.

Revision ID: 7c9fe331c357
Revises: 9a4d6b1f2c37
Create Date: 2026-12-05 10:45:02.447926
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7c9fe331c357'
down_revision = '9a4d6b1f2c37'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reading_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.String(length=120), nullable=False),
    sa.Column('words_per_minute', sa.Integer(), nullable=False),
    sa.CheckConstraint('words_per_minute >= 60 AND words_per_minute <= 400', name=op.f('ck_reading_rate_wpm')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_reading_rate_channel_id_channel'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reading_rate')),
    sa.UniqueConstraint('channel_id', 'anchor', name='uq_reading_rate_channel_anchor')
    )
    op.create_table('rundown',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('planned_s', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_after_approval', sa.Boolean(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft','approved')", name=op.f('ck_rundown_status')),
    sa.CheckConstraint('planned_s > 0', name=op.f('ck_rundown_planned')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_rundown_approved_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_rundown_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['slot.id'], name=op.f('fk_rundown_slot_id_slot'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_rundown_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rundown')),
    sa.UniqueConstraint('slot_id', name=op.f('uq_rundown_slot_id'))
    )
    with op.batch_alter_table('rundown', schema=None) as batch_op:
        batch_op.create_index('ix_rundown_channel_start', ['channel_id', 'starts_at'], unique=False)

    op.create_table('rundown_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rundown_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('anchor_text', sa.Text(), nullable=False),
    sa.Column('estimate_s', sa.Integer(), nullable=True),
    sa.Column('anchor', sa.String(length=120), nullable=False),
    sa.Column('changed_after_approval', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('package','reader','voice_over','sound_bite','live','break','filler')", name=op.f('ck_rundown_item_kind')),
    sa.CheckConstraint('estimate_s IS NULL OR estimate_s >= 0', name=op.f('ck_rundown_item_estimate')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_rundown_item_position')),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_rundown_item_report_id_report'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rundown_id'], ['rundown.id'], name=op.f('fk_rundown_item_rundown_id_rundown'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rundown_item'))
    )
    with op.batch_alter_table('rundown_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rundown_item_report_id'), ['report_id'], unique=False)
        batch_op.create_index('ix_rundown_item_rundown_position', ['rundown_id', 'position'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rundown_item', schema=None) as batch_op:
        batch_op.drop_index('ix_rundown_item_rundown_position')
        batch_op.drop_index(batch_op.f('ix_rundown_item_report_id'))

    op.drop_table('rundown_item')
    with op.batch_alter_table('rundown', schema=None) as batch_op:
        batch_op.drop_index('ix_rundown_channel_start')

    op.drop_table('rundown')
    op.drop_table('reading_rate')
