"""The agents' work queue: what to work on first.

Items live in ``queue_items`` (see ``models``), kept by the services whose changes make or end
them (``items``): parcels with cover that have stalled by their carrier's own threshold and no
inquiry yet, and open inquiries (ranked by their dispute's respond-by date or the nearest grace
deadline of outstanding evidence). Claims and payout SLAs join as further kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..orders.models import Order
from ..orders.services import prefix_matches
from ..sellers.models import Seller
from .models import QueueItem

#: Up to this many matching orders, a search hands the database their ids.
SEARCH_IDS = 1000


@dataclass(frozen=True)
class QueueFilters:
    carrier: str = ""
    insurer: str = ""
    destination: str = ""
    seller: str = ""
    q: str = ""

    @property
    def active(self) -> bool:
        return any((self.carrier, self.insurer, self.destination, self.seller, self.q))


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    page: int
    per_page: int
    has_next: bool


def queue_page(session: Session, filters: QueueFilters, now: datetime, page: int = 1, per_page: int = 50) -> QueuePage:
    """The items due by ``now``: deadlines first (nearest first), then the most insured value,
    then the longest waiting.

    Reads ``queue_items`` in the order of its rank index, so a page costs about the same with a
    hundred items or a hundred thousand. Amounts in different currencies are ranked by number.
    """
    page = max(page, 1)
    stmt = select(QueueItem).where(QueueItem.since <= now)
    if filters.carrier:
        stmt = stmt.where(QueueItem.carrier_code == filters.carrier)
    if filters.insurer:
        stmt = stmt.where(QueueItem.insurer_code == filters.insurer)
    if filters.destination:
        stmt = stmt.where(QueueItem.destination_country == filters.destination.upper())
    if filters.seller:
        # Looked up first: a known id lets the database read that seller's items in rank order.
        sellers = session.scalars(
            select(Seller.id).where(or_(Seller.code == filters.seller, Seller.code == filters.seller.upper()))
        ).all()
        stmt = stmt.where(QueueItem.seller_id.in_(sellers) if len(sellers) != 1 else QueueItem.seller_id == sellers[0])
    if filters.q:
        matching = select(Order.id).where(or_(*prefix_matches(session, filters.q)))
        ids = session.scalars(matching.limit(SEARCH_IDS + 1)).all()
        if len(ids) <= SEARCH_IDS:
            return _ranked_in_python(session, stmt.where(QueueItem.order_id.in_(ids)), page, per_page)
        stmt = stmt.where(QueueItem.order_id.in_(matching))
    stmt = (
        stmt.order_by(QueueItem.tier, QueueItem.due_on, QueueItem.insured_value.desc(), QueueItem.since, QueueItem.id)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    items = list(session.scalars(stmt).unique())
    return QueuePage(items[:per_page], page, per_page, len(items) > per_page)


def _ranked_in_python(session: Session, stmt, page: int, per_page: int) -> QueuePage:
    """The few items of a narrow search, fetched by order and ranked here: asked to sort and
    limit, SQLite and PostgreSQL both walked the whole ranking instead (70-500 ms at 1,000,000)."""
    keys = session.execute(
        stmt.with_only_columns(QueueItem.id, QueueItem.tier, QueueItem.due_on, QueueItem.insured_value, QueueItem.since)
    ).all()
    keys.sort(key=lambda k: (k.tier, k.due_on or date.min, -k.insured_value, k.since, k.id))
    chosen = [k.id for k in keys[(page - 1) * per_page : page * per_page]]
    loaded = {item.id: item for item in session.scalars(select(QueueItem).where(QueueItem.id.in_(chosen))).unique()}
    return QueuePage([loaded[item_id] for item_id in chosen], page, per_page, len(keys) > page * per_page)
