"""``coverdesk health``: the readiness checks from the command line (exit 1 when not ready)."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.group()
def health():
    """Health of the desk and what it depends on."""


@health.command("check")
@with_appcontext
def health_check():
    """Database, job queue, evidence store, PDF subsetter and plugins, each named."""
    from .checks import readiness

    checks = readiness()
    for check in checks:
        click.echo(f"{'ok' if check.ok else 'FAILED':<7} {check.name:<15} {check.detail} ({check.ms} ms)")
    if not all(check.ok for check in checks):
        sys.exit(1)
