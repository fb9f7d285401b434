"""Review loop: a translation cue remembers that its source changed after it was written.

Revision ID: 5c0e7a2d91b4
Revises: 00081144a8ba
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '5c0e7a2d91b4'
down_revision = '00081144a8ba'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cue', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_changed_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cue', schema=None) as batch_op:
        batch_op.drop_column('source_changed_at')
