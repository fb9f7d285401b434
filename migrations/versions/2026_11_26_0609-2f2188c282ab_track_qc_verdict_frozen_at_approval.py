"""Tracks keep the QC verdict they were approved with (errors, warnings, notes).

Revision ID: 2f2188c282ab
Revises: df7dc422cb30
Create Date: 2026-11-26 06:09:59.390248
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '2f2188c282ab'
down_revision = 'df7dc422cb30'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qc_errors', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('qc_warnings', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('qc_infos', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.drop_column('qc_infos')
        batch_op.drop_column('qc_warnings')
        batch_op.drop_column('qc_errors')

