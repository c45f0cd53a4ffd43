"""Tracking's jobs: the stalled scan and the sync of each carrier that has an online feed."""

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
