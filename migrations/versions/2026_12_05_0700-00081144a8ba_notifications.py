"""Notifications: the bell's rows, and an e-mail address with an opt-in on each account.

Revision ID: 00081144a8ba
Revises: 7b1c2e9d4a10
Create Date: 2026-12-05 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '00081144a8ba'
down_revision = '7b1c2e9d4a10'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('email_state', sa.String(length=8), nullable=True),
    sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("email_state IS NULL OR email_state IN ('pending','sending','sent','skipped','failed')", name=op.f('ck_notification_email_state')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notification_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    sa.UniqueConstraint('user_id', 'dedupe_key', name=op.f('uq_notification_user_id_dedupe_key'))
    )
    op.create_index('ix_notification_user_created', 'notification', ['user_id', 'created_at'], unique=False)
    op.create_index('ix_notification_user_unread', 'notification', ['user_id', 'read_at'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('email_notifications', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_notifications')
        batch_op.drop_column('email')
    op.drop_index('ix_notification_user_unread', table_name='notification')
    op.drop_index('ix_notification_user_created', table_name='notification')
    op.drop_table('notification')
