"""4PX (递四方), the Shenzhen cross-border logistics company, per its published claims pages.

Source: 4PX's official claims pages, updated 2024-09-18 (claims-rules.md section 3, key C1:
express.4px.com/article/detail/id/503423/cid/28, /503427/cid/28 and /500112/cid/320). For a
lost parcel 4PX pays the freight plus the declared value, capped at USD 100.

This contract does not carry the freight, so the cap here is the declared value in USD up to
USD 100; it can understate what 4PX pays by up to the freight. A declared value in another
currency is not converted: the cap is then USD 100.

Assumption, not from C1: 4PX's own tracking numbers are "4PX", 13 digits and "CN"
(e.g. 4PX3001234567890CN), the pattern third-party carrier detectors use. No check digit is
known, so none is checked. The tracking page is track.4px.com.

Tracking (contract 1.1): a CSV export with text statuses; trace windows and the peak-season
extension from C1; see ``tracking.py``. Inquiries (contract 1.2): a bilingual inquiry work order,
the loss letter's assumed layout, and C1's post-office certificate; see ``letters.py``.

The rules are kept as dated versions so that a change of 4PX's terms is added, not edited in.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from portal.plugin_api import (
    CarrierPlugin,
    EvidenceRequirement,
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

TRACKING_URL = "https://track.4px.com/#/result/0/{}"
TRACKING_PATTERN = re.compile(r"4PX\d{13}CN")


@dataclass(frozen=True)
class LiabilityRules:
    """One version of 4PX's loss liability, in force from ``effective_from``."""

    effective_from: date
    cap: Money
    source: str


#: Versions of 4PX's liability rules, oldest first.
LIABILITY_RULES = (
    LiabilityRules(date(2024, 9, 18), Money(Decimal("100.00"), "USD"), "C1, 4PX claims pages updated 2024-09-18"),
)


def rules_on(on: date) -> LiabilityRules:
    """The rules in force on ``on``; before the first version, the first version."""
    current = LIABILITY_RULES[0]
    for version in LIABILITY_RULES:
        if version.effective_from <= on:
            current = version
    return current


class FourPXCarrier(CarrierPlugin):
    contract = "1.4"
    code = "fourpx"
    name = Text("4PX", "递四方 4PX")
    #: Every text for staff in both languages; its trace request is bilingual, Chinese first, as
    #: 4PX's own inquiry work order is (the letter's layout in ``letters.py``).
    languages = ("en", "zh_CN")
    document_languages = ("zh_CN", "en")
    kind = "dedicated_line"
    services = (
        Service(
            "fourpx_c", Text("4PX-C", "4PX-C 邮政渠道"), Text("Handed over to China Post EMS", "交中国邮政 EMS 承运")
        ),
        Service("global_direct", Text("Direct line", "专线"), Text("4PX's own direct-mail lines", "4PX 自营专线小包")),
        Service("express", Text("Express", "快递"), Text("4PX express line", "4PX 快递专线")),
    )
    # Sources: claims-rules.md C1 (4PX's claims pages).
    source = (
        "4PX claims pages updated 2024-09-18: freight plus declared value, "
        "capped at USD 100; 4PX-C inquiries from day 9 to day 60; plus 10 days in peak season. "
        "The tracking-number pattern 4PX + 13 digits + CN and the CSV tracking format are assumptions."
    )
    #: Normalised status text -> (status, reason); see tracking.text_key.
    status_map = tracking.STATUS_MAP

    def tracking_url(self, tracking_no: str) -> str:
        return TRACKING_URL.format(quote(tracking_no, safe=""))

    def check_tracking_no(self, service_code: str, tracking_no: str) -> str | None:
        if self.service(service_code) is None:
            return Text("4PX has no service {!r}", "4PX 没有服务 {!r}").format(service_code)
        if not TRACKING_PATTERN.fullmatch(tracking_no):
            return Text(
                "must be 4PX, 13 digits and CN (e.g. 4PX3001234567890CN)",
                "须为 4PX 加 13 位数字再加 CN（例如 4PX3001234567890CN）",
            )
        return None

    def liability_cap(self, service_code: str, declared_value: Money, on: date) -> Money | None:
        """The declared value in USD up to the cap in force on ``on``; freight is not known here."""
        if self.service(service_code) is None:
            return None
        cap = rules_on(on).cap
        if declared_value.currency == cap.currency:
            return min(declared_value, cap)
        return cap

    # --- tracking (contract 1.1) --------------------------------------------------------

    def normalise(self, code: str | None, description: str) -> tuple[str | None, str | None]:
        """4PX statuses are texts (Chinese, English or both): matched by their normalised text."""
        return tracking.normalise(code, description)

    def parse_tracking(self, content: bytes) -> TrackingFeed:
        return tracking.parse_tracking(content)

    def fetch_tracking(self, http: HttpGet, endpoint: str, tracking_numbers: list[str]) -> bytes:
        """``GET {endpoint}/track?numbers=a,b``: the CSV export that ``parse_tracking`` reads."""
        return http(f"{endpoint.rstrip('/')}/track", {"numbers": ",".join(tracking_numbers)})

    def stall_after_days(self, service_code: str, destination_country: str, on: date) -> int:
        return tracking.stall_after_days(service_code, on)

    def stall_reason(self, service_code: str, destination_country: str, on: date) -> str:
        return tracking.stall_reason(on)

    def trace_window(self, service_code: str, destination_country: str) -> TraceWindow:
        return tracking.TRACE_WINDOWS.get(service_code, tracking.TRACE_WINDOWS["fourpx_c"])

    # --- inquiries and loss letters (contract 1.2) -------------------------------------------

    loss_letter_format = letters.LOSS_LETTER_FORMAT

    def read_loss_letter(self, text: str) -> LossLetterReading:
        return letters.read_loss_letter(text)

    def trace_request(self, details: TraceDetails) -> TraceRequestDocument:
        return letters.trace_request(details)

    def evidence_required(self, inquiry_kind: str, service_code: str) -> tuple[EvidenceRequirement, ...]:
        """C1: "damage or non-receipt needs a local post-office certificate" (claims-rules.md C1)."""
        return (
            EvidenceRequirement(
                "recipient_statement",
                Text(
                    "4PX needs a local post-office certificate for damage or non-receipt.",
                    "破损或未收到包裹时，4PX 要求提供当地邮局证明。",
                ),
            ),
        )
