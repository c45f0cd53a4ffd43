from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship

from ..clock import utcnow
from ..cover.models import Cover
from ..db_types import Amount, UTCDateTime
from ..extensions import db
from ..money import Money
from ..sellers.models import Seller


class Order(db.Model):
    """A parcel a seller ships through the warehouse.

    ``fingerprint`` is the SHA-256 of the order as it was first received, so the same order sent
    again (API retry, CSV re-import) is recognised and a different one under the same number is not.
    """

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_created", "created_at", "id"),
        Index("ix_orders_seller_created", "seller_id", "created_at"),
        # The stalled scan and the work queue's filters read only this index.
        Index("ix_orders_stalled", "stalled_from", "carrier_code", "destination_country", "seller_id"),
        # Parcels still on their way, quietest first (the orders list sorted by "quiet for").
        Index(
            "ix_orders_quiet",
            "last_event_at",
            "id",
            sqlite_where=text("stalled_from IS NOT NULL"),
            postgresql_where=text("stalled_from IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_no: Mapped[str] = mapped_column(String(64), unique=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"))
    carrier_code: Mapped[str] = mapped_column(String(32))
    service_code: Mapped[str] = mapped_column(String(32))
    tracking_no: Mapped[str] = mapped_column(String(40), index=True)
    destination_country: Mapped[str] = mapped_column(String(2))
    declared_value: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    #: The declared value kept whole (the two columns above, no schema of its own).
    declared: Mapped[Money] = composite("declared_value", "currency")
    contents: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(32))
    #: The consignee claim forms and trace requests name; None for orders entered without one.
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    recipient_address: Mapped[str | None] = mapped_column(Text)  # postal address, lines joined by newlines
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(16))  # web, api, csv, demo
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Tracking summary, kept by portal.tracking.services from the events (indexed for the queue).
    tracking_status: Mapped[str | None] = mapped_column(String(24))
    tracking_reason: Mapped[str | None] = mapped_column(String(24))
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When the parcel counts as stalled if nothing new arrives; None when it cannot stall.
    stalled_from: Mapped[datetime | None] = mapped_column(UTCDateTime)

    seller: Mapped[Seller] = relationship(lazy="joined")
    cover: Mapped[Cover | None] = relationship(uselist=False, lazy="joined")

    @property
    def state(self) -> str:
        """Where the parcel is in the warehouse's hands; tracking refines this later."""
        return order_state(self.dispatched_at)


def order_state(dispatched_at: datetime | None) -> str:
    """An order's state from its dispatch moment (for pages that read rows, not orders)."""
    return "dispatched" if dispatched_at else "awaiting_dispatch"


class OrderImport(db.Model):
    """A CSV of orders uploaded in the browser and imported by a job: where it stands (for the
    page's progress bar) and, when done, its report (the first problems, and how many there were)."""

    __tablename__ = "order_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))  # the file in the content-addressed store
    size: Mapped[int]
    state: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, done, failed
    total: Mapped[int | None]  # data lines in the file, once counted
    processed: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    with_cover: Mapped[int] = mapped_column(default=0)
    already_present: Mapped[int] = mapped_column(default=0)
    problem_count: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list] = mapped_column(JSON, default=list)  # [[line, order_no, column, reason], ...]
    failure: Mapped[str] = mapped_column(Text, default="")  # the file as a whole could not be read
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(120))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
