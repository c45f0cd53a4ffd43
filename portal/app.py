"""The application factory."""

from __future__ import annotations

import ctypes.util
import errno
import gc
import logging
import time
from pathlib import Path

from flask import Flask, current_app, g, jsonify, make_response, redirect, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler

from . import PROJECT_ROOT, i18n, inputs
from .config import default_instance_path, load_config
from .database import RETRY_AFTER, configure_engine, is_busy, is_unavailable
from .extensions import MigrateOnDemand, csrf, db, limiter, login_manager
from .health import logs as request_log
from .i18n import LANGUAGES, N_, chosen_language
from .orders.search import include_in_autogenerate
from .plugin_engine import PluginFailed, PluginUnavailable, load_plugins, unloaded_plugins

log = logging.getLogger(__name__)


def create_app(overrides: dict | None = None) -> Flask:
    instance_path = Path((overrides or {}).get("INSTANCE_PATH") or default_instance_path())
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(instance_path))
    if overrides:
        app.config.update(overrides)
    request_log.init_app(app)  # first: its clock starts before any other hook may answer
    i18n.init_app(app)
    configure_extensions(app)
    configure_jobs(app)
    configure_plugins(app)
    connect_features()
    inputs.init_app(app)  # before the blueprints: their <int:...> routes use its converter
    register_blueprints(app)
    configure_templates(app)
    configure_security_headers(app)
    check_pdf_engine()
    return app


def create_process_app() -> Flask:
    """The app a process makes once and keeps until it exits (a command, a job worker, gunicorn's
    master). What starting made (modules, models, plugins, templates) lives as long as the process,
    so it is taken out of the garbage collector's sight (``gc.freeze``): its full collections and
    the interpreter's exit no longer walk ~120,000 objects (0.25 s of every command's exit), and
    gunicorn's forked workers do not copy the memory pages those walks would touch."""
    app = create_app()
    gc.freeze()
    return app


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    app.extensions["migrate"] = MigrateOnDemand(
        app,
        directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True,
        include_object=include_in_autogenerate,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    # Importing the models registers their tables with SQLAlchemy and Alembic.
    from . import models  # noqa: F401
    from .auth.services import load_session_user

    login_manager.user_loader(load_session_user)
    with app.app_context():
        configure_engine(app, db.engine)


def configure_jobs(app: Flask) -> None:
    # Each feature registers the kinds of job it owns (its jobs.py); pages and workers ask for them.
    from .advances import jobs as advances_jobs  # noqa: F401
    from .backup import jobs as backup_jobs  # noqa: F401
    from .claims import jobs as claims_jobs  # noqa: F401
    from .files import jobs as files_jobs  # noqa: F401
    from .inquiries import jobs as inquiries_jobs  # noqa: F401
    from .jobs.queue import configure_queue
    from .orders import jobs as orders_jobs  # noqa: F401
    from .tracking import jobs as tracking_jobs  # noqa: F401

    configure_queue(app)


def configure_plugins(app: Flask) -> None:
    from .clock import utcnow
    from .plugin_owners import owners_with_records, record_owners

    with app.app_context():
        # A code that records name stays with the plugin that owns it, whatever the loading order.
        owners = owners_with_records()
        reg = load_plugins(
            app.config["PLUGINS_DIR"], use_entry_points=app.config["LOAD_ENTRY_POINT_PLUGINS"], owners=owners
        )
        record_owners(reg, utcnow())
    app.extensions["coverdesk_plugins"] = reg
    app.jinja_env.globals["unloaded_plugins"] = unloaded_plugins


def connect_features() -> None:
    """Higher features subscribe to what lower ones announce (each feature's ``signals.py``), so
    no feature calls one above it."""
    from .advances import subscriptions as advances
    from .claims import subscriptions as claims
    from .inquiries import subscriptions as inquiries
    from .queue import subscriptions as queue
    from .tracking import subscriptions as tracking

    for feature in (tracking, inquiries, claims, advances, queue):
        feature.connect()


def register_blueprints(app: Flask) -> None:
    from .admin.views import bp as admin_bp
    from .advances.views import bp as advances_bp
    from .api.views import authenticate_bearer
    from .api.views import bp as api_bp
    from .auth.access import ACCESS, allowed, caller, refusal
    from .auth.sessions import enforce_session
    from .auth.views import bp as auth_bp
    from .claims.views import bp as claims_bp
    from .health.views import bp as health_bp
    from .inquiries.views import bp as inquiries_bp
    from .jobs.views import bp as jobs_bp
    from .orders.views import bp as orders_bp
    from .queue.views import bp as queue_bp
    from .tracking.views import bp as tracking_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(queue_bp)
    app.register_blueprint(tracking_bp)
    app.register_blueprint(inquiries_bp)
    app.register_blueprint(claims_bp)
    app.register_blueprint(advances_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(jobs_bp)
    csrf.exempt(api_bp)  # the API authenticates each request with a bearer token, not a cookie

    @app.before_request
    def check_access():
        """Every route is in the access table (portal/auth/access.py); this is its one check."""
        endpoint = request.endpoint
        if endpoint is None or endpoint == "static":
            return None  # 404 and 405 answer for themselves; static files are public
        if "token" in ACCESS.get(endpoint, ()) and request.headers.get("Authorization"):
            authenticate_bearer(request.headers["Authorization"])
        who = caller()
        if not allowed(endpoint, who):
            return refusal(endpoint, who)
        if who in ("agent", "supervisor", "admin"):
            return enforce_session()  # idle timeout, a reset password, the required second factor
        return None

    @app.get("/")
    def home():
        return redirect(url_for("queue.index"))

    configure_errors(app)


#: Headers an error keeps when it is answered with the desk's own page or JSON.
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")


#: The page's words for the errors anyone meets, by code (Werkzeug's own texts are English only).
_ERROR_TEXTS = {
    400: (N_("Bad Request"), N_("The browser sent a request this page cannot read.")),
    401: (N_("Unauthorized"), N_("Log in to see this page.")),
    403: (N_("Forbidden"), N_("Your role may not open this page or do this.")),
    404: (N_("Not Found"), N_("There is nothing at this address. Check it, or start again from the work queue.")),
    405: (N_("Method Not Allowed"), N_("This address does not take that kind of request.")),
    413: (N_("Request Entity Too Large"), N_("The request is larger than the upload limit; nothing was stored.")),
    429: (N_("Too Many Requests"), N_("Too many requests in a short time; please wait a moment and try again.")),
}


def error_language() -> str:
    """The error page's language, found without the database: the one this request already
    speaks if known, else the staff member's if their row is loaded (an expired one is not read
    again: the database may be gone), else the login page's choice or the browser's."""
    known = getattr(g.get("_flask_babel"), "babel_locale", None)
    if known is not None:
        return str(known)
    own = getattr(g.get("_login_user"), "__dict__", {}).get("language")
    return own if own in LANGUAGES else chosen_language()


def error_response(code: int, name: str, description: str, headers: dict | None = None, **params):
    """An error as JSON (API) or the styled error page, which needs no database: it is rendered
    without the session's user, so it shows even when the database is gone. ``name`` and
    ``description`` are catalog strings (``params`` fill their placeholders): English in JSON,
    translated on the page."""
    if request.path.startswith("/api/"):
        # The ordering system reads JSON, also for unknown paths and wrong methods.
        response = jsonify({"error": (description % params if params else description) or name})
    else:
        # Straight from the Jinja environment: no context processors, so not even Flask-Login's
        # lookup of the session's user, which needs the database.
        with force_locale(error_language()):
            page = current_app.jinja_env.get_template("error.html").render(
                code=code,
                name=_(name) if name else "",
                description=_(description, **params) if description else "",
                reference=g.get("request_id"),
            )
        response = make_response(page)
    response.status_code = code
    response.headers.update(headers or {})
    return response


def configure_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        original = getattr(exc, "original_exception", None)
        if exc.code == 500 and original is not None:
            if isinstance(original, SQLAlchemyError):
                return database_error(original)
            return server_error(original, logged=True)  # Flask logged it with its traceback
        kept = {key: value for key, value in exc.get_headers() if key in _KEPT_HEADERS}
        if exc.code == 429 and limiter.current_limit is not None:
            kept["Retry-After"] = str(max(1, int(limiter.current_limit.reset_at - time.time())))
        if exc.code == 413:
            return error_response(
                413,
                N_("Request Entity Too Large"),
                N_("The request is larger than the upload limit of %(mb)s MB per file; nothing was stored."),
                kept,
                mb=app.config["MAX_UPLOAD_MB"],
            )
        name, description = exc.name, exc.description or ""
        if exc.code in _ERROR_TEXTS and description == type(exc).description:
            # Werkzeug's default text, not a view's own reason: the page's words instead.
            name, description = _ERROR_TEXTS[exc.code]
        return error_response(exc.code or 500, name, description, kept)

    @app.errorhandler(SQLAlchemyError)
    def database_error(exc: SQLAlchemyError):
        _forget_transaction()
        if is_busy(exc):
            log.warning("database busy: %s", exc)
            return error_response(
                503,
                N_("Busy"),
                N_("The database is busy right now; nothing was changed. Please try again in a moment."),
                {"Retry-After": str(RETRY_AFTER)},
            )
        if is_unavailable(exc):
            log.error("database unavailable: %s", exc)
            return error_response(
                503,
                N_("Database unavailable"),
                N_("The database cannot be reached; nothing was changed. Please try again later."),
                {"Retry-After": "30"},
            )
        return server_error(exc)

    @app.errorhandler(OSError)
    def os_error(exc: OSError):
        _forget_transaction()
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            log.error("disk full: %s", exc)
            return error_response(
                507,
                N_("Disk full"),
                N_("The server's disk is full, so nothing was stored. Tell the administrator; try again later."),
            )
        return server_error(exc)

    @app.errorhandler(PluginFailed)
    @app.errorhandler(PluginUnavailable)
    def plugin_error(exc: PluginFailed | PluginUnavailable):
        # Logged with its traceback and counted by the plugin engine; the agent gets its name.
        _forget_transaction()
        if isinstance(exc, PluginUnavailable):
            return error_response(503, N_("Plugin not loaded"), str(exc))
        return error_response(502, N_("Plugin failed"), str(exc))

    def server_error(exc: BaseException, logged: bool = False):
        if not logged:
            log.error("unhandled error on %s %s", request.method, request.path, exc_info=exc)
        _forget_transaction()
        return error_response(500, N_("Server error"), N_("Something went wrong on our side; nothing was changed."))


def _forget_transaction() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the database may be gone: the error page must still show
        log.debug("rollback failed", exc_info=True)


def configure_templates(app: Flask) -> None:
    from .templating import register_filters

    register_filters(app)


def configure_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static":
            # Pages, documents and API answers hold claims and payees: no browser or proxy keeps them.
            response.headers["Cache-Control"] = "no-store"
        if app.config["SECURE_COOKIES"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if "HX-Request" in response.vary or request.headers.get("HX-Request"):
            response.vary.add("HX-Request")
        return response


# The development server (``coverdesk run``) names itself and Python with their versions in every
# answer; the portal answers as itself.
WSGIRequestHandler.version_string = lambda self: "Coverdesk"


def check_pdf_engine() -> None:
    """WeasyPrint silently runs 8x slower (30-70x for Chinese) without HarfBuzz's subsetter."""
    if ctypes.util.find_library("harfbuzz-subset") is None:
        log.warning(
            "libharfbuzz-subset0 is not installed: PDF rendering will be very slow "
            "(install it with: apt-get install libharfbuzz-subset0)"
        )
