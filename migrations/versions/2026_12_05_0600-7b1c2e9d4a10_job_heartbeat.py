"""Jobs survive their workers: a running job's heartbeat and the worker (host:pid) holding it.

Revision ID: 7b1c2e9d4a10
Revises: e3261627249c
Create Date: 2026-12-05 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7b1c2e9d4a10'
down_revision = 'e3261627249c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('worker', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_column('worker')
        batch_op.drop_column('heartbeat_at')
