"""the work queue's items, ranked by an index; filled from the stalled, covered parcels

Revision ID: 0004_queue_items
Revises: 0003_carrier_sync
Create Date: 2026-11-24 20:05:00.000000

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0004_queue_items'
down_revision = '0003_carrier_sync'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('queue_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('since', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('insured_value', portal.db_types.Amount(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('carrier_code', sa.String(length=32), nullable=False),
    sa.Column('insurer_code', sa.String(length=32), nullable=False),
    sa.Column('destination_country', sa.String(length=2), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_queue_items_order_id_orders')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_queue_items_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_items')),
    sa.UniqueConstraint('order_id', 'kind', name=op.f('uq_queue_items_order_id'))
    )
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.create_index('ix_queue_items_rank', [sa.literal_column('insured_value DESC'), 'since', 'id'], unique=False)
        batch_op.create_index('ix_queue_items_seller', ['seller_id'], unique=False)

    # The queue ranked covers by a covering index until now; it reads queue_items instead.
    with op.batch_alter_table('covers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_covers_queue_rank'))

    op.execute(
        "INSERT INTO queue_items (kind, order_id, since, insured_value, currency, carrier_code, insurer_code,"
        " destination_country, seller_id)"
        " SELECT 'stalled', orders.id, orders.stalled_from, covers.insured_value, covers.currency,"
        " orders.carrier_code, covers.insurer_code, orders.destination_country, orders.seller_id"
        " FROM orders JOIN covers ON covers.order_id = orders.id WHERE orders.stalled_from IS NOT NULL"
    )



def downgrade():
    with op.batch_alter_table('covers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_covers_queue_rank'), ['order_id', 'insured_value', 'currency'], unique=False)

    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_items_seller')
        batch_op.drop_index('ix_queue_items_rank')

    op.drop_table('queue_items')
