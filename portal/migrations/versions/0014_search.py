"""search within order numbers, tracking numbers and sellers' codes and names (trigram indexes)

PostgreSQL: the pg_trgm extension (in the schema ``public`` when the database has one, so a
schema dropped later does not take the extension and every other schema's indexes with it) and
GIN trigram indexes on orders.order_no, orders.tracking_no and sellers (code, name), serving
``ILIKE '%…%'``.

SQLite: FTS5 tables with the trigram tokenizer (SQLite >= 3.34), holding no copy of the text
(external content: they index orders and sellers), kept by triggers on every insert, update and
delete. A later migration that rebuilds ``orders`` or ``sellers`` with a batch operation drops
their triggers with the old table: it must create them again (``create_sqlite_search``).

Both are filled from the rows already there.

Revision ID: 0014_search
Revises: 0013_addresses
Create Date: 2026-12-01 22:20:00

"""
from alembic import op

from portal.database import ensure_extension


# revision identifiers, used by Alembic.
revision = '0014_search'
down_revision = '0013_addresses'
branch_labels = None
depends_on = None

# (table, FTS table, its columns)
SQLITE_SEARCH = (
    ('orders', 'orders_search', ('order_no', 'tracking_no')),
    ('sellers', 'sellers_search', ('code', 'name')),
)


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        _postgres_upgrade()
    else:
        create_sqlite_search()


def _postgres_upgrade():
    schema = ensure_extension(op.get_bind(), 'pg_trgm')
    ops = f'{schema}.gin_trgm_ops'
    op.execute(f'CREATE INDEX ix_orders_order_no_trgm ON orders USING gin (order_no {ops})')
    op.execute(f'CREATE INDEX ix_orders_tracking_no_trgm ON orders USING gin (tracking_no {ops})')
    op.execute(f'CREATE INDEX ix_sellers_search_trgm ON sellers USING gin (code {ops}, name {ops})')


def create_sqlite_search():
    """The FTS5 tables, their triggers, and their index of the rows already there."""
    version = op.get_bind().exec_driver_sql('SELECT sqlite_version()').scalar()
    if tuple(int(part) for part in version.split('.')[:2]) < (3, 34):
        raise RuntimeError(f'SQLite {version} has no FTS5 trigram tokenizer: the search needs SQLite 3.34 or later')
    for table, fts, columns in SQLITE_SEARCH:
        names = ', '.join(columns)
        new = ', '.join(f'new.{c}' for c in columns)
        old = ', '.join(f'old.{c}' for c in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({names}, content='{table}', content_rowid='id', "
            "tokenize='trigram')"
        )
        op.execute(f"DROP TRIGGER IF EXISTS {fts}_insert")
        op.execute(f"DROP TRIGGER IF EXISTS {fts}_delete")
        op.execute(f"DROP TRIGGER IF EXISTS {fts}_update")
        op.execute(
            f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END"
        )
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN "
            f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
            f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_sellers_search_trgm')
        op.execute('DROP INDEX ix_orders_tracking_no_trgm')
        op.execute('DROP INDEX ix_orders_order_no_trgm')
        return  # the extension stays: other schemas of the database may use it
    for table, fts, _columns in SQLITE_SEARCH:
        for trigger in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS {fts}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {fts}")
