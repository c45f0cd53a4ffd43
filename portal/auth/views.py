"""Login (password, then the second factor when the user has one), logout and the staff member's
own account page: change password, enrol or remove the authenticator app.

Failed logins are throttled and lock the user name out with Flask-Limiter: only failures count
(a 401 answer), so a colleague's many good logins are never slowed; every login, failure,
lockout and logout is in the audit trail."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..audit.security import security_event
from ..audit.services import Actor
from ..errors import unit_of_work
from ..extensions import db, limiter
from ..i18n import N_, chosen_language
from ..web import staff_actor
from . import services
from .forms import ChangePasswordForm, CodeForm, LanguageForm, LoginForm, PasswordForm
from .models import ROLE_NAMES, User
from .sessions import touch_session

bp = Blueprint("auth", __name__)


@bp.app_template_global()
def role_name(role: str) -> str:
    return gettext(ROLE_NAMES.get(role, role))


def _safe_next(target: str | None) -> str:
    """Only follow a ``next`` that stays on this site."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("queue.index")


def _failed(response) -> bool:
    return response.status_code == 401


def _login_name() -> str:
    return "login:" + (request.form.get("username") or "").strip().lower()[:64]


def _pending_name() -> str:
    pending = session.get("pending_login") or {}
    return f"login:id:{pending.get('id', '-')}"


def _locked_out(limit) -> None:
    who = request.form.get("username") or (session.get("pending_login") or {}).get("name") or "?"
    security_event("login.locked_out", f"{who}: login locked after too many failures ({limit.limit})")


_LOCKED = N_("Too many failed logins: this account is locked for a while. Try again later or ask an admin.")


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_LIMIT"]


def _finish_login(user: User, how: str):
    session.clear()  # a fresh session (and CSRF token) at login
    login_user(user)
    touch_session()
    security_event("login.succeeded", f"{user.username} logged in ({how})", actor=services_actor(user))
    if user.must_change_password:
        flash(_("Your password was reset: choose a new one."), "warning")
        return redirect(url_for("auth.profile"))
    return redirect(_safe_next(request.args.get("next")))


def services_actor(user: User):

    return Actor("user", str(user.id), user.username)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit,
    key_func=_login_name,
    methods=["POST"],
    deduct_when=_failed,
    on_breach=_locked_out,
    error_message=_LOCKED,
)
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed, on_breach=_locked_out, error_message=_LOCKED)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append("Wrong user name or password, or the account is disabled.")
            security_event("login.failed", f"failed login as {form.username.data.strip().lower()[:64]!r}")
        elif user.has_second_factor:
            language = chosen_language()
            session.clear()
            session["language"] = language  # kept for the first login's record, after the code
            session["pending_login"] = {"id": user.id, "v": user.session_version, "name": user.username}
            return redirect(url_for("auth.second_factor", next=request.args.get("next")))
        else:
            with unit_of_work():
                services.record_login(user, language=chosen_language())
            return _finish_login(user, "password")
    return render_template("auth/login.html", form=form), (401 if form.errors else 200)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(
    _login_limit,
    key_func=_pending_name,
    methods=["POST"],
    deduct_when=_failed,
    on_breach=_locked_out,
    error_message=_LOCKED,
)
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed, on_breach=_locked_out, error_message=_LOCKED)
def second_factor():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    pending = session.get("pending_login") or {}
    user = db.session.get(User, pending.get("id", 0)) if pending else None
    if user is None or not user.active or user.session_version != pending.get("v"):
        session.pop("pending_login", None)
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        with unit_of_work():  # a code accepted is used up with the login
            how = services.check_second_factor(user, form.code.data)
            if how:
                services.record_login(user, language=chosen_language())
        if how:
            return _finish_login(user, how)
        form.code.errors.append("That code is not right (or was already used).")
        security_event("login.second_factor_failed", f"{user.username}: wrong second-factor code")
    return render_template("auth/second_factor.html", form=form), (401 if form.errors else 200)


@bp.post("/logout")
def logout():
    security_event("logout", f"{current_user.username} logged out")
    with unit_of_work():
        services.end_all_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


# --- the staff member's own account --------------------------------------------------------


def _profile(password_form=None, status=200):
    return render_template(
        "auth/profile.html",
        password_form=password_form or ChangePasswordForm(),
        disable_form=PasswordForm(),
        language_form=LanguageForm(),
        required=current_app.config["REQUIRE_2FA"] and current_user.has_role("supervisor"),
    ), status


@bp.post("/language")
def set_language():
    """The language switch (top bar, login page, profile): a staff member's choice is kept on their
    account; before login, in the session, and the first login keeps it."""
    form = LanguageForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            with unit_of_work():
                services.set_language(current_user._get_current_object(), form.language.data, staff_actor())
        else:
            session["language"] = form.language.data
    return redirect(_safe_next(form.next.data), code=303)


@bp.get("/account")
def profile():
    return _profile()


@bp.post("/account/password")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            with unit_of_work():
                services.change_password(user, form.current.data, form.new.data, staff_actor())
        except services.AccountError as exc:
            field, _sep, reason = str(exc).partition(": ")
            (form.current if field.startswith("current") else form.new).errors.append(reason)
        else:
            db.session.refresh(user)
            login_user(user)  # the change ended every session; this one goes on
            touch_session()
            flash(_("Password changed; your other sessions are logged out."), "success")
            return redirect(url_for("auth.profile"), code=303)
    return _profile(form, 422)


@bp.route("/account/2fa", methods=["GET", "POST"])
def totp_enrol():
    user = current_user._get_current_object()
    if user.has_second_factor:
        return redirect(url_for("auth.profile"))
    secret = session.get("totp_secret") or services.new_totp_secret()
    session["totp_secret"] = secret
    form = CodeForm()
    codes = None
    if form.validate_on_submit():
        try:
            with unit_of_work():
                codes = services.enable_totp(user, secret, form.code.data, staff_actor())
        except services.AccountError as exc:
            form.code.errors.append(str(exc).partition(": ")[2])
        else:
            session.pop("totp_secret", None)
            flash(_("Second factor on: from now on you log in with a code from your app."), "success")
    return render_template(
        "auth/totp_enrol.html",
        form=form,
        secret=secret,
        uri=services.totp_uri(user, secret),
        codes=codes,
    ), (422 if form.errors else 200)


@bp.post("/account/2fa/disable")
def totp_disable():
    form = PasswordForm()
    user = current_user._get_current_object()
    if current_app.config["REQUIRE_2FA"] and user.has_role("supervisor"):
        flash(_("Supervisors and admins must keep a second factor."), "error")
    elif form.validate_on_submit():
        try:
            with unit_of_work():
                services.disable_totp(user, form.password.data, staff_actor())
        except services.AccountError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Second factor removed."), "success")
    return redirect(url_for("auth.profile"), code=303)
