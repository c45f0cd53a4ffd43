"""Rules a staff session follows on every request: the idle timeout, a password an admin reset
that must be changed first, and the second factor that supervisors and admins must have when
``COVERDESK_REQUIRE_2FA`` is on (production). Called by the access check."""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..audit.security import security_event

#: Pages a user may still reach while a rule sends them elsewhere.
_ALWAYS = {"auth.logout", "auth.profile", "auth.change_password", "auth.totp_enrol", "auth.login"}


#: How stale the session's "last seen" may grow before a request writes it again. Writing it on
#: every request changed the session, so every answer re-signed, compressed and re-sent the cookie
#: (a fifth of a logged-in request's fixed cost). The idle timeout counts from the stored moment, so
#: a session ends at most this much *earlier* than the full idle time, never later.
SEEN_STEP = 30


def touch_session(force: bool = True) -> None:
    now = int(time.time())
    seen = session.get("seen")
    if force or not isinstance(seen, (int, float)) or now - seen >= SEEN_STEP:
        session["seen"] = now


def enforce_session():
    """None to go on, or the response that ends or redirects the session."""
    idle = current_app.config["IDLE_MINUTES"] * 60
    seen = session.get("seen")
    if isinstance(seen, (int, float)) and time.time() - seen > idle:
        security_event("logout.idle", f"{current_user.username}: session ended after {idle // 60:g} idle minutes")
        logout_user()
        session.clear()
        flash(
            _("You were logged out after %(minutes)s minutes without activity.", minutes=format(idle // 60, "g")),
            "info",
        )
        return redirect(url_for("auth.login", next=request.path if request.method == "GET" else None))
    touch_session(force=False)
    if request.endpoint in _ALWAYS:
        return None
    if current_user.must_change_password:
        flash(_("Your password was reset: choose a new one before going on."), "warning")
        return redirect(url_for("auth.profile"))
    if current_app.config["REQUIRE_2FA"] and current_user.has_role("supervisor") and not current_user.has_second_factor:
        flash(_("Supervisors and admins sign in with a second factor: set up your authenticator app first."), "warning")
        return redirect(url_for("auth.totp_enrol"))
    return None
