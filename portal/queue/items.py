"""Upkeep of the work queue's items, called by the services that change what items depend on.

Each kind of item is derived from the database with one set-based statement per batch of
orders, so the same code serves one order (an API call) and a million (an import).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import delete, insert, literal, or_, select

from ..clock import to_local
from ..cover.models import Cover
from ..extensions import db
from ..inquiries.models import FINISH_REASONS, Inquiry
from ..orders.models import Order
from .models import QueueItem

BATCH = 1000


def stalled_candidates():
    """Covered parcels with no open inquiry (nor a finished case) that will count as stalled at ``stalled_from``
    unless news arrives."""
    # An open inquiry replaces the item; a finished case (claim decided, money settled) ends it.
    open_inquiry = (
        select(Inquiry.id)
        .where(
            Inquiry.order_id == Order.id,
            or_(Inquiry.state != "closed", Inquiry.closed_reason.in_(FINISH_REASONS)),
        )
        .exists()
    )
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
        )
        .join(Cover, Cover.order_id == Order.id)
        .where(Order.stalled_from.is_not(None), ~open_inquiry)
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
)


def refresh_stalled(order_ids: Iterable[int]) -> None:
    """Re-derive the "stalled" items of these orders in the current transaction."""
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        db.session.execute(delete(QueueItem).where(QueueItem.kind == "stalled", QueueItem.order_id.in_(chunk)))
        db.session.execute(insert(QueueItem).from_select(ITEM_COLUMNS, stalled_candidates().where(Order.id.in_(chunk))))


def rebuild() -> None:
    """Derive the stalled items afresh (after a bulk load that bypassed the services)."""
    db.session.execute(delete(QueueItem).where(QueueItem.kind == "stalled"))
    db.session.execute(insert(QueueItem).from_select(ITEM_COLUMNS, stalled_candidates()))


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
            )
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
        )
    )
