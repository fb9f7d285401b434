"""Playout tokens: a channel's playout engine reports each clip it plays (as-run hook).

Revision ID: 9a4d2c7e1f30
Revises: 5c0e7a2d91b4
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '9a4d2c7e1f30'
down_revision = '5c0e7a2d91b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'playout_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['channel_id'], ['channel.id'],
                                name=op.f('fk_playout_token_channel_id_channel'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_playout_token_created_by_id_user_account'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_playout_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_playout_token_token_hash')),
    )
    with op.batch_alter_table('playout_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_playout_token_channel_id'), ['channel_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('playout_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_playout_token_channel_id'))
    op.drop_table('playout_token')
