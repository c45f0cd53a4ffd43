from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, composite, mapped_column

from ..clock import utcnow
from ..db_types import Amount, UTCDateTime
from ..extensions import db
from ..money import Money


class Cover(db.Model):
    """Parcel cover bought for one order. At most one per order (UNIQUE order_id)."""

    __tablename__ = "covers"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    insurer_code: Mapped[str] = mapped_column(String(32), index=True)
    insured_value: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    premium: Mapped[Decimal] = mapped_column(Amount)
    #: The insured value kept whole (the columns above, no schema of its own).
    insured: Mapped[Money] = composite("insured_value", "currency")
    certificate_no: Mapped[str] = mapped_column(String(40), unique=True)
    rate_description: Mapped[str] = mapped_column(String(300))
    terms_effective: Mapped[date]
    bought_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
