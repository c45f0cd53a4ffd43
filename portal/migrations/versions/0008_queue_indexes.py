"""the work queue's indexes: DESC restored on the rank indexes, one rank index per filter

0005's batch rebuild of queue_items on SQLite re-created both rank indexes from reflection, which
drops the columns' direction: every queue request then sorted all due items instead of reading
the index in order. PostgreSQL kept them as 0004 made them; re-creating them there is harmless.

A filtered page walked the rank index until it had found a page of matching items: a filter that
matches few items (a rare destination, an insurer with little on the queue) walked all of them,
90 ms at 1,000,000 orders. Each filter now has its own index in rank order.

Revision ID: 0008_queue_indexes
Revises: 0007_hardening
Create Date: 2026-12-01 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_queue_indexes'
down_revision = '0007_hardening'
branch_labels = None
depends_on = None

FILTERS = ['carrier_code', 'insurer_code', 'destination_country']
RANK = ['tier', 'due_on', sa.text('insured_value DESC'), 'since', 'id']


def upgrade():
    op.drop_index('ix_queue_items_rank', table_name='queue_items')
    op.drop_index('ix_queue_items_seller_rank', table_name='queue_items')
    op.create_index('ix_queue_items_rank', 'queue_items', RANK, unique=False)
    op.create_index('ix_queue_items_seller_rank', 'queue_items', ['seller_id', *RANK], unique=False)
    for column in FILTERS:
        op.create_index(f'ix_queue_items_{column}_rank', 'queue_items', [column, *RANK], unique=False)


def downgrade():
    # The rank indexes stay as they are: with DESC is what 0006 should have had.
    for column in FILTERS:
        op.drop_index(f'ix_queue_items_{column}_rank', table_name='queue_items')
