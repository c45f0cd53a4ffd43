"""Lotus Line's raw tracking feed: a UTF-8 text file, one event per line, fields separated by "|":

    LL123456789CN|2026-11-02 16:05|DEP|Shenzhen Bao'an|Departed origin hub

tracking number, local time at the place of the event (``YYYY-MM-DD HH:MM``), code, place,
text. Times are local: the place's time zone comes from the hub table below (Lotus Line's hubs),
China otherwise. A line starting with "#" is a comment. A line that cannot be read is reported
by its number; it never stops the rest.
"""

from __future__ import annotations

from datetime import datetime

from portal.plugin_api import FeedProblem, RawTrackingEvent, TrackingFeed, to_utc

STATUS_MAP = {
    "ACP": ("info_received", None),
    "DEP": ("in_transit", None),
    "ARR": ("in_transit", None),
    "CUS": ("exception", "customs"),
    "CLR": ("in_transit", None),
    "OFD": ("out_for_delivery", None),
    "DLV": ("delivered", None),
    "NDL": ("delivery_failed", "address_issue"),
    "INV": ("exception", "being_researched"),
    "LST": ("exception", "lost"),
    "DMG": ("exception", "damaged"),
    "RTS": ("returned", "returned_to_sender"),
}

#: Where Lotus Line's hubs are, by the place name its feed uses; anywhere else is read as China.
HUB_ZONES = {
    "Liège": "Europe/Brussels",
    "Leipzig": "Europe/Berlin",
    "Madrid": "Europe/Madrid",
    "Warsaw": "Europe/Warsaw",
    "Los Angeles": "America/Los_Angeles",
    "Chicago": "America/Chicago",
    "New York": "America/New_York",
}


def parse(content: bytes) -> TrackingFeed:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return TrackingFeed((), (FeedProblem("file", f"not UTF-8 text ({exc.reason} at byte {exc.start})"),))
    events, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = [field.strip() for field in line.split("|")]
        if len(fields) != 5:
            problems.append(FeedProblem(f"line {number}", f"expected 5 fields separated by '|', found {len(fields)}"))
            continue
        tracking_no, when, code, place, description = fields
        if not tracking_no or not code:
            problems.append(FeedProblem(f"line {number}", "the tracking number and the code are required"))
            continue
        try:
            local = datetime.strptime(when, "%Y-%m-%d %H:%M")
        except ValueError:
            problems.append(FeedProblem(f"line {number}", f"time {when!r} is not YYYY-MM-DD HH:MM"))
            continue
        hub = next((zone for name, zone in HUB_ZONES.items() if place.startswith(name)), "Asia/Shanghai")
        events.append(
            RawTrackingEvent(
                tracking_no=tracking_no.upper(),
                occurred_at=to_utc(local, hub),
                code=code.upper(),
                description=description,
                location=place,
            )
        )
    return TrackingFeed(tuple(events), tuple(problems))
