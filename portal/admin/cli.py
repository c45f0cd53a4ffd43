"""``coverdesk plugins``: what the admin page shows, on the command line."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("plugins")
@with_appcontext
def plugins_list():
    """List loaded plugins and the ones skipped."""
    from ..plugin_engine import registry

    reg = registry()
    for kind, table in (("carrier", reg.carriers), ("insurer", reg.insurers)):
        for code, loaded in sorted(table.items()):
            click.echo(f"{kind:<8} {code:<14} {loaded.plugin.name:<28} {loaded.origin}")
    for failure in reg.failures:
        click.echo(f"SKIPPED  {failure.origin}: {failure.message}", err=True)
