"""Working days: an admin-entered year's official calendar, else the maintained library.

The library (``portal.plugin_api.workdays``) knows only the years already announced; for a later
year it refuses rather than guess. An admin can then enter the year as published (holidays and
make-up working days, with the notice it came from); that entry takes precedence for the year, and
``calendar_entered`` tells the features whose dates were waiting on it.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from ..audit.services import Actor, record
from ..errors import Refused
from ..extensions import db
from ..plugin_api import workdays as library
from .models import DAY_KINDS, WorkingCalendar, WorkingCalendarDay
from .signals import calendar_entered


class CalendarRefused(Refused):
    """A calendar entry the rules do not take; nothing was written."""


@dataclass(frozen=True)
class EnteredDay:
    day: date
    kind: str  # one of DAY_KINDS
    name: str = ""


def entered(calendar: str, year: int) -> WorkingCalendar | None:
    return db.session.scalar(
        select(WorkingCalendar).where(WorkingCalendar.calendar == calendar, WorkingCalendar.year == year)
    )


def entered_calendars() -> list[WorkingCalendar]:
    return list(db.session.scalars(select(WorkingCalendar).order_by(WorkingCalendar.calendar, WorkingCalendar.year)))


def _entered_kinds(calendar: str, year: int) -> dict[date, str] | None:
    row = entered(calendar, year)
    return None if row is None else {day.day: day.kind for day in row.days}


def is_working_day(day: date, calendar: str, _years: dict | None = None) -> bool:
    """Whether ``day`` is a working day in ``calendar``; raises ``CalendarUnknown`` (saying an
    admin can enter the year) when neither an entered calendar nor the library knows its year."""
    years = {} if _years is None else _years
    if (calendar, day.year) not in years:
        years[calendar, day.year] = _entered_kinds(calendar, day.year)
    kinds = years[calendar, day.year]
    if kinds is not None:
        return kinds[day] == "workday" if day in kinds else day.weekday() < 5
    try:
        return library.is_working_day(day, calendar)
    except library.CalendarUnknown as exc:
        # English whoever asks: the claim keeps this text and the API shows it.
        raise library.CalendarUnknown(
            f"{exc}; or an admin enters {day.year}'s official {calendar} calendar (Admin → Calendars)"
        ) from None


def working_days_after(start: date, days: int, calendar: str) -> date:
    """The ``days``-th working day after ``start`` (the day of acceptance itself does not count)."""
    years: dict = {}
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, calendar, years):
            counted += 1
    return day


_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:\s*(?:\.\.|–|~)\s*(\d{4}-\d{2}-\d{2}))?$")


def _days(text: str, where: str) -> list[date]:
    """``2027-02-05`` or a range ``2027-02-05..2027-02-11`` (both ends included)."""
    match = _RANGE.match(text.strip())
    if not match:
        raise CalendarRefused(
            "days",
            _(
                "%(where)s: %(text)r is not a date (YYYY-MM-DD) or a range (YYYY-MM-DD..YYYY-MM-DD)",
                where=where,
                text=text.strip(),
            ),
        )
    try:
        first = date.fromisoformat(match[1])
        last = date.fromisoformat(match[2]) if match[2] else first
    except ValueError as exc:
        raise CalendarRefused(
            "days",
            _("%(where)s: %(text)r is not a real date (%(problem)s)", where=where, text=text.strip(), problem=exc),
        ) from None
    if last < first:
        raise CalendarRefused("days", _("%(where)s: the range ends before it starts", where=where))
    if (last - first).days > 31:
        raise CalendarRefused("days", _("%(where)s: a range of more than a month is not one holiday", where=where))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def parse_lines(text: str, kind: str, field: str) -> list[EnteredDay]:
    """A form's list: one date or range a line, optionally followed by the day's name."""
    result = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        when, __, name = line.strip().partition(" ")
        if ".." not in when and re.match(r"^\d{4}-\d{2}-\d{2}$", when) and name.strip().startswith(".."):
            extra, __, name = name.strip().partition(" ")  # "2027-02-05 ..2027-02-11"
            when += extra
        for day in _days(when, _("%(field)s line %(number)s", field=field, number=number)):
            result.append(EnteredDay(day, kind, name.strip()[:120]))
    return result


def parse_csv(data: bytes, filename: str) -> list[EnteredDay]:
    """A CSV file with the columns ``date,kind,name``: date a day or a range, kind ``holiday`` or
    ``workday`` (a make-up working day)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarRefused("file", _("%(file)s: not UTF-8 text", file=filename)) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = {"date", "kind"} - {(name or "").strip().lower() for name in reader.fieldnames or ()}
    if missing:
        raise CalendarRefused(
            "file",
            _(
                "%(file)s: the header must name the columns date,kind,name (missing %(missing)s)",
                file=filename,
                missing=", ".join(sorted(missing)),
            ),
        )
    result = []
    for row in reader:
        row = {(key or "").strip().lower(): (value or "").strip() for key, value in row.items() if key}
        where = _("%(field)s line %(number)s", field=filename, number=reader.line_num)
        kind = row.get("kind", "").lower()
        if kind not in DAY_KINDS:
            raise CalendarRefused(
                "file", _("%(where)s: kind %(kind)r is neither 'holiday' nor 'workday'", where=where, kind=kind)
            )
        for day in _days(row.get("date", ""), where):
            result.append(EnteredDay(day, kind, row.get("name", "")[:120]))
    return result


def enter_year(
    calendar: str, year: int, source: str, days: list[EnteredDay], actor: Actor, now: datetime
) -> WorkingCalendar:
    """Record ``year`` of ``calendar`` as published; checked whole, so nothing is half-written."""
    source = source.strip()
    if not source:
        raise CalendarRefused("source", _("name the official notice the calendar is taken from"))
    if not 2000 <= year <= 2100:
        raise CalendarRefused("year", _("%(year)s is not a plausible year", year=year))
    if existing := entered(calendar, year):
        raise CalendarRefused(
            "year",
            _(
                "%(calendar)s %(year)s was already entered by %(name)s; dates were worked out with it",
                calendar=calendar,
                year=year,
                name=existing.entered_by,
            ),
            conflict=True,
        )
    if not any(day.kind == "holiday" for day in days):
        raise CalendarRefused("days", _("a year's official calendar names its holidays; none was given"))
    seen: dict[date, EnteredDay] = {}
    for day in days:
        if day.day.year != year:
            raise CalendarRefused("days", _("%(day)s is not in %(year)s", day=day.day, year=year))
        if day.day in seen:
            raise CalendarRefused("days", _("%(day)s is given twice", day=day.day))
        if day.kind == "workday" and day.day.weekday() < 5:
            raise CalendarRefused(
                "days", _("%(day)s is a weekday: only a weekend day can be a make-up working day", day=day.day)
            )
        seen[day.day] = day
    row = WorkingCalendar(calendar=calendar, year=year, source=source, entered_at=now, entered_by=actor.label)
    db.session.add(row)
    db.session.flush()
    db.session.add_all(
        WorkingCalendarDay(calendar_id=row.id, day=d.day, kind=d.kind, name=d.name) for d in seen.values()
    )
    db.session.flush()
    db.session.expire(row, ["days"])
    holidays = sum(d.kind == "holiday" for d in seen.values())
    record(
        actor,
        "calendar.entered",
        "working_calendar",
        row.id,
        after={
            "calendar": calendar,
            "year": year,
            "source": source,
            "days": {str(d.day): d.kind for d in seen.values()},
        },
        summary=f"{calendar} {year} entered: {holidays} holidays, {len(seen) - holidays} make-up working days ({source})",
    )
    calendar_entered.send(row, actor=actor, now=now)
    return row
