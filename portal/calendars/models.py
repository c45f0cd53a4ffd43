from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import utcnow
from ..db_types import UTCDateTime
from ..extensions import db

#: What an entered day is: a holiday (no work, even on a weekday) or a make-up working day (a weekend worked).
DAY_KINDS = ("holiday", "workday")


class WorkingCalendar(db.Model):
    """One year of one working-day calendar as officially published, entered by an admin."""

    __tablename__ = "working_calendars"
    __table_args__ = (UniqueConstraint("calendar", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar: Mapped[str] = mapped_column(String(16))  # the insurer's calendar code, "CN"
    year: Mapped[int]
    source: Mapped[str] = mapped_column(Text)  # the notice it was taken from
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    entered_by: Mapped[str] = mapped_column(String(120))

    days: Mapped[list[WorkingCalendarDay]] = relationship(order_by="WorkingCalendarDay.day")


class WorkingCalendarDay(db.Model):
    """A day the published calendar names: a holiday or a make-up working day."""

    __tablename__ = "working_calendar_days"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("working_calendars.id"))
    day: Mapped[date]
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(120), default="")
