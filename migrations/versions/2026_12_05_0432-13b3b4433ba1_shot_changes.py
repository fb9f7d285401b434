"""Masters keep their shot changes (ms), found by ingest's scene detection; NULL = not detected.

Revision ID: 13b3b4433ba1
Revises: 2f2188c282ab
Create Date: 2026-12-05 04:32:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '13b3b4433ba1'
down_revision = '2f2188c282ab'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('media_asset', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shot_changes_ms', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('media_asset', schema=None) as batch_op:
        batch_op.drop_column('shot_changes_ms')
