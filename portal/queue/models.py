from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..claims.models import Claim
from ..db_types import Amount, UTCDateTime
from ..extensions import db
from ..inquiries.models import Inquiry
from ..orders.models import Order


class QueueItem(db.Model):
    """One thing for an agent to work on, with the keys the work queue ranks and filters by.

    Kept by the services that change what an item depends on (tracking, cover; later inquiries,
    grace deadlines, payouts), so the queue reads a page in index order instead of sorting every
    candidate on each request. ``since`` is when the item joins the queue: an item whose ``since``
    lies ahead (a parcel that will stall if nothing arrives) waits in the table, unseen.
    """

    __tablename__ = "queue_items"
    __table_args__ = (UniqueConstraint("order_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # "stalled", "watch", "inquiry", "payout"
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    # Items with a deadline (tier 0) come first, nearest deadline first; the rest (tier 1) by value.
    # Tier 2: parcels quiet longer than the warehouse watches for, not yet stalled by the carrier.
    tier: Mapped[int] = mapped_column(default=1)
    #: When the item leaves the queue by itself (a watched parcel once its carrier's threshold
    #: passes: it is then a stalled item).
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The parcel's last news (its last event, else dispatch), for "quiet for N days".
    quiet_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_on: Mapped[date | None]
    grace_due_on: Mapped[date | None]  # the earliest grace deadline of evidence still outstanding
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id"))
    # What is at risk, ranked by number only across currencies (no conversion rates).
    insured_value: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    # Copies of the filter keys, so a filtered page needs no join.
    carrier_code: Mapped[str] = mapped_column(String(32))
    insurer_code: Mapped[str] = mapped_column(String(32))
    destination_country: Mapped[str] = mapped_column(String(2))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    #: A copy of the case's assignee, for the "mine" and "unassigned" filters (0: unassigned, so
    #: both read one index in rank order).
    assignee_id: Mapped[int] = mapped_column(default=0)

    order: Mapped[Order] = relationship(lazy="joined", innerjoin=True)
    inquiry: Mapped[Inquiry | None] = relationship(lazy="joined")
    claim: Mapped[Claim | None] = relationship(lazy="joined")

    def days_waiting(self, now: datetime) -> int:
        return (now - self.since).days

    def grace_passed(self, today: date) -> bool:
        return self.grace_due_on is not None and self.grace_due_on < today


#: The queue's order, read straight off this index: deadlines first (nearest first), then what is
#: most at risk, then the longest waiting.
Index(
    "ix_queue_items_rank",
    QueueItem.tier,
    QueueItem.due_on,
    QueueItem.insured_value.desc(),
    QueueItem.since,
    QueueItem.id,
)
#: The quietest parcels first, for the queue sorted by "quiet for".
Index("ix_queue_items_quiet", QueueItem.quiet_since, QueueItem.id)
#: A seller's items in the same order: a seller has a few items among a hundred thousand.
Index(
    "ix_queue_items_seller_rank",
    QueueItem.seller_id,
    QueueItem.tier,
    QueueItem.due_on,
    QueueItem.insured_value.desc(),
    QueueItem.since,
    QueueItem.id,
)
#: Each filter reads its own index in the same order, so a filter matching few items (a rare
#: destination) does not walk the whole ranking to fill a page.
for _column in (QueueItem.carrier_code, QueueItem.insurer_code, QueueItem.destination_country, QueueItem.assignee_id):
    Index(
        f"ix_queue_items_{_column.key}_rank",
        _column,
        QueueItem.tier,
        QueueItem.due_on,
        QueueItem.insured_value.desc(),
        QueueItem.since,
        QueueItem.id,
    )
