"""Admin pages (admins only, by the access table): plugins, staff accounts (disable, enable,
reset a password, remove a lost second factor) and the working-day calendars entered by hand."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from ..auth import services as accounts
from ..auth.forms import ResetForm
from ..auth.models import User
from ..calendars import services as calendars
from ..clock import local_today, utcnow
from ..errors import Refused, flash_refusal, unit_of_work
from ..extensions import db
from ..i18n import N_
from ..plugin_api import CONTRACT_VERSION
from ..plugin_engine import registry, rules_summary
from ..web import form_errors, staff_actor
from .forms import CalendarForm

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


#: What each action on an account says when done.
_DONE = {
    "disable": N_("%(name)s: disable done."),
    "enable": N_("%(name)s: enable done."),
    "reset": N_("%(name)s: reset done."),
    "remove-second-factor": N_("%(name)s: remove second factor done."),
}


@bp.post("/users/<username>/<action>")
def user_action(username: str, action: str):
    if action not in ("disable", "enable", "reset", "remove-second-factor"):
        abort(404)
    form = ResetForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return redirect(url_for("admin.users"), code=303)
    try:
        with unit_of_work():
            user = accounts.find_user(username)
            if user.id == current_user.id and action != "reset":
                raise accounts.AccountError("user: " + _("not your own account (ask another admin)"))
            if action in ("disable", "enable"):
                accounts.set_active(user, action == "enable", staff_actor())
            elif action == "reset":
                accounts.reset_password(user, form.new.data or "", staff_actor())
            else:
                accounts.remove_second_factor(user, staff_actor())
    except Refused as exc:
        flash_refusal(exc)
    else:
        flash(_(_DONE[action], name=username), "success")
    return redirect(url_for("admin.users"), code=303)


def _calendar_form() -> CalendarForm:
    form = CalendarForm()
    # Which calendars there are is the insurers' to say (each names the one it keeps).
    codes = sorted({insurer.calendar for insurer in registry().all_insurers()})
    form.calendar.choices = [SelectChoice(code, code) for code in codes]
    return form


@bp.route("/calendars", methods=["GET", "POST"])
def calendars_page():
    """The years entered by hand, and the form to enter one as officially published."""
    form = _calendar_form()
    if form.is_submitted():
        if not form.validate():
            flash(form_errors(form), "error")
        else:
            try:
                upload = form.file.data
                if upload and upload.filename:
                    days = calendars.parse_csv(upload.read(), upload.filename)
                else:
                    days = calendars.parse_lines(form.holidays.data or "", "holiday", "holidays")
                    days += calendars.parse_lines(form.workdays.data or "", "workday", "make-up working days")
                with unit_of_work():
                    row = calendars.enter_year(
                        form.calendar.data, form.year.data, form.source.data, days, staff_actor(), utcnow()
                    )
                    summary = _(
                        "%(calendar)s %(year)s: %(count)s days entered.",
                        calendar=row.calendar,
                        year=row.year,
                        count=len(row.days),
                    )
            except Refused as exc:
                flash_refusal(exc)
            else:
                flash(summary, "success")
                return redirect(url_for("admin.calendars_page"), code=303)
    return render_template("admin/calendars.html", form=form, entered=calendars.entered_calendars()), (
        422 if form.is_submitted() else 200
    )
