"""Admin pages (admins only, by the access table): plugins, and staff accounts (disable, enable,
reset a password, remove a lost second factor)."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import services as accounts
from ..auth.forms import ResetForm
from ..auth.models import User
from ..clock import local_today
from ..errors import Refused, flash_refusal, unit_of_work
from ..extensions import db
from ..plugin_api import CONTRACT_VERSION
from ..plugin_engine import registry, rules_summary
from ..web import staff_actor

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/plugins")
def plugins():
    """Loaded plugins and the ones skipped, with the reason."""
    reg = registry()
    return render_template(
        "admin/plugins.html",
        reg=reg,
        contract=".".join(map(str, CONTRACT_VERSION)),
        rules=rules_summary,
        today=local_today(),
    )


@bp.get("/users")
def users():
    people = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", people=people, form=ResetForm())


@bp.post("/users/<username>/<action>")
def user_action(username: str, action: str):
    if action not in ("disable", "enable", "reset", "remove-second-factor"):
        abort(404)
    form = ResetForm()
    if not form.validate_on_submit():
        flash("The form expired; please try again.", "error")
        return redirect(url_for("admin.users"), code=303)
    try:
        with unit_of_work():
            user = accounts.find_user(username)
            if user.id == current_user.id and action != "reset":
                raise accounts.AccountError("user: not your own account (ask another admin)")
            if action in ("disable", "enable"):
                accounts.set_active(user, action == "enable", staff_actor())
            elif action == "reset":
                accounts.reset_password(user, form.new.data or "", staff_actor())
            else:
                accounts.remove_second_factor(user, staff_actor())
    except Refused as exc:
        flash_refusal(exc)
    else:
        flash(f"{username}: {action.replace('-', ' ')} done.", "success")
    return redirect(url_for("admin.users"), code=303)
