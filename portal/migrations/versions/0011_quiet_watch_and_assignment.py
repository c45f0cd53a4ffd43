"""quiet parcels on the queue (watch items, "quiet for" sorting) and cases assigned to agents

queue_items gain ``quiet_since`` (the parcel's last news) with an index for sorting by it,
``until`` (a watched parcel leaves the queue when its carrier's threshold passes) and
``assignee_id`` (a copy of the case's assignee, 0 for none) with its own rank index. Inquiries
gain their assignee. Orders still on their way get a partial index by last event (the orders list
sorted by "quiet for").

Existing items get their last news; the watch items of parcels already quiet are derived with the
default setting of 7 days (the next tracking event of a parcel re-derives them with the setting).

Revision ID: 0011_quiet_watch_and_assignment
Revises: 0010_jobs
Create Date: 2026-12-01 20:45:00.000000

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0011_quiet_watch_and_assignment'
down_revision = '0010_jobs'
branch_labels = None
depends_on = None

RANK = ['tier', 'due_on', sa.text('insured_value DESC'), 'since', 'id']
WATCH_DAYS = 7


def upgrade():
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('assigned_at', portal.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_inquiries_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inquiries_assignee_id_users'), 'users', ['assignee_id'], ['id'])
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('until', portal.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('quiet_since', portal.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=False, server_default='0'))
    # Created outside the batch: a batch rebuild on SQLite would drop the DESC of the rank indexes.
    op.create_index('ix_queue_items_quiet', 'queue_items', ['quiet_since', 'id'], unique=False)
    op.create_index('ix_queue_items_assignee_id_rank', 'queue_items', ['assignee_id', *RANK], unique=False)
    op.create_index(
        'ix_orders_quiet',
        'orders',
        ['last_event_at', 'id'],
        unique=False,
        sqlite_where=sa.text('stalled_from IS NOT NULL'),
        postgresql_where=sa.text('stalled_from IS NOT NULL'),
    )
    _backfill()


def _backfill():
    bind = op.get_bind()
    bind.execute(
        sa.text(
            'UPDATE queue_items SET quiet_since = (SELECT COALESCE(orders.last_event_at, orders.dispatched_at)'
            ' FROM orders WHERE orders.id = queue_items.order_id)'
        )
    )
    utc = portal.db_types.UTCDateTime(timezone=True)
    rows = bind.execute(
        sa.text(
            'SELECT orders.id, orders.last_event_at, orders.dispatched_at, orders.stalled_from,'
            ' orders.carrier_code, orders.destination_country, orders.seller_id,'
            ' covers.insured_value, covers.currency, covers.insurer_code'
            ' FROM orders JOIN covers ON covers.order_id = orders.id'
            ' WHERE orders.stalled_from IS NOT NULL'
            ' AND NOT EXISTS (SELECT 1 FROM inquiries WHERE inquiries.order_id = orders.id'
            " AND (inquiries.state <> 'closed' OR inquiries.closed_reason IN ('claim_paid', 'claim_rejected')))"
        ).columns(last_event_at=utc, dispatched_at=utc, stalled_from=utc)
    ).all()
    items = sa.table(
        'queue_items',
        sa.column('kind'), sa.column('tier'), sa.column('order_id'), sa.column('since', utc), sa.column('until', utc),
        sa.column('quiet_since', utc), sa.column('insured_value'), sa.column('currency'), sa.column('carrier_code'),
        sa.column('insurer_code'), sa.column('destination_country'), sa.column('seller_id'), sa.column('assignee_id'),
    )
    watch = timedelta(days=WATCH_DAYS)
    found = []
    for row in rows:
        quiet_since = max(filter(None, (row.last_event_at, row.dispatched_at)))
        if quiet_since + watch < row.stalled_from:
            found.append({
                'kind': 'watch', 'tier': 2, 'order_id': row.id, 'since': quiet_since + watch,
                'until': row.stalled_from, 'quiet_since': quiet_since, 'insured_value': row.insured_value,
                'currency': row.currency, 'carrier_code': row.carrier_code, 'insurer_code': row.insurer_code,
                'destination_country': row.destination_country, 'seller_id': row.seller_id, 'assignee_id': 0,
            })
    for start in range(0, len(found), 1000):
        bind.execute(items.insert(), found[start:start + 1000])


def downgrade():
    op.execute("DELETE FROM queue_items WHERE kind = 'watch'")
    op.drop_index('ix_orders_quiet', table_name='orders')
    op.drop_index('ix_queue_items_assignee_id_rank', table_name='queue_items')
    op.drop_index('ix_queue_items_quiet', table_name='queue_items')
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('quiet_since')
        batch_op.drop_column('until')
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inquiries_assignee_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inquiries_assignee_id'))
        batch_op.drop_column('assigned_at')
        batch_op.drop_column('assignee_id')
