"""Harbour Post: a fictional designated postal operator working under the UPU Convention.

No real operator is meant. Its rules are the UPU ones a real designated operator follows:

* Tracking numbers are UPU S10 identifiers: a two-letter service indicator, an eight-digit
  serial, a check digit (weights 8 6 4 2 3 5 9 7; 11 minus the sum modulo 11, with 10 -> 0 and
  11 -> 5) and the ISO 3166 code of the issuing country, e.g. ``RR123456785CN``. The indicator's
  first letter follows the S10 ranges: R registered, E EMS, C parcels.
* Registered items: the UPU maximum indemnity, which USPS states as USD 47.33 whatever the
  declared value (IMM 934; presumably 30 SDR; claims-rules.md US4). The UPU formula for parcels
  is unconfirmed (US4), so surface parcels get the same figure.
* EMS: USD 100, limited to a declared value in USD. This figure is invented.
* Tracking (contract 1.1): UPU-style XML events with EMSEVT codes, inquiry windows from USPS
  IMM Exhibit 921.2 (claims-rules.md US3); see ``tracking.py``.

Caps are in USD whatever the currency of the declared value, because that is how US4 states
the UPU figure; a declared value in another currency is not converted.
"""

import re
from datetime import date
from decimal import Decimal
from urllib.parse import quote

import pycountry

from portal.plugin_api import (
    CarrierPlugin,
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

TRACKING_URL = "https://track.harbourpost.example/items/{}"

S10_PATTERN = re.compile(r"([A-Z])[A-Z](\d{8})(\d)([A-Z]{2})")
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)

#: Service -> first letter of its S10 service indicator.
SERVICE_INDICATORS = {"registered_air": "R", "ems": "E", "surface_parcel": "C"}

UPU_REGISTERED_CAP = Money(Decimal("47.33"), "USD")  # US4
EMS_CAP = Money(Decimal("100.00"), "USD")  # invented

#: Service -> (cap, whether a lower declared value in the cap's currency lowers it).
LIABILITY = {
    "registered_air": (UPU_REGISTERED_CAP, False),
    "surface_parcel": (UPU_REGISTERED_CAP, False),
    "ems": (EMS_CAP, True),
}


def s10_check_digit(serial: str) -> int:
    """The S10 check digit of an eight-digit serial number."""
    digit = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(digit, digit)


class HarbourPostCarrier(CarrierPlugin):
    contract = "1.4"
    code = "harbourpost"
    name = Text("Harbour Post", "海港邮政")
    #: Every text for staff in both languages; its CN 08 inquiry stays English (the UPU's working language).
    languages = ("en", "zh_CN")
    kind = "postal"
    services = (
        Service(
            "registered_air",
            Text("Registered airmail small packet", "航空挂号小包"),
            Text("Tracked letter-post item sent by air", "可追踪的航空函件"),
        ),
        Service("ems", Text("EMS", "EMS 特快专递"), Text("Express Mail Service", "国际特快专递邮件")),
        Service(
            "surface_parcel",
            Text("Surface parcel", "水陆路包裹"),
            Text("Parcel post by sea and land", "经海运及陆运寄递的包裹"),
        ),
    )
    # Sources: claims-rules.md US4 (the IMM 934 liability) and US3 (the IMM 921.2 windows).
    source = (
        "Fictional operator. S10 tracking numbers (UPU standard S10); registered-item liability "
        "USD 47.33 whatever the declared value (USPS IMM 934); "
        "EMS cap of USD 100 invented. Tracking: UPU EMSEVT event codes; inquiry windows from "
        "USPS IMM Exhibit 921.2; stall days and peak extension are own figures."
    )
    status_map = tracking.STATUS_MAP

    def tracking_url(self, tracking_no: str) -> str:
        return TRACKING_URL.format(quote(tracking_no, safe=""))

    def check_tracking_no(self, service_code: str, tracking_no: str) -> str | None:
        indicator = SERVICE_INDICATORS.get(service_code)
        if indicator is None:
            return Text("Harbour Post has no service {!r}", "海港邮政没有服务 {!r}").format(service_code)
        match = S10_PATTERN.fullmatch(tracking_no)
        if match is None:
            return Text(
                "must be an S10 number: 2 capital letters, 9 digits, 2 capital letters (e.g. RR123456785CN)",
                "须为 S10 编号：2 位大写字母、9 位数字、2 位大写字母（例如 RR123456785CN）",
            )
        first, serial, check, country = match.groups()
        if first != indicator:
            return Text("{} numbers start with {}", "{}的单号以 {} 开头").format(
                self.service(service_code).name, indicator
            )
        if int(check) != s10_check_digit(serial):
            return Text("check digit {} is wrong for serial {}", "序号 {1} 的校验位 {0} 不正确").format(check, serial)
        if pycountry.countries.get(alpha_2=country) is None:
            return Text("{} is not an ISO 3166 country code", "{} 不是 ISO 3166 国家代码").format(country)
        return None

    def liability_cap(self, service_code: str, declared_value: Money, on: date) -> Money | None:
        """The cap in USD; ``None`` for a service Harbour Post does not sell."""
        if service_code not in LIABILITY:
            return None
        cap, up_to_declared = LIABILITY[service_code]
        if up_to_declared and declared_value.currency == cap.currency:
            return min(declared_value, cap)
        return cap

    # --- tracking (contract 1.1) --------------------------------------------------------

    def parse_tracking(self, content: bytes) -> TrackingFeed:
        return tracking.parse_tracking(content)

    def stall_after_days(self, service_code: str, destination_country: str, on: date) -> int:
        return tracking.stall_after_days(service_code, on)

    def stall_reason(self, service_code: str, destination_country: str, on: date) -> str:
        return tracking.stall_reason(on)

    def trace_window(self, service_code: str, destination_country: str) -> TraceWindow:
        """USPS IMM 921.2 windows (US3); an unknown service gets the registered-item window."""
        return tracking.TRACE_WINDOWS.get(service_code, tracking.TRACE_WINDOWS["registered_air"])

    # --- inquiries and loss letters (contract 1.2) -------------------------------------------

    loss_letter_format = letters.LOSS_LETTER_FORMAT

    def read_loss_letter(self, text: str) -> LossLetterReading:
        return letters.read_loss_letter(text)

    def trace_request(self, details: TraceDetails) -> TraceRequestDocument:
        return letters.trace_request(details)
