"""Tracking events: one service stores them, whichever channel brings them (API, file, sync).

Events are stored once (a fingerprint per order), in any order of arrival; the order's summary
(current status, last event, dispatch time, when it counts as stalled) is recomputed from all of
its events after every batch, so late or out-of-order events still give the right answer. One
batched path (:func:`store_batch`) serves an API call for one order and a file of a million events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..audit.services import Actor, event_row, record, record_many
from ..bulk import bulk_insert, bulk_update
from ..clock import parse_timestamp, to_local, utcnow
from ..cover.models import Cover
from ..cover.services import bought_after_dispatch
from ..errors import Refused, ValidationFailed, unit_of_work
from ..extensions import db
from ..orders.models import Order
from ..orders.services import quiet_deadline
from ..orders.validation import CLOCK_SKEW
from ..plugin_api import HANDOVERS, TRACKING_REASONS, TRACKING_STATUSES, CarrierPlugin, FeedProblem, TrackingFeed
from ..plugin_engine import PluginFailed, PluginRegistry
from .models import TrackingEvent, TrackingImport
from .signals import stall_changed

#: Statuses after which a parcel no longer moves, so it cannot stall.
SETTLED = frozenset({"delivered", "returned", "available_for_pickup"})


class IncomingEvent(NamedTuple):
    """An event checked for shape, not yet normalised or stored (a tuple: files bring millions)."""

    occurred_at: datetime
    code: str | None
    status: str | None = None
    reason: str | None = None
    description: str = ""
    location: str = ""
    handover: str | None = None

    def fingerprint(self) -> str:
        fields = (
            self.occurred_at.isoformat(),
            self.code or "",
            self.status or "",
            self.description,
            self.location,
            self.handover or "",
        )
        return hashlib.sha256("".join([f"{len(f)}:{f};" for f in fields]).encode()).hexdigest()


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
        for key, limit in (
            ("code", 120),
            ("status", 24),
            ("reason", 24),
            ("description", 300),
            ("location", 120),
            ("handover", 12),
        ):
            try:
                values[key] = _text(item, key, limit) or None
            except ValueError as exc:
                errors[f"{where}.{key}"] = str(exc)
        try:
            values["occurred_at"] = parse_timestamp(
                item.get("occurred_at") if isinstance(item.get("occurred_at"), str) else ""
            )
        except ValueError as exc:
            errors[f"{where}.occurred_at"] = str(exc)
        if values.get("status") and values["status"] not in TRACKING_STATUSES:
            errors[f"{where}.status"] = (
                f"unknown status {values['status']!r} (statuses: {', '.join(TRACKING_STATUSES)})"
            )
        if values.get("reason") and values["reason"] not in TRACKING_REASONS:
            errors[f"{where}.reason"] = f"unknown reason {values['reason']!r} (reasons: {', '.join(TRACKING_REASONS)})"
        if values.get("handover") and values["handover"] not in HANDOVERS:
            errors[f"{where}.handover"] = f"must be one of {', '.join(HANDOVERS)}"
        if not values.get("code") and not values.get("status") and f"{where}.code" not in errors:
            errors[where] = "needs a carrier code, a status, or both"
        if not any(key.startswith(where) for key in errors):
            events.append(
                IncomingEvent(
                    description=values.get("description") or "",
                    location=values.get("location") or "",
                    **{k: values.get(k) for k in ("occurred_at", "code", "status", "reason", "handover")},
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return events


#: How long before its order was entered a parcel's scan may lie: orders are often entered or
#: imported after pickup, but a scan older than the longest trace window (six months, USPS
#: Priority Mail International) is not one of this parcel's.
OLDEST_BEFORE_ENTRY = timedelta(days=183)


def check_dates(order: Order, events: list[IncomingEvent], now: datetime, names: list[str]) -> dict[str, str]:
    """Events may lie before the order was entered, but not in the future nor absurdly long before
    it; ``names`` name each record."""
    problems = {}
    for name, event in zip(names, events, strict=False):
        if event.occurred_at > now + CLOCK_SKEW:
            problems[name] = _("occurred_at %(when)s lies in the future", when=event.occurred_at.isoformat())
        elif event.occurred_at < order.created_at - OLDEST_BEFORE_ENTRY:
            problems[name] = _(
                "occurred_at %(when)s is more than %(days)s days before order %(order_no)s was entered "
                "(%(entered)s): not a scan of this parcel",
                when=to_local(event.occurred_at).strftime("%Y-%m-%d %H:%M"),
                days=OLDEST_BEFORE_ENTRY.days,
                order_no=order.order_no,
                entered=to_local(order.created_at).strftime("%Y-%m-%d %H:%M"),
            )
    return problems


def normalised(carrier: CarrierPlugin | None, event: IncomingEvent) -> tuple[str | None, str | None]:
    """A status the feed gives wins; otherwise the carrier's map decides; unknown stays None."""
    if event.status:
        return event.status, event.reason
    if carrier is None or not event.code:
        return None, event.reason
    status, reason = carrier.normalise(event.code, event.description)
    return status, event.reason or reason


def ingest(
    plugins: PluginRegistry,
    order: Order,
    events: list[IncomingEvent],
    *,
    source: str,
    actor: Actor,
    now: datetime | None = None,
) -> IngestResult:
    """Store the new events of ``order`` and refresh its summary. Raises ``ValidationFailed``
    (nothing stored) when an event lies in the future or before the order."""
    now = now or utcnow()
    problems = check_dates(order, events, now, [f"events[{i}].occurred_at" for i in range(len(events))])
    if problems:
        raise ValidationFailed(problems)
    return store_batch(plugins, [(order, events)], source=source, actor=actor, now=now)[0]


#: Sorts events stored in this batch after those stored before, as their ids will.
_NEW = 1 << 62


def store_batch(
    plugins: PluginRegistry, batch: list[tuple[Any, list[IncomingEvent]]], *, source: str, actor: Actor, now: datetime
) -> list[IngestResult]:
    """Store the events of many orders at once, in the current transaction; dates are checked.

    ``batch`` pairs an order (an ``Order`` or a row with the same columns) with its events. One
    query reads what is stored, one bulk insert adds what is new, one statement per changed order
    updates its summary, and the queue items follow, so one order or a million take the same path.
    """
    db.session.flush()
    stored: dict[int, list] = {order.id: [] for order, _ in batch}
    columns = (
        TrackingEvent.order_id,
        TrackingEvent.occurred_at,
        TrackingEvent.id,
        TrackingEvent.status,
        TrackingEvent.reason,
        TrackingEvent.handover,
        TrackingEvent.fingerprint,
    )
    ids = list(stored)
    for start in range(0, len(ids), 1000):
        for row in db.session.execute(select(*columns).where(TrackingEvent.order_id.in_(ids[start : start + 1000]))):
            stored[row.order_id].append(row)
    rows, changes, audit, results, moved = [], [], [], [], {}
    for order, events in batch:
        carrier = plugins.carrier(order.carrier_code)
        known = {row.fingerprint for row in stored[order.id]}
        facts = [(row.occurred_at, row.id, row.status, row.reason, row.handover) for row in stored[order.id]]
        added = 0
        for event in events:
            fingerprint = event.fingerprint()
            if fingerprint in known:
                continue
            known.add(fingerprint)
            status, reason = normalised(carrier, event)
            rows.append(
                {
                    "order_id": order.id,
                    "occurred_at": event.occurred_at,
                    "code": event.code,
                    "status": status,
                    "reason": reason,
                    "description": event.description,
                    "location": event.location,
                    "handover": event.handover,
                    "source": source,
                    "received_at": now,
                    "fingerprint": fingerprint,
                }
            )
            facts.append((event.occurred_at, _NEW + len(rows), status, reason, event.handover))
            added += 1
        results.append(IngestResult(added, len(events) - added))
        if added:
            before, after = summary_of(order), summarise(plugins, order, facts)
            changes.append({"id": order.id, **after})
            if after["dispatched_at"] and after["dispatched_at"] != before["dispatched_at"]:
                moved[order.id] = after["dispatched_at"]
            audit.append(
                event_row(
                    actor,
                    "tracking.events_added",
                    "order",
                    order.id,
                    before=before,
                    after=after,
                    summary=f"{added} tracking event(s) added from {source}",
                )
            )
    if not rows:
        return results
    audit.extend(_cover_doubts(actor, moved))
    connection = db.session.connection()
    bulk_insert(connection, TrackingEvent.__table__, rows)
    bulk_update(connection, Order.__table__, "id", changes)
    record_many(audit)
    stall_changed.send(None, order_ids=[change["id"] for change in changes])
    for order, _events in batch:
        if isinstance(order, Order):
            db.session.expire(order)  # its summary was written around the ORM
    return results


def _cover_doubts(actor: Actor, dispatched: dict[int, datetime]) -> list[dict]:
    """Audit rows for orders whose dispatch moment, changed now, lies before their cover was
    bought: flagged on the order and the claim (``bought_after_dispatch``), never silently accepted."""
    rows = []
    for start in range(0, len(dispatched), 1000):
        ids = list(dispatched)[start : start + 1000]
        for cover in db.session.scalars(select(Cover).where(Cover.order_id.in_(ids))):
            doubt = bought_after_dispatch(cover, dispatched[cover.order_id])
            if doubt:
                rows.append(event_row(actor, "cover.bought_after_dispatch", "order", cover.order_id, summary=doubt))
    return rows


SUMMARY_FIELDS = ("tracking_status", "tracking_reason", "last_event_at", "dispatched_at", "stalled_from")


def summary_of(order) -> dict:
    return {key: getattr(order, key) for key in SUMMARY_FIELDS}


def summarise(plugins: PluginRegistry, order, events: list[tuple]) -> dict:
    """The order's tracking summary from all its events, given as (occurred_at, sequence, status,
    reason, handover): the latest event decides the status, the first dispatch scan the dispatch
    time, and the carrier's threshold when the parcel counts as stalled."""
    latest = max(events, key=lambda event: event[:2])
    dispatched_at = order.dispatched_at
    dispatches = [event[0] for event in events if event[4] == "dispatch"]
    if dispatches and (dispatched_at is None or min(dispatches) < dispatched_at):
        dispatched_at = min(dispatches)
    status = latest[2]
    stalled = (
        None
        if status in SETTLED
        else quiet_deadline(
            plugins, order.carrier_code, order.service_code, order.destination_country, dispatched_at, latest[0]
        )
    )
    return {
        "tracking_status": status,
        "tracking_reason": latest[3],
        "last_event_at": latest[0],
        "dispatched_at": dispatched_at,
        "stalled_from": stalled,
    }


def timeline(order: Order) -> list[TrackingEvent]:
    """Events oldest first, by when they happened (not when they arrived)."""
    return list(
        db.session.scalars(
            select(TrackingEvent)
            .where(TrackingEvent.order_id == order.id)
            .order_by(TrackingEvent.occurred_at, TrackingEvent.id)
        )
    )


def is_stalled(order: Order, now: datetime | None = None) -> bool:
    return order.stalled_from is not None and order.stalled_from <= (now or utcnow())


@dataclass
class FeedReport:
    added: int = 0
    duplicates: int = 0
    orders: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (record, reason)


def import_feed(
    plugins: PluginRegistry,
    carrier_code: str,
    content: bytes,
    *,
    source: str,
    actor: Actor,
    now: datetime | None = None,
    progress=None,
) -> FeedReport:
    """Read a carrier's raw tracking file and store its events.

    Records the parser cannot read, events of unknown tracking numbers and events with impossible
    dates are reported by record; everything else is stored (a transaction per batch of orders).
    """
    carrier = plugins.carrier(carrier_code)
    if carrier is None:
        raise Refused("carrier", f"unknown carrier {carrier_code!r} (known: {', '.join(sorted(plugins.carriers))})")
    try:
        feed = carrier.parse_tracking(content)
    except PluginFailed as exc:  # the file is reported as unreadable, with the plugin named
        feed = TrackingFeed((), (FeedProblem("file", str(exc)),))
    return store_feed(plugins, carrier, feed, source=source, actor=actor, now=now, progress=progress)


#: Orders stored per transaction by :func:`store_feed`.
FEED_BATCH = 1000


def store_feed(
    plugins: PluginRegistry,
    carrier: CarrierPlugin,
    feed: TrackingFeed,
    *,
    source: str,
    actor: Actor,
    now: datetime | None = None,
    progress=None,
) -> FeedReport:
    """Store the events of a feed ``carrier`` already parsed, as :func:`import_feed` does."""
    now = now or utcnow()
    report = FeedReport(problems=[(p.record, p.reason) for p in feed.problems])
    by_number: dict[str, list[tuple[int, object]]] = {}
    for index, raw in enumerate(feed.events, start=1):
        by_number.setdefault(raw.tracking_no.strip().upper(), []).append((index, raw))
    numbers = list(by_number)
    for start in range(0, len(numbers), FEED_BATCH):
        chunk = numbers[start : start + FEED_BATCH]
        orders = _orders_by_tracking_no(carrier.code, chunk)
        batch, seen = [], 0
        for tracking_no in chunk:
            raws = by_number[tracking_no]
            seen += len(raws)
            order = orders.get(tracking_no)
            if order is None:
                report.problems.extend(
                    (
                        f"event {index}",
                        _(
                            "no %(carrier)s order has tracking number %(tracking_no)s",
                            carrier=carrier.name,
                            tracking_no=tracking_no,
                        ),
                    )
                    for index, _raw in raws
                )
                continue
            events = [
                IncomingEvent(
                    raw.occurred_at,
                    (raw.code or "")[:120] or None,
                    raw.status,
                    raw.reason,
                    raw.description[:300],
                    raw.location[:120],
                    raw.handover,
                )
                for _, raw in raws
            ]
            names = [f"event {index} ({tracking_no})" for index, _ in raws]
            bad = check_dates(order, events, now, names)
            report.problems.extend(bad.items())
            good = [event for name, event in zip(names, events, strict=False) if name not in bad]
            if good:
                batch.append((order, good))
        with unit_of_work():
            results = store_batch(plugins, batch, source=source, actor=actor, now=now)
        report.added += sum(result.added for result in results)
        report.duplicates += sum(result.duplicates for result in results)
        report.orders += len(batch)
        if progress:
            progress(seen)
    return report


#: What the feed path reads of an order: enough to check dates and keep the summary.
ORDER_FACTS = (
    Order.id,
    Order.order_no,
    Order.tracking_no,
    Order.carrier_code,
    Order.service_code,
    Order.destination_country,
    Order.created_at,
    Order.dispatched_at,
    Order.tracking_status,
    Order.tracking_reason,
    Order.last_event_at,
    Order.stalled_from,
)


def _orders_by_tracking_no(carrier_code: str, numbers: list[str]) -> dict[str, Any]:
    """The carrier's orders with these tracking numbers (narrow rows), asked a thousand at a time."""
    found = {}
    for start in range(0, len(numbers), 1000):
        found.update(
            (row.tracking_no, row)
            for row in db.session.execute(
                select(*ORDER_FACTS).where(
                    Order.carrier_code == carrier_code, Order.tracking_no.in_(numbers[start : start + 1000])
                )
            )
        )
    return found


def stalled_query(now: datetime):
    """Stalled parcels, most at risk first: one query on the indexed ``stalled_from`` column."""
    return (
        select(Order, Cover.insured_value)
        .outerjoin(Cover, Cover.order_id == Order.id)
        .where(Order.stalled_from <= now)
        .order_by(Cover.insured_value.desc().nulls_last(), Order.stalled_from)
    )


def stalled_count(now: datetime) -> int:
    return db.session.scalar(select(func.count()).select_from(Order).where(Order.stalled_from <= now))


def report_lines(report: FeedReport, name: str) -> list[str]:
    """A feed's report as the CLI prints it and the import page shows it: the totals, then one
    line per problem naming the file and the record."""
    return [
        _(
            "%(added)s events added to %(orders)s orders, %(duplicates)s already stored, %(problems)s problems",
            added=report.added,
            orders=report.orders,
            duplicates=report.duplicates,
            problems=len(report.problems),
        ),
        *(f"{name}: {record}: {reason}" for record, reason in report.problems),
    ]


# --- by hand and from the browser ------------------------------------------------------------


def add_manual_scan(
    plugins: PluginRegistry,
    order: Order,
    *,
    occurred_at: datetime,
    status: str,
    handover: str | None,
    location: str,
    description: str,
    why: str,
    actor: Actor,
    now: datetime,
) -> IngestResult:
    """A scan staff add by hand (the carrier's feed missed it, a paper manifest shows it): stored
    as any event, marked ``manual``, and audited with who and why."""
    why, location, description = why.strip(), location.strip(), description.strip()
    if not why:
        raise Refused("why", _("say why the scan is added by hand (e.g. the manifest shows a scan the feed missed)"))
    if status not in TRACKING_STATUSES:
        raise Refused("status", _("choose a status (%(known)s)", known=", ".join(TRACKING_STATUSES)))
    if handover and handover not in HANDOVERS:
        raise Refused("handover", _("a handover is one of %(known)s", known=", ".join(HANDOVERS)))
    if len(location) > 120 or len(description) > 300:
        raise Refused("description", _("the place is at most 120 characters, the text at most 300"))
    event = IncomingEvent(occurred_at, None, status, None, description or "added by hand", location, handover or None)
    problems = check_dates(order, [event], now, ["occurred_at"])
    if problems:
        raise ValidationFailed(problems)
    [result] = store_batch(plugins, [(order, [event])], source="manual", actor=actor, now=now)
    if not result.added:
        raise Refused("occurred_at", _("this scan is already stored"), conflict=True)
    what = status.replace("_", " ") + (f" ({handover})" if handover else "")
    record(
        actor,
        "tracking.manual_scan",
        "order",
        order.id,
        after={"occurred_at": occurred_at, "status": status, "handover": handover, "location": location, "why": why},
        summary=f"scan added by hand: {what} at {to_local(occurred_at):%Y-%m-%d %H:%M}; why: {why}",
    )
    return result


def request_import(carrier_code: str, filename: str, content: bytes, actor: Actor, now: datetime) -> TrackingImport:
    """Keep an uploaded tracking file and ask a job to import it (the page follows its progress)."""
    from ..jobs.services import request_file_import

    plugins_carrier = _carrier_or_refuse(carrier_code)
    if not content.strip():
        raise Refused("file", _("%(name)s: the file is empty", name=filename))
    return request_file_import(
        "tracking-import", TrackingImport, filename, content, actor, now, carrier_code=plugins_carrier.code
    )


def _carrier_or_refuse(carrier_code: str) -> CarrierPlugin:
    from ..plugin_engine import registry

    carrier = registry().carrier(carrier_code)
    if carrier is None:
        raise Refused("carrier", _("unknown carrier '%(code)s'", code=carrier_code))
    return carrier


def run_import(plugins: PluginRegistry, row: TrackingImport, actor: Actor, now: datetime) -> FeedReport:
    """The job's work: read the stored file with its carrier's parser and store its events,
    committing batch by batch with the progress, then the report. Run again, it stores nothing twice."""
    from ..storage import file_store

    carrier = plugins.carrier(row.carrier_code)
    if carrier is None:
        raise Refused("carrier", _("the %(code)s carrier is not loaded", code=row.carrier_code))
    try:
        feed = carrier.parse_tracking(file_store().read(row.sha256))
    except PluginFailed as exc:
        feed = TrackingFeed((), (FeedProblem("file", str(exc)),))
    row.state, row.total, row.processed = "running", len(feed.events), 0
    db.session.commit()

    def progress(seen: int) -> None:
        row.processed += seen
        db.session.commit()

    report = store_feed(plugins, carrier, feed, source="file", actor=actor, now=now, progress=progress)
    row.state, row.finished_at = "done", utcnow()
    row.added, row.duplicates, row.orders = report.added, report.duplicates, report.orders
    row.problems = [list(problem) for problem in report.problems]
    row.processed = row.total
    return report


def import_report(row: TrackingImport) -> FeedReport:
    return FeedReport(row.added, row.duplicates, row.orders, [tuple(problem) for problem in row.problems or []])
