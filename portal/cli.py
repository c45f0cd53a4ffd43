"""The ``coverdesk`` command: Flask's CLI group (run, shell, db ...) plus the desk's own commands."""

from __future__ import annotations

import click
from flask import has_app_context
from flask.cli import FlaskGroup

from .advances.cli import advances, settlements
from .app import create_process_app
from .audit.cli import audit
from .auth.cli import tokens, users
from .backup.cli import backup
from .claims.cli import claims
from .database import reset_write_intent, set_write_intent
from .demo.cli import demo
from .extensions import db
from .files.cli import files
from .health.cli import health
from .i18n_cli import i18n
from .jobs.cli import jobs, worker
from .orders.cli import orders
from .plugin_cli import plugins
from .tracking.cli import tracking


class CoverdeskGroup(FlaskGroup):
    """Flask's group, with Flask-Migrate's ``db`` commands imported only when asked for: they
    import Alembic (~70 ms), which no other command needs (the app sets Flask-Migrate up on demand);
    other installed command plugins are loaded only for a command the desk does not have."""

    def get_command(self, ctx, name):
        if name == "db":
            from flask_migrate.cli import db as migration_commands

            return migration_commands
        # The desk's own commands without loading every installed "flask.commands" plugin first
        # (Flask-Limiter's imports rich, ~50 ms).
        return self.commands.get(name) or super().get_command(ctx, name)

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), "db"})


@click.group(cls=CoverdeskGroup, create_app=create_process_app)
@click.pass_context
def cli(ctx):
    """Coverdesk, the warehouse claims desk."""
    # The desk's commands write: their SQLite transactions take the write lock up front and wait
    # for it, instead of failing when a web request commits first (see portal.database).
    token = set_write_intent(True)

    def done():
        # A transaction left open after the command's last commit (an attribute read afterwards)
        # would keep SQLite's write lock: end it with the command.
        if has_app_context():
            db.session.rollback()
        reset_write_intent(token)

    ctx.call_on_close(done)


# Each feature brings its own group (like its blueprint); this is only the list of them.
cli.add_command(audit)
cli.add_command(files)
cli.add_command(users)
cli.add_command(tokens)
cli.add_command(orders)
cli.add_command(tracking)
cli.add_command(plugins)
cli.add_command(demo)
cli.add_command(claims)
cli.add_command(advances)
cli.add_command(settlements)
cli.add_command(backup)
cli.add_command(health)
cli.add_command(jobs)
cli.add_command(worker)
cli.add_command(i18n)
