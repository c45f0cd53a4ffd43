"""working calendars entered by admins; a claim's payout due date may be pending on one

Revision ID: 0012_working_calendars
Revises: 0010_jobs
Create Date: 2026-12-01 20:50:00

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0012_working_calendars'
down_revision = '0010_jobs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('working_calendars',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('entered_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('entered_by', sa.String(length=120), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_calendars')),
    sa.UniqueConstraint('calendar', 'year', name=op.f('uq_working_calendars_calendar'))
    )
    op.create_table('working_calendar_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['working_calendars.id'], name=op.f('fk_working_calendar_days_calendar_id_working_calendars')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_calendar_days')),
    sa.UniqueConstraint('calendar_id', 'day', name=op.f('uq_working_calendar_days_calendar_id'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payout_due_pending', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('payout_due_pending')
    op.drop_table('working_calendar_days')
    op.drop_table('working_calendars')
