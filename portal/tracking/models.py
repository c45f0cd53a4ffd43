from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db_types import UTCDateTime
from ..extensions import db


class TrackingEvent(db.Model):
    """One tracking event of an order, with the carrier's raw code and text kept as received.

    ``status`` is None when the carrier's code is not mapped: shown as "unmapped", never guessed.
    ``fingerprint`` makes the same event stored once, whichever channel brings it again.
    """

    __tablename__ = "tracking_events"
    __table_args__ = (
        UniqueConstraint("order_id", "fingerprint"),
        Index("ix_tracking_events_order_time", "order_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    code: Mapped[str | None] = mapped_column(String(120))  # some carriers send text, not codes
    status: Mapped[str | None] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(24))
    description: Mapped[str] = mapped_column(String(300), default="")
    location: Mapped[str] = mapped_column(String(120), default="")
    handover: Mapped[str | None] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(16))  # api, file, sync
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(64))


class CarrierSync(db.Model):
    """Where `coverdesk tracking sync` stands with one carrier's online feed.

    A failure doubles the wait before the next attempt (``next_attempt_at``); a success resets it.
    """

    __tablename__ = "carrier_syncs"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_code: Mapped[str] = mapped_column(String(32), unique=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(500), default="")


class TrackingImport(db.Model):
    """A carrier's tracking file uploaded in the browser and imported by a job: where it stands
    (for the page's progress bar) and, when done, the same line-by-line report as the CLI."""

    __tablename__ = "tracking_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_code: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))  # the file in the content-addressed store
    size: Mapped[int]
    state: Mapped[str] = mapped_column(String(12), default="queued")  # queued, running, done, failed
    total: Mapped[int | None]  # events in the file, once read
    processed: Mapped[int] = mapped_column(default=0)
    added: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    orders: Mapped[int] = mapped_column(default=0)
    problems: Mapped[list] = mapped_column(JSON, default=list)  # [[record, reason], ...]
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by: Mapped[str] = mapped_column(String(120))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
