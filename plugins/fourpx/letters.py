"""4PX's loss confirmation letter ("查询结果通知书"), its trace request, and sample letters.

4PX publishes no letter layout (claims-rules.md, "Loss-confirmation letter": no published
schema; implied fields case number, tracking number, outcome, date, liability amount). The
layout here is an assumption: a bilingual notice with "中文 English:" labels, dates written
2026年11月03日, amounts "USD 100.00". The case reference "4PXCS" + date + 6 digits is assumed too.
C1 says 4PX pays freight plus declared value, capped at USD 100, within 7 working days.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from jinja2 import DictLoader, Environment, select_autoescape

from portal.plugin_api import (
    HANDOVER_LABELS,
    LossLetterFormat,
    LossLetterReading,
    Money,
    Text,
    TraceDetails,
    TraceRequestDocument,
    in_languages,
    local,
    utc,
    zone_label,
)

LOSS_LETTER_FORMAT = LossLetterFormat(
    reference_pattern=r"4PXCS\d{14}",
    reference_example="4PXCS20261103000123",
    description=Text(
        "A bilingual 4PX notice (查询结果通知书): case number 案件编号, tracking number 运单号, result 调查结果, "
        "date 日期 written 2026年11月03日, compensation 赔偿金额 in USD.",
        "4PX 中英双语《查询结果通知书》：案件编号、运单号、调查结果、日期（写作 2026年11月03日）、赔偿金额（美元）。",
    ),
)

#: 4PX's wording of a result -> the portal's outcome; unknown wording stays None.
OUTCOMES = {
    "确认丢失": "lost",
    "confirmed lost": "lost",
    "丢失": "lost",
    "包裹破损": "damaged",
    "damaged": "damaged",
    "破损": "damaged",
    "已签收": "delivered",
    "delivered": "delivered",
    "已退回": "returned",
    "returned to sender": "returned",
}

_FIELD = r"[:：]\s*(?P<value>[^\n]+)"
PATTERNS = {
    "case_reference": re.compile(r"(?:案件编号|Case No\.)[^:：\n]*" + _FIELD),
    "tracking_no": re.compile(r"(?:运单号|Tracking No\.)[^:：\n]*" + _FIELD),
    "outcome": re.compile(r"(?:调查结果|Result)[^:：\n]*" + _FIELD),
    "found_on": re.compile(r"(?:日期|Date)[^:：\n]*" + _FIELD),
    "liability": re.compile(r"(?:赔偿金额|Compensation)[^:：\n]*" + _FIELD),
}
DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日|(\d{4})-(\d{2})-(\d{2})")
AMOUNT = re.compile(r"\b([A-Z]{3})\s*([\d,]+(?:\.\d{1,2})?)")


def read_loss_letter(text: str) -> LossLetterReading:
    found = {
        name: (m.group("value").strip() if (m := pattern.search(text)) else None) for name, pattern in PATTERNS.items()
    }
    reference = _first_token(found["case_reference"])
    tracking_no = _first_token(found["tracking_no"])
    outcome_text = found["outcome"] or ""
    outcome = next((value for words, value in OUTCOMES.items() if words in outcome_text.casefold()), None)
    found_on = _date(found["found_on"])
    liability = _amount(found["liability"])
    values = {
        "case_reference": reference,
        "tracking_no": tracking_no,
        "outcome": outcome_text or None,
        "found_on": found_on,
        "liability": liability,
    }
    return LossLetterReading(
        reference,
        tracking_no,
        outcome,
        outcome_text,
        found_on,
        liability,
        tuple(name for name, value in values.items() if value is None),
    )


def _first_token(value: str | None) -> str | None:
    return value.split()[0] if value and value.split() else None


def _date(value: str | None) -> date | None:
    match = DATE.search(value or "")
    if not match:
        return None
    year, month, day = (int(g) for g in (match.groups()[:3] if match.group(1) else match.groups()[3:]))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _amount(value: str | None) -> Money | None:
    match = AMOUNT.search(value or "")
    if not match:
        return None
    try:
        return Money(Decimal(match.group(2).replace(",", "")), match.group(1))
    except (InvalidOperation, ValueError):
        return None


LETTER = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10.5pt; }
.head { border-bottom: 2pt solid #d32f2f; padding-bottom: 3mm; margin-bottom: 6mm; }
.head b { color: #d32f2f; font-size: 16pt; }
p { margin: 1.5mm 0; }
</style></head><body>
<div class="head"><b>4PX 递四方</b><br>查询结果通知书 Inquiry Result Notice</div>
{% if reference %}<p>案件编号 Case No.: {{ reference }}</p>{% endif %}
{% if tracking_no %}<p>运单号 Tracking No.: {{ tracking_no }}</p>{% endif %}
{% if outcome %}<p>调查结果 Result: {{ outcome }}</p>{% endif %}
{% if found_on %}<p>日期 Date: {{ found_on.year }}年{{ "%02d"|format(found_on.month) }}月{{ "%02d"|format(found_on.day) }}日</p>{% endif %}
{% if liability %}<p>赔偿金额 Compensation: {{ liability.currency }} {{ "{:,.2f}".format(liability.amount) }}</p>{% endif %}
<p>根据4PX理赔规则，赔偿上限为申报价值加运费，最高 USD 100.00，确认后7个工作日内支付。</p>
<p>Compensation is the declared value plus freight, capped at USD 100.00, paid within 7 working days of confirmation.</p>
<p>4PX 客户服务部 Customer Service</p>
</body></html>"""


def sample_letter_html(
    *,
    reference: str | None = "4PXCS20261103000123",
    tracking_no: str | None = "4PX3001234567890CN",
    outcome: str | None = "确认丢失 / Confirmed lost",
    found_on: date | None = date(2026, 11, 3),
    liability: Money | None = Money(Decimal("100.00"), "USD"),
) -> str:
    """A letter in 4PX's layout; pass ``None`` to leave a field out (broken letters for tests)."""
    return _ENV.get_template("letter").render(
        reference=reference, tracking_no=tracking_no, outcome=outcome, found_on=found_on, liability=liability
    )


TRACE_TEXT = """\
【查件工单 Inquiry work order】
运单号 Tracking No.: {{ d.tracking_no }}
客户单号 Customer ref.: {{ d.order_no }}
产品 Product: {{ d.service_name|both }} → {{ d.destination_country }}
问题类型 Issue: {{ issue }}
申报价值 Declared value: {{ d.declared_value }}
品名 Contents: {{ d.contents }}
交运时间 Handed over: {{ d.dispatched_at|local(d.timezone) }}
最后轨迹 Last scan: {{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}
{% for scan in d.handovers %}{{ handovers[scan.kind]|both }}: {{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}
{% endfor %}{% if d.recipient_name or d.recipient_address %}收件人 Consignee: {{ d.recipient_name }}{% if d.recipient_address %}, {{ d.recipient_address|replace("\n", ", ") }}{% endif %}
{% endif %}寄件人 Shipper (seller): {{ d.seller_name }}{% if d.seller_address %}, {{ d.seller_address|replace("\n", ", ") }}{% endif %}{% if d.seller_phone %}, tel. {{ d.seller_phone }}{% endif %}
时区 Times in: {{ d.timezone|zone_label(d.dispatched_at) }}
请回复 Reply to: {{ d.sender_email }} ({{ d.sender_name }})
"""

TRACE_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 16mm; }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10pt; }
h1 { font-size: 14pt; color: #d32f2f; }
td { border: 0.5pt solid #999; padding: 1.5mm 2mm; } table { border-collapse: collapse; width: 100%; }
td:first-child { width: 48mm; background: #fbe9e7; }
</style></head><body>
<h1>4PX 查件工单 Inquiry work order</h1>
<table>
<tr><td>运单号 Tracking No.</td><td>{{ d.tracking_no }}</td></tr>
<tr><td>客户单号 Customer ref.</td><td>{{ d.order_no }}</td></tr>
<tr><td>产品 Product</td><td>{{ d.service_name|both }} → {{ d.destination_country }}</td></tr>
<tr><td>问题类型 Issue</td><td>{{ issue }}</td></tr>
<tr><td>申报价值 Declared value</td><td>{{ d.declared_value }}</td></tr>
<tr><td>品名 Contents</td><td>{{ d.contents }}</td></tr>
<tr><td>交运时间 Handed over</td><td>{{ d.dispatched_at|local(d.timezone) }}</td></tr>
<tr><td>最后轨迹 Last scan</td><td>{{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}</td></tr>
{% for scan in d.handovers %}<tr><td>{{ handovers[scan.kind]|both }}</td><td>{{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}</td></tr>{% endfor %}
{% if d.recipient_name or d.recipient_address %}<tr><td>收件人 Consignee</td><td>{{ d.recipient_name }}{% if d.recipient_address %}<br>{{ d.recipient_address|replace("\n", ", ") }}{% endif %}</td></tr>{% endif %}
<tr><td>寄件人 Shipper (seller)</td><td>{{ d.seller_name }}{% if d.seller_address %}<br>{{ d.seller_address|replace("\n", ", ") }}{% endif %}{% if d.seller_phone %}<br>tel. {{ d.seller_phone }}{% endif %}</td></tr>
<tr><td>卖家留言 Seller's note</td><td>{{ d.seller_message }}</td></tr>
</table>
<p>时区 Times in: {{ d.timezone|zone_label(d.dispatched_at) }}</p>
<p>请回复 Reply to: {{ d.sender_email }} ({{ d.sender_name }}) · {{ d.requested_on }}</p>
</body></html>"""

# Compiled when first rendered (Jinja keeps them), not when the plugin is imported: every command
# and worker loads the plugins, few of them write a letter.
_ENV = Environment(
    loader=DictLoader({"letter": LETTER, "trace": TRACE_HTML}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_TEXT_ENV = Environment(loader=DictLoader({"trace": TRACE_TEXT}), autoescape=False)
for _env in (_ENV, _TEXT_ENV):
    _env.filters.update(utc=utc, local=local, zone_label=zone_label)
    # The work order is bilingual (document_languages): plugin and portal texts print Chinese, then English.
    _env.filters["both"] = lambda text: in_languages(text, ("zh_CN", "en"))

ISSUES = {
    "not_arrived": "未妥投 Not delivered",
    "damaged": "破损 Damaged",
    "partly_missing": "内件短少 Contents missing",
}
#: No published address: a placeholder the warehouse replaces with its 4PX account manager's.
TRACE_DESK = "claims@4px.example"


def trace_request(details: TraceDetails) -> TraceRequestDocument:
    issue = ISSUES.get(details.inquiry_kind, details.inquiry_kind)
    return TraceRequestDocument(
        subject=f"查件 Inquiry {details.tracking_no} {issue}",
        text=_TEXT_ENV.get_template("trace").render(d=details, issue=issue, handovers=HANDOVER_LABELS),
        html=_ENV.get_template("trace").render(d=details, issue=issue, handovers=HANDOVER_LABELS),
        send_to=TRACE_DESK,
    )
