"""Swiftwing Express's loss confirmation letter, its trace request ticket, and sample letters.

Fictional, like the carrier: a courier's "Shipment Investigation Result" form with a table of
labelled fields, ISO dates (2026-11-03) and the liability as "USD 100.00"; case numbers are
"SWC" and nine digits. Findings are written in capitals: LOST IN TRANSIT, DAMAGED IN TRANSIT,
DELIVERED, RETURNED TO SHIPPER.
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
    local,
    utc,
    zone_label,
)

LOSS_LETTER_FORMAT = LossLetterFormat(
    reference_pattern=r"SWC\d{9}",
    reference_example="SWC204118377",
    description=Text(
        'A Swiftwing "Shipment Investigation Result" form: Case number, Waybill, Finding (in capitals), '
        "Date of finding (YYYY-MM-DD) and Liability amount in USD, one per row.",
        "Swiftwing《Shipment Investigation Result》（货件调查结果）表格，每行一项：Case number（案件编号）、"
        "Waybill（运单号）、Finding（调查结论，大写）、Date of finding（结论日期，YYYY-MM-DD）"
        "及 Liability amount（美元赔偿金额）。",
    ),
)

OUTCOMES = {
    "LOST IN TRANSIT": "lost",
    "LOST": "lost",
    "DAMAGED IN TRANSIT": "damaged",
    "DAMAGED": "damaged",
    "DELIVERED": "delivered",
    "RETURNED TO SHIPPER": "returned",
}

PATTERNS = {
    "case_reference": re.compile(r"Case number\s*:?\s*(?P<value>\S+)"),
    "tracking_no": re.compile(r"Waybill\s*:?\s*(?P<value>\S+)"),
    "outcome": re.compile(r"Finding\s*:?\s*(?P<value>[^\n]+)"),
    "found_on": re.compile(r"Date of finding\s*:?\s*(?P<value>\S+)"),
    "liability": re.compile(r"Liability amount\s*:?\s*(?P<value>[A-Z]{3}\s*[\d,]+(?:\.\d{1,2})?)"),
}


def read_loss_letter(text: str) -> LossLetterReading:
    found = {
        name: (m.group("value").strip() if (m := pattern.search(text)) else None) for name, pattern in PATTERNS.items()
    }
    outcome_text = found["outcome"] or ""
    outcome = OUTCOMES.get(outcome_text.strip().upper())
    try:
        found_on = date.fromisoformat(found["found_on"]) if found["found_on"] else None
    except ValueError:
        found_on = None
    liability = None
    if found["liability"]:
        currency, _, amount = found["liability"].partition(" ")
        try:
            liability = Money(Decimal(amount.replace(",", "").strip()), currency)
        except (InvalidOperation, ValueError):
            liability = None
    values = {
        "case_reference": found["case_reference"],
        "tracking_no": found["tracking_no"],
        "outcome": outcome_text or None,
        "found_on": found_on,
        "liability": liability,
    }
    return LossLetterReading(
        found["case_reference"],
        found["tracking_no"],
        outcome,
        outcome_text,
        found_on,
        liability,
        tuple(name for name, value in values.items() if value is None),
    )


LETTER = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 20mm; }
body { font-family: "Noto Sans", sans-serif; font-size: 10pt; }
.bar { background: #0b3d91; color: white; padding: 4mm; font-size: 15pt; font-weight: bold; }
table { border-collapse: collapse; margin-top: 6mm; } td { padding: 2mm 4mm; border: 0.5pt solid #0b3d91; }
</style></head><body>
<div class="bar">SWIFTWING EXPRESS — Shipment Investigation Result</div>
<table>
{% if reference %}<tr><td>Case number</td><td>{{ reference }}</td></tr>{% endif %}
{% if tracking_no %}<tr><td>Waybill</td><td>{{ tracking_no }}</td></tr>{% endif %}
{% if finding %}<tr><td>Finding</td><td>{{ finding }}</td></tr>{% endif %}
{% if found_on %}<tr><td>Date of finding</td><td>{{ found_on.isoformat() }}</td></tr>{% endif %}
{% if liability %}<tr><td>Liability amount</td><td>{{ liability.currency }} {{ "{:,.2f}".format(liability.amount) }}</td></tr>{% endif %}
</table>
<p>Our liability is limited to USD 100 per shipment or the declared value, if lower.</p>
<p>Swiftwing Express Claims Department</p>
</body></html>"""


def sample_letter_html(
    *,
    reference: str | None = "SWC204118377",
    tracking_no: str | None = "7100000086",
    finding: str | None = "LOST IN TRANSIT",
    found_on: date | None = date(2026, 11, 3),
    liability: Money | None = Money(Decimal("100.00"), "USD"),
) -> str:
    """A letter in Swiftwing's layout; ``None`` leaves a field out (broken letters for tests)."""
    return _ENV.get_template("letter").render(
        reference=reference, tracking_no=tracking_no, finding=finding, found_on=found_on, liability=liability
    )


TRACE_TEXT = """\
SHIPMENT TRACE REQUEST
Waybill: {{ d.tracking_no }}
Shipper reference: {{ d.order_no }}
Service: {{ d.service_name }}   Destination: {{ d.destination_country }}
Problem: {{ problem }}
Declared value: {{ d.declared_value }}   Contents: {{ d.contents }}
Picked up / handed over: {{ d.dispatched_at|local(d.timezone) }}
Last checkpoint: {{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}
{% for scan in d.handovers %}{{ handovers[scan.kind] }}: {{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}
{% endfor %}{% if d.recipient_name or d.recipient_address %}Consignee: {{ d.recipient_name }}{% if d.recipient_address %}, {{ d.recipient_address|replace("\n", ", ") }}{% endif %}
{% endif %}Shipper: {{ d.seller_name }}{% if d.seller_address %}, {{ d.seller_address|replace("\n", ", ") }}{% endif %}{% if d.seller_phone %}, tel. {{ d.seller_phone }}{% endif %}
Times in: {{ d.timezone|zone_label(d.dispatched_at) }}
Contact: {{ d.sender_name }} <{{ d.sender_email }}>
"""

TRACE_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 15mm; }
body { font-family: "Noto Sans", sans-serif; font-size: 10pt; }
.ticket { border: 1.5pt solid #0b3d91; padding: 5mm; }
h1 { background: #0b3d91; color: white; padding: 3mm; font-size: 13pt; margin: -5mm -5mm 4mm; }
dt { font-weight: bold; float: left; width: 50mm; } dd { margin: 0 0 1.5mm 52mm; }
</style></head><body><div class="ticket">
<h1>SWIFTWING EXPRESS · Shipment trace request</h1>
<dl>
<dt>Waybill</dt><dd>{{ d.tracking_no }}</dd>
<dt>Shipper reference</dt><dd>{{ d.order_no }}</dd>
<dt>Service</dt><dd>{{ d.service_name }} to {{ d.destination_country }}</dd>
<dt>Problem</dt><dd>{{ problem }}</dd>
<dt>Declared value</dt><dd>{{ d.declared_value }}</dd>
<dt>Contents</dt><dd>{{ d.contents }}</dd>
<dt>Handed over</dt><dd>{{ d.dispatched_at|local(d.timezone) }}</dd>
<dt>Last checkpoint</dt><dd>{{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}</dd>
{% for scan in d.handovers %}<dt>{{ handovers[scan.kind] }}</dt><dd>{{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}</dd>{% endfor %}
{% if d.recipient_name or d.recipient_address %}<dt>Consignee</dt><dd>{{ d.recipient_name }}{% if d.recipient_address %}<br>{{ d.recipient_address|replace("\n", ", ") }}{% endif %}</dd>{% endif %}
<dt>Shipper</dt><dd>{{ d.seller_name }}{% if d.seller_address %}<br>{{ d.seller_address|replace("\n", ", ") }}{% endif %}{% if d.seller_phone %}<br>tel. {{ d.seller_phone }}{% endif %}</dd>
<dt>Times in</dt><dd>{{ d.timezone|zone_label(d.dispatched_at) }}</dd>
<dt>Contact</dt><dd>{{ d.sender_name }} &lt;{{ d.sender_email }}&gt;, {{ d.requested_on }}</dd>
</dl></div></body></html>"""

# Compiled when first rendered (Jinja keeps them), not when the plugin is imported: every command
# and worker loads the plugins, few of them write a letter.
_ENV = Environment(
    loader=DictLoader({"letter": LETTER, "trace": TRACE_HTML}),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
_TEXT_ENV = Environment(loader=DictLoader({"trace": TRACE_TEXT}), autoescape=False)
for _env in (_ENV, _TEXT_ENV):
    _env.filters.update(utc=utc, local=local, zone_label=zone_label)

PROBLEMS = {"not_arrived": "NOT DELIVERED", "damaged": "DAMAGED ON ARRIVAL", "partly_missing": "CONTENTS MISSING"}
TRACE_DESK = "traces@swiftwing.example"


def trace_request(details: TraceDetails) -> TraceRequestDocument:
    problem = PROBLEMS.get(details.inquiry_kind, details.inquiry_kind)
    return TraceRequestDocument(
        subject=f"TRACE {details.tracking_no} {problem}",
        text=_TEXT_ENV.get_template("trace").render(d=details, problem=problem, handovers=HANDOVER_LABELS),
        html=_ENV.get_template("trace").render(d=details, problem=problem, handovers=HANDOVER_LABELS),
        send_to=TRACE_DESK,
    )
