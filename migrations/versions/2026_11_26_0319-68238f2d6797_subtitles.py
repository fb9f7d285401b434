"""Subtitles: tracks per language, cues, cue revisions and the glossary.

Revision ID: 68238f2d6797
Revises: b2f51c099acc
Create Date: 2026-11-26 03:19:28.768017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '68238f2d6797'
down_revision = 'b2f51c099acc'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('glossary_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=200), nullable=False),
    sa.Column('translations', sa.JSON(), nullable=False),
    sa.Column('variants', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_term')),
    sa.UniqueConstraint('term', name=op.f('uq_glossary_term_term'))
    )
    op.create_table('track',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('source_track_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('engine', sa.String(length=120), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("origin IN ('machine','human')", name=op.f('ck_track_origin')),
    sa.CheckConstraint("role IN ('original','translation')", name=op.f('ck_track_role')),
    sa.CheckConstraint("status IN ('draft','in_review','approved')", name=op.f('ck_track_status')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_track_approved_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_track_report_id_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_track_id'], ['track.id'], name=op.f('fk_track_source_track_id_track'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_track')),
    sa.UniqueConstraint('report_id', 'language', name=op.f('uq_track_report_id_language'))
    )
    op.create_table('cue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('start_ms', sa.Integer(), nullable=False),
    sa.Column('end_ms', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('words', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('open','confirmed')", name=op.f('ck_cue_status')),
    sa.CheckConstraint('start_ms >= 0 AND end_ms > start_ms', name=op.f('ck_cue_times')),
    sa.ForeignKeyConstraint(['track_id'], ['track.id'], name=op.f('fk_cue_track_id_track'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_cue_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cue'))
    )
    with op.batch_alter_table('cue', schema=None) as batch_op:
        batch_op.create_index('ix_cue_track_start', ['track_id', 'start_ms'], unique=False)

    op.create_table('cue_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cue_id', sa.Integer(), nullable=True),
    sa.Column('track_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_cue_revision_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cue_id'], ['cue.id'], name=op.f('fk_cue_revision_cue_id_cue'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['track_id'], ['track.id'], name=op.f('fk_cue_revision_track_id_track'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cue_revision'))
    )
    with op.batch_alter_table('cue_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cue_revision_cue_id'), ['cue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cue_revision_track_id'), ['track_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cue_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cue_revision_track_id'))
        batch_op.drop_index(batch_op.f('ix_cue_revision_cue_id'))

    op.drop_table('cue_revision')
    with op.batch_alter_table('cue', schema=None) as batch_op:
        batch_op.drop_index('ix_cue_track_start')

    op.drop_table('cue')
    op.drop_table('track')
    op.drop_table('glossary_term')
