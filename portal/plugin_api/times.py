"""Time helpers for plugins: carriers' feeds give local times, the portal keeps UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def to_utc(moment: datetime, zone: str) -> datetime:
    """``moment`` in UTC; a naive time (as most carrier feeds give) is read in ``zone`` (an IANA
    name such as ``"Asia/Shanghai"``)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC)


def utc(moment: datetime | None) -> str:
    """``2026-11-02 08:00 UTC``, or an em dash for no time: how trace requests print times."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"
