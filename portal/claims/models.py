from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, composite, mapped_column, relationship

from ..clock import utcnow
from ..db_types import Amount, UTCDateTime
from ..extensions import db
from ..i18n import N_
from ..inquiries.models import EvidenceDocument, Inquiry
from ..money import Money

#: The states of a claim; ``portal.claims.services.TRANSITIONS`` says which steps lead where.
CLAIM_STATES = ("draft", "submitted", "more_documents", "accepted", "paid", "rejected")
#: A claim's state as pages name it (the code stays in attributes, URLs and the API).
STATE_LABELS = {
    "draft": N_("draft"),
    "submitted": N_("submitted"),
    "more_documents": N_("more documents"),
    "accepted": N_("accepted"),
    "paid": N_("paid"),
    "rejected": N_("rejected"),
}


class Claim(db.Model):
    """A claim filed with the insurer from one inquiry (at most one claim per inquiry)."""

    __tablename__ = "claims"
    __table_args__ = (Index("ix_claims_state_due", "state", "payout_due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)  # CLM-2026-000042
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id"), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    insurer_code: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    claimed_amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    #: The amount claimed kept whole (the columns above, no schema of its own).
    claimed: Mapped[Money] = composite("claimed_amount", "currency")
    amount_rule: Mapped[str] = mapped_column(String(300))  # how the insurer's rule worked it out
    lost_share: Mapped[Decimal] = mapped_column(Amount)  # 1.00 for a whole loss
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    insurer_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    accepted_on: Mapped[date | None]
    payout_due_on: Mapped[date | None]  # accepted_on + the insurer's working days
    #: Why the due date of an accepted claim is not known yet (its year's calendar is not known).
    payout_due_pending: Mapped[str | None] = mapped_column(Text)
    paid_on: Mapped[date | None]
    paid_amount: Mapped[Decimal | None] = mapped_column(Amount)
    payment_reference: Mapped[str | None] = mapped_column(String(64))
    rejected_reason: Mapped[str | None] = mapped_column(Text)
    documents_requested: Mapped[str | None] = mapped_column(Text)  # what the insurer asked for

    inquiry: Mapped[Inquiry] = relationship(lazy="joined", innerjoin=True)
    packs: Mapped[list[ClaimPack]] = relationship(back_populates="claim", order_by="ClaimPack.version.desc()")
    supplements: Mapped[list[ClaimSupplement]] = relationship(back_populates="claim", order_by="ClaimSupplement.id")

    @property
    def state_label(self) -> str:
        return gettext(STATE_LABELS.get(self.state, self.state))

    def payout_overdue(self, today: date) -> bool:
        return self.state == "accepted" and self.payout_due_on is not None and self.payout_due_on < today


class ClaimPack(db.Model):
    """One generated submission pack: the file in the content-addressed store, kept per version."""

    __tablename__ = "claim_packs"
    __table_args__ = (UniqueConstraint("claim_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pages: Mapped[int]
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    generated_by: Mapped[str] = mapped_column(String(120))

    claim: Mapped[Claim] = relationship(back_populates="packs")


class ClaimSupplement(db.Model):
    """A deferred document accepted after the claim was submitted: to be sent to the insurer."""

    __tablename__ = "claim_supplements"
    __table_args__ = (UniqueConstraint("claim_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("evidence_documents.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    claim: Mapped[Claim] = relationship(back_populates="supplements")
    document: Mapped[EvidenceDocument] = relationship(lazy="joined")


class InsurerPayment(db.Model):
    """The insurer's payment of a claim: one per claim, whichever way it is recorded (the claim
    page, an insurers' response file, a settlement report); the unique claim makes the database
    refuse a second one, and a trigger keeps the row as written."""

    __tablename__ = "insurer_payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    paid_on: Mapped[date]
    reference: Mapped[str | None] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(40))  # "claim page", "settlement file", ...
    #: The difference from the amount claimed (paid − claimed), confirmed by whoever recorded it.
    difference: Mapped[Decimal] = mapped_column(Amount)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(120))
