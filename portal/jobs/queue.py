"""The Huey instance, its storage chosen per app: a SQLite file in the instance folder (embedded,
nothing to install) or Redis when ``COVERDESK_REDIS_URL`` is set (several machines)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

#: Tasks are declared on this one instance (portal.jobs.tasks); ``configure_queue`` gives it the
#: storage the app is configured for. Results are not kept: outcomes live in ``job_runs``.
huey = Huey("coverdesk", results=False, utc=True, storage_class=MemoryStorage)
_app: Flask | None = None


def configure_queue(app: Flask) -> None:
    global _app
    redis_url = app.config.get("JOBS_REDIS_URL")
    name = app.config.get("JOBS_QUEUE_NAME", "coverdesk")
    if redis_url:
        huey.storage = RedisStorage(name=name, url=redis_url)
    else:
        path = Path(app.config["JOBS_DB"])
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage = SqliteStorage(name=name, filename=str(path))
    _app = app


def storage_name() -> str:
    return "redis" if isinstance(huey.storage, RedisStorage) else "sqlite"


def current() -> Flask:
    """The app the worker's tasks run in (the last one configured in this process)."""
    if _app is None:
        raise RuntimeError("the job queue is not configured: create the app first")
    return _app
