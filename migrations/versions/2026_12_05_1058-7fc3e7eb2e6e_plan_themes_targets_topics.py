"""Planning: the year's plan (plan, theme, plan_target) and its assignments (topic).

Revision ID: 7fc3e7eb2e6e
Revises: 7c9fe331c357
Create Date: 2026-12-05 10:58:14.994605
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '7fc3e7eb2e6e'
down_revision = '7c9fe331c357'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('year >= 2000 AND year <= 2100', name=op.f('ck_plan_year')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan')),
    sa.UniqueConstraint('year', name='uq_plan_year')
    )
    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_theme_plan_id_plan'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme')),
    sa.UniqueConstraint('plan_id', 'name', name='uq_theme_plan_name')
    )
    op.create_table('plan_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=35), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('count >= 0 AND minutes >= 0', name=op.f('ck_plan_target_amounts')),
    sa.CheckConstraint('quarter >= 1 AND quarter <= 4', name=op.f('ck_plan_target_quarter')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_plan_target_channel_id_channel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_plan_target_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_target'))
    )
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.create_index('ix_plan_target_theme_quarter', ['theme_id', 'quarter'], unique=False)

    op.create_table('topic',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('shoot_date', sa.Date(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('reporter_name', sa.String(length=120), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('camera_name', sa.String(length=120), nullable=False),
    sa.Column('camera_id', sa.Integer(), nullable=True),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('due_date IS NULL OR shoot_date IS NULL OR due_date >= shoot_date', name=op.f('ck_topic_dates')),
    sa.ForeignKeyConstraint(['camera_id'], ['user_account.id'], name=op.f('fk_topic_camera_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['editor_id'], ['user_account.id'], name=op.f('fk_topic_editor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_topic_report_id_report'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reporter_id'], ['user_account.id'], name=op.f('fk_topic_reporter_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_topic_theme_id_theme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_topic_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_topic')),
    sa.UniqueConstraint('report_id', name=op.f('uq_topic_report_id'))
    )
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_topic_camera_id'), ['camera_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_topic_editor_id'), ['editor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_topic_reporter_id'), ['reporter_id'], unique=False)
        batch_op.create_index('ix_topic_shoot_date', ['shoot_date'], unique=False)
        batch_op.create_index('ix_topic_theme', ['theme_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('topic', schema=None) as batch_op:
        batch_op.drop_index('ix_topic_theme')
        batch_op.drop_index('ix_topic_shoot_date')
        batch_op.drop_index(batch_op.f('ix_topic_reporter_id'))
        batch_op.drop_index(batch_op.f('ix_topic_editor_id'))
        batch_op.drop_index(batch_op.f('ix_topic_camera_id'))

    op.drop_table('topic')
    with op.batch_alter_table('plan_target', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_target_theme_quarter')

    op.drop_table('plan_target')
    op.drop_table('theme')
    op.drop_table('plan')
