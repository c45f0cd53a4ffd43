"""Who may call what: every route of the portal, written down once, and enforced in one place.

``ACCESS`` maps each endpoint to the callers allowed on all of its methods. A request hook
(:func:`enforce`) checks it before any view runs; an endpoint missing from the table is refused
(fail closed), and ``tests/test_access_matrix.py`` walks every route × method × caller on both
databases and fails for a route the table does not name. Finer rules that depend on the record
(a supervisor who did not request the advance pays it) are the services' and are tested there.

Callers: ``anonymous``; ``token`` (the ordering system, an API bearer token: never a page);
``agent``, ``supervisor``, ``admin`` (staff sessions; each rank may do what the ranks below may).
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g, jsonify, redirect, request, url_for
from flask_login import current_user

from ..audit.security import security_event

CALLERS = ("anonymous", "token", "agent", "supervisor", "admin")

PUBLIC = frozenset(CALLERS)
TOKEN = frozenset({"token"})
STAFF = frozenset({"agent", "supervisor", "admin"})
SUPERVISOR = frozenset({"supervisor", "admin"})
ADMIN = frozenset({"admin"})
#: The login pages: for everyone (someone half-way through, password right and code not yet, is
#: still anonymous; a bearer token is no session, so on a page it is anonymous too).
LOGIN = PUBLIC

ACCESS: dict[str, frozenset[str]] = {
    "static": PUBLIC,
    "auth.login": LOGIN,
    "auth.second_factor": LOGIN,
    "auth.logout": STAFF,
    # The language switch: on the login page too.
    "auth.set_language": LOGIN,
    "auth.profile": STAFF,
    "auth.change_password": STAFF,
    "auth.totp_enrol": STAFF,
    "auth.totp_disable": STAFF,
    "admin.plugins": ADMIN,
    "admin.users": ADMIN,
    "admin.user_action": ADMIN,
    "admin.calendars_page": ADMIN,
    "jobs.index": ADMIN,
    "jobs.retry": ADMIN,
    "jobs.run_now": ADMIN,
    # Probes of the process and its dependencies; they show no records.
    "health.healthz": PUBLIC,
    "health.readyz": PUBLIC,
    "home": STAFF,
    "queue.index": STAFF,
    "queue.take_case": STAFF,
    # The service also refuses anyone but a supervisor.
    "queue.assign_case": SUPERVISOR,
    "orders.index": STAFF,
    "orders.new": STAFF,
    "orders.quote_preview": STAFF,
    "orders.import_csv": STAFF,
    "orders.import_detail": STAFF,
    "orders.import_status": STAFF,
    "orders.import_retry": STAFF,
    "orders.detail": STAFF,
    "orders.add_cover": STAFF,
    "tracking.add_scan": STAFF,
    "tracking.imports": STAFF,
    "tracking.import_detail": STAFF,
    "tracking.import_status": STAFF,
    "inquiries.open_for_order": STAFF,
    "inquiries.detail": STAFF,
    "inquiries.step": STAFF,
    "inquiries.upload": STAFF,
    "inquiries.review": STAFF,
    "inquiries.regenerate": STAFF,
    "inquiries.checklist": STAFF,
    "inquiries.document": STAFF,
    "inquiries.trace_request_pdf": STAFF,
    "inquiries.trace_request_make": STAFF,
    "inquiries.trace_request_status": STAFF,
    "claims.create": STAFF,
    "claims.detail": STAFF,
    "claims.step": STAFF,
    "claims.pack": STAFF,
    "claims.packs": STAFF,
    "claims.sla": STAFF,
    # request (agents); approve, decline, pay, write-off: the service asks for a supervisor who
    # did not request the advance.
    "advances.claim_step": STAFF,
    "advances.index": SUPERVISOR,
    "advances.exposure": SUPERVISOR,
    "advances.statement": SUPERVISOR,
    "advances.statement_make": SUPERVISOR,
    "advances.statement_status": SUPERVISOR,
    "advances.statement_pdf": SUPERVISOR,
    "api.openapi": PUBLIC,
    "api.post_order": TOKEN,
    "api.get_order": TOKEN,
    "api.post_tracking_events": TOKEN,
    "api.post_inquiry": TOKEN,
    "api.post_evidence": TOKEN,
    "api.get_quote": TOKEN,
    "api.carriers": TOKEN,
    "api.insurers": TOKEN,
}


def caller() -> str:
    """Who is asking: the staff member's role, ``token`` for the API, else ``anonymous``."""
    if g.get("api_token") is not None:
        return "token"
    if current_user.is_authenticated:
        return current_user.role
    return "anonymous"


def allowed(endpoint: str | None, who: str) -> bool:
    return who in ACCESS.get(endpoint or "", frozenset())


def refusal(endpoint: str | None, who: str):
    """The answer to a caller the table does not allow: the login page for a browser without a
    session, 401 for the API, 403 (audited) for staff of too low a rank."""

    allowed_callers = ACCESS.get(endpoint or "", frozenset())
    if who in ("anonymous", "token") and allowed_callers & STAFF:
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
    if allowed_callers == TOKEN:
        return unauthorised()
    security_event(
        "access.refused",
        f"{request.method} {request.path} refused to {who}"
        + ("" if endpoint in ACCESS else f" (endpoint {endpoint} is not in the access table)"),
    )
    abort(403)


def unauthorised():
    """The API's 401: JSON, with the scheme it wants."""
    response = jsonify({"error": "a valid bearer token is required (Authorization: Bearer <token>)"})
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="coverdesk"'
    return response


def role_required(*roles: str):
    """Allow the view to users holding one of ``roles`` (or a higher one). The access table
    already says so for every route; this keeps the rule visible beside the view."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated or not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
