"""``coverdesk files sweep``: remove temporary and orphaned files from the evidence store.

Meant to run on a schedule (hourly suits); it is safe beside uploads, as anything younger than
the grace period is left alone and a file any record names is never removed."""

from __future__ import annotations

import time

import click
from flask.cli import with_appcontext


@click.group()
def files():
    """The evidence store."""


@files.command("sweep")
@click.option(
    "--grace-hours", type=float, default=None, help="Leave files younger than this (COVERDESK_FILES_GRACE_HOURS, 24)."
)
@click.option("--dry-run", is_flag=True, help="Only list what would go.")
@with_appcontext
def files_sweep(grace_hours, dry_run):
    """Remove .incoming-* files of killed uploads and stored files no record names."""
    from flask import current_app

    from .services import sweep_evidence_store

    if grace_hours is None:
        grace_hours = current_app.config["FILES_GRACE_HOURS"]
    report = sweep_evidence_store(time.time(), grace_seconds=grace_hours * 3600, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"{verb} {len(report.temporary)} temporary and {len(report.orphans)} orphaned files "
        f"({report.freed / 1024 / 1024:.1f} MB)"
    )
    for path in report.temporary + report.orphans:
        click.echo(f"  {path}")
