"""inquiries with their evidence, and the work queue's items (filled from the stalled, covered parcels)

Revision ID: 0004_inquiries_and_queue
Revises: 0003_carrier_sync
Create Date: 2026-11-24 20:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0004_inquiries_and_queue'
down_revision = '0003_carrier_sync'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inquiries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('asked_on', sa.Date(), nullable=False),
    sa.Column('seller_message', sa.Text(), nullable=False),
    sa.Column('opened_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=120), nullable=False),
    sa.Column('trace_reference', sa.String(length=64), nullable=True),
    sa.Column('trace_requested_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('carrier_outcome', sa.String(length=16), nullable=True),
    sa.Column('carrier_answered_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('letter_reference', sa.String(length=64), nullable=True),
    sa.Column('letter_tracking_no', sa.String(length=40), nullable=True),
    sa.Column('letter_outcome', sa.String(length=16), nullable=True),
    sa.Column('letter_found_on', sa.Date(), nullable=True),
    sa.Column('letter_liability', portal.db_types.Amount(precision=14, scale=2), nullable=True),
    sa.Column('letter_liability_currency', sa.String(length=3), nullable=True),
    sa.Column('letter_confirmed_by', sa.String(length=120), nullable=True),
    sa.Column('dispute_platform', sa.String(length=40), nullable=True),
    sa.Column('dispute_id', sa.String(length=80), nullable=True),
    sa.Column('dispute_opened_on', sa.Date(), nullable=True),
    sa.Column('dispute_respond_by', sa.Date(), nullable=True),
    sa.Column('closed_reason', sa.String(length=16), nullable=True),
    sa.Column('closed_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_inquiries_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inquiries')),
    sa.UniqueConstraint('number', name=op.f('uq_inquiries_number'))
    )
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inquiries_order_id'), ['order_id'], unique=False)
        batch_op.create_index('uq_inquiries_open_order', ['order_id'], unique=True, sqlite_where=sa.text("state <> 'closed'"), postgresql_where=sa.text("state <> 'closed'"))

    op.create_table('evidence_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('why', sa.String(length=400), nullable=False),
    sa.Column('mandatory', sa.Boolean(), nullable=False),
    sa.Column('generated', sa.Boolean(), nullable=False),
    sa.Column('grace_days', sa.Integer(), nullable=True),
    sa.Column('grace_from', sa.String(length=24), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('changed_by', sa.String(length=120), nullable=False),
    sa.Column('changed_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_evidence_items_inquiry_id_inquiries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_items')),
    sa.UniqueConstraint('inquiry_id', 'kind', name=op.f('uq_evidence_items_inquiry_id'))
    )
    op.create_table('queue_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('since', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tier', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('grace_due_on', sa.Date(), nullable=True),
    sa.Column('inquiry_id', sa.Integer(), nullable=True),
    sa.Column('insured_value', portal.db_types.Amount(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('carrier_code', sa.String(length=32), nullable=False),
    sa.Column('insurer_code', sa.String(length=32), nullable=False),
    sa.Column('destination_country', sa.String(length=2), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_queue_items_inquiry_id_inquiries')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_queue_items_order_id_orders')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_queue_items_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_items')),
    sa.UniqueConstraint('order_id', 'kind', name=op.f('uq_queue_items_order_id'))
    )
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.create_index('ix_queue_items_rank', ['tier', 'due_on', sa.literal_column('insured_value DESC'), 'since', 'id'], unique=False)
        batch_op.create_index('ix_queue_items_seller_rank', ['seller_id', 'tier', 'due_on', sa.literal_column('insured_value DESC'), 'since', 'id'], unique=False)

    op.create_table('evidence_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('added_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('added_by', sa.String(length=120), nullable=False),
    sa.Column('extracted', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['evidence_items.id'], name=op.f('fk_evidence_documents_item_id_evidence_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_documents'))
    )
    with op.batch_alter_table('evidence_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_documents_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_documents_sha256'), ['sha256'], unique=False)

    # The queue ranked covers by a covering index until now; it reads queue_items instead.
    with op.batch_alter_table('covers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_covers_queue_rank'))

    op.execute(
        "INSERT INTO queue_items (kind, tier, order_id, since, insured_value, currency, carrier_code, insurer_code,"
        " destination_country, seller_id)"
        " SELECT 'stalled', 1, orders.id, orders.stalled_from, covers.insured_value, covers.currency,"
        " orders.carrier_code, covers.insurer_code, orders.destination_country, orders.seller_id"
        " FROM orders JOIN covers ON covers.order_id = orders.id WHERE orders.stalled_from IS NOT NULL"
    )



def downgrade():
    with op.batch_alter_table('covers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_covers_queue_rank'), ['order_id', 'insured_value', 'currency'], unique=False)

    with op.batch_alter_table('evidence_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_documents_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_documents_item_id'))

    op.drop_table('evidence_documents')
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_items_seller_rank')
        batch_op.drop_index('ix_queue_items_rank')

    op.drop_table('queue_items')
    op.drop_table('evidence_items')
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_index('uq_inquiries_open_order', sqlite_where=sa.text("state <> 'closed'"), postgresql_where=sa.text("state <> 'closed'"))
        batch_op.drop_index(batch_op.f('ix_inquiries_order_id'))

    op.drop_table('inquiries')
