"""Lotus Line: a fictional dedicated line, shipping from Shenzhen to Europe and North America.

Neither the name nor the terms belong to a real carrier (dedicated lines such as YunExpress and
Yanwen publish no inquiry or claim policy: claims-rules.md §3 "YunExpress, Yanwen" UNCONFIRMED),
so its numbers follow published rules of the same kind, each named below:

- a parcel counts as stalled after 20 days without news: Route treats "no tracking update for
  20 days (international)" as lost (claims-rules.md §2, R1);
- a trace may be opened from day 45 to day 90 after dispatch, DHL eCommerce's international
  window (claims-rules.md §2, D1); the economy service waits 10 days longer, as sea-air
  consolidations take that much longer (an assumption of this fictional carrier);
- no liability of its own: sellers insure (claims-rules.md §3, China Post/EMS pays only
  capped amounts, and dedicated lines publish none).

Tracking numbers are "LL", nine digits and "CN". Its raw feed is a pipe-separated text file;
see ``tracking.py``. Its loss letter and trace request are in ``letters.py``.
"""

from __future__ import annotations

import re
from datetime import date

from portal.plugin_api import (
    CarrierPlugin,
    EvidenceRequirement,
    LossLetterReading,
    Service,
    Text,
    TraceDetails,
    TraceRequestDocument,
    TraceWindow,
    TrackingFeed,
)

from . import letters, tracking

TRACKING_PATTERN = re.compile(r"LL\d{9}CN")


class LotusLineCarrier(CarrierPlugin):
    contract = "1.4"
    code = "lotusline"
    name = Text("Lotus Line", "莲花专线")
    languages = ("en", "zh_CN")
    kind = "dedicated_line"
    services = (
        Service(
            "priority",
            Text("Lotus Priority", "莲花优先"),
            Text("Air freight, tax paid, tracked door to door", "空运、含税、门到门全程追踪"),
        ),
        Service(
            "economy",
            Text("Lotus Economy", "莲花经济"),
            Text("Sea-air consolidation, tracked door to door", "海空联运集拼、门到门全程追踪"),
        ),
    )
    # Sources: claims-rules.md R1 (Route's threshold) and D1 (DHL eCommerce's window).
    source = (
        "Fictional dedicated line. Stall after 20 days: Route's international lost threshold; "
        "trace window 45-90 days: DHL eCommerce international; no liability published."
    )
    status_map = tracking.STATUS_MAP
    loss_letter_format = letters.LOSS_LETTER_FORMAT

    def tracking_url(self, tracking_no: str) -> str:
        return f"https://track.lotusline.example/?no={tracking_no}"

    def check_tracking_no(self, service_code: str, tracking_no: str) -> str | None:
        if not TRACKING_PATTERN.fullmatch(tracking_no):
            return Text(
                "must be LL, nine digits and CN (e.g. LL123456789CN)",
                "须为 LL 加 9 位数字再加 CN（例如 LL123456789CN）",
            )
        return None

    def stall_after_days(self, service_code: str, destination_country: str, on: date) -> int:
        return 20

    def trace_window(self, service_code: str, destination_country: str) -> TraceWindow:
        return TraceWindow(55, 90) if service_code == "economy" else TraceWindow(45, 90)

    def parse_tracking(self, content: bytes) -> TrackingFeed:
        return tracking.parse(content)

    def read_loss_letter(self, text: str) -> LossLetterReading:
        return letters.read_loss_letter(text)

    def trace_request(self, details: TraceDetails) -> TraceRequestDocument:
        return letters.trace_request(self.name, details)

    def evidence_required(self, inquiry_kind: str, service_code: str) -> tuple[EvidenceRequirement, ...]:
        if inquiry_kind == "not_arrived":  # as DHL eCommerce asks for the consignee's statement (claims-rules.md D1)
            return (
                EvidenceRequirement(
                    "recipient_statement",
                    Text(
                        "Lotus Line closes a non-delivery investigation only with the recipient's signed statement "
                        "that nothing arrived.",
                        "莲花专线须有收件人签字确认未收到包裹的声明，方可结案未妥投调查。",
                    ),
                ),
            )
        return ()
