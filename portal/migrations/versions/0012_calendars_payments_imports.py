"""working calendars entered by admins (a claim's payout due date may be pending on one); the
insurer's payment of a claim, one per claim and append-only; tracking files imported from the browser

Revision ID: 0012_calendars_payments_imports
Revises: 0011_quiet_watch_and_assignment
Create Date: 2026-12-01 20:50:00

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0012_calendars_payments_imports'
down_revision = '0011_quiet_watch_and_assignment'
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
    op.create_table('insurer_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('amount', portal.db_types.Amount(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.Column('difference', portal.db_types.Amount(precision=14, scale=2), nullable=False),
    sa.Column('recorded_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_insurer_payments_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_insurer_payments')),
    sa.UniqueConstraint('claim_id', name=op.f('uq_insurer_payments_claim_id'))
    )
    op.create_table('tracking_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('carrier_code', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('added', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('problems', sa.JSON(), nullable=False),
    sa.Column('requested_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('finished_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tracking_imports'))
    )
    # As the ledger (0007): a recorded payment is never edited or deleted.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER insurer_payments_append_only BEFORE UPDATE OR DELETE ON insurer_payments "
            "FOR EACH ROW EXECUTE FUNCTION coverdesk_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER insurer_payments_no_{action.lower()} BEFORE {action} ON insurer_payments "
                f"BEGIN SELECT RAISE(ABORT, 'insurer_payments is append-only: {action} refused'); END"
            )


def downgrade():
    op.drop_table('tracking_imports')
    op.drop_table('insurer_payments')  # its triggers go with it
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('payout_due_pending')
    op.drop_table('working_calendar_days')
    op.drop_table('working_calendars')
