"""Tracking events: one service stores them, whichever channel brings them (API, file, sync).

Events are stored once (a fingerprint per order), in any order of arrival; the order's summary
(current status, last event, dispatch time, when it counts as stalled) is recomputed from all of
its events after every batch, so late or out-of-order events still give the right answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Mapping

from sqlalchemy import func, select

from ..audit.services import Actor, record
from ..clock import parse_timestamp, to_local, utcnow
from ..cover.models import Cover
from ..extensions import db
from ..orders.models import Order
from ..orders.validation import CLOCK_SKEW, ValidationFailed
from ..plugin_api import HANDOVERS, TRACKING_REASONS, TRACKING_STATUSES, CarrierPlugin, TrackingFeed
from ..plugin_engine import PluginRegistry
from .models import TrackingEvent

#: Statuses after which a parcel no longer moves, so it cannot stall.
SETTLED = frozenset({"delivered", "returned", "available_for_pickup"})


@dataclass(frozen=True)
class IncomingEvent:
    """An event checked for shape, not yet normalised or stored."""

    occurred_at: datetime
    code: str | None
    status: str | None = None
    reason: str | None = None
    description: str = ""
    location: str = ""
    handover: str | None = None

    def fingerprint(self) -> str:
        fields = (self.occurred_at.isoformat(), self.code or "", self.status or "", self.description,
                  self.location, self.handover or "")
        return hashlib.sha256("".join(f"{len(f)}:{f};" for f in fields).encode()).hexdigest()


@dataclass(frozen=True)
class IngestResult:
    added: int
    duplicates: int


def _text(record: Mapping[str, Any], key: str, limit: int) -> str:
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError("must be text")
    value = value.strip()
    if len(value) > limit:
        raise ValueError(f"must be at most {limit} characters")
    return value


def parse_api_events(payload: Any) -> list[IncomingEvent]:
    """Check a ``{"events": [...]}`` body; every bad record is named (``events[2].code``)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("events"), list) or not payload["events"]:
        raise ValidationFailed({"events": "must be a non-empty list of events"})
    errors: dict[str, str] = {}
    events = []
    for index, item in enumerate(payload["events"]):
        where = f"events[{index}]"
        if not isinstance(item, Mapping):
            errors[where] = "must be an object"
            continue
        values: dict[str, Any] = {}
        for key, limit in (("code", 120), ("status", 24), ("reason", 24), ("description", 300), ("location", 120),
                           ("handover", 12)):
            try:
                values[key] = _text(item, key, limit) or None
            except ValueError as exc:
                errors[f"{where}.{key}"] = str(exc)
        try:
            values["occurred_at"] = parse_timestamp(item.get("occurred_at") if isinstance(item.get("occurred_at"), str)
                                                    else "")
        except ValueError as exc:
            errors[f"{where}.occurred_at"] = str(exc)
        if values.get("status") and values["status"] not in TRACKING_STATUSES:
            errors[f"{where}.status"] = f"unknown status {values['status']!r} (statuses: {', '.join(TRACKING_STATUSES)})"
        if values.get("reason") and values["reason"] not in TRACKING_REASONS:
            errors[f"{where}.reason"] = f"unknown reason {values['reason']!r} (reasons: {', '.join(TRACKING_REASONS)})"
        if values.get("handover") and values["handover"] not in HANDOVERS:
            errors[f"{where}.handover"] = f"must be one of {', '.join(HANDOVERS)}"
        if not values.get("code") and not values.get("status") and f"{where}.code" not in errors:
            errors[where] = "needs a carrier code, a status, or both"
        if not any(key.startswith(where) for key in errors):
            events.append(IncomingEvent(description=values.get("description") or "",
                                        location=values.get("location") or "",
                                        **{k: values.get(k) for k in ("occurred_at", "code", "status", "reason",
                                                                      "handover")}))
    if errors:
        raise ValidationFailed(errors)
    return events


def check_dates(order: Order, events: list[IncomingEvent], now: datetime, names: list[str]) -> dict[str, str]:
    """Events may not lie in the future or before the order was created; ``names`` name each record."""
    problems = {}
    for name, event in zip(names, events):
        if event.occurred_at > now + CLOCK_SKEW:
            problems[name] = f"occurred_at {event.occurred_at.isoformat()} lies in the future"
        elif event.occurred_at < order.created_at - CLOCK_SKEW:
            problems[name] = (f"occurred_at {to_local(event.occurred_at):%Y-%m-%d %H:%M} is before order "
                              f"{order.order_no} was created ({to_local(order.created_at):%Y-%m-%d %H:%M})")
    return problems


def normalised(carrier: CarrierPlugin | None, event: IncomingEvent) -> tuple[str | None, str | None]:
    """A status the feed gives wins; otherwise the carrier's map decides; unknown stays None."""
    if event.status:
        return event.status, event.reason
    if carrier is None or not event.code:
        return None, event.reason
    status, reason = carrier.normalise(event.code, event.description)
    return status, event.reason or reason


def ingest(plugins: PluginRegistry, order: Order, events: list[IncomingEvent], *, source: str, actor: Actor,
           now: datetime | None = None) -> IngestResult:
    """Store the new events of ``order`` and refresh its summary. Raises ``ValidationFailed``
    (nothing stored) when an event lies in the future or before the order."""
    now = now or utcnow()
    problems = check_dates(order, events, now, [f"events[{i}].occurred_at" for i in range(len(events))])
    if problems:
        raise ValidationFailed(problems)
    carrier = plugins.carrier(order.carrier_code)
    known = set(db.session.scalars(select(TrackingEvent.fingerprint).where(TrackingEvent.order_id == order.id)))
    added = 0
    for event in events:
        fingerprint = event.fingerprint()
        if fingerprint in known:
            continue
        known.add(fingerprint)
        status, reason = normalised(carrier, event)
        db.session.add(TrackingEvent(
            order_id=order.id, occurred_at=event.occurred_at, code=event.code, status=status, reason=reason,
            description=event.description, location=event.location, handover=event.handover, source=source,
            received_at=now, fingerprint=fingerprint,
        ))
        added += 1
    if added:
        db.session.flush()
        before = summary_of(order)
        refresh_summary(plugins, order)
        record(actor, "tracking.events_added", "order", order.id, before=before, after=summary_of(order),
               summary=f"{added} tracking event(s) added from {source}")
    return IngestResult(added, len(events) - added)


def summary_of(order: Order) -> dict:
    return {"tracking_status": order.tracking_status, "tracking_reason": order.tracking_reason,
            "last_event_at": order.last_event_at, "dispatched_at": order.dispatched_at,
            "stalled_from": order.stalled_from}


def timeline(order: Order) -> list[TrackingEvent]:
    """Events oldest first, by when they happened (not when they arrived)."""
    return list(db.session.scalars(select(TrackingEvent).where(TrackingEvent.order_id == order.id)
                                   .order_by(TrackingEvent.occurred_at, TrackingEvent.id)))


def refresh_summary(plugins: PluginRegistry, order: Order) -> None:
    """Recompute the order's tracking summary from all its events."""
    events = timeline(order)
    if not events:
        return
    latest = events[-1]
    order.tracking_status, order.tracking_reason = latest.status, latest.reason
    order.last_event_at = latest.occurred_at
    dispatches = [e.occurred_at for e in events if e.handover == "dispatch"]
    if dispatches and (order.dispatched_at is None or min(dispatches) < order.dispatched_at):
        order.dispatched_at = min(dispatches)
    order.stalled_from = stalled_from(plugins, order)


def stalled_from(plugins: PluginRegistry, order: Order) -> datetime | None:
    """When the parcel counts as stalled if no new event comes, by its carrier's own threshold."""
    if order.tracking_status in SETTLED:
        return None
    return quiet_deadline(plugins, order.carrier_code, order.service_code, order.destination_country,
                          order.dispatched_at, order.last_event_at)


def quiet_deadline(plugins: PluginRegistry, carrier_code: str, service_code: str, destination_country: str,
                   dispatched_at: datetime | None, last_event_at: datetime | None) -> datetime | None:
    """The stall moment of a dispatched parcel last heard of at ``last_event_at`` (or dispatch)."""
    carrier = plugins.carrier(carrier_code)
    if dispatched_at is None or carrier is None:
        return None
    quiet_since = max(filter(None, (last_event_at, dispatched_at)))
    days = carrier.stall_after_days(service_code, destination_country, to_local(quiet_since).date())
    return quiet_since + timedelta(days=days)


def is_stalled(order: Order, now: datetime | None = None) -> bool:
    return order.stalled_from is not None and order.stalled_from <= (now or utcnow())


@dataclass
class FeedReport:
    added: int = 0
    duplicates: int = 0
    orders: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (record, reason)


def import_feed(plugins: PluginRegistry, carrier_code: str, content: bytes, *, source: str, actor: Actor,
                now: datetime | None = None, progress=None) -> FeedReport:
    """Read a carrier's raw tracking file and store its events order by order.

    Records the parser cannot read, events of unknown tracking numbers and events with impossible
    dates are reported by record; everything else is stored (one transaction per order).
    """
    carrier = plugins.carrier(carrier_code)
    if carrier is None:
        raise ValueError(f"unknown carrier {carrier_code!r} (known: {', '.join(sorted(plugins.carriers))})")
    return store_feed(plugins, carrier, carrier.parse_tracking(content), source=source, actor=actor, now=now,
                      progress=progress)


def store_feed(plugins: PluginRegistry, carrier: CarrierPlugin, feed: TrackingFeed, *, source: str, actor: Actor,
               now: datetime | None = None, progress=None) -> FeedReport:
    """Store the events of a feed ``carrier`` already parsed, as :func:`import_feed` does."""
    carrier_code = carrier.code
    now = now or utcnow()
    report = FeedReport(problems=[(p.record, p.reason) for p in feed.problems])
    by_number: dict[str, list[tuple[int, object]]] = {}
    for index, raw in enumerate(feed.events, start=1):
        by_number.setdefault(raw.tracking_no.strip().upper(), []).append((index, raw))
    orders = _orders_by_tracking_no(carrier_code, list(by_number))
    for tracking_no, raws in by_number.items():
        order = orders.get(tracking_no)
        if order is None:
            report.problems.extend((f"event {index}", f"no {carrier.name} order has tracking number {tracking_no}")
                                   for index, _ in raws)
        else:
            events = [IncomingEvent(raw.occurred_at, (raw.code or "")[:120] or None, raw.status, raw.reason,
                                    raw.description[:300],
                                    raw.location[:120], raw.handover) for _, raw in raws]
            names = [f"event {index} ({tracking_no})" for index, _ in raws]
            bad = check_dates(order, events, now, names)
            report.problems.extend(bad.items())
            good = [event for name, event in zip(names, events) if name not in bad]
            if good:
                result = ingest(plugins, order, good, source=source, actor=actor, now=now)
                db.session.commit()
                report.added += result.added
                report.duplicates += result.duplicates
                report.orders += 1
        if progress:
            progress(len(raws))
    return report


def _orders_by_tracking_no(carrier_code: str, numbers: list[str]) -> dict[str, Order]:
    """The carrier's orders with these tracking numbers, asked a thousand at a time."""
    found = {}
    for start in range(0, len(numbers), 1000):
        found.update((order.tracking_no, order) for order in db.session.scalars(
            select(Order).where(Order.carrier_code == carrier_code,
                                Order.tracking_no.in_(numbers[start:start + 1000]))).unique())
    return found


def stalled_query(now: datetime):
    """Stalled parcels, most at risk first: one query on the indexed ``stalled_from`` column."""
    return (select(Order, Cover.insured_value)
            .outerjoin(Cover, Cover.order_id == Order.id)
            .where(Order.stalled_from <= now)
            .order_by(Cover.insured_value.desc().nulls_last(), Order.stalled_from))


def stalled_count(now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(Order).where(Order.stalled_from <= now))
