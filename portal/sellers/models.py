from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..db_types import UTCDateTime
from ..extensions import db


class Seller(db.Model):
    """A registered seller of the ordering system, known by the code that system gives it."""

    __tablename__ = "sellers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str] = mapped_column(String(254))
    #: The postal address (lines joined by newlines) and phone claim forms name the claimant by;
    #: None for sellers registered before the ordering system sent them.
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
