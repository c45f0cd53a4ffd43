"""Harbour Post tracking: UPU-style XML events, their status map, stall and trace rules.

Raw format, in the spirit of UPU EDI (EMSEVT/IPS) event messages::

    <items>
      <item id="RR123456785CN">
        <event code="EMA" time="2026-11-02T10:15:00+08:00" office="Shenzhen IMPC">Posting/collection</event>
      </item>
    </items>

``time`` is ISO 8601 and must carry its UTC offset (UPU EDI times are local to the office that
scanned the item). Codes starting with E are the UPU EMSEVT event codes; the ``HP`` codes are
Harbour Post's own (invented) for outcomes that UPU messages carry as inquiry results (CN 08)
or damage reports (CN 24) rather than as item events.

The parser uses ``xml.etree`` from the standard library and refuses any document type
declaration or entity, so entity-expansion attacks cannot reach it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime

from portal.plugin_api import FeedProblem, RawTrackingEvent, Season, Text, TraceWindow, TrackingFeed

#: UPU event code -> (portal status, reason). A code missing here stays unmapped.
STATUS_MAP: dict[str, tuple[str, str | None]] = {
    "EMA": ("in_transit", None),  # posting / collection (acceptance scan)
    "EMB": ("in_transit", None),  # arrival at outward office of exchange
    "EMC": ("in_transit", None),  # departure from outward office of exchange
    "EMJ": ("in_transit", None),  # arrival at transit office of exchange
    "EMK": ("in_transit", None),  # departure from transit office of exchange
    "EMD": ("in_transit", None),  # arrival at inward office of exchange
    "EDA": ("exception", "customs"),  # held at inward office of exchange (customs)
    "EDB": ("in_transit", None),  # item presented to import customs
    "EDC": ("in_transit", None),  # item returned from customs
    "EMF": ("in_transit", None),  # departure to delivery office
    "EMG": ("in_transit", None),  # arrival at delivery office
    "EDG": ("out_for_delivery", None),  # item out for delivery
    "EMH": ("delivery_failed", None),  # attempted / unsuccessful delivery
    "EDH": ("available_for_pickup", None),  # arrived at collection point for pick-up
    "EMI": ("delivered", None),  # final delivery
    # Harbour Post's own codes (invented): outcomes of inquiries and irregularity reports.
    "HPR": ("exception", "being_researched"),  # inquiry (CN 08) opened, item being researched
    "HPL": ("exception", "lost"),  # inquiry answered: item lost
    "HPD": ("exception", "damaged"),  # damage recorded on a formal report (CN 24)
    "HPT": ("returned", "returned_to_sender"),  # returned to sender
}

_TIME_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?([+-]\d{2}:\d{2}|Z)")
_FORBIDDEN = (b"<!doctype", b"<!entity")


def parse_tracking(content: bytes) -> TrackingFeed:
    lowered = content.lower()
    if any(marker in lowered for marker in _FORBIDDEN):
        return TrackingFeed((), (FeedProblem("file", "DOCTYPE or ENTITY declarations are refused"),))
    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        return TrackingFeed((), (FeedProblem("file", f"not well-formed XML: {exc}"),))
    if root.tag != "items":
        return TrackingFeed((), (FeedProblem("file", f"root element is <{root.tag}>, expected <items>"),))
    events: list[RawTrackingEvent] = []
    problems: list[FeedProblem] = []
    for item_no, item in enumerate(root.findall("item"), start=1):
        tracking_no = (item.get("id") or "").strip()
        if not tracking_no:
            problems.append(FeedProblem(f"item {item_no}", "item has no id (tracking number)"))
            continue
        for event_no, element in enumerate(item.findall("event"), start=1):
            record = f"item {tracking_no} event {event_no}"
            code = (element.get("code") or "").strip()
            raw_time = (element.get("time") or "").strip()
            if not code:
                problems.append(FeedProblem(record, "event has no code"))
                continue
            if not raw_time:
                problems.append(FeedProblem(record, "event has no time"))
                continue
            if not _TIME_WITH_OFFSET.fullmatch(raw_time):
                problems.append(FeedProblem(record, f"time {raw_time!r} is not ISO 8601 with a UTC offset"))
                continue
            try:
                occurred_at = datetime.fromisoformat(raw_time)
            except ValueError:
                problems.append(FeedProblem(record, f"time {raw_time!r} is not a valid date and time"))
                continue
            events.append(
                RawTrackingEvent(
                    tracking_no=tracking_no,
                    occurred_at=occurred_at,
                    code=code,
                    description=(element.text or "").strip(),
                    location=(element.get("office") or "").strip(),
                )
            )
    return TrackingFeed(tuple(events), tuple(problems))


# --- stall and trace rules ----------------------------------------------------------------

#: Days without a new event before a parcel counts as stalled, per service. Postal items move
#: slower than express ones (TrackingMore: postal parcels expire after 60 days, express after 30;
#: plugin-precedents.md section 4); the figures themselves are Harbour Post's own.
STALL_DAYS = {"ems": 7, "registered_air": 14, "surface_parcel": 30}
#: Extra days in peak season, Flexport-style (7 -> 12 days in peak; claims-rules.md section 6 [S]).
PEAK_EXTRA_DAYS = 5


#: Peak season: 15 November to 15 January (assumption; no source defines it).
PEAK_SEASON = Season((11, 15), (1, 15))


def stall_after_days(service_code: str, on: date) -> int:
    days = STALL_DAYS.get(service_code, max(STALL_DAYS.values()))
    return days + (PEAK_EXTRA_DAYS if on in PEAK_SEASON else 0)


def stall_reason(on: date) -> str:
    """Why :func:`stall_after_days` waits longer than the service's usual days, for staff."""
    if on not in PEAK_SEASON:
        return ""
    return Text("peak season (15 Nov–15 Jan), {} days more", "旺季（11 月 15 日至 1 月 15 日），多等 {} 天").format(
        PEAK_EXTRA_DAYS
    )


#: Inquiry windows after posting, as USPS IMM Exhibit 921.2 states them (claims-rules.md US3;
#: plugin-precedents.md section 4): registered/insured 7 days to 6 months, Priority Mail Express
#: International (EMS) 3 to 90 days, surface 30 days to 6 months. 6 months = 183 days.
TRACE_WINDOWS = {
    "registered_air": TraceWindow(7, 183),
    "ems": TraceWindow(3, 90),
    "surface_parcel": TraceWindow(30, 183),
}
