"""``coverdesk backup create [DIR] | verify ARCHIVE | restore ARCHIVE``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..clock import utcnow


@click.group()
def backup():
    """Backups of the database and the evidence store."""


@backup.command("create")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep", type=int, default=None, help="Backups kept in DIRECTORY (default COVERDESK_BACKUP_KEEP).")
@with_appcontext
def backup_create(directory, keep):
    """Write a consistent archive (default folder COVERDESK_BACKUP_DIR) and remove the oldest
    beyond the retention."""
    from .services import BackupError, create_backup, prune, verify

    target = directory or Path(current_app.config["BACKUP_DIR"])
    try:
        archive = create_backup(target, utcnow())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    checked = verify(archive)
    removed = prune(target, keep or current_app.config["BACKUP_KEEP"])
    click.echo(f"{archive} ({len(checked.manifest['files'])} files, {archive.stat().st_size / 1024 / 1024:.1f} MB)")
    for old in removed:
        click.echo(f"removed {old.name} (retention)")


@backup.command("verify")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def backup_verify(archive):
    """Check every file of an archive against its manifest; exit 1 naming what does not fit."""
    from .services import verify

    checked = verify(archive)
    for problem in checked.problems:
        click.echo(f"{archive.name}: {problem}", err=True)
    if not checked.ok:
        sys.exit(1)
    manifest = checked.manifest
    click.echo(
        f"{archive.name}: ok, {len(manifest['files'])} files, {manifest['database']} database at "
        f"revision {manifest['alembic_revision']}, made {manifest['created_at']}"
    )


@backup.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def backup_restore(archive):
    """Restore into this instance, which must be empty (no rows, no evidence files)."""
    from .services import BackupError, restore

    try:
        checked = restore(archive)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {archive.name}: {len(checked.manifest['files'])} files")
