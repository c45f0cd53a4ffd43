"""Lotus Line's investigation closing notice (its loss letter), its investigation request (the
trace request) and sample letters for tests.

Fictional, like the carrier. The notice is bilingual (Chinese, then English) with European
conventions from its Liège office: dates as DD.MM.YYYY, the compensation as "35,50 EUR" (decimal
comma, currency after the amount). Notice numbers are "LL-", the date as YYYYMMDD, "-" and four
digits. Results: 遗失 LOST, 破损 DAMAGED, 已妥投 DELIVERED, 已退回 RETURNED.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from jinja2 import DictLoader, Environment, select_autoescape

from portal.plugin_api import (
    HANDOVER_LABELS,
    INQUIRY_KINDS,
    LossLetterFormat,
    LossLetterReading,
    Money,
    MoneyError,
    Text,
    TraceDetails,
    TraceRequestDocument,
    local,
    utc,
    zone_label,
)

LOSS_LETTER_FORMAT = LossLetterFormat(
    reference_pattern=r"LL-\d{8}-\d{4}",
    reference_example="LL-20261120-0042",
    description=Text(
        "Lotus Line's bilingual investigation closing notice: Notice no., Parcel, Result (Chinese and English), "
        "Closed on (DD.MM.YYYY) and Compensation (amount with a decimal comma, then the currency).",
        "莲花专线中英双语调查结案通知：Notice no.（通知编号）、Parcel（包裹单号）、Result（中英文结果）、"
        "Closed on（结案日期，格式 DD.MM.YYYY）及 Compensation（赔偿金额，小数点为逗号，金额后接币种）。",
    ),
)

OUTCOMES = {"LOST": "lost", "DAMAGED": "damaged", "DELIVERED": "delivered", "RETURNED": "returned"}

PATTERNS = {
    "case_reference": re.compile(r"Notice no\.\s*:?\s*(?P<value>\S+)"),
    "tracking_no": re.compile(r"Parcel\s*:?\s*(?P<value>[A-Z0-9]+)"),
    "outcome": re.compile(r"Result\s*:?\s*(?P<value>[^\n]+)"),
    "found_on": re.compile(r"Closed on\s*:?\s*(?P<value>\d{1,2}\.\d{1,2}\.\d{4})"),
    "liability": re.compile(r"Compensation\s*:?\s*(?P<value>[\d.]+(?:,\d{1,2})?\s*[A-Z]{3})"),
}


def read_loss_letter(text: str) -> LossLetterReading:
    found = {
        name: (m.group("value").strip() if (m := pattern.search(text)) else None) for name, pattern in PATTERNS.items()
    }
    outcome_text = found["outcome"] or ""
    words = set(re.findall(r"[A-Z]+", outcome_text.upper()))
    outcome = next((value for word, value in OUTCOMES.items() if word in words), None)
    found_on = None
    if found["found_on"]:
        day, month, year = (int(part) for part in found["found_on"].split("."))
        try:
            found_on = date(year, month, day)
        except ValueError:
            found_on = None
    liability = None
    if found["liability"]:
        amount, currency = found["liability"][:-3].strip(), found["liability"][-3:]
        try:
            liability = Money(Decimal(amount.replace(".", "").replace(",", ".")), currency)
        except (InvalidOperation, MoneyError):
            liability = None
    values = {
        "case_reference": found["case_reference"],
        "tracking_no": found["tracking_no"],
        "outcome": outcome,
        "found_on": found_on,
        "liability": liability,
    }
    missing = tuple(name for name, value in values.items() if value is None)
    return LossLetterReading(outcome_text=outcome_text, missing=missing, **values)


# --- the investigation request (trace request) -----------------------------------------------

REQUEST_TYPES = {
    "not_arrived": "NON-DELIVERY 未妥投",
    "damaged": "DAMAGE 破损",
    "partly_missing": "PARTIAL LOSS 部分遗失",
}

TEXT = """\
LOTUS LINE INVESTIGATION REQUEST / 查询申请
request_type={{ types[d.inquiry_kind] }}
parcel={{ d.tracking_no }}
service={{ d.service_code }}
service_name={{ d.service_name }}
destination={{ d.destination_country }}
shipper_ref={{ d.order_no }}
seller={{ d.seller_name }}
contents={{ d.contents }}
declared_value={{ d.declared_value }}
dispatched={{ d.dispatched_at|local(d.timezone) }}
last_scan={{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}
{% for scan in d.handovers %}handover={{ handovers[scan.kind] }} {{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}
{% endfor %}consignee={{ d.recipient_name }}
consignee_address={{ d.recipient_address|replace("\n", ", ") }}
seller_address={{ d.seller_address|replace("\n", ", ") }}
seller_phone={{ d.seller_phone }}
timezone={{ d.timezone|zone_label(d.dispatched_at) }}
requested_on={{ d.requested_on }}
reply_to={{ d.sender_email }}
sender={{ d.sender_name }}
"""

HTML = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><title>Lotus Line investigation request {{ d.tracking_no }}</title>
<style>
  @page { size: A4; margin: 16mm; }
  body { font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; font-size: 9.5pt; color: #1d2b2a; }
  header { border-left: 4mm solid #c2185b; padding-left: 4mm; margin-bottom: 6mm; }
  h1 { font-size: 15pt; margin: 0; } .sub { color: #666; }
  table { border-collapse: collapse; width: 100%; } td, th { border: 0.4pt solid #999; padding: 1.5mm 2mm; text-align: left; }
  th { width: 50mm; background: #fbe9ef; }
</style></head><body>
<header><h1>LOTUS LINE · 查询申请 Investigation request</h1>
<p class="sub">{{ types[d.inquiry_kind] }} · {{ d.requested_on }} · {{ d.sender_name }} &lt;{{ d.sender_email }}&gt;</p></header>
<table>
<tr><th>Parcel 运单号</th><td>{{ d.tracking_no }}</td></tr>
<tr><th>Shipper reference 客户单号</th><td>{{ d.order_no }}</td></tr>
<tr><th>Service 产品</th><td>{{ d.service_name }}</td></tr>
<tr><th>Destination 目的国</th><td>{{ d.destination_country }}</td></tr>
<tr><th>Seller 卖家</th><td>{{ d.seller_name }}</td></tr>
<tr><th>Contents 品名</th><td>{{ d.contents }}</td></tr>
<tr><th>Declared value 申报价值</th><td>{{ d.declared_value }}</td></tr>
<tr><th>Dispatched 交运</th><td>{{ d.dispatched_at|local(d.timezone) }}</td></tr>
<tr><th>Last scan 最后扫描</th><td>{{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}</td></tr>
{% for scan in d.handovers %}<tr><th>{{ handovers[scan.kind] }}</th><td>{{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}</td></tr>{% endfor %}
{% if d.recipient_name or d.recipient_address %}<tr><th>Consignee 收件人</th><td>{{ d.recipient_name }}{% if d.recipient_address %}<br>{{ d.recipient_address|replace("\n", ", ") }}{% endif %}</td></tr>{% endif %}
<tr><th>Seller address 卖家地址</th><td>{{ d.seller_address|replace("\n", ", ") or "—" }}{% if d.seller_phone %}<br>tel. {{ d.seller_phone }}{% endif %}</td></tr>
</table>
<p>Times in 时区: {{ d.timezone|zone_label(d.dispatched_at) }}</p>
{% if d.seller_message %}<p><strong>Seller's message 卖家留言:</strong> {{ d.seller_message }}</p>{% endif %}
</body></html>
"""


def trace_request(carrier_name: str, details: TraceDetails) -> TraceRequestDocument:
    return TraceRequestDocument(
        subject=f"[Lotus Line] Investigation request {details.tracking_no} / {details.order_no}",
        text=_TEXT.get_template("request").render(d=details),
        html=_HTML.get_template("request").render(d=details),
        send_to="investigations@lotusline.example",
    )


# --- sample letters for tests --------------------------------------------------------------------

_LETTER = """<!doctype html>
<html><head><meta charset="utf-8"><style>
  body { font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; font-size: 10pt; }
  .box { border: 0.6pt solid #c2185b; padding: 4mm; }
</style></head><body>
<h1>LOTUS LINE</h1>
<p>调查结案通知 / Investigation closing notice · Liège office</p>
<div class="box">
{% if reference %}<p>通知编号 Notice no.: {{ reference }}</p>{% endif %}
{% if tracking_no %}<p>运单号 Parcel: {{ tracking_no }}</p>{% endif %}
{% if result %}<p>结果 Result: {{ result }}</p>{% endif %}
{% if closed_on %}<p>结案日期 Closed on: {{ closed_on }}</p>{% endif %}
{% if compensation %}<p>赔偿 Compensation: {{ compensation }}</p>{% endif %}
</div>
<p>This notice closes the investigation. Lotus Line does not insure parcels; please claim from your insurer.</p>
</body></html>
"""

# Compiled when first rendered (Jinja keeps them), not when the plugin is imported: every command
# and worker loads the plugins, few of them write a letter.
_HTML = Environment(
    loader=DictLoader({"request": HTML, "notice": _LETTER}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_TEXT = Environment(loader=DictLoader({"request": TEXT}), autoescape=False, keep_trailing_newline=True)
for _env in (_HTML, _TEXT):
    _env.filters.update(utc=utc, local=local, zone_label=zone_label)
    _env.globals.update(types=REQUEST_TYPES, kinds=INQUIRY_KINDS, handovers=HANDOVER_LABELS)


def sample_letter_html(
    *,
    reference: str | None = "LL-20261120-0042",
    tracking_no: str | None = "LL123456789CN",
    result: str | None = "遗失 LOST",
    closed_on: date | None = date(2026, 11, 20),
    compensation: str | None = "0,00 EUR",
) -> str:
    """A notice in Lotus Line's layout; ``None`` leaves a field out (broken letters for tests)."""
    return _HTML.get_template("notice").render(
        reference=reference,
        tracking_no=tracking_no,
        result=result,
        closed_on=closed_on.strftime("%d.%m.%Y") if closed_on else None,
        compensation=compensation,
    )
