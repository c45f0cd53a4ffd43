"""The Huey tasks: one that runs any ``job_runs`` row, and the minute tick of the schedules.

Each runs inside the worker's app context (portal.jobs.queue.current) with write intent, so
SQLite transactions take the write lock up front like the CLI's.
"""

from __future__ import annotations

from huey import crontab

from ..clock import utcnow
from ..database import writing
from ..extensions import db
from .queue import current, instance

huey = instance()


@huey.task()
def execute(run_id: int) -> None:
    from . import recycle
    from .services import execute_run, send

    recycler = recycle.current()
    if recycler is not None and recycler.leaving:
        # Taken by another thread as this worker leaves to be recycled: the fresh worker runs it.
        recycle.log.info("job %s handed back: this worker is leaving to be recycled", run_id)
        send(run_id)
        return
    with current().app_context(), writing():
        try:
            execute_run(run_id, utcnow())
        finally:
            db.session.remove()
    if recycler is not None and recycler.finished_one():
        recycle.log.info("job worker leaving to be recycled: %s", recycler.reason)
        recycler.stop()


@huey.periodic_task(crontab())  # every minute: the desk's own schedules decide what is due
def tick() -> None:
    from .services import resend_stale
    from .services import tick as due

    app = current()
    with app.app_context(), writing():
        try:
            due(utcnow(), app.config["JOB_SCHEDULES"])
            resend_stale(utcnow())
            db.session.commit()
        finally:
            db.session.remove()
