"""The agents' work queue: what to work on first.

Items live in ``queue_items`` (see ``models``), kept by the services whose changes make or end
them (``items``): parcels with cover that have stalled by their carrier's own threshold and no
inquiry yet, and open inquiries (ranked by their dispute's respond-by date or the nearest grace
deadline of outstanding evidence). Claims and payout SLAs join as further kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Select, func, or_, select, union_all
from sqlalchemy.orm import Session

from ..claims.models import Claim
from ..inquiries.models import Inquiry
from ..orders.models import Order
from ..orders.search import SELLERS_BY_INDEX, Match, match
from ..sellers.models import Seller
from .models import QueueItem

#: Up to this many items, a search's matches are ranked here rather than by the rank index.
SEARCH_IDS = 1000


@dataclass(frozen=True)
class QueueFilters:
    carrier: str = ""
    insurer: str = ""
    destination: str = ""
    seller: str = ""
    q: str = ""
    assigned: str = ""  # "mine" or "unassigned"
    sort: str = ""  # "quiet": the quietest parcels first; else the queue's rank

    @property
    def active(self) -> bool:
        return any((self.carrier, self.insurer, self.destination, self.seller, self.q, self.assigned))


@dataclass(frozen=True, slots=True)
class QueueSeller:
    name: str
    code: str


@dataclass(frozen=True, slots=True)
class QueueOrder:
    order_no: str
    tracking_no: str
    carrier_code: str
    service_code: str
    destination_country: str
    dispatched_at: datetime | None
    last_event_at: datetime | None
    tracking_status: str | None
    stalled_from: datetime | None
    seller: QueueSeller


@dataclass(frozen=True, slots=True)
class QueueInquiry:
    number: str
    state: str
    dispute_respond_by: date | None


@dataclass(frozen=True, slots=True)
class QueueClaim:
    number: str


@dataclass(frozen=True, slots=True)
class QueueRow:
    """What the queue page shows of an item: the columns it needs, not five mapped objects each
    (loading those cost more than the query at any size)."""

    id: int
    kind: str
    tier: int
    due_on: date | None
    grace_due_on: date | None
    since: datetime
    insured_value: Decimal
    currency: str
    order_id: int
    inquiry_id: int | None
    claim_id: int | None
    quiet_since: datetime | None
    assignee_id: int  # 0: no one
    order: QueueOrder
    inquiry: QueueInquiry | None
    claim: QueueClaim | None

    def days_waiting(self, now: datetime) -> int:
        return (now - self.since).days

    def grace_passed(self, today: date) -> bool:
        return self.grace_due_on is not None and self.grace_due_on < today


@dataclass(frozen=True)
class QueuePage:
    items: list[QueueRow]
    page: int
    per_page: int
    has_next: bool


#: The item's own columns a page reads from ``queue_items``, in rank-index order.
_ITEM_COLUMNS = (
    QueueItem.id,
    QueueItem.kind,
    QueueItem.tier,
    QueueItem.due_on,
    QueueItem.grace_due_on,
    QueueItem.since,
    QueueItem.insured_value,
    QueueItem.currency,
    QueueItem.order_id,
    QueueItem.inquiry_id,
    QueueItem.claim_id,
    QueueItem.quiet_since,
    QueueItem.assignee_id,
)
_RANK = (QueueItem.tier, QueueItem.due_on, QueueItem.insured_value.desc(), QueueItem.since, QueueItem.id)
_QUIET = (QueueItem.quiet_since, QueueItem.id)


def queue_page(
    session: Session,
    filters: QueueFilters,
    now: datetime,
    page: int = 1,
    per_page: int = 50,
    user_id: int | None = None,
) -> QueuePage:
    """The items due by ``now``: deadlines first (nearest first), then the most insured value,
    then the longest waiting.

    Reads ``queue_items`` in the order of its rank index, so a page costs about the same with a
    hundred items or a hundred thousand; then the page's few orders, sellers, inquiries and claims
    by id. Amounts in different currencies are ranked by number. ``filters.sort == "quiet"``
    reads the quietest parcels first instead (an index of its own); ``filters.assigned`` keeps
    the cases of ``user_id`` ("mine") or of no one ("unassigned").
    """
    page = max(page, 1)
    # A watched parcel leaves by itself once its carrier counts it as stalled.
    stmt = select(*_ITEM_COLUMNS).where(QueueItem.since <= now, or_(QueueItem.until.is_(None), QueueItem.until > now))
    if filters.assigned == "mine":
        stmt = stmt.where(QueueItem.assignee_id == (user_id or -1))
    elif filters.assigned == "unassigned":
        stmt = stmt.where(QueueItem.assignee_id == 0)
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
        # The search's matches as ids when few (the queue's own seller column, no join); a
        # narrow search's few items are ranked here, a broad one walks the rank index.
        found = match(session, filters.q)
        if found.narrow and filters.sort != "quiet" and 0 < len(found.seller_ids) <= SELLERS_BY_INDEX:
            return _ranked_in_python(
                session, _first_of_sellers(session, stmt, found, page * per_page + 1), page, per_page
            )
        stmt = stmt.where(or_(*found.conditions(QueueItem.order_id, QueueItem.seller_id)))
        # Counted before they are fetched: many sellers' items (thousands) are dense in the
        # ranking, and fetching a thousand rows only to walk the index after all cost more than
        # the walk.
        if (
            found.narrow
            and session.scalar(select(func.count()).select_from(stmt.limit(SEARCH_IDS + 1).subquery())) <= SEARCH_IDS
        ):
            return _ranked_in_python(session, session.execute(stmt).all(), page, per_page, filters.sort)
    stmt = (
        stmt.order_by(*(_QUIET if filters.sort == "quiet" else _RANK)).offset((page - 1) * per_page).limit(per_page + 1)
    )
    items = session.execute(stmt).all()
    return QueuePage(_rows(session, items[:per_page]), page, per_page, len(items) > per_page)


def _first_of_sellers(session: Session, stmt: Select, found: Match, wanted: int) -> list:
    """The first ``wanted`` items of each of a few matching sellers, each seller's read off the
    seller rank index on its own (ids only), and the items of the matching orders; in one
    statement. All the sellers' items at once had been a thousand rows or more to fetch and rank
    here (a seller has ~100 items due at 1,000,000 orders)."""
    firsts = [
        select(QueueItem.id)
        .where(stmt.whereclause, QueueItem.seller_id == seller_id)  # the page's filters too
        .order_by(*_RANK)
        .limit(wanted)
        .subquery()
        for seller_id in found.seller_ids
    ]
    chosen = [select(first.c.id) for first in firsts]
    if found.order_ids:  # in the same list: an OR beside it made PostgreSQL scan the whole table
        chosen.append(select(QueueItem.id).where(stmt.whereclause, QueueItem.order_id.in_(found.order_ids)))
    return session.execute(stmt.where(QueueItem.id.in_(union_all(*chosen)))).all()


def _ranked_in_python(session: Session, items: list, page: int, per_page: int, sort: str = "") -> QueuePage:
    """The few items of a narrow search, fetched by order and ranked here: asked to sort and
    limit, SQLite and PostgreSQL both walked the whole ranking instead (70-500 ms at 1,000,000)."""
    if sort == "quiet":
        items.sort(key=lambda k: (k.quiet_since is None, k.quiet_since or datetime.min, k.id))
    else:
        items.sort(key=lambda k: (k.tier, k.due_on or date.min, -k.insured_value, k.since, k.id))
    chosen = items[(page - 1) * per_page : page * per_page]
    return QueuePage(_rows(session, chosen), page, per_page, len(items) > page * per_page)


def _rows(session: Session, items) -> list[QueueRow]:
    """The page's items with what the page shows of their orders, sellers, inquiries and claims,
    read by id (a query each, only for what the page holds)."""
    if not items:
        return []
    orders = {
        row.id: QueueOrder(
            row.order_no,
            row.tracking_no,
            row.carrier_code,
            row.service_code,
            row.destination_country,
            row.dispatched_at,
            row.last_event_at,
            row.tracking_status,
            row.stalled_from,
            QueueSeller(row.name, row.code),
        )
        for row in session.execute(
            select(
                Order.id,
                Order.order_no,
                Order.tracking_no,
                Order.carrier_code,
                Order.service_code,
                Order.destination_country,
                Order.dispatched_at,
                Order.last_event_at,
                Order.tracking_status,
                Order.stalled_from,
                Seller.name,
                Seller.code,
            )
            .join(Seller, Seller.id == Order.seller_id)
            .where(Order.id.in_({item.order_id for item in items}))
        )
    }
    inquiry_ids = {item.inquiry_id for item in items if item.inquiry_id is not None}
    inquiries = (
        {
            row.id: QueueInquiry(row.number, row.state, row.dispute_respond_by)
            for row in session.execute(
                select(Inquiry.id, Inquiry.number, Inquiry.state, Inquiry.dispute_respond_by).where(
                    Inquiry.id.in_(inquiry_ids)
                )
            )
        }
        if inquiry_ids
        else {}
    )
    claim_ids = {item.claim_id for item in items if item.claim_id is not None}
    claims = (
        {
            row.id: QueueClaim(row.number)
            for row in session.execute(select(Claim.id, Claim.number).where(Claim.id.in_(claim_ids)))
        }
        if claim_ids
        else {}
    )
    return [
        QueueRow(
            *item,
            order=orders[item.order_id],
            inquiry=inquiries.get(item.inquiry_id),
            claim=claims.get(item.claim_id),
        )
        for item in items
    ]
