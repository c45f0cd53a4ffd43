"""``coverdesk users`` (create, list, reset a password, disable or enable an account, remove a lost
second factor) and ``coverdesk tokens``. Each is audited as the operator (the OS user)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from ..audit.services import Actor
from ..clock import iso_utc
from ..errors import fail, unit_of_work
from ..extensions import db
from ..i18n import LANGUAGES


def _account_step(step) -> None:
    from .services import AccountError

    try:
        with unit_of_work():
            step()
    except AccountError as exc:
        fail(str(exc))


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


@click.group()
def users():
    """Staff accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["agent", "supervisor", "admin"]), default="agent", show_default=True)
@click.option("--name", "full_name", default="", help="Full name shown in the audit trail.")
@click.option("--email", default=None)
@click.option(
    "--language",
    type=click.Choice(list(LANGUAGES)),
    default=None,
    help="The interface's language; when not given, the first login takes the browser's.",
)
@click.password_option(help="At least 12 characters, not a common password; asked for when not given.")
@with_appcontext
def users_create(username, role, full_name, email, language, password):
    """Create a staff account."""
    from .services import AccountError, create_user

    try:
        with unit_of_work():
            user = create_user(
                username, full_name or username, role, password, Actor.cli(), email=email, language=language
            )
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"created {user.role} {user.username}")


@users.command("list")
@with_appcontext
def users_list():
    """List staff accounts."""
    from .models import User

    for user in db.session.scalars(select(User).order_by(User.username)):
        click.echo(f"{user.username:<20} {user.role:<11} {'active' if user.active else 'disabled':<9} {user.full_name}")


for _command in COMMANDS:
    users.add_command(_command)


@click.group()
def tokens():
    """API tokens for the ordering system's integrations."""


@tokens.command("create")
@click.argument("name")
@with_appcontext
def tokens_create(name):
    """Create a token; it is printed once and only its hash is kept."""
    from .services import AccountError, create_token

    try:
        with unit_of_work():
            _, secret = create_token(name, Actor.cli())
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"token for {name} (shown only now; send it as 'Authorization: Bearer <token>'):")
    click.echo(secret)


@tokens.command("list")
@with_appcontext
def tokens_list():
    from .models import ApiToken

    for token in db.session.scalars(select(ApiToken).order_by(ApiToken.name)):
        state = f"revoked {iso_utc(token.revoked_at)}" if token.revoked_at else "active"
        click.echo(f"{token.name:<24} {token.prefix}…  {state}  last used {iso_utc(token.last_used_at) or 'never'}")


@tokens.command("revoke")
@click.argument("name")
@with_appcontext
def tokens_revoke(name):
    from .services import AccountError, revoke_token

    try:
        with unit_of_work():
            revoke_token(name, Actor.cli())
    except AccountError as exc:
        fail(str(exc))
    click.echo(f"revoked {name}")
