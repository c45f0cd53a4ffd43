"""Upkeep of the work queue's items, called by the services that change what items depend on.

Each kind of item is derived from the database with one set-based statement per batch of
orders, so the same code serves one order (an API call) and a million (an import).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, literal, or_, select, update

from ..clock import to_local
from ..cover.models import Cover
from ..extensions import db
from ..inquiries.models import FINISH_REASONS, Inquiry
from ..orders.models import Order
from .models import QueueItem

BATCH = 1000


def _last_news():
    return func.coalesce(Order.last_event_at, Order.dispatched_at)


def _open_case():
    """The order has an open inquiry (its item replaces the parcel's) or a finished case."""
    # A finished case (claim decided, money settled) ends the parcel's items for good.
    open_inquiry = (
        select(Inquiry.id)
        .where(
            Inquiry.order_id == Order.id,
            or_(Inquiry.state != "closed", Inquiry.closed_reason.in_(FINISH_REASONS)),
        )
        .exists()
    )
    return open_inquiry


def stalled_candidates():
    """Covered parcels with no open inquiry (nor a finished case) that will count as stalled at
    ``stalled_from`` unless news arrives."""
    return (
        select(
            literal("stalled"),
            literal(1),
            Order.id,
            Order.stalled_from,
            Cover.insured_value,
            Cover.currency,
            Order.carrier_code,
            Cover.insurer_code,
            Order.destination_country,
            Order.seller_id,
            _last_news(),
        )
        .join(Cover, Cover.order_id == Order.id)
        .where(Order.stalled_from.is_not(None), ~_open_case())
    )


ITEM_COLUMNS = (
    "kind",
    "tier",
    "order_id",
    "since",
    "insured_value",
    "currency",
    "carrier_code",
    "insurer_code",
    "destination_country",
    "seller_id",
    "quiet_since",
)


def refresh_stalled(order_ids: Iterable[int]) -> None:
    """Re-derive the "stalled" and "watch" items of these orders in the current transaction, and
    the last news every item of theirs shows."""
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        db.session.execute(
            delete(QueueItem).where(QueueItem.kind.in_(("stalled", "watch")), QueueItem.order_id.in_(chunk))
        )
        db.session.execute(insert(QueueItem).from_select(ITEM_COLUMNS, stalled_candidates().where(Order.id.in_(chunk))))
        _insert_watch(Order.id.in_(chunk))
        db.session.execute(
            update(QueueItem)
            .where(QueueItem.order_id.in_(chunk))
            .values(quiet_since=select(_last_news()).where(Order.id == QueueItem.order_id).scalar_subquery())
            .execution_options(synchronize_session=False)
        )


def rebuild() -> None:
    """Derive the stalled and watch items afresh (after a bulk load that bypassed the services)."""
    db.session.execute(delete(QueueItem).where(QueueItem.kind.in_(("stalled", "watch"))))
    db.session.execute(insert(QueueItem).from_select(ITEM_COLUMNS, stalled_candidates()))
    _insert_watch(Order.id.is_not(None))


def _insert_watch(which) -> None:
    """Covered parcels quiet for longer than the warehouse watches for (``QUIET_WATCH_DAYS``) that
    their carrier does not count as stalled yet: on the queue from then until they stall."""
    watch = timedelta(days=current_app.config["QUIET_WATCH_DAYS"])
    rows = db.session.execute(
        select(
            Order.id,
            Order.last_event_at,
            Order.dispatched_at,
            Order.stalled_from,
            Cover.insured_value,
            Cover.currency,
            Order.carrier_code,
            Cover.insurer_code,
            Order.destination_country,
            Order.seller_id,
        )
        .join(Cover, Cover.order_id == Order.id)
        .where(which, Order.stalled_from.is_not(None), ~_open_case())
    )
    items = []
    for row in rows:
        quiet_since = max(filter(None, (row.last_event_at, row.dispatched_at)))
        if quiet_since + watch < row.stalled_from:
            items.append(
                {
                    "kind": "watch",
                    "tier": 2,
                    "order_id": row.id,
                    "since": quiet_since + watch,
                    "until": row.stalled_from,
                    "quiet_since": quiet_since,
                    "insured_value": row.insured_value,
                    "currency": row.currency,
                    "carrier_code": row.carrier_code,
                    "insurer_code": row.insurer_code,
                    "destination_country": row.destination_country,
                    "seller_id": row.seller_id,
                }
            )
        if len(items) >= BATCH:
            db.session.execute(insert(QueueItem), items)
            items = []
    if items:
        db.session.execute(insert(QueueItem), items)


def refresh_inquiry(inquiry: Inquiry) -> None:
    """Re-derive the queue item of an inquiry (open ones are on the queue, ranked by their
    nearest deadline: the dispute's respond-by date or a grace deadline of outstanding evidence),
    and the stalled item of its order, which an open inquiry replaces."""
    db.session.flush()
    db.session.execute(delete(QueueItem).where(QueueItem.kind == "inquiry", QueueItem.order_id == inquiry.order_id))
    order, cover = inquiry.order, inquiry.order.cover
    if inquiry.is_open and cover is not None:
        grace = min(
            (
                item.due_on
                for item in inquiry.items
                if item.due_on is not None and item.state not in ("received", "accepted")
            ),
            default=None,
        )
        due = min(filter(None, (grace, inquiry.dispute_respond_by)), default=None)
        db.session.add(
            QueueItem(
                kind="inquiry",
                order_id=order.id,
                inquiry_id=inquiry.id,
                since=inquiry.opened_at,
                tier=0 if due else 1,
                due_on=due,
                grace_due_on=grace,
                insured_value=cover.insured_value,
                currency=cover.currency,
                carrier_code=order.carrier_code,
                insurer_code=cover.insurer_code,
                destination_country=order.destination_country,
                seller_id=order.seller_id,
                quiet_since=max(filter(None, (order.last_event_at, order.dispatched_at)), default=None),
                assignee_id=inquiry.assignee_id or 0,
            )
        )
    db.session.execute(
        update(QueueItem)
        .where(QueueItem.kind == "payout", QueueItem.order_id == inquiry.order_id)
        .values(assignee_id=inquiry.assignee_id or 0)
        .execution_options(synchronize_session=False)
    )
    refresh_stalled([order.id])


def refresh_claim(claim) -> None:
    """An accepted claim joins the queue the day after its payout falls due, if still unpaid."""

    db.session.flush()
    db.session.execute(delete(QueueItem).where(QueueItem.kind == "payout", QueueItem.order_id == claim.order_id))
    if claim.state != "accepted" or claim.payout_due_on is None:
        return
    order, cover = claim.inquiry.order, claim.inquiry.order.cover
    # Overdue from the start of the day after the due date, warehouse time.

    zone = to_local(datetime.now(UTC)).tzinfo
    overdue_from = datetime.combine(claim.payout_due_on + timedelta(days=1), time(), zone).astimezone(UTC)
    db.session.add(
        QueueItem(
            kind="payout",
            order_id=order.id,
            inquiry_id=claim.inquiry_id,
            claim_id=claim.id,
            since=overdue_from,
            tier=0,
            due_on=claim.payout_due_on,
            insured_value=claim.claimed_amount,
            currency=claim.currency,
            carrier_code=order.carrier_code,
            insurer_code=cover.insurer_code,
            destination_country=order.destination_country,
            seller_id=order.seller_id,
            quiet_since=max(filter(None, (order.last_event_at, order.dispatched_at)), default=None),
            assignee_id=claim.inquiry.assignee_id or 0,
        )
    )
