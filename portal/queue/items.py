"""Upkeep of the work queue's items, called by the services that change what items depend on.

Each kind of item is derived from the database with one set-based statement per batch of
orders, so the same code serves one order (an API call) and a million (an import).
"""

from __future__ import annotations

from typing import Iterable

from sqlalchemy import delete, insert, literal, select

from ..cover.models import Cover
from ..extensions import db
from ..orders.models import Order
from .models import QueueItem

BATCH = 1000


def stalled_candidates():
    """Covered parcels that will count as stalled at ``stalled_from`` unless news arrives."""
    return (select(literal("stalled"), Order.id, Order.stalled_from, Cover.insured_value, Cover.currency,
                   Order.carrier_code, Cover.insurer_code, Order.destination_country, Order.seller_id)
            .join(Cover, Cover.order_id == Order.id)
            .where(Order.stalled_from.is_not(None)))


ITEM_COLUMNS = ("kind", "order_id", "since", "insured_value", "currency", "carrier_code", "insurer_code",
                "destination_country", "seller_id")


def refresh_stalled(order_ids: Iterable[int]) -> None:
    """Re-derive the "stalled" items of these orders in the current transaction."""
    ids = sorted(set(order_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start:start + BATCH]
        db.session.execute(delete(QueueItem).where(QueueItem.kind == "stalled", QueueItem.order_id.in_(chunk)))
        db.session.execute(insert(QueueItem).from_select(
            ITEM_COLUMNS, stalled_candidates().where(Order.id.in_(chunk))))


def rebuild() -> None:
    """Derive every item afresh (after a bulk load that bypassed the services)."""
    db.session.execute(delete(QueueItem))
    db.session.execute(insert(QueueItem).from_select(ITEM_COLUMNS, stalled_candidates()))
