"""where the online tracking sync stands with each carrier

Revision ID: 0003_carrier_sync
Revises: 0002_tracking
Create Date: 2026-11-26 10:12:00.000000

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0003_carrier_sync'
down_revision = '0002_tracking'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('carrier_syncs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_code', sa.String(length=32), nullable=False),
    sa.Column('last_attempt_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_carrier_syncs')),
    sa.UniqueConstraint('carrier_code', name=op.f('uq_carrier_syncs_carrier_code'))
    )


def downgrade():
    op.drop_table('carrier_syncs')
