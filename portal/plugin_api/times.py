"""Time helpers for plugins: carriers' feeds give local times, the portal keeps UTC and shows
people the warehouse's time, naming its zone."""

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


def _offset(moment: datetime) -> str:
    offset = moment.strftime("%z")  # "+0800"
    return "UTC" if offset in ("", "+0000") else f"UTC{offset[:3]}:{offset[3:]}"


def local(moment: datetime | None, zone: str = "UTC", fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``2026-11-02 16:00 UTC+08:00``: ``moment`` in ``zone`` (an IANA name, the warehouse's
    zone in ``TraceDetails.timezone``) with its offset, or an em dash for no time."""
    if moment is None:
        return "—"
    here = moment.astimezone(ZoneInfo(zone))
    return f"{here.strftime(fmt)} {_offset(here)}"


def zone_label(zone: str, moment: datetime | None = None) -> str:
    """``Asia/Shanghai (UTC+08:00)``: how a printed page names the zone its times are in (the
    offset at ``moment``, default now)."""
    here = (moment or datetime.now(UTC)).astimezone(ZoneInfo(zone))
    return f"{zone} ({_offset(here)})"
