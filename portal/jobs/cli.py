"""``coverdesk worker`` (a Huey consumer running the desk's jobs and schedules) and
``coverdesk jobs`` (what ran, retry a failed job, run a schedule now)."""

from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from ..audit.services import Actor
from ..clock import to_local, utcnow
from ..database import writing
from ..extensions import db


@click.command("worker")
@click.option("--threads", default=2, show_default=True, help="Jobs run at once by this process.")
@click.option("--no-schedules", is_flag=True, help="Only run jobs; leave the schedules to other workers.")
@click.option(
    "--max-jobs",
    type=click.IntRange(min=0),
    default=0,
    envvar="COVERDESK_WORKER_MAX_JOBS",
    show_default=True,
    help="Leave (exit status 75) after this many jobs, for the supervisor to start a fresh worker; 0: never.",
)
@click.option(
    "--max-rss-mb",
    type=click.FloatRange(min=0),
    default=0,
    envvar="COVERDESK_WORKER_MAX_RSS_MB",
    show_default=True,
    help="Leave (exit status 75) once this process's memory is above this after a job; 0: never.",
)
@with_appcontext
def worker(threads, no_schedules, max_jobs, max_rss_mb):
    """Run queued jobs and the schedules until stopped (SIGTERM or Ctrl-C finish the jobs in hand).

    Any number may run, on any machine sharing the database, Redis and the evidence store; two
    workers ticking the same schedule make one job. With --max-jobs or --max-rss-mb it leaves
    with exit status 75 when a limit is reached, the jobs in hand finished (scripts/run-worker.sh
    starts it again).
    """
    from ..health.logs import configure_logging
    from . import tasks  # noqa: F401 - the tasks this worker runs (the app registered the job kinds)
    from .queue import instance, storage_name
    from .services import resend_stale

    configure_logging()
    logging.getLogger("huey").setLevel(logging.WARNING)  # its per-task lines repeat ours
    with writing():
        # A worker (re)started after another died picks up what that one held, lease run out.
        resend_stale(utcnow())
        db.session.commit()
    db.session.remove()
    limits = [f"{max_jobs} jobs"] * bool(max_jobs) + [f"{max_rss_mb:g} MB"] * bool(max_rss_mb)
    recycled = f", recycled after {' or '.join(limits)}" if limits else ""
    click.echo(
        f"job worker: {threads} threads on {storage_name()}, schedules {'off' if no_schedules else 'on'}{recycled}"
    )
    from . import recycle

    consumer = instance().create_consumer(
        workers=threads, worker_type="thread", periodic=not no_schedules, max_delay=1.0, check_worker_health=True
    )
    recycler = recycle.Recycler(max_jobs, max_rss_mb, consumer.stop_flag.set) if max_jobs or max_rss_mb else None
    recycle.install(recycler)
    consumer.run()
    if recycler is not None and recycler.leaving:
        for _, thread in consumer.worker_threads:  # the jobs in hand finish
            thread.join()
        click.echo(f"job worker: leaving to be recycled ({recycler.reason})")
        sys.exit(recycle.RECYCLE_STATUS)


@click.group()
def jobs():
    """Background jobs and schedules."""


@jobs.command("list")
@click.option("--failed", is_flag=True, help="Only jobs that gave up.")
@with_appcontext
def jobs_list(failed):
    """Recent jobs, newest first, with their outcome."""
    from .services import failed_runs, recent_runs

    for run in failed_runs() if failed else recent_runs():
        when = to_local(run.finished_at or run.queued_at)
        click.echo(f"{run.id:>6} {run.state:<9} {when:%Y-%m-%d %H:%M} {run.key:<48} {run.outcome}")


@jobs.command("schedules")
@with_appcontext
def jobs_schedules():
    """Each schedule with its crontab (UTC), last run and next run."""
    from .services import schedule_rows

    for row in schedule_rows(utcnow(), current_app.config["JOB_SCHEDULES"]):
        last = f"{row.last.state} {to_local(row.last.queued_at):%Y-%m-%d %H:%M}" if row.last else "never"
        following = f"{to_local(row.next_at):%Y-%m-%d %H:%M}" if row.next_at else "-"
        click.echo(f"{row.name:<16} {row.expression:<14} last {last:<24} next {following}")


@jobs.command("retry")
@click.argument("run_id", type=int)
@with_appcontext
def jobs_retry(run_id):
    """Queue a failed job again."""
    from .services import JobError, retry

    try:
        run = retry(run_id, Actor.cli(), utcnow())
    except JobError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"queued again: {run.key}")


@jobs.command("run")
@click.argument("name")
@with_appcontext
def jobs_run(name):
    """Run a schedule's job now, in this process, and print its outcome."""
    from .services import JobError, execute_run, run_now

    if name not in current_app.config["JOB_SCHEDULES"]:
        raise click.ClickException(
            f"{name}: no such schedule (known: {', '.join(current_app.config['JOB_SCHEDULES'])})"
        )
    try:
        runs = run_now(name, Actor.cli(), utcnow())
    except JobError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.info.pop("coverdesk_jobs_to_send", None)  # run here, not by a worker
    db.session.commit()
    if not runs:
        click.echo(f"{name}: nothing to do (tracking sync needs carriers in COVERDESK_CARRIER_ENDPOINTS)")
    failed = False
    for run in runs:
        state = execute_run(run.id, utcnow())
        db.session.refresh(run)
        click.echo(f"{run.key}: {state}: {run.outcome}")
        failed = failed or state not in ("done",)
    if failed:
        sys.exit(1)
