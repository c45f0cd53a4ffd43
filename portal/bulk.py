"""Fast inserts of many rows: COPY on PostgreSQL, executemany elsewhere.

Values go through each column's own bind processing (UTC times, money, JSON), so the rows are
stored exactly as single inserts would store them.
"""

from __future__ import annotations

from sqlalchemy import Table, insert
from sqlalchemy.engine import Connection


def bulk_insert(connection: Connection, table: Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the connection's transaction."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    dialect = connection.dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([process(row[name]) if process else row[name] for name, process in zip(names, processors)])
