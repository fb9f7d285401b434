"""Foundation: channels, accounts, jobs, reports, their history and media assets.

Revision ID: b2f51c099acc
Revises: 
Create Date: 2026-11-26 03:04:00.364957
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = 'b2f51c099acc'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('channel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('owner', sa.String(length=10), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('day_start_hour', sa.Integer(), nullable=False),
    sa.Column('required_languages', sa.JSON(), nullable=False),
    sa.Column('subtitle_rules', sa.JSON(), nullable=False),
    sa.Column('delivery_spec', sa.String(length=60), nullable=True),
    sa.Column('loudness_target_lufs', sa.Double(), nullable=False),
    sa.Column('loudness_tolerance_lu', sa.Double(), nullable=False),
    sa.Column('true_peak_max_dbtp', sa.Double(), nullable=False),
    sa.CheckConstraint("kind IN ('tv','radio')", name=op.f('ck_channel_kind')),
    sa.CheckConstraint("owner IN ('station','partner')", name=op.f('ck_channel_owner')),
    sa.CheckConstraint('day_start_hour >= 0 AND day_start_hour <= 23', name=op.f('ck_channel_day_start_hour')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel')),
    sa.UniqueConstraint('code', name=op.f('uq_channel_code'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=40), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(role = 'partner') = (channel_id IS NOT NULL)", name=op.f('ck_user_account_partner_has_channel')),
    sa.CheckConstraint("role IN ('admin','editor','translator','partner')", name=op.f('ck_user_account_role')),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_user_account_channel_id_channel'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    op.create_table('job_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('args', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('progress', sa.Double(), nullable=False),
    sa.Column('step', sa.String(length=200), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('subject_type', sa.String(length=40), nullable=True),
    sa.Column('subject_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('queued','running','succeeded','failed','cancelled')", name=op.f('ck_job_run_status')),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_job_run_progress_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_job_run_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_run'))
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index('ix_job_run_subject', ['subject_type', 'subject_id'], unique=False)
        batch_op.create_index('uq_job_run_active_dedupe', ['dedupe_key'], unique=True, sqlite_where=sa.text("status IN ('queued','running')"), postgresql_where=sa.text("status IN ('queued','running')"))

    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('original_language', sa.String(length=35), nullable=False),
    sa.Column('reporter', sa.String(length=120), nullable=True),
    sa.Column('editor_id', sa.Integer(), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('planned_duration_s', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('tags', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind IN ('tv_report', 'radio_programme', 'news')", name=op.f('ck_report_kind')),
    sa.CheckConstraint("status IN ('planned', 'in_production', 'editing', 'review', 'approved', 'scheduled', 'aired', 'archived')", name=op.f('ck_report_status')),
    sa.CheckConstraint('planned_duration_s IS NULL OR planned_duration_s > 0', name=op.f('ck_report_planned_duration')),
    sa.ForeignKeyConstraint(['editor_id'], ['user_account.id'], name=op.f('fk_report_editor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_report_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index('ix_report_status_due', ['status', 'due_date'], unique=False)

    op.create_table('media_asset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('original_name', sa.String(length=300), nullable=True),
    sa.Column('container', sa.String(length=80), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('bit_rate', sa.BigInteger(), nullable=True),
    sa.Column('video_codec', sa.String(length=40), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('frame_rate', sa.String(length=20), nullable=True),
    sa.Column('field_order', sa.String(length=20), nullable=True),
    sa.Column('audio_codec', sa.String(length=40), nullable=True),
    sa.Column('sample_rate', sa.Integer(), nullable=True),
    sa.Column('channels', sa.Integer(), nullable=True),
    sa.Column('loudness_lufs', sa.Double(), nullable=True),
    sa.Column('true_peak_dbtp', sa.Double(), nullable=True),
    sa.Column('loudness_range_lu', sa.Double(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('master', 'proxy', 'audio', 'poster', 'waveform', 'peaks')", name=op.f('ck_media_asset_role')),
    sa.CheckConstraint('size_bytes >= 0', name=op.f('ck_media_asset_size')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_media_asset_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_media_asset_report_id_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_asset')),
    sa.UniqueConstraint('report_id', 'role', name=op.f('uq_media_asset_report_id_role'))
    )
    with op.batch_alter_table('media_asset', schema=None) as batch_op:
        batch_op.create_index('ix_media_asset_sha256', ['sha256'], unique=False)

    op.create_table('report_channel',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('channel_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['channel_id'], ['channel.id'], name=op.f('fk_report_channel_channel_id_channel'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_channel_report_id_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'channel_id', name=op.f('pk_report_channel'))
    )
    op.create_table('report_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('created','edited','status','media')", name=op.f('ck_report_event_kind')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_report_event_actor_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_event_report_id_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_event'))
    )
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_event_report_id'), ['report_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_event_report_id'))

    op.drop_table('report_event')
    op.drop_table('report_channel')
    with op.batch_alter_table('media_asset', schema=None) as batch_op:
        batch_op.drop_index('ix_media_asset_sha256')

    op.drop_table('media_asset')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index('ix_report_status_due')

    op.drop_table('report')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index('uq_job_run_active_dedupe', sqlite_where=sa.text("status IN ('queued','running')"), postgresql_where=sa.text("status IN ('queued','running')"))
        batch_op.drop_index('ix_job_run_subject')

    op.drop_table('job_run')
    op.drop_table('user_account')
    op.drop_table('channel')
