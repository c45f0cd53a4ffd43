"""Tracking's jobs: the stalled scan, the sync of each carrier that has an online feed, and the\ntracking files uploaded in the browser."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app

from ..audit.services import Actor
from ..clock import to_local
from ..jobs.services import FAN_OUT, handler

log = logging.getLogger("coverdesk.jobs")


@handler("stalled-scan")
def stalled_scan(params: dict, now: datetime) -> str:
    from .services import stalled_count

    return f"{stalled_count(now)} stalled parcels"


def _carriers_to_sync(now: datetime) -> list[str]:
    from ..plugin_engine import registry
    from .sync import has_online_feed

    endpoints = current_app.config["CARRIER_ENDPOINTS"]
    return sorted(c.code for c in registry().all_carriers() if has_online_feed(c) and endpoints.get(c.code))


FAN_OUT["tracking-sync"] = _carriers_to_sync


@handler("tracking-sync", commits=True)
def tracking_sync(params: dict, now: datetime) -> str:
    from ..plugin_engine import registry
    from .sync import sync_all

    code = params["part"]
    # Not forced: a carrier still in its back-off after failures is skipped, as it asks.
    (outcome,) = sync_all(
        registry(), current_app.config["CARRIER_ENDPOINTS"], now, only=code, actor=Actor.system("tracking sync")
    )
    if outcome.state == "synced":
        return f"{code}: {outcome.added} new events from {outcome.parcels} parcels, {len(outcome.problems)} problems"
    if outcome.state in ("skipped", "failed"):
        when = f"{to_local(outcome.next_attempt_at):%Y-%m-%d %H:%M}"
        if outcome.state == "skipped":
            return f"{code}: waiting after failures until {when}"
        # The carrier's own back-off is the retry: the job itself did its work.
        log.warning("tracking sync of %s failed: %s", code, outcome.error)
        return f"{code}: failed ({outcome.error}); next try at {when}"
    return f"{code}: {outcome.state.replace('_', ' ')}"


@handler("tracking-import", commits=True)
def tracking_import(params: dict, now: datetime) -> str:
    """A tracking file uploaded in the browser (it commits batch by batch, with its progress)."""
    from ..extensions import db
    from ..jobs.services import GiveUp, actor_of, asked_at, in_asker_language
    from ..plugin_engine import registry
    from .models import TrackingImport
    from .services import Refused, run_import

    row = db.session.get(TrackingImport, params["import_id"])
    if row is None:
        raise GiveUp(f"tracking import {params['import_id']} no longer exists")
    if row.state == "done":
        return f"{row.filename}: already imported"
    try:
        with in_asker_language(params):
            report = run_import(registry(), row, actor_of(params, "tracking"), asked_at(params, now))
    except Refused as exc:
        row.state, row.problems = "failed", [["file", str(exc)]]
        return f"{row.filename}: {exc}"
    return f"{row.filename}: {report.added} events added, {len(report.problems)} problems"
