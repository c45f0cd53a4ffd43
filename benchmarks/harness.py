"""What every benchmark shares: a fresh, migrated database (a SQLite file, or a throw-away
PostgreSQL schema dropped afterwards) and an app bound to it."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.app import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402


@contextlib.contextmanager
def fresh_database(database_url: str = "", **config):
    """Yield ``(app, folder)`` inside an app context on a freshly migrated database."""
    with tempfile.TemporaryDirectory(prefix="coverdesk-bench-") as folder:
        folder = Path(folder)
        url, schema = database_url or f"sqlite:///{folder / 'bench.db'}", None
        if url.startswith("postgresql"):
            schema = f"coverdesk_bench_{uuid.uuid4().hex[:8]}"
            with sa.create_engine(url).begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
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
            if schema:
                with sa.create_engine(database_url).begin() as connection:
                    connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


def machine(backend: str) -> str:
    return f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {backend}"


def default_url() -> str:
    return os.environ.get("COVERDESK_BENCH_DATABASE_URL", "")
