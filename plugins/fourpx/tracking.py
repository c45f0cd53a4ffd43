"""4PX tracking: a CSV export with text statuses, their status map, stall and trace rules.

Raw format (the shape of a 4PX tracking export as the warehouse receives it; the column names
and status texts are assumptions, not from C1)::

    tracking_no,event_time,status_text,location,remark
    4PX3001234567890CN,2026-11-02 10:15:00,已揽收 / Picked up from seller,Shenzhen,

``event_time`` is China time (Asia/Shanghai) unless the value carries its own UTC offset or the
row has an optional ``time_zone`` column naming an IANA zone. ``status_text`` is 4PX's own text,
Chinese, English or both joined by " / "; it is kept as the event's raw code and mapped by its
normalised text (see :func:`text_key`).

The warehouse's own hand-over scans (pick-up from the seller, intake at 4PX's processing centre,
hand-over to line-haul) are marked with ``handover``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.plugin_api import FeedProblem, RawTrackingEvent, Season, Text, TraceWindow, TrackingFeed

CHINA_TIME = ZoneInfo("Asia/Shanghai")
COLUMNS = ("tracking_no", "event_time", "status_text", "location", "remark")
OPTIONAL_COLUMNS = ("time_zone",)

#: Each status: (Chinese text, English text, status, reason, hand-over or None).
STATUSES: tuple[tuple[str, str, str, str | None, str | None], ...] = (
    ("订单信息已接收", "Order information received", "info_received", None, None),
    ("已揽收", "Picked up from seller", "in_transit", None, "pickup"),
    ("已到达处理中心", "Received at processing centre", "in_transit", None, "intake"),
    ("已交干线运输", "Handed to line-haul", "in_transit", None, "dispatch"),
    ("已离开始发国", "Departed country of origin", "in_transit", None, None),
    ("已到达目的国", "Arrived at destination country", "in_transit", None, None),
    ("清关中", "Customs clearance in progress", "in_transit", None, None),
    ("海关扣留", "Held by customs", "exception", "customs", None),
    ("已交尾程派送商", "Handed to last-mile carrier", "in_transit", None, None),
    ("运输延误", "Delayed in transit", "in_transit", "delayed", None),
    ("派送中", "Out for delivery", "out_for_delivery", None, None),
    ("派送失败", "Delivery attempted", "delivery_failed", None, None),
    ("地址有误", "Address problem", "delivery_failed", "address_issue", None),
    ("拒收", "Refused by recipient", "delivery_failed", "refused", None),
    ("到达待取", "Available for pickup", "available_for_pickup", None, None),
    ("已签收", "Delivered", "delivered", None, None),
    ("查询中", "Under investigation", "exception", "being_researched", None),
    ("已确认丢失", "Lost - confirmed by carrier", "exception", "lost", None),
    ("包裹破损", "Damaged", "exception", "damaged", None),
    ("已退回发件人", "Returned to sender", "returned", "returned_to_sender", None),
)


def text_key(text: str | None) -> str:
    """The lookup key of a status text: case-folded, dashes and spaces collapsed."""
    text = (text or "").casefold().replace("–", "-").replace("—", "-")
    text = re.sub(r"\s*-\s*", " - ", text)
    return re.sub(r"\s+", " ", text).strip()


#: Normalised status text (each language) -> (status, reason).
STATUS_MAP: dict[str, tuple[str, str | None]] = {}
#: Normalised status text (each language) -> hand-over.
HANDOVER_MAP: dict[str, str] = {}
for _zh, _en, _status, _reason, _handover in STATUSES:
    for _text in (_zh, _en):
        STATUS_MAP[text_key(_text)] = (_status, _reason)
        if _handover:
            HANDOVER_MAP[text_key(_text)] = _handover


def _lookup(table: dict, text: str | None):
    """The entry of ``text``, whole or per " / " part; ``None`` if unknown or the parts disagree."""
    key = text_key(text)
    if key in table:
        return table[key]
    parts = [part.strip() for part in key.split("/") if part.strip()]
    found = {table.get(part) for part in parts}
    if len(parts) > 1 and len(found) == 1 and None not in found:
        return found.pop()
    return None


# A file repeats a few dozen status texts a million times: each is looked up once.
@lru_cache(maxsize=4096)
def _status(code: str | None) -> tuple[str | None, str | None]:
    return _lookup(STATUS_MAP, code) or (None, None)


def normalise(code: str | None, description: str) -> tuple[str | None, str | None]:
    return _status(code)


@lru_cache(maxsize=4096)
def handover(code: str | None) -> str | None:
    return _lookup(HANDOVER_MAP, code)


_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)?")


def _occurred_at(raw: str, zone_name: str) -> datetime:
    if not _TIME.fullmatch(raw):
        raise ValueError(f"event_time {raw!r} is not 'YYYY-MM-DD HH:MM:SS'")
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"event_time {raw!r} is not a valid date and time") from None
    if moment.tzinfo is not None:
        return moment
    try:
        zone = ZoneInfo(zone_name) if zone_name else CHINA_TIME
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"time_zone {zone_name!r} is not a known time zone") from None
    return moment.replace(tzinfo=zone)


def parse_tracking(content: bytes) -> TrackingFeed:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return TrackingFeed((), (FeedProblem("file", f"not UTF-8 text: {exc}"),))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        return TrackingFeed((), (FeedProblem("file", "the file is empty"),))
    except csv.Error as exc:
        return TrackingFeed((), (FeedProblem("file", f"not readable as CSV: {exc}"),))
    missing = [name for name in COLUMNS if name not in header]
    unknown = [name for name in header if name not in (*COLUMNS, *OPTIONAL_COLUMNS)]
    if missing or unknown or len(set(header)) != len(header):
        return TrackingFeed(
            (),
            (
                FeedProblem(
                    "file", f"header must be {','.join(COLUMNS)} (optionally time_zone); got {','.join(header)}"
                ),
            ),
        )
    events: list[RawTrackingEvent] = []
    problems: list[FeedProblem] = []
    while True:
        record = f"line {reader.line_num + 1}"  # a quoted field may run over several lines
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(FeedProblem(record, f"not readable as CSV: {exc}"))
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(FeedProblem(record, f"has {len(row)} columns, expected {len(header)}"))
            continue
        values = {name: cell.strip() for name, cell in zip(header, row, strict=False)}
        if not values["tracking_no"]:
            problems.append(FeedProblem(record, "tracking_no is empty"))
            continue
        if not values["status_text"]:
            problems.append(FeedProblem(record, "status_text is empty"))
            continue
        try:
            occurred_at = _occurred_at(values["event_time"], values.get("time_zone", ""))
        except ValueError as exc:
            problems.append(FeedProblem(record, str(exc)))
            continue
        events.append(
            RawTrackingEvent(
                tracking_no=values["tracking_no"],
                occurred_at=occurred_at,
                code=values["status_text"],
                description=values["remark"],
                location=values["location"],
                handover=handover(values["status_text"]),
            )
        )
    return TrackingFeed(tuple(events), tuple(problems))


# --- stall and trace rules ----------------------------------------------------------------

#: Days without a new event before a parcel counts as stalled. 4PX-C uses C1's day 9 (an inquiry
#: may open 9 days after the first online scan); the other figures are the warehouse's own.
STALL_DAYS = {"express": 7, "fourpx_c": 9, "global_direct": 12}
#: C1: "plus 10 days in peak season" (stated for direct-mail claim waits; applied here too).
PEAK_EXTRA_DAYS = 10


#: Peak season: 15 November to 15 January. C1 does not define it; the dates are assumed.
PEAK_SEASON = Season((11, 15), (1, 15))


def stall_after_days(service_code: str, on: date) -> int:
    days = STALL_DAYS.get(service_code, max(STALL_DAYS.values()))
    return days + (PEAK_EXTRA_DAYS if on in PEAK_SEASON else 0)


def stall_reason(on: date) -> str:
    if on not in PEAK_SEASON:
        return ""
    return Text("peak season (15 Nov–15 Jan), {} days more", "旺季（11 月 15 日至 1 月 15 日），多等 {} 天").format(
        PEAK_EXTRA_DAYS
    )


#: Trace windows in days after dispatch (≈ the first online scan). 4PX-C: day 9 to day 60 (C1).
#: Express and direct lines: C1 gives only the "never scanned" claim waits (15 days express,
#: 25 days other lines); those are used as the earliest day, with C1's 60-day inquiry limit.
TRACE_WINDOWS = {
    "fourpx_c": TraceWindow(9, 60),
    "express": TraceWindow(15, 60),
    "global_direct": TraceWindow(25, 60),
}
