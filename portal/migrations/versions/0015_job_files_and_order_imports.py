"""a job may make a file (its run names it: the trace request's and the seller statement's PDFs);
CSV files of orders imported from the browser by a job

Revision ID: 0015_job_files_and_order_imports
Revises: 0014_search
Create Date: 2026-12-01 22:40:00

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0015_job_files_and_order_imports'
down_revision = '0014_search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('result_name', sa.String(length=200), nullable=False, server_default=''))
    op.create_table('order_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('with_cover', sa.Integer(), nullable=False),
    sa.Column('already_present', sa.Integer(), nullable=False),
    sa.Column('problem_count', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('failure', sa.Text(), nullable=False),
    sa.Column('requested_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('finished_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_imports'))
    )


def downgrade():
    op.drop_table('order_imports')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_column('result_name')
        batch_op.drop_column('result_sha256')
