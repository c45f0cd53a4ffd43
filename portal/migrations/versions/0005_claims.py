"""claims, their submission packs and supplements; overdue payouts on the work queue

Revision ID: 0005_claims
Revises: 0004_inquiries_and_queue
Create Date: 2026-11-24 20:55:00.000000

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0005_claims'
down_revision = '0004_inquiries_and_queue'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=True),
    sa.Column('inquiry_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('insurer_code', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('claimed_amount', portal.db_types.Amount(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount_rule', sa.String(length=300), nullable=False),
    sa.Column('lost_share', portal.db_types.Amount(precision=14, scale=2), nullable=False),
    sa.Column('created_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('submitted_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('insurer_reference', sa.String(length=64), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    sa.Column('payout_due_on', sa.Date(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('paid_amount', portal.db_types.Amount(precision=14, scale=2), nullable=True),
    sa.Column('payment_reference', sa.String(length=64), nullable=True),
    sa.Column('rejected_reason', sa.Text(), nullable=True),
    sa.Column('documents_requested', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_claims_inquiry_id_inquiries')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_claims_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('inquiry_id', name=op.f('uq_claims_inquiry_id')),
    sa.UniqueConstraint('number', name=op.f('uq_claims_number'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_insurer_reference'), ['insurer_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_order_id'), ['order_id'], unique=False)
        batch_op.create_index('ix_claims_state_due', ['state', 'payout_due_on'], unique=False)

    op.create_table('claim_packs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('generated_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('generated_by', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_packs_claim_id_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_packs')),
    sa.UniqueConstraint('claim_id', 'version', name=op.f('uq_claim_packs_claim_id'))
    )
    op.create_table('claim_supplements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('added_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_supplements_claim_id_claims')),
    sa.ForeignKeyConstraint(['document_id'], ['evidence_documents.id'], name=op.f('fk_claim_supplements_document_id_evidence_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_supplements')),
    sa.UniqueConstraint('claim_id', 'document_id', name=op.f('uq_claim_supplements_claim_id'))
    )
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claim_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_queue_items_claim_id_claims'), 'claims', ['claim_id'], ['id'])



def downgrade():
    with op.batch_alter_table('queue_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_queue_items_claim_id_claims'), type_='foreignkey')
        batch_op.drop_column('claim_id')

    op.drop_table('claim_supplements')
    op.drop_table('claim_packs')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index('ix_claims_state_due')
        batch_op.drop_index(batch_op.f('ix_claims_order_id'))
        batch_op.drop_index(batch_op.f('ix_claims_insurer_reference'))

    op.drop_table('claims')
