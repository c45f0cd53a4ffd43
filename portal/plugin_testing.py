"""Helpers for plugin authors' tests (Karrio style: raw fixture in, expected normalised result out)."""

from __future__ import annotations

from datetime import timezone

from .plugin_api import CarrierPlugin, TrackingFeed


def feed_as_expected(carrier: CarrierPlugin, feed: TrackingFeed) -> dict:
    """A parsed feed in the shape of a fixture's ``.expected.json``: events normalised by the
    carrier, times in UTC ISO 8601, and the problems by record."""
    events = []
    for event in feed.events:
        status, reason = carrier.normalise(event.code, event.description)
        events.append({
            "tracking_no": event.tracking_no,
            "occurred_at": event.occurred_at.astimezone(timezone.utc).isoformat(),
            "code": event.code, "status": status, "reason": reason,
            "location": event.location, "handover": event.handover,
        })
    return {"events": events, "problems": [{"record": p.record, "reason": p.reason} for p in feed.problems]}
