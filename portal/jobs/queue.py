"""The Huey instance, its storage chosen per app: a SQLite file in the instance folder (embedded,
nothing to install) or Redis when ``COVERDESK_REDIS_URL`` is set (several machines).

Huey is imported when the queue is first used (a page asks for a job, the worker starts), not when
the app is made: its storage module imports redis and psycopg, a third of a CLI command's start-up
for the commands that never touch the queue."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask

if TYPE_CHECKING:
    from huey import Huey

_app: Flask | None = None
_huey: Huey | None = None


def configure_queue(app: Flask) -> None:
    """The queue now serves ``app`` (the last app made in this process: tests make many)."""
    global _app
    _app = app
    if _huey is not None:
        _huey.storage = _storage(app)


def _storage(app: Flask):
    from huey.storage import RedisStorage, SqliteStorage

    name = app.config.get("JOBS_QUEUE_NAME", "coverdesk")
    if app.config.get("JOBS_REDIS_URL"):
        return RedisStorage(name=name, url=app.config["JOBS_REDIS_URL"])
    path = Path(app.config["JOBS_DB"])
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStorage(name=name, filename=str(path))


def instance() -> Huey:
    """The one Huey instance the tasks are declared on (portal.jobs.tasks). Results are not
    kept: outcomes live in ``job_runs``."""
    global _huey
    if _huey is None:
        from huey import Huey
        from huey.storage import MemoryStorage

        huey = Huey("coverdesk", results=False, utc=True, storage_class=MemoryStorage)
        huey.storage = _storage(current())
        _huey = huey
    return _huey


def storage_name() -> str:
    return "redis" if current().config.get("JOBS_REDIS_URL") else "sqlite"


def current() -> Flask:
    """The app the worker's tasks run in (the last one configured in this process)."""
    if _app is None:
        raise RuntimeError("the job queue is not configured: create the app first")
    return _app
