"""Review: cue comments, who submitted a track, translators who may review.

Revision ID: e13ad037d6b4
Revises: 68238f2d6797
Create Date: 2026-11-26 03:49:48.033461
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'e13ad037d6b4'
down_revision = '68238f2d6797'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cue_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cue_id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_cue_comment_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cue_id'], ['cue.id'], name=op.f('fk_cue_comment_cue_id_cue'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['track.id'], name=op.f('fk_cue_comment_track_id_track'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cue_comment'))
    )
    with op.batch_alter_table('cue_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cue_comment_cue_id'), ['cue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cue_comment_track_id'), ['track_id'], unique=False)

    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_track_submitted_by_id_user_account'), 'user_account', ['submitted_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('can_review', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('can_review')

    with op.batch_alter_table('track', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_track_submitted_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('submitted_by_id')

    with op.batch_alter_table('cue_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cue_comment_track_id'))
        batch_op.drop_index(batch_op.f('ix_cue_comment_cue_id'))

    op.drop_table('cue_comment')
