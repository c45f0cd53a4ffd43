"""How the portal talks to its database under load: write transactions that wait their turn, limits
that turn a stuck lock into a clear "busy, try again", and how a busy database is recognised.

SQLite allows one writer at a time. A *deferred* transaction (pysqlite's default) that has read and
then tries to write after another connection committed fails at once with "database is locked" —
the busy timeout cannot help it (a savepoint opened before the first read starts such a transaction).
So a transaction that will write starts with ``BEGIN IMMEDIATE`` from SQLAlchemy's ``begin`` event
and takes the write lock up front, waiting up to the busy timeout for it (the SQLite documentation's
advice). Other transactions keep pysqlite's handling: with WAL their reads never wait.

Which transactions write: those of a request with an unsafe method (POST, PUT, PATCH, DELETE) and
those of the ``coverdesk`` command; :func:`writing` says so anywhere else.

PostgreSQL gets a lock timeout and a statement timeout per connection and a bounded pool, so a
held lock answers "busy" within seconds instead of holding a web worker.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Seconds a client is asked to wait before trying again after a 503.
RETRY_AFTER = 2

_write_intent: ContextVar[bool | None] = ContextVar("coverdesk_write_intent", default=None)


def intends_to_write() -> bool:
    explicit = _write_intent.get()
    if explicit is not None:
        return explicit
    return has_request_context() and request.method not in SAFE_METHODS


@contextlib.contextmanager
def writing(intent: bool = True) -> Iterator[None]:
    """Transactions begun inside take SQLite's write lock up front (or not, with ``intent=False``)."""
    token = _write_intent.set(intent)
    try:
        yield
    finally:
        _write_intent.reset(token)


def set_write_intent(intent: bool | None):
    """Set the intent until the returned token is reset (for the CLI, which has no ``with``)."""
    return _write_intent.set(intent)


def reset_write_intent(token) -> None:
    _write_intent.reset(token)


def engine_options(config: dict) -> dict:
    """Pool limits for the engine (both databases use a queue pool for files and servers)."""
    return {
        "pool_pre_ping": True,
        "pool_size": config["DB_POOL_SIZE"],
        "max_overflow": config["DB_MAX_OVERFLOW"],
        "pool_timeout": config["DB_POOL_TIMEOUT"],
    }


def configure_engine(app: Flask, engine) -> None:
    if engine.dialect.name == "sqlite":
        busy_ms = int(app.config["SQLITE_BUSY_TIMEOUT"] * 1000)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(connection, _record):
            cursor = connection.cursor()
            # WAL lets pages read while a writer writes; foreign keys are off by default.
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # A writer takes the lock before its first read. Otherwise pysqlite's own handling
            # stays: reads outside a transaction, a deferred BEGIN before the first change.
            if intends_to_write():
                connection.exec_driver_sql("BEGIN IMMEDIATE")

    elif engine.dialect.name == "postgresql":
        lock_ms = int(app.config["DB_LOCK_TIMEOUT"] * 1000)
        statement_ms = int(app.config["DB_STATEMENT_TIMEOUT"] * 1000)

        @event.listens_for(engine, "connect")
        def _postgres_connect(connection, _record):
            cursor = connection.cursor()
            cursor.execute(f"SET lock_timeout = {lock_ms}")
            cursor.execute(f"SET statement_timeout = {statement_ms}")
            cursor.close()
            connection.commit()  # a SET in a transaction rolled back later would be undone


#: PostgreSQL's SQLSTATEs for "try again": lock not available, query cancelled (statement or lock
#: timeout), serialization failure, deadlock detected, too many connections.
_BUSY_SQLSTATES = {"55P03", "57014", "40001", "40P01", "53300"}


def is_busy(exc: BaseException | None) -> bool:
    """The database could not do it now (locked, timed out, out of connections), not a bug."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if code in _BUSY_SQLSTATES:
            return True
        if isinstance(exc, OperationalError):
            text = str(exc.orig).lower()
            return "database is locked" in text or "database table is locked" in text or "busy" in text
    return False


def is_unavailable(exc: BaseException | None) -> bool:
    """The database cannot be reached at all (down, file gone, connection refused)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError) and not is_busy(exc)


#: PostgreSQL extensions the schema needs (migration 0014: pg_trgm's operator class for the search's
#: trigram indexes). Extensions belong to the database, not to a schema's dump: a migration and a
#: restore into a new database create them first.
POSTGRES_EXTENSIONS = ("pg_trgm",)


def ensure_extension(connection, name: str) -> str:
    """Create the PostgreSQL extension ``name`` unless the database has it, and return the schema
    that holds its objects. It goes into ``public`` when there is one, so that dropping the
    schema of one desk (a test's, a benchmark's) does not drop it under every other."""
    found = text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = :name")
    schema = connection.execute(found, {"name": name}).scalar()
    if schema is None:
        public = connection.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).scalar()
        connection.execute(text(f'CREATE EXTENSION IF NOT EXISTS "{name}"' + (" WITH SCHEMA public" if public else "")))
        schema = connection.execute(found, {"name": name}).scalar()
    return schema
