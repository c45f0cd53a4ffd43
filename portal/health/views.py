"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work), as JSON for probes."""

from __future__ import annotations

import os

from flask import Blueprint, jsonify

from .checks import readiness

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    # Nothing but the process itself: a probe restarting a worker must not depend on the database.
    return jsonify({"status": "ok", "pid": os.getpid()})


@bp.get("/readyz")
def readyz():
    checks = readiness()
    ready = all(check.ok for check in checks)
    body = {
        "status": "ready" if ready else "not ready",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail, "ms": c.ms} for c in checks},
    }
    return jsonify(body), 200 if ready else 503
