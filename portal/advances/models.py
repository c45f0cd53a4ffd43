from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import gettext
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..claims.models import Claim
from ..clock import utcnow
from ..db_types import Amount, UTCDateTime
from ..extensions import db
from ..i18n import N_

ADVANCE_STATES = ("requested", "approved", "declined", "paid")
#: An advance's state as pages name it (the code stays in attributes, URLs and the API).
STATE_LABELS = {
    "requested": N_("requested"),
    "approved": N_("approved"),
    "declined": N_("declined"),
    "paid": N_("paid"),
}
#: The ledger's accounts. Every entry's lines sum to zero per currency.
ACCOUNTS = {
    "bank": "Bank",
    "advances": "Advances awaiting the insurer (exposure)",
    "seller_receivable": "To recover from sellers",
    "seller_payable": "Owed to sellers (settlements above the advance)",
    "write_offs": "Written off",
}


class Advance(db.Model):
    """Compensation paid to the seller ahead of the insurer, at most one per claim.

    The database enforces "at most one": a partial unique index on ``claim_id`` over every
    advance not declined, and a unique payment reference; paying is a conditional UPDATE
    (approved → paid) whose row count decides who paid.
    """

    __tablename__ = "advances"
    __table_args__ = (
        Index(
            "uq_advances_live_claim",
            "claim_id",
            unique=True,
            sqlite_where=text("state <> 'declined'"),
            postgresql_where=text("state <> 'declined'"),
        ),
        CheckConstraint("amount > 0", name="positive_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(24), unique=True)  # ADV-2026-000042
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    insurer_code: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[str] = mapped_column(String(16), default="requested")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_by: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: The payee as approved (frozen at approval; the database refuses to change them after):
    #: the bank run pays these, whatever the ordering system sends about the seller later.
    payee_code: Mapped[str | None] = mapped_column(String(32))
    payee_name: Mapped[str | None] = mapped_column(String(200))
    payee_email: Mapped[str | None] = mapped_column(String(254))

    claim: Mapped[Claim] = relationship(lazy="joined", innerjoin=True)

    @property
    def state_label(self) -> str:
        return gettext(STATE_LABELS.get(self.state, self.state))


class LedgerEntry(db.Model):
    """One booking; append-only. A correction is a new entry that reverses an earlier one."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        # An advance is paid out once, whatever races: a second payout entry cannot be written.
        Index(
            "uq_ledger_advance_paid",
            "advance_id",
            unique=True,
            sqlite_where=text("kind = 'advance_paid'"),
            postgresql_where=text("kind = 'advance_paid'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))  # advance_paid, settlement, recovery, rejected, write_off, reversal
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id"), index=True)
    advance_id: Mapped[int | None] = mapped_column(ForeignKey("advances.id"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    booked_by: Mapped[str] = mapped_column(String(120))
    memo: Mapped[str] = mapped_column(String(300), default="")
    external_reference: Mapped[str | None] = mapped_column(String(80))  # bank or insurer reference
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"), unique=True)

    lines: Mapped[list[LedgerLine]] = relationship(back_populates="entry", order_by="LedgerLine.id", cascade="all")


class LedgerLine(db.Model):
    """One side of an entry: a signed amount on an account (debit positive, credit negative)."""

    __tablename__ = "ledger_lines"
    __table_args__ = (UniqueConstraint("entry_id", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    account: Mapped[str] = mapped_column(String(24))
    amount: Mapped[Decimal] = mapped_column(Amount)

    entry: Mapped[LedgerEntry] = relationship(back_populates="lines")
