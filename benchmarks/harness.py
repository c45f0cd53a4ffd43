"""What every benchmark shares: a fresh, migrated database (a SQLite file, or a throw-away
PostgreSQL schema dropped afterwards) and an app bound to it."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# Commands and servers started by a benchmark run as on a user's machine, with compiled bytecode
# kept: a development shell that sets PYTHONDONTWRITEBYTECODE recompiles every module each start.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

from portal.app import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402


@contextlib.contextmanager
def fresh_database(database_url: str = "", keep: str = "", **config):
    """Yield ``(app, folder)`` inside an app context on a freshly migrated database.

    ``keep`` names a database kept for the next run instead (a SQLite file in
    ``/tmp/coverdesk-bench-<keep>``, a PostgreSQL schema ``coverdesk_bench_<keep>``): it is
    migrated (the migrations are the only way a schema is made) and reused as it is; delete it
    when done.
    """
    with contextlib.ExitStack() as stack:
        if keep:
            folder = Path(tempfile.gettempdir()) / f"coverdesk-bench-{keep}"
            folder.mkdir(exist_ok=True)
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="coverdesk-bench-")))
        url, schema = database_url or f"sqlite:///{folder / 'bench.db'}", None
        if url.startswith("postgresql"):
            schema = f"coverdesk_bench_{keep or uuid.uuid4().hex[:8]}"
            with sa.create_engine(url).begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            url += ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": str(folder / "instance"),
                "LOAD_ENTRY_POINT_PLUGINS": False,
                **config,
            }
        )
        try:
            with app.app_context():
                from flask_migrate import upgrade

                upgrade()
                yield app, folder
                db.session.remove()
                db.engine.dispose()
        finally:
            if schema and not keep:
                with sa.create_engine(database_url).begin() as connection:
                    connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def machine(backend: str) -> str:
    load = ", ".join(f"{figure:.2f}" for figure in os.getloadavg())
    return (
        f"machine: {os.cpu_count()} cores (shared), Python {platform.python_version()}, {backend}, "
        f"load average {load}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


def default_url() -> str:
    return os.environ.get("COVERDESK_BENCH_DATABASE_URL", "")
