"""The desk's schedules: crontab expressions (in UTC) read with Huey's own crontab parser."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

#: name -> crontab (minute hour day month weekday, UTC); each can be changed or turned ``off``
#: with COVERDESK_SCHEDULE_<NAME> (``tracking-sync`` -> COVERDESK_SCHEDULE_TRACKING_SYNC).
DEFAULTS: dict[str, str] = {
    "stalled-scan": "*/15 * * * *",
    "tracking-sync": "*/30 * * * *",  # one job per carrier, each honouring its own back-off
    "overdue-payouts": "5 * * * *",
    "daily-backup": "30 19 * * *",  # 03:30 in Shanghai, after the day's work
    "clean-up": "45 * * * *",
}
#: How far to look for a schedule's previous or next minute (a yearly crontab is not expected).
_HORIZON = timedelta(days=32)


def parse(expression: str) -> Callable[[datetime], bool]:
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"{expression!r} is not a crontab of five fields (minute hour day month weekday) or 'off'")
    from huey import crontab  # here: Huey's import is deferred (portal.jobs.queue)

    try:
        return crontab(*fields, strict=True)
    except ValueError as exc:
        raise ValueError(f"{expression!r}: {exc}") from None


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def matches(expression: str, moment: datetime) -> bool:
    return parse(expression)(_minute(moment).replace(tzinfo=None))


def next_run(expression: str, after: datetime) -> datetime | None:
    """The first minute after ``after`` the schedule fires (None when off or beyond a month)."""
    if expression == "off":
        return None
    test = parse(expression)
    moment = _minute(after) + timedelta(minutes=1)
    end = moment + _HORIZON
    while moment < end:
        naive = moment.replace(tzinfo=None)
        for minute in range(naive.minute, 60):
            if test(naive.replace(minute=minute)):
                return moment.replace(minute=minute)
        moment = moment.replace(minute=0) + timedelta(hours=1)
    return None
