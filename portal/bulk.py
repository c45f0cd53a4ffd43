"""Fast writes of many rows: COPY on PostgreSQL, the driver's executemany elsewhere.

Values go through each column's own bind processing (UTC times, money, JSON), so the rows are
stored exactly as single inserts would store them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import Table
from sqlalchemy.engine import Connection


def _processed(connection: Connection, table: Table, names: list[str], rows: list[dict]) -> Iterator[list]:
    """Each row's values in ``names`` order, through the columns' own bind processing (only the
    columns that have any: most text columns need none)."""
    dialect = connection.dialect
    processors = [
        (position, processor)
        for position, name in enumerate(names)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) is not None
    ]
    memo: dict = {}  # None and times repeat across a batch (every row's created_at is the import's now)
    for row in rows:
        values = [row[name] for name in names]
        for position, process in processors:
            value = values[position]
            if value is None or value.__class__ in _REPEATING:
                key = (position, value)
                if key not in memo:
                    memo[key] = process(value)
                values[position] = memo[key]
            else:
                values[position] = process(value)
        yield values


_REPEATING = (datetime, date)


def _placeholder(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def bulk_insert(connection: Connection, table: Table, rows: list[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the connection's transaction."""
    if not rows:
        return
    preparer = connection.dialect.identifier_preparer
    names = list(rows[0])
    columns = ", ".join(preparer.quote(name) for name in names)
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
            for values in _processed(connection, table, names, rows):
                copy.write_row(values)
        return
    # The driver's own executemany: SQLAlchemy's compiled path costs more per row than SQLite's writing.
    marks = ", ".join([_placeholder(connection)] * len(names))
    connection.exec_driver_sql(
        f"INSERT INTO {preparer.format_table(table)} ({columns}) VALUES ({marks})",
        [tuple(values) for values in _processed(connection, table, names, rows)],
    )


def bulk_update(connection: Connection, table: Table, key: str, rows: list[dict]) -> None:
    """Update many rows by ``key`` (each dict holds the key and the same columns to set)."""
    if not rows:
        return
    preparer = connection.dialect.identifier_preparer
    names = [name for name in rows[0] if name != key] + [key]
    mark = _placeholder(connection)
    assignments = ", ".join(f"{preparer.quote(name)} = {mark}" for name in names[:-1])
    connection.exec_driver_sql(
        f"UPDATE {preparer.format_table(table)} SET {assignments} WHERE {preparer.quote(key)} = {mark}",
        [tuple(values) for values in _processed(connection, table, names, rows)],
    )
