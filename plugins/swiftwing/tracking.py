"""Swiftwing Express tracking: a JSON API response with numeric checkpoint codes.

Raw format (fictional, shaped like courier tracking APIs), one or several waybills::

    {"shipments": [
      {"waybill": "7100000042",
       "checkpoints": [{"code": 1010, "ts": "2026-11-02 10:15:00", "tz": "+08:00",
                        "city": "Shenzhen", "country": "CN", "text": "Shipment picked up"}]}
    ]}

A single shipment object (with ``waybill`` at the top) is read too. ``ts`` is local time and
``tz`` its UTC offset; both are required. The numeric codes and their meanings are invented.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

from portal.plugin_api import FeedProblem, RawTrackingEvent, Season, Text, TraceWindow, TrackingFeed

#: Checkpoint code -> (portal status, reason). Codes are strings, as the portal stores them.
STATUS_MAP: dict[str, tuple[str, str | None]] = {
    "1000": ("info_received", None),  # shipment information received
    "1010": ("in_transit", None),  # shipment picked up
    "1020": ("in_transit", None),  # processed at origin facility
    "1030": ("in_transit", None),  # departed facility
    "1040": ("in_transit", None),  # arrived at hub
    "1050": ("in_transit", None),  # customs clearance in progress
    "1055": ("exception", "customs"),  # held by customs
    "1060": ("in_transit", None),  # arrived at destination facility
    "1070": ("out_for_delivery", None),  # with courier for delivery
    "1080": ("delivery_failed", None),  # delivery attempted, consignee not available
    "1081": ("delivery_failed", "address_issue"),  # delivery attempted, address incomplete
    "1082": ("delivery_failed", "refused"),  # refused by consignee
    "1090": ("available_for_pickup", None),  # ready for collection at service point
    "1100": ("delivered", None),  # delivered
    "2010": ("in_transit", "weather"),  # delayed by weather
    "2020": ("in_transit", "delayed"),  # delayed, missed connection
    "3010": ("exception", "being_researched"),  # trace opened, shipment being investigated
    "3020": ("exception", "damaged"),  # shipment damaged
    "3030": ("exception", "lost"),  # shipment lost
    "4010": ("returned", "returned_to_sender"),  # returned to shipper
}

_TS = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
_TZ = re.compile(r"([+-])(\d{2}):(\d{2})")


def _offset(raw: object) -> timezone | None:
    match = _TZ.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _checkpoint(waybill: str, number: int, checkpoint: object) -> RawTrackingEvent | FeedProblem:
    record = f"checkpoint {number} of waybill {waybill}"
    if not isinstance(checkpoint, dict):
        return FeedProblem(record, "checkpoint is not an object")
    code = checkpoint.get("code")
    if isinstance(code, bool) or not isinstance(code, (int, str)) or not str(code).strip():
        return FeedProblem(record, f"code {code!r} is missing or not a number")
    ts, tz = checkpoint.get("ts"), _offset(checkpoint.get("tz"))
    if not isinstance(ts, str) or not _TS.fullmatch(ts):
        return FeedProblem(record, f"ts {ts!r} is not 'YYYY-MM-DD HH:MM:SS'")
    if tz is None:
        return FeedProblem(record, f"tz {checkpoint.get('tz')!r} is not a UTC offset like +08:00")
    try:
        occurred_at = datetime.strptime(ts, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)
    except ValueError:
        return FeedProblem(record, f"ts {ts!r} is not a valid date and time")
    location = ", ".join(part for part in (_text(checkpoint.get("city")), _text(checkpoint.get("country"))) if part)
    return RawTrackingEvent(
        tracking_no=waybill,
        occurred_at=occurred_at,
        code=str(code).strip(),
        description=_text(checkpoint.get("text")),
        location=location,
    )


def parse_tracking(content: bytes) -> TrackingFeed:
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        return TrackingFeed((), (FeedProblem("file", f"not valid JSON: {exc}"),))
    if isinstance(data, dict) and "shipments" in data:
        shipments = data["shipments"]
    elif isinstance(data, dict) and "waybill" in data:
        shipments = [data]
    else:
        return TrackingFeed((), (FeedProblem("file", "expected an object with 'shipments' or 'waybill'"),))
    if not isinstance(shipments, list):
        return TrackingFeed((), (FeedProblem("file", "'shipments' is not a list"),))
    events: list[RawTrackingEvent] = []
    problems: list[FeedProblem] = []
    for shipment_no, shipment in enumerate(shipments, start=1):
        waybill = shipment.get("waybill") if isinstance(shipment, dict) else None
        if isinstance(waybill, int) and not isinstance(waybill, bool):
            waybill = str(waybill)
        if not isinstance(waybill, str) or not waybill.strip():
            problems.append(FeedProblem(f"shipment {shipment_no}", "shipment has no waybill number"))
            continue
        waybill = waybill.strip()
        checkpoints = shipment.get("checkpoints")
        if not isinstance(checkpoints, list):
            problems.append(FeedProblem(f"waybill {waybill}", "'checkpoints' is missing or not a list"))
            continue
        for number, checkpoint in enumerate(checkpoints, start=1):
            result = _checkpoint(waybill, number, checkpoint)
            (events if isinstance(result, RawTrackingEvent) else problems).append(result)
    return TrackingFeed(tuple(events), tuple(problems))


# --- stall and trace rules (invented, like the rest of Swiftwing) --------------------------

#: Days without a checkpoint before a shipment counts as stalled.
STALL_DAYS = {"express_worldwide": 3, "economy_express": 5}
#: Destinations whose import clearance is slow (invented list): 3 more days.
SLOW_CUSTOMS = frozenset({"AR", "BR", "IN", "NG", "RU"})
SLOW_CUSTOMS_EXTRA_DAYS = 3
#: Extra days in peak season (15 November to 15 January).
PEAK_EXTRA_DAYS = 2


#: Peak season: 15 November to 15 January (assumed).
PEAK_SEASON = Season((11, 15), (1, 15))


def stall_after_days(service_code: str, destination_country: str, on: date) -> int:
    days = STALL_DAYS.get(service_code, max(STALL_DAYS.values()))
    if destination_country.upper() in SLOW_CUSTOMS:
        days += SLOW_CUSTOMS_EXTRA_DAYS
    if on in PEAK_SEASON:
        days += PEAK_EXTRA_DAYS
    return days


def stall_reason(destination_country: str, on: date) -> str:
    """Why :func:`stall_after_days` waits longer than the service's usual days, for staff."""
    reasons = []
    if destination_country.upper() in SLOW_CUSTOMS:
        reasons.append(
            Text("slow import clearance, {} days more", "进口清关较慢，多等 {} 天").format(SLOW_CUSTOMS_EXTRA_DAYS)
        )
    if on in PEAK_SEASON:
        reasons.append(
            Text("peak season (15 Nov–15 Jan), {} days more", "旺季（11 月 15 日至 1 月 15 日），多等 {} 天").format(
                PEAK_EXTRA_DAYS
            )
        )
    if not reasons:
        return ""
    return Text("; ".join(r.en for r in reasons), "；".join(r.zh_CN for r in reasons))


#: Trace windows modelled on USPS Global Express Guaranteed, 3 to 30 days (IMM 921.2,
#: claims-rules.md US3); the economy window is invented.
TRACE_WINDOWS = {"express_worldwide": TraceWindow(3, 30), "economy_express": TraceWindow(5, 30)}
