"""advances to sellers and their append-only ledger

Revision ID: 0006_advances
Revises: 0005_claims
Create Date: 2026-11-24 21:10:00.000000

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0006_advances'
down_revision = '0005_claims'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('advances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=True),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('insurer_code', sa.String(length=32), nullable=False),
    sa.Column('amount', portal.db_types.Amount(precision=14, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('requested_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('decided_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=120), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.Column('paid_at', portal.db_types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payment_reference', sa.String(length=64), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_advances_positive_amount')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_advances_claim_id_claims')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_advances_decided_by_id_users')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_advances_requested_by_id_users')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_advances_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advances')),
    sa.UniqueConstraint('number', name=op.f('uq_advances_number')),
    sa.UniqueConstraint('payment_reference', name=op.f('uq_advances_payment_reference'))
    )
    with op.batch_alter_table('advances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advances_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_advances_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index('uq_advances_live_claim', ['claim_id'], unique=True, sqlite_where=sa.text("state <> 'declined'"), postgresql_where=sa.text("state <> 'declined'"))

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('advance_id', sa.Integer(), nullable=True),
    sa.Column('seller_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('booked_at', portal.db_types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('booked_by', sa.String(length=120), nullable=False),
    sa.Column('memo', sa.String(length=300), nullable=False),
    sa.Column('external_reference', sa.String(length=80), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['advance_id'], ['advances.id'], name=op.f('fk_ledger_entries_advance_id_advances')),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_ledger_entries_claim_id_claims')),
    sa.ForeignKeyConstraint(['reverses_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_reverses_id_ledger_entries')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.id'], name=op.f('fk_ledger_entries_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_ledger_entries_reverses_id'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index('uq_ledger_advance_paid', ['advance_id'], unique=True, sqlite_where=sa.text("kind = 'advance_paid'"), postgresql_where=sa.text("kind = 'advance_paid'"))

    op.create_table('ledger_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('account', sa.String(length=24), nullable=False),
    sa.Column('amount', portal.db_types.Amount(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_lines_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_lines')),
    sa.UniqueConstraint('entry_id', 'account', name=op.f('uq_ledger_lines_entry_id'))
    )
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_lines_entry_id'), ['entry_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ledger_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_lines_entry_id'))

    op.drop_table('ledger_lines')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('uq_ledger_advance_paid', sqlite_where=sa.text("kind = 'advance_paid'"), postgresql_where=sa.text("kind = 'advance_paid'"))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_seller_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_claim_id'))

    op.drop_table('ledger_entries')
    with op.batch_alter_table('advances', schema=None) as batch_op:
        batch_op.drop_index('uq_advances_live_claim', sqlite_where=sa.text("state <> 'declined'"), postgresql_where=sa.text("state <> 'declined'"))
        batch_op.drop_index(batch_op.f('ix_advances_seller_id'))
        batch_op.drop_index(batch_op.f('ix_advances_claim_id'))

    op.drop_table('advances')
