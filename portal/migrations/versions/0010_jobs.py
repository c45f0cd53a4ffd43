"""background jobs: one row per job (unique key), claimed and finished by conditional updates

Revision ID: 0010_jobs
Revises: 0009_plugin_owners
Create Date: 2026-12-01 19:27:59.348668

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0010_jobs'
down_revision = '0009_plugin_owners'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('subject', sa.String(length=80), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=True),
    sa.Column('lease_until', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('queued_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('next_try_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('outcome', sa.String(length=500), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('key', name=op.f('uq_job_runs_key'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_kind_queued', ['kind', 'queued_at'], unique=False)
        batch_op.create_index('ix_job_runs_state_lease', ['state', 'lease_until'], unique=False)
        batch_op.create_index('ix_job_runs_subject', ['subject'], unique=False)



def downgrade():
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_subject')
        batch_op.drop_index('ix_job_runs_state_lease')
        batch_op.drop_index('ix_job_runs_kind_queued')

    op.drop_table('job_runs')
