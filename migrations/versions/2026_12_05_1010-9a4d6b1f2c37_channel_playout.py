"""Schedule: each channel's playout settings (folder, storage, filler, day start, playlists).

Revision ID: 9a4d6b1f2c37
Revises: 9a4d2c7e1f30
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '9a4d6b1f2c37'
down_revision = '9a4d2c7e1f30'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel_playout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('folder', sa.String(length=500), nullable=False),
    sa.Column('storage', sa.String(length=500), nullable=False),
    sa.Column('filler', sa.String(length=500), nullable=False),
    sa.Column('filler_ms', sa.Integer(), nullable=True),
    sa.Column('day_start', sa.String(length=8), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('layout', sa.String(length=8), nullable=False),
    sa.Column('playlists', sa.String(length=500), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("layout IN ('tree','single')", name=op.f('ck_channel_playout_layout')),
    sa.CheckConstraint('filler_ms IS NULL OR filler_ms > 0',
                       name=op.f('ck_channel_playout_filler_ms')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'],
                            name=op.f('fk_channel_playout_channel_id_channel'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                            name=op.f('fk_channel_playout_updated_by_id_user_account'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_playout')),
    sa.UniqueConstraint('channel_id', name=op.f('uq_channel_playout_channel_id'))
    )


def downgrade() -> None:
    op.drop_table('channel_playout')
