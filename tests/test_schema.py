"""The schema users get (made by the migrations) is the schema the models describe.

Alembic's autogenerate comparison catches missing tables, columns, types and index names; it does
not compare an index's column directions (``DESC``) or, on SQLite, its predicate. A batch rebuild
on SQLite once re-created the queue's rank indexes without ``DESC`` and every queue request
sorted all due items. So the indexes are also read back from the database itself and compared with
the models' ``Index`` objects: columns, their order, their direction, uniqueness and predicate.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db
from portal.orders.search import include_in_autogenerate, is_search_object


def test_autogenerate_finds_no_difference(app):
    with db.engine.connect() as connection:
        # The search's own objects (FTS5 tables on SQLite, trigram GIN indexes on PostgreSQL) are
        # not in the models: neither database has the other's kind. tests/test_search.py checks them.
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_in_autogenerate}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_indexes_match_the_models_in_columns_order_direction_and_predicate(app):
    dialect = db.engine.dialect.name
    expected = {
        index.name: _model_index(index, dialect) for table in db.metadata.tables.values() for index in table.indexes
    }
    with db.engine.connect() as connection:
        found = (_sqlite_indexes if dialect == "sqlite" else _postgres_indexes)(connection)
    actual = {name: index for name, index in found.items() if not is_search_object(name)}
    assert len(expected) > 20  # every model's indexes are compared, not an empty set
    assert {name: actual.get(name) for name in expected} == expected
    assert sorted(set(actual) - set(expected)) == []  # nor does the database have indexes the models lack
    # The case that went wrong once: the queue's rank reads insured_value descending on both databases.
    assert ("insured_value", True) in expected["ix_queue_items_rank"]["columns"]


def _model_index(index: sa.Index, dialect: str) -> dict:
    columns = []
    for expression in index.expressions:
        descending = isinstance(expression, sa.UnaryExpression) and expression.modifier is sa.sql.operators.desc_op
        column = expression.element if descending else expression
        columns.append((column.name if isinstance(column, sa.Column) else str(column), descending))
    where = index.dialect_options[dialect].get("where")
    return {
        "table": index.table.name,
        "columns": columns,
        "unique": bool(index.unique),
        "where": _predicate(str(where)) if where is not None else None,
    }


def _predicate(text: str) -> str:
    """``(state)::text <> 'closed'::text`` and ``state <> 'closed'`` alike: the condition, not its spelling."""
    text = re.sub(r"::[a-z ]+", "", text.lower())
    return re.sub(r"[\s()\"]", "", text)


def _sqlite_indexes(connection) -> dict:
    found = {}
    rows = connection.exec_driver_sql(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    ).all()  # sql IS NULL: the automatic indexes behind primary keys and unique constraints
    for name, table, sql in rows:
        info = connection.exec_driver_sql(f'PRAGMA index_xinfo("{name}")').all()
        keys = sorted((row for row in info if row[5]), key=lambda row: row[0])  # key columns, in order
        where = re.search(r"\bWHERE\b(.*)$", sql, re.IGNORECASE | re.DOTALL)
        unique = connection.exec_driver_sql(f'PRAGMA index_list("{table}")').all()
        found[name] = {
            "table": table,
            "columns": [(row[2], bool(row[3])) for row in keys],
            "unique": any(row[1] == name and row[2] for row in unique),
            "where": _predicate(where.group(1)) if where else None,
        }
    return found


def _postgres_indexes(connection) -> dict:
    found = {}
    rows = connection.execute(
        sa.text(
            """
            SELECT i.relname, t.relname, x.indisunique, x.indnkeyatts, x.indoption::int2[],
                   pg_get_expr(x.indpred, x.indrelid, true), x.indexrelid
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = current_schema()
              AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            """
        )
    ).all()  # indexes behind primary keys and unique constraints are the constraints' business
    for name, table, unique, keys, options, where, oid in rows:
        columns = [
            (
                connection.execute(sa.text("SELECT pg_get_indexdef(:oid, :k, true)"), {"oid": oid, "k": k}).scalar(),
                bool(options[k - 1] & 1),  # INDOPTION_DESC
            )
            for k in range(1, keys + 1)
        ]
        found[name] = {
            "table": table,
            "columns": columns,
            "unique": unique,
            "where": _predicate(where) if where else None,
        }
    return found
