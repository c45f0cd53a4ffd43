"""One log line per request (and per job, see portal.jobs) with its id, duration and user; the id
is also on every other line logged while it runs, so a traceback can be found from the line."""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import time
import uuid
from contextvars import ContextVar

from flask import Flask, g, request

#: The id of the request or job being handled, on every log record (``%(request_id)s``).
current_id: ContextVar[str] = ContextVar("coverdesk_request_id", default="-")
_INCOMING_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s [%(request_id)s] %(message)s"

requests_log = logging.getLogger("coverdesk.requests")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_id.get()
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr with request ids, once per process (servers and workers call it; tests do
    not, so pytest keeps its own capture)."""
    root = logging.getLogger()
    if any(isinstance(f, RequestIdFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per layout step


def new_id() -> str:
    return uuid.uuid4().hex


def _user() -> str:
    # Only a user already loaded for this request: looking one up here would reach for the
    # database, which may be the very thing that failed.
    token = g.get("api_token")
    if token is not None:
        return f"token:{getattr(token, 'name', '?')}"
    user = g.get("_login_user")
    return getattr(user, "username", None) or "-"


def init_app(app: Flask) -> None:
    @app.before_request
    def start():
        incoming = request.headers.get("X-Request-ID", "")
        # A proxy's id is kept so the two logs join; anything else is replaced, never logged raw.
        g.request_id = incoming if _INCOMING_ID.fullmatch(incoming) else new_id()
        g.request_token = current_id.set(g.request_id)
        g.request_started = time.perf_counter()

    @app.after_request
    def finish(response):
        started = g.get("request_started")
        if started is None:  # a request refused before ``start`` ran
            return response
        response.headers["X-Request-ID"] = g.request_id
        requests_log.info(
            "%s %s %s %.1fms user=%s",
            request.method,
            request.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            _user(),
            extra={"request_id": g.request_id},
        )
        return response

    @app.teardown_request
    def forget(_exc=None):
        token = g.pop("request_token", None)
        if token is not None:
            # Set in another context (a streamed answer): nothing to undo here.
            with contextlib.suppress(ValueError):
                current_id.reset(token)
