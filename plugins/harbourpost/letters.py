"""Harbour Post's inquiry result letter, its CN 08-style inquiry form, and sample letters.

Fictional postal operator following UPU practice: an inquiry is made on form CN 08 (UPU Letter
Post Regulations); the answer is a letter in prose from the inquiry service, with dates written
"3 November 2026" and the compensation in USD (registered items: USD 47.33 whatever the declared
value, claims-rules.md US4). References "HP-INQ-", the year and seven digits are invented.
"""

from __future__ import annotations

import re
from datetime import date, datetime
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
    local,
    utc,
    zone_label,
)

LOSS_LETTER_FORMAT = LossLetterFormat(
    reference_pattern=r"HP-INQ-\d{4}-\d{7}",
    reference_example="HP-INQ-2026-0012345",
    description=Text(
        'A letter from Harbour Post\'s inquiry service: "Our reference", "Item" (the S10 number), the '
        'result in a sentence ("has been declared lost"), the date as 3 November 2026 and the '
        "compensation in USD.",
        "海港邮政查询服务部的英文信函：“Our reference”（我方编号）、“Item”（S10 单号）、"
        "一句话写明的结果（如 “has been declared lost”，即已确认丢失）、日期（写作 3 November 2026）"
        "及美元赔偿金额。",
    ),
)

#: Phrases of the result sentence -> outcome, most specific first.
OUTCOMES = (
    ("declared lost", "lost"),
    ("presumed lost", "lost"),
    ("delivered in a damaged condition", "damaged"),
    ("found damaged", "damaged"),
    ("returned to the sender", "returned"),
    ("delivered to the addressee", "delivered"),
)

REFERENCE = re.compile(r"Our reference\s*:?\s*(?P<value>\S+)")
ITEM = re.compile(r"Item\s*:?\s*(?P<value>[A-Z]{2}\s?\d{3}\s?\d{3}\s?\d{3}\s?[A-Z]{2})")
RESULT = re.compile(r"(?P<value>(?:The item|This item)[^.]*\.)", re.S)
DATED = re.compile(r"(?:Date|Dated)\s*:?\s*(?P<value>\d{1,2} [A-Z][a-z]+ \d{4})")
COMPENSATION = re.compile(r"compensation of\s*(?P<currency>[A-Z]{3})\s*(?P<amount>[\d,]+(?:\.\d{1,2})?)", re.I)


def read_loss_letter(text: str) -> LossLetterReading:
    flat = " ".join(text.split())
    reference = m.group("value") if (m := REFERENCE.search(flat)) else None
    tracking_no = m.group("value").replace(" ", "") if (m := ITEM.search(flat)) else None
    outcome_text = m.group("value") if (m := RESULT.search(flat)) else ""
    outcome = next((value for phrase, value in OUTCOMES if phrase in outcome_text.lower()), None)
    found_on = None
    if m := DATED.search(flat):
        try:
            found_on = datetime.strptime(m.group("value"), "%d %B %Y").date()
        except ValueError:
            found_on = None
    liability = None
    if m := COMPENSATION.search(flat):
        try:
            liability = Money(Decimal(m.group("amount").replace(",", "")), m.group("currency").upper())
        except (InvalidOperation, ValueError):
            liability = None
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


LETTER = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 25mm 22mm; }
body { font-family: "Noto Serif", serif; font-size: 11pt; line-height: 1.45; }
.crest { text-align: center; font-variant: small-caps; letter-spacing: 1pt; border-bottom: 0.6pt solid #333; }
</style></head><body>
<div class="crest">Harbour Post · Inquiry Service</div>
{% if reference %}<p>Our reference: {{ reference }}</p>{% endif %}
{% if found_on %}<p>Date: {{ found_on|long_date }}</p>{% endif %}
{% if tracking_no %}<p>Item: {{ tracking_no }}</p>{% endif %}
<p>Dear Sir or Madam,</p>
<p>We refer to your inquiry on form CN 08. {% if result %}{{ result }}{% endif %}</p>
{% if liability %}<p>In accordance with the UPU Convention a compensation of {{ liability.currency }} {{ "{:,.2f}".format(liability.amount) }} will be paid to the sender.</p>{% endif %}
<p>Yours faithfully,<br>Inquiry Service, Harbour Post</p>
</body></html>"""


def sample_letter_html(
    *,
    reference: str | None = "HP-INQ-2026-0012345",
    tracking_no: str | None = "RR123456785CN",
    result: str | None = "The item has been declared lost after a search in the network.",
    found_on: date | None = date(2026, 11, 3),
    liability: Money | None = Money(Decimal("47.33"), "USD"),
) -> str:
    """A letter in Harbour Post's layout; ``None`` leaves a field out (broken letters for tests)."""
    return _ENV.get_template("letter").render(
        reference=reference, tracking_no=tracking_no, result=result, found_on=found_on, liability=liability
    )


TRACE_TEXT = """\
CN 08 - INQUIRY
Administration of origin: Harbour Post
Nature of the item: {{ d.service_name }}   Item number: {{ d.tracking_no }}
Sender's reference: {{ d.order_no }}
Country of destination: {{ d.destination_country }}
Contents: {{ d.contents }}   Value declared: {{ d.declared_value }}
Date of posting: {{ d.dispatched_at|local(d.timezone) }}
Reason for inquiry: {{ reason }}
Last information: {{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}
{% for scan in d.handovers %}{{ handovers[scan.kind] }}: {{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}
{% endfor %}{% if d.recipient_name or d.recipient_address %}Addressee: {{ d.recipient_name }}{% if d.recipient_address %}, {{ d.recipient_address|replace("\n", ", ") }}{% endif %}
{% endif %}Sender: {{ d.seller_name }}{% if d.seller_address %}, {{ d.seller_address|replace("\n", ", ") }}{% endif %}{% if d.seller_phone %}, tel. {{ d.seller_phone }}{% endif %}
Times in: {{ d.timezone|zone_label(d.dispatched_at) }}
Applicant: {{ d.sender_name }}, {{ d.sender_email }}, {{ d.requested_on }}
"""

TRACE_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 14mm; }
body { font-family: "Noto Sans", sans-serif; font-size: 9.5pt; }
.form { border: 1pt solid #000; } .form div { border-bottom: 0.5pt solid #000; padding: 2mm; }
.label { font-size: 7.5pt; text-transform: uppercase; display: block; }
h1 { font-size: 12pt; } .cn { float: right; font-weight: bold; font-size: 14pt; }
</style></head><body>
<span class="cn">CN 08</span><h1>Harbour Post — Inquiry</h1>
<div class="form">
<div><span class="label">Item number</span>{{ d.tracking_no }}</div>
<div><span class="label">Nature of the item</span>{{ d.service_name }}</div>
<div><span class="label">Sender's reference</span>{{ d.order_no }}</div>
<div><span class="label">Country of destination</span>{{ d.destination_country }}</div>
<div><span class="label">Contents · value declared</span>{{ d.contents }} · {{ d.declared_value }}</div>
<div><span class="label">Date of posting</span>{{ d.dispatched_at|local(d.timezone) }}</div>
<div><span class="label">Reason for inquiry</span>{{ reason }}</div>
<div><span class="label">Last information</span>{{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}</div>
{% for scan in d.handovers %}<div><span class="label">{{ handovers[scan.kind] }}</span>{{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}</div>{% endfor %}
{% if d.recipient_name or d.recipient_address %}<div><span class="label">Addressee</span>{{ d.recipient_name }}{% if d.recipient_address %}<br>{{ d.recipient_address|replace("\n", ", ") }}{% endif %}</div>{% endif %}
<div><span class="label">Sender</span>{{ d.seller_name }}{% if d.seller_address %}<br>{{ d.seller_address|replace("\n", ", ") }}{% endif %}{% if d.seller_phone %}<br>tel. {{ d.seller_phone }}{% endif %}</div>
<div><span class="label">Applicant</span>{{ d.sender_name }}, {{ d.sender_email }}, {{ d.requested_on }}</div>
</div><p>Times in: {{ d.timezone|zone_label(d.dispatched_at) }}</p></body></html>"""

# Compiled when first rendered (Jinja keeps them), not when the plugin is imported: every command
# and worker loads the plugins, few of them write a letter.
_ENV = Environment(
    loader=DictLoader({"letter": LETTER, "trace": TRACE_HTML}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_TEXT_ENV = Environment(loader=DictLoader({"trace": TRACE_TEXT}), autoescape=False)
for _env in (_ENV, _TEXT_ENV):
    _env.filters.update(utc=utc, local=local, zone_label=zone_label)
_ENV.filters["long_date"] = lambda day: f"{day.day} {day:%B %Y}"

REASONS = {
    "not_arrived": "Item not received by the addressee",
    "damaged": "Item received damaged",
    "partly_missing": "Contents missing (rifled item)",
}
TRACE_DESK = "inquiries@harbourpost.example"


def trace_request(details: TraceDetails) -> TraceRequestDocument:
    reason = REASONS.get(details.inquiry_kind, details.inquiry_kind)
    return TraceRequestDocument(
        subject=f"CN 08 inquiry {details.tracking_no}",
        text=_TEXT_ENV.get_template("trace").render(d=details, reason=reason, handovers=HANDOVER_LABELS),
        html=_ENV.get_template("trace").render(d=details, reason=reason, handovers=HANDOVER_LABELS),
        send_to=TRACE_DESK,
    )
