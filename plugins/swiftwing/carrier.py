"""Swiftwing Express: a fictional express courier with typical courier terms.

Neither the name nor the rules belong to a real courier. The terms follow the common courier
pattern: waybill numbers of 10 digits, and liability for a lost parcel limited to USD 100 or the
declared value if lower. A declared value in another currency is not converted: the cap is then
USD 100.

Tracking (contract 1.1): a JSON response with numeric checkpoint codes; see ``tracking.py``.
"""

import re
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from portal.plugin_api import (
    CarrierPlugin,
    HttpGet,
    LossLetterReading,
    Money,
    Service,
    Text,
    TraceDetails,
    TraceRequestDocument,
    TraceWindow,
    TrackingFeed,
)

from . import letters, tracking

TRACKING_URL = "https://track.swiftwing.example/shipments/{}"
WAYBILL_PATTERN = re.compile(r"\d{10}")
LIABILITY_CAP = Money(Decimal("100.00"), "USD")


class SwiftwingCarrier(CarrierPlugin):
    contract = "1.4"
    code = "swiftwing"
    name = Text("Swiftwing Express", "迅翼快递")
    languages = ("en", "zh_CN")
    kind = "express"
    services = (
        Service(
            "express_worldwide",
            Text("Express Worldwide", "全球特快"),
            Text("Next possible business day, door to door", "最早下一个工作日送达，门到门"),
        ),
        Service(
            "economy_express",
            Text("Economy Express", "经济快递"),
            Text("Slower, cheaper door-to-door service", "时效较慢、价格较低的门到门服务"),
        ),
    )
    source = (
        "Fictional courier: invented terms (10-digit waybills; USD 100 per parcel, "
        "or the declared value if lower). Tracking codes and stall days invented; trace window "
        "3-30 days modelled on USPS Global Express Guaranteed (IMM 921.2)."  # claims-rules.md US3
    )
    status_map = tracking.STATUS_MAP

    def tracking_url(self, tracking_no: str) -> str:
        return TRACKING_URL.format(quote(tracking_no, safe=""))

    def check_tracking_no(self, service_code: str, tracking_no: str) -> str | None:
        if self.service(service_code) is None:
            return Text("Swiftwing Express has no service {!r}", "迅翼快递没有服务 {!r}").format(service_code)
        if not WAYBILL_PATTERN.fullmatch(tracking_no):
            return Text("must be a 10-digit waybill number", "须为 10 位数字的运单号")
        return None

    def liability_cap(self, service_code: str, declared_value: Money, on: date) -> Money | None:
        """USD 100 per parcel, or the declared value in USD if lower."""
        if self.service(service_code) is None:
            return None
        if declared_value.currency == LIABILITY_CAP.currency:
            return min(declared_value, LIABILITY_CAP)
        return LIABILITY_CAP

    # --- tracking (contract 1.1) --------------------------------------------------------

    def parse_tracking(self, content: bytes) -> TrackingFeed:
        return tracking.parse_tracking(content)

    def fetch_tracking(self, http: HttpGet, endpoint: str, tracking_numbers: list[str]) -> bytes:
        """``GET {endpoint}/v1/tracking?waybills=a,b``: the JSON that ``parse_tracking`` reads."""
        return http(f"{endpoint.rstrip('/')}/v1/tracking", {"waybills": ",".join(tracking_numbers)})

    def stall_after_days(self, service_code: str, destination_country: str, on: date) -> int:
        return tracking.stall_after_days(service_code, destination_country, on)

    def stall_reason(self, service_code: str, destination_country: str, on: date) -> str:
        return tracking.stall_reason(destination_country, on)

    def trace_window(self, service_code: str, destination_country: str) -> TraceWindow:
        return tracking.TRACE_WINDOWS.get(service_code, tracking.TRACE_WINDOWS["express_worldwide"])

    # --- inquiries and loss letters (contract 1.2) -------------------------------------------

    loss_letter_format = letters.LOSS_LETTER_FORMAT

    def read_loss_letter(self, text: str) -> LossLetterReading:
        return letters.read_loss_letter(text)

    def trace_request(self, details: TraceDetails) -> TraceRequestDocument:
        return letters.trace_request(details)
