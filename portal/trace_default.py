"""The plain trace request a carrier without a form of its own gets (``CarrierPlugin.trace_request``)."""

from __future__ import annotations

from datetime import UTC, datetime

from jinja2 import Environment, select_autoescape

from .plugin_api import INQUIRY_KINDS, TraceDetails, TraceRequestDocument

HANDOVER_LABELS = {
    "pickup": "Picked up from the seller",
    "intake": "Processing-centre intake",
    "dispatch": "Handed over to the carrier",
}


def utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


#: Autoescaping on for HTML; the text body is rendered from its own, unescaped environment.
HTML_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
TEXT_ENV = Environment(autoescape=False, keep_trailing_newline=True)
for _env in (HTML_ENV, TEXT_ENV):
    _env.filters["utc"] = utc
    _env.globals.update(handovers=HANDOVER_LABELS, kinds=INQUIRY_KINDS)

TEXT = TEXT_ENV.from_string("""\
Dear {{ carrier }} trace desk,

please trace the parcel below. {{ kinds[d.inquiry_kind] }}, reported by the seller on {{ d.requested_on }}.

Tracking number: {{ d.tracking_no }}
Our reference:   {{ d.order_no }}
Service:         {{ d.service_code }}
Destination:     {{ d.destination_country }}
Contents:        {{ d.contents }}
Declared value:  {{ d.declared_value }}
Dispatched:      {{ d.dispatched_at|utc }}
Last event:      {{ d.last_event_at|utc }} {{ d.last_event_description }} {{ d.last_event_location }}
{% for scan in d.handovers %}
{{ handovers[scan.kind] }}: {{ scan.occurred_at|utc }} {{ scan.location }}{% endfor %}

Please reply to {{ d.sender_email }}.

{{ d.sender_name }}
""")

HTML = HTML_ENV.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Trace request {{ d.tracking_no }}</title>
<style>
  @page { size: A4; margin: 20mm; @bottom-center { content: "Page " counter(page) " of " counter(pages); font-size: 8pt; } }
  body { font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; font-size: 10pt; }
  th { text-align: left; width: 45mm; } td, th { padding: 1mm 2mm; border-bottom: 0.3pt solid #bbb; }
  table { border-collapse: collapse; width: 100%; }
</style></head><body>
<h1>Trace request</h1>
<p>To: {{ carrier }} · From: {{ d.sender_name }} &lt;{{ d.sender_email }}&gt; · {{ d.requested_on }}</p>
<p>{{ kinds[d.inquiry_kind] }}, reported by the seller ({{ d.seller_name }}).</p>
<table>
<tr><th>Tracking number</th><td>{{ d.tracking_no }}</td></tr>
<tr><th>Our reference</th><td>{{ d.order_no }}</td></tr>
<tr><th>Service</th><td>{{ d.service_code }}</td></tr>
<tr><th>Destination</th><td>{{ d.destination_country }}</td></tr>
<tr><th>Contents</th><td>{{ d.contents }}</td></tr>
<tr><th>Declared value</th><td>{{ d.declared_value }}</td></tr>
<tr><th>Dispatched</th><td>{{ d.dispatched_at|utc }}</td></tr>
<tr><th>Last event</th><td>{{ d.last_event_at|utc }} {{ d.last_event_description }} {{ d.last_event_location }}</td></tr>
{% for scan in d.handovers %}<tr><th>{{ handovers[scan.kind] }}</th><td>{{ scan.occurred_at|utc }} {{ scan.location }}</td></tr>{% endfor %}
</table>
{% if d.seller_message %}<h2>The seller's message</h2><p>{{ d.seller_message }}</p>{% endif %}
</body></html>
""")


def generic_trace_request(carrier_name: str, details: TraceDetails) -> TraceRequestDocument:
    return TraceRequestDocument(
        subject=f"Trace request {details.tracking_no} ({details.order_no})",
        text=TEXT.render(carrier=carrier_name, d=details),
        html=HTML.render(carrier=carrier_name, d=details),
    )
