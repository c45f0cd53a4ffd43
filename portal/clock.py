"""Time: stored tz-aware in UTC, shown in the warehouse's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """Now, in UTC. An app whose ``CLOCK`` setting is a callable (a test's pinned clock) answers
    with it everywhere inside its context: pages, services, jobs."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC)


_default_zone = "Asia/Shanghai"


def set_default_zone(name: str) -> None:
    """The zone used outside an app context (worker processes get the app's setting this way)."""
    global _default_zone
    ZoneInfo(name)
    _default_zone = name


def warehouse_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"] if has_app_context() else _default_zone)


def to_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(warehouse_zone())


def local_today() -> date:
    return utcnow().astimezone(warehouse_zone()).date()


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO-8601 timestamp; one without an offset is taken as warehouse local time."""
    raw = (text or "").strip()
    if not raw:
        raise ValueError("is required")
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{raw!r} is not an ISO-8601 date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=warehouse_zone())
    return moment.astimezone(UTC)


def iso_utc(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 in UTC with a ``Z`` (the API's and the CLI's form), or ``None``."""
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
