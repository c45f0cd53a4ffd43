"""``coverdesk users`` commands beyond create and list: reset a password, disable or enable an
account, remove a lost second factor. Each is audited as the operator (the OS user)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..audit.services import Actor
from ..extensions import db


def _account_step(step) -> None:
    from .services import AccountError

    try:
        step()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()


@click.command("reset-password")
@click.argument("username")
@click.password_option(help="The new password (the user must change it at the next login).")
@with_appcontext
def users_reset_password(username, password):
    """Set a new password that USERNAME must change at the next login; their sessions end."""
    from .services import find_user, reset_password

    _account_step(lambda: reset_password(find_user(username), password, Actor.cli()))
    click.echo(f"password of {username} reset; it must be changed at the next login")


@click.command("disable")
@click.argument("username")
@with_appcontext
def users_disable(username):
    """Disable an account: it cannot log in and its sessions end at once."""
    from .services import find_user, set_active

    _account_step(lambda: set_active(find_user(username), False, Actor.cli()))
    click.echo(f"disabled {username}")


@click.command("enable")
@click.argument("username")
@with_appcontext
def users_enable(username):
    """Enable a disabled account again."""
    from .services import find_user, set_active

    _account_step(lambda: set_active(find_user(username), True, Actor.cli()))
    click.echo(f"enabled {username}")


@click.command("remove-second-factor")
@click.argument("username")
@with_appcontext
def users_remove_second_factor(username):
    """For a lost phone: USERNAME logs in with the password and enrols again."""
    from .services import find_user, remove_second_factor

    _account_step(lambda: remove_second_factor(find_user(username), Actor.cli()))
    click.echo(f"second factor of {username} removed")


COMMANDS = (users_reset_password, users_disable, users_enable, users_remove_second_factor)
