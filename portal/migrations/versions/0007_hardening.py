"""hardening: append-only ledger and audit trail (triggers), the audit hash chain, payees frozen on
approved advances, staff passwords and second factor

Revision ID: 0007_hardening
Revises: 0006_advances
Create Date: 2026-12-01 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa
import portal.db_types


# revision identifiers, used by Alembic.
revision = '0007_hardening'
down_revision = '0006_advances'
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_events", "ledger_entries", "ledger_lines")
GENESIS = "0" * 64
#: Columns of an advance that never change once written, and the payee once approved.
FIXED = ("claim_id", "seller_id", "amount", "currency", "requested_by_id")
PAYEE = ("payee_code", "payee_name", "payee_email")


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_changed_at', portal.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_enabled_at', portal.db_types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('recovery_codes', sa.JSON(), nullable=True))

    with op.batch_alter_table('advances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payee_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('payee_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('payee_email', sa.String(length=254), nullable=True))

    op.create_table('audit_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('events', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_chain_seq'), ['chain_seq'])

    _chain_existing_events()
    _create_triggers()


def _chain_existing_events():
    """Events written before the chain existed join it in the order they were written."""
    from portal.audit.chain import link

    bind = op.get_bind()
    events = sa.table(
        'audit_events', sa.column('id'), sa.column('chain_seq'), sa.column('hash'),
        *(sa.column(name) for name in ('occurred_at', 'actor_kind', 'actor_ref', 'actor_label', 'action',
                                       'entity_type', 'entity_id', 'summary')),
        sa.column('before', sa.JSON()), sa.column('after', sa.JSON()),
    )
    previous, count, updates = GENESIS, 0, []
    for row in bind.execute(sa.select(events).order_by(events.c.id)).mappings():
        row = dict(row)
        if isinstance(row["occurred_at"], str):  # SQLite without the column's type
            from datetime import datetime
            row["occurred_at"] = datetime.fromisoformat(row["occurred_at"])
        count += 1
        previous = link(previous, row)
        updates.append({"key": row["id"], "seq": count, "digest": previous})
    if updates:
        bind.execute(
            events.update().where(events.c.id == sa.bindparam("key")).values(
                chain_seq=sa.bindparam("seq"), hash=sa.bindparam("digest")
            ),
            updates,
        )
    bind.execute(sa.text("INSERT INTO audit_chain (id, last_hash, events) VALUES (1, :h, :n)"), {"h": previous, "n": count})


def _create_triggers():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION coverdesk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING HINT = 'a correction is a new (reversing) row';
            END $$
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION coverdesk_append_only()"
            )
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED)
        payee = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in PAYEE)
        op.execute(
            f"""
            CREATE FUNCTION coverdesk_advance_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN
                    RAISE EXCEPTION 'advances are never deleted';
                END IF;
                IF {changed} THEN
                    RAISE EXCEPTION 'an advance''s claim, seller, amount, currency and requester never change';
                END IF;
                IF OLD.payee_name IS NOT NULL AND ({payee}) THEN
                    RAISE EXCEPTION 'the payee of an approved advance is frozen';
                END IF;
                RETURN NEW;
            END $$
            """
        )
        op.execute(
            "CREATE TRIGGER advances_frozen BEFORE UPDATE OR DELETE ON advances "
            "FOR EACH ROW EXECUTE FUNCTION coverdesk_advance_frozen()"
        )
        return
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {action} refused'); END"
            )
    changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FIXED)
    payee = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in PAYEE)
    op.execute(
        f"CREATE TRIGGER advances_fixed BEFORE UPDATE ON advances WHEN {changed} "
        "BEGIN SELECT RAISE(ABORT, 'an advance''s claim, seller, amount, currency and requester never change'); END"
    )
    op.execute(
        f"CREATE TRIGGER advances_payee_frozen BEFORE UPDATE ON advances "
        f"WHEN OLD.payee_name IS NOT NULL AND ({payee}) "
        "BEGIN SELECT RAISE(ABORT, 'the payee of an approved advance is frozen'); END"
    )
    op.execute(
        "CREATE TRIGGER advances_no_delete BEFORE DELETE ON advances "
        "BEGIN SELECT RAISE(ABORT, 'advances are never deleted'); END"
    )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP TRIGGER advances_frozen ON advances")
        op.execute("DROP FUNCTION coverdesk_append_only()")
        op.execute("DROP FUNCTION coverdesk_advance_frozen()")
    else:
        for table in APPEND_ONLY:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{action}")
        for name in ("advances_fixed", "advances_payee_frozen", "advances_no_delete"):
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_chain_seq'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('chain_seq')
    op.drop_table('audit_chain')
    with op.batch_alter_table('advances', schema=None) as batch_op:
        batch_op.drop_column('payee_email')
        batch_op.drop_column('payee_name')
        batch_op.drop_column('payee_code')
    with op.batch_alter_table('users', schema=None) as batch_op:
        for name in ('recovery_codes', 'totp_last_step', 'totp_enabled_at', 'totp_secret', 'must_change_password',
                     'password_changed_at'):
            batch_op.drop_column(name)
