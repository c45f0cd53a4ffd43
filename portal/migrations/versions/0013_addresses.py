"""the seller's postal address and phone, the order's recipient (name and postal address): claim
forms name the claimant and the consignee; optional, so orders and sellers from before stay valid

Revision ID: 0013_addresses
Revises: 0012_calendars_payments_imports
Create Date: 2026-12-01 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_addresses'
down_revision = '0012_calendars_payments_imports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sellers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=True))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('recipient_address', sa.Text(), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch rebuild would drop and re-create
    # orders and sellers, which other tables' foreign keys refer to.
    op.drop_column('orders', 'recipient_address')
    op.drop_column('orders', 'recipient_name')
    op.drop_column('sellers', 'phone')
    op.drop_column('sellers', 'address')
