"""Working days in an insurer's calendar, from maintained libraries; never a hand-typed list.

Mainland China ("CN") uses ``chinesecalendar``, which knows the statutory holidays and the
make-up working weekends the State Council publishes each year. A year the library does not know
yet is refused (fail closed): a due date guessed from weekdays alone could be days wrong around
Spring Festival or National Day. Other calendars use the ``holidays`` package (weekends and public
holidays).
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache


class CalendarUnknown(ValueError):
    """The calendar cannot say whether a day is a working day; the message says why."""


def is_working_day(day: date, calendar: str) -> bool:
    """Whether ``day`` is a working day in ``calendar`` ("CN", or a ``holidays`` country code);
    raises ``CalendarUnknown`` for a year or calendar the libraries do not know."""
    if calendar == "CN":
        import chinese_calendar

        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            raise CalendarUnknown(
                f"the Chinese working-day calendar (chinesecalendar) does not know {day.year} "
                "yet; update the package once the State Council has published that year's "
                "holidays"
            ) from None
    return day.weekday() < 5 and day not in _public_holidays(calendar, day.year)


def check_calendar(calendar: str) -> None:
    """Raise ``CalendarUnknown`` unless working days can be counted in ``calendar``, without
    building a holiday table: loading the ``holidays`` package's countries took ~40 ms of every
    start-up, for a check made when plugins load."""
    if calendar == "CN":
        is_working_day(date(2026, 1, 5), calendar)
        return
    from holidays.registry import COUNTRIES

    if not any(calendar in names[1:] for names in COUNTRIES.values()):
        raise CalendarUnknown(f"no working-day calendar for {calendar!r}")


@lru_cache(maxsize=64)
def _public_holidays(calendar: str, year: int):
    import holidays

    try:
        return holidays.country_holidays(calendar, years=year)
    except NotImplementedError:
        raise CalendarUnknown(f"no working-day calendar for {calendar!r}") from None


def working_days_after(start: date, days: int, calendar: str) -> date:
    """The ``days``-th working day after ``start`` (the day of acceptance itself does not count)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, calendar):
            counted += 1
    return day
