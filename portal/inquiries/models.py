from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext
from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..db_types import Amount, UTCDateTime
from ..extensions import db
from ..i18n import N_
from ..orders.models import Order

#: The states of an inquiry; ``portal.inquiries.lifecycle`` says which steps lead where.
INQUIRY_STATES = ("opened", "trace_requested", "carrier_answered", "ready_for_claim", "closed")
#: Where the seller's query came from.
CHANNELS = {
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "chat": N_("Chat"),
    "marketplace": N_("Marketplace message"),
    "api": N_("Ordering system (API)"),
}
#: Why an inquiry was closed.
CLOSE_REASONS = {
    "delivered": N_("Found and delivered"),
    "returned": N_("Returned to sender"),
    "withdrawn": N_("Withdrawn"),
}
#: How a case ends by itself once its money is settled (never chosen by an agent).
FINISH_REASONS = {
    "claim_paid": N_("Claim paid and advance settled"),
    "claim_rejected": N_("Claim rejected and recovery closed"),
}
#: Every reason an inquiry may be closed with.
END_REASONS = CLOSE_REASONS | FINISH_REASONS
#: An inquiry's state as pages name it (the code stays in attributes, URLs and the API).
STATE_LABELS = {
    "opened": N_("opened"),
    "trace_requested": N_("trace requested"),
    "carrier_answered": N_("carrier answered"),
    "ready_for_claim": N_("ready for claim"),
    "closed": N_("closed"),
}
#: The states of one evidence item.
EVIDENCE_STATES = ("missing", "received", "accepted", "rejected", "deferred")
EVIDENCE_STATE_LABELS = {
    "missing": N_("missing"),
    "received": N_("received"),
    "accepted": N_("accepted"),
    "rejected": N_("rejected"),
    "deferred": N_("deferred"),
}
#: The event a grace period counts from, as the checklist names it.
GRACE_START_LABELS = {
    "inquiry_opened": N_("inquiry opened"),
    "trace_requested": N_("trace requested"),
    "carrier_answered": N_("carrier answered"),
}


class Inquiry(db.Model):
    """A seller's query about one parcel, worked until the insurer's evidence is complete.

    At most one open inquiry per order: a partial unique index, so two agents (or the agent and
    the ordering system) opening one at the same moment cannot both succeed.
    """

    __tablename__ = "inquiries"
    __table_args__ = (
        Index(
            "uq_inquiries_open_order",
            "order_id",
            unique=True,
            sqlite_where=text("state <> 'closed'"),
            postgresql_where=text("state <> 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)  # INQ-2026-000042, set once the id is known
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # a key of INQUIRY_KINDS
    state: Mapped[str] = mapped_column(String(24), default="opened")
    channel: Mapped[str] = mapped_column(String(16))
    asked_on: Mapped[date]  # when the seller asked
    seller_message: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by: Mapped[str] = mapped_column(String(120))
    # Trace with the carrier.
    trace_reference: Mapped[str | None] = mapped_column(String(64))
    trace_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    carrier_outcome: Mapped[str | None] = mapped_column(String(16))  # a key of CARRIER_OUTCOMES
    carrier_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The carrier's loss letter, as the agent confirmed it (pre-filled from the letter's text).
    letter_reference: Mapped[str | None] = mapped_column(String(64))
    letter_tracking_no: Mapped[str | None] = mapped_column(String(40))
    letter_outcome: Mapped[str | None] = mapped_column(String(16))
    letter_found_on: Mapped[date | None]
    letter_liability: Mapped[Decimal | None] = mapped_column(Amount)
    letter_liability_currency: Mapped[str | None] = mapped_column(String(3))
    letter_confirmed_by: Mapped[str | None] = mapped_column(String(120))
    # Marketplace dispute the buyer opened, when there is one.
    dispute_platform: Mapped[str | None] = mapped_column(String(40))
    dispute_id: Mapped[str | None] = mapped_column(String(80))
    dispute_opened_on: Mapped[date | None]
    dispute_respond_by: Mapped[date | None]
    # Who works the case: taken by an agent, reassigned by a supervisor (both audited).
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_reason: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(lazy="joined", innerjoin=True)
    items: Mapped[list[EvidenceItem]] = relationship(
        back_populates="inquiry", order_by="EvidenceItem.position", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state != "closed"

    @property
    def closed_reason_label(self) -> str:
        """How a person reads why it was closed ("Claim paid and advance settled", not ``claim_paid``)."""
        reason = END_REASONS.get(self.closed_reason or "")
        return gettext(reason) if reason else self.closed_reason or ""

    @property
    def state_label(self) -> str:
        return gettext(STATE_LABELS.get(self.state, self.state))


class EvidenceItem(db.Model):
    """One document the inquiry needs, why, and where it stands."""

    __tablename__ = "evidence_items"
    __table_args__ = (UniqueConstraint("inquiry_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))  # a key of EVIDENCE_KINDS
    why: Mapped[str] = mapped_column(String(400))
    mandatory: Mapped[bool]
    generated: Mapped[bool] = mapped_column(default=False)  # the portal makes it from its own data
    # The insurer's grace rule, when the item may follow later.
    grace_days: Mapped[int | None]
    grace_from: Mapped[str | None] = mapped_column(String(24))  # one of GRACE_STARTS
    due_on: Mapped[date | None]  # the grace deadline, once the event it counts from has happened
    state: Mapped[str] = mapped_column(String(16), default="missing")
    reason: Mapped[str] = mapped_column(String(300), default="")  # why rejected
    changed_by: Mapped[str] = mapped_column(String(120), default="")
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    inquiry: Mapped[Inquiry] = relationship(back_populates="items")
    documents: Mapped[list[EvidenceDocument]] = relationship(
        back_populates="item", order_by="EvidenceDocument.id.desc()", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> EvidenceDocument | None:
        """The newest document; earlier ones stay in the history."""
        return self.documents[0] if self.documents else None

    @property
    def state_label(self) -> str:
        return gettext(EVIDENCE_STATE_LABELS.get(self.state, self.state))

    def overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today and self.state not in ("received", "accepted")


class EvidenceDocument(db.Model):
    """One version of an evidence document: the file lives in the content-addressed store."""

    __tablename__ = "evidence_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    media_type: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))  # for display only, never a path
    source: Mapped[str] = mapped_column(String(16))  # upload, api, generated
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(120))
    #: What was read from a loss letter's text and what did not fit (see services.read_letter).
    extracted: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    item: Mapped[EvidenceItem] = relationship(back_populates="documents")
