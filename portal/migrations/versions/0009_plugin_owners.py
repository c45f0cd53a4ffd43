"""plugin_owners: which plugin owns each carrier and insurer code, so a newcomer declaring a code
that records name is skipped instead of taking it over

Revision ID: 0009_plugin_owners
Revises: 0008_queue_indexes
Create Date: 2026-12-01 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

import portal.db_types


# revision identifiers, used by Alembic.
revision = '0009_plugin_owners'
down_revision = '0008_queue_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'plugin_owners',
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('origin', sa.String(length=300), nullable=False),
        sa.Column('since', portal.db_types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('kind', 'code', name=op.f('pk_plugin_owners')),
    )


def downgrade():
    op.drop_table('plugin_owners')
