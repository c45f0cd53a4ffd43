"""``coverdesk demo``: demo data telling the desk's story."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group()
def demo():
    """Demo data telling the desk's story."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Only when the database has no orders yet.")
@with_appcontext
def demo_load(if_empty):
    """Fill the database with demo staff, sellers and orders, and print how to log in."""
    from flask import current_app

    from ..clock import utcnow
    from .seed import credentials_file, load_demo

    created = load_demo(utcnow(), if_empty=if_empty)
    if created:
        click.echo(f"demo data loaded: {created}")
    path = credentials_file(current_app.instance_path)
    if path.exists():
        click.echo("\nLog in with one of these demo accounts (kept in " + str(path) + "):")
        click.echo(path.read_text())
