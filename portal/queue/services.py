"""The agents' work queue: what to work on first.

Today it holds one kind of item, parcels with cover that have stalled by their carrier's own
threshold; inquiries, grace deadlines and payout SLAs join it later as further kinds, each a query
of its own merged by urgency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..cover.models import Cover
from ..orders.models import Order
from ..orders.services import prefix_matches
from ..sellers.models import Seller


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
class QueueItem:
    kind: str  # "stalled"
    order: Order
    insured_value: Decimal
    currency: str
    since: datetime  # when it became an item

    def days_waiting(self, now: datetime) -> int:
        return (now - self.since).days


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueItem]
    page: int
    per_page: int
    has_next: bool


def stalled_items(session: Session, filters: QueueFilters, now: datetime, page: int = 1,
                  per_page: int = 50) -> QueuePage:
    """Stalled parcels with cover, most insured value first, then the longest stalled.

    Amounts in different currencies are ranked by their number only (no conversion rates yet).
    """
    page = max(page, 1)
    # Rank narrow rows (ids and sort keys only), then load the page's orders: sorting thousands
    # of stalled parcels costs far less when each row is a few numbers rather than whole orders.
    stmt = (select(Order.id, Cover.insured_value, Cover.currency)
            .join(Cover, Cover.order_id == Order.id)
            .where(Order.stalled_from.is_not(None), Order.stalled_from <= now))
    if filters.carrier:
        stmt = stmt.where(Order.carrier_code == filters.carrier)
    if filters.insurer:
        stmt = stmt.where(Cover.insurer_code == filters.insurer)
    if filters.destination:
        stmt = stmt.where(Order.destination_country == filters.destination.upper())
    if filters.seller:
        stmt = stmt.where(Order.seller_id.in_(select(Seller.id).where(
            or_(Seller.code == filters.seller, Seller.code == filters.seller.upper()))))
    if filters.q:
        stmt = stmt.where(or_(*prefix_matches(session, filters.q)))
    stmt = (stmt.order_by(Cover.insured_value.desc(), Order.stalled_from, Order.id)
            .offset((page - 1) * per_page).limit(per_page + 1))
    rows = session.execute(stmt).all()
    orders = {order.id: order for order in session.scalars(
        select(Order).where(Order.id.in_([row.id for row in rows[:per_page]]))).unique()}
    items = [QueueItem("stalled", orders[order_id], insured, currency, orders[order_id].stalled_from)
             for order_id, insured, currency in rows[:per_page]]
    return QueuePage(items, page, per_page, len(rows) > per_page)
