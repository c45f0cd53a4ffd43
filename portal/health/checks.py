"""Readiness: what the desk needs to serve a request well, each checked for real and named."""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import text

from ..extensions import db


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    ms: float


def _database() -> str:
    db.session.execute(text("SELECT 1"))
    db.session.rollback()
    return db.engine.dialect.name


def _job_queue() -> str:
    from ..jobs.queue import instance, storage_name

    pending = instance().pending_count()  # reads the queue's own storage (SQLite file or Redis)
    return f"{storage_name()}, {pending} waiting"


def _evidence_store() -> str:
    root = Path(current_app.config["EVIDENCE_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=root, prefix=".incoming-ready-")
    try:
        os.write(handle, b"ok")
        os.fsync(handle)
    finally:
        os.close(handle)
        os.unlink(name)
    return "writable"


def _subsetter() -> str:
    if ctypes.util.find_library("harfbuzz-subset") is None:
        raise RuntimeError("libharfbuzz-subset0 is not installed: PDFs render 8-70x slower")
    return "present"


def _plugins() -> str:
    from ..plugin_engine import registry

    reg = registry()
    if not reg.carriers or not reg.insurers:
        raise RuntimeError(f"{len(reg.carriers)} carriers and {len(reg.insurers)} insurers loaded")
    skipped = f", {len(reg.failures)} skipped" if reg.failures else ""
    return f"{len(reg.carriers)} carriers, {len(reg.insurers)} insurers{skipped}"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "job_queue": _job_queue,
    "evidence_store": _evidence_store,
    "pdf_subsetter": _subsetter,
    "plugins": _plugins,
}


def readiness() -> list[Check]:
    """Every check, each on its own: one failing never hides the others."""
    results = []
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            detail, ok = check(), True
        except Exception as exc:  # noqa: BLE001 - a failing dependency is the answer, not an error
            current_app.logger.warning("readiness check %s failed: %s", name, exc)
            if name == "database":
                _forget()
            detail, ok = f"{type(exc).__name__}: {exc}"[:300], False
        results.append(Check(name, ok, detail, round((time.perf_counter() - started) * 1000, 1)))
    return results


def _forget() -> None:
    with contextlib.suppress(Exception):  # the database is gone; the answer must still be given
        db.session.rollback()
