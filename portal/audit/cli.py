"""``coverdesk audit``: prove the audit trail unbroken."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..extensions import db


@click.group()
def audit():
    """The audit trail."""


@audit.command("verify")
@with_appcontext
def audit_verify():
    """Walk the hash chain from its first event; name the first event that does not fit."""
    from .chain import verify

    verdict = verify(db.session)
    if verdict.ok:
        click.echo(f"audit trail intact: {verdict.checked} events, every hash checked")
        return
    click.echo(f"audit trail BROKEN after {verdict.checked} good events: {verdict.broken}", err=True)
    sys.exit(1)
