"""queue_items' rank indexes read insured_value descending again (SQLite lost DESC in 0005)

0005's batch rebuild of queue_items on SQLite re-created both rank indexes from reflection, which
drops the columns' direction: every queue request then sorted all due items instead of reading
the index in order. PostgreSQL kept them as 0004 made them; re-creating them there is harmless.

Revision ID: 0007_index_directions
Revises: 0006_advances
Create Date: 2026-12-01 16:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_index_directions'
down_revision = '0006_advances'
branch_labels = None
depends_on = None

RANK = ['tier', 'due_on', sa.text('insured_value DESC'), 'since', 'id']


def upgrade():
    op.drop_index('ix_queue_items_rank', table_name='queue_items')
    op.drop_index('ix_queue_items_seller_rank', table_name='queue_items')
    op.create_index('ix_queue_items_rank', 'queue_items', RANK, unique=False)
    op.create_index('ix_queue_items_seller_rank', 'queue_items', ['seller_id', *RANK], unique=False)


def downgrade():
    pass  # the indexes as they are now are what 0006 should have had; nothing to undo
