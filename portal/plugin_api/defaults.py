"""The defaults a plugin gets without writing its own: the plain trace request
(``CarrierPlugin.trace_request``) and the plain submission pack (``InsurerPlugin.pack_layout``)."""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape

from .text import Text
from .times import local, utc, zone_label
from .values import PackLayout, TraceDetails, TraceRequestDocument
from .vocabularies import INQUIRY_KINDS

HANDOVER_LABELS = {
    "pickup": Text("Picked up from the seller", "已从卖家处揽收"),
    "intake": Text("Processing-centre intake", "处理中心入库"),
    "dispatch": Text("Handed over to the carrier", "已交予承运商"),
}


TEXT = """\
Dear {{ carrier }} trace desk,

please trace the parcel below. {{ kinds[d.inquiry_kind] }}, reported by the seller on {{ d.requested_on }}.

Tracking number: {{ d.tracking_no }}
Our reference:   {{ d.order_no }}
Service:         {{ d.service_name or d.service_code }}
Destination:     {{ d.destination_country }}
Contents:        {{ d.contents }}
Declared value:  {{ d.declared_value }}
Dispatched:      {{ d.dispatched_at|local(d.timezone) }}
Last event:      {{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}
{% for scan in d.handovers %}
{{ handovers[scan.kind] }}: {{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}{% endfor %}
{% if d.recipient_name or d.recipient_address %}
Consignee:       {{ d.recipient_name }}{% if d.recipient_address %}, {{ d.recipient_address|replace("\n", ", ") }}{% endif %}{% endif %}
Sender (seller): {{ d.seller_name }}{% if d.seller_address %}, {{ d.seller_address|replace("\n", ", ") }}{% endif %}{% if d.seller_phone %}, tel. {{ d.seller_phone }}{% endif %}
Times are in {{ d.timezone|zone_label(d.dispatched_at) }}.

Please reply to {{ d.sender_email }}.

{{ d.sender_name }}
"""

HTML = """<!doctype html>
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
<tr><th>Service</th><td>{{ d.service_name or d.service_code }}</td></tr>
<tr><th>Destination</th><td>{{ d.destination_country }}</td></tr>
<tr><th>Contents</th><td>{{ d.contents }}</td></tr>
<tr><th>Declared value</th><td>{{ d.declared_value }}</td></tr>
<tr><th>Dispatched</th><td>{{ d.dispatched_at|local(d.timezone) }}</td></tr>
<tr><th>Last event</th><td>{{ d.last_event_at|local(d.timezone) }} {{ d.last_event_description }} {{ d.last_event_location }}</td></tr>
{% for scan in d.handovers %}<tr><th>{{ handovers[scan.kind] }}</th><td>{{ scan.occurred_at|local(d.timezone) }} {{ scan.location }}</td></tr>{% endfor %}
{% if d.recipient_name or d.recipient_address %}<tr><th>Consignee</th><td>{{ d.recipient_name }}{% if d.recipient_address %}<br>{{ d.recipient_address|replace("\n", ", ") }}{% endif %}</td></tr>{% endif %}
<tr><th>Sender (seller)</th><td>{{ d.seller_name }}{% if d.seller_address %}<br>{{ d.seller_address|replace("\n", ", ") }}{% endif %}{% if d.seller_phone %}<br>tel. {{ d.seller_phone }}{% endif %}</td></tr>
</table>
<p>Times are in {{ d.timezone|zone_label(d.dispatched_at) }}.</p>
{% if d.seller_message %}<h2>The seller's message</h2><p>{{ d.seller_message }}</p>{% endif %}
</body></html>
"""

#: Autoescaping on for HTML; the text body is rendered from its own, unescaped environment. Both
#: are compiled when first rendered (Jinja keeps them), not when the portal starts.
HTML_ENV = Environment(
    loader=DictLoader({"trace": HTML}), autoescape=select_autoescape(default=True, default_for_string=True)
)
TEXT_ENV = Environment(loader=DictLoader({"trace": TEXT}), autoescape=False, keep_trailing_newline=True)
for _env in (HTML_ENV, TEXT_ENV):
    _env.filters.update(utc=utc, local=local, zone_label=zone_label)
    _env.globals.update(handovers=HANDOVER_LABELS, kinds=INQUIRY_KINDS)


def generic_trace_request(carrier_name: str, details: TraceDetails) -> TraceRequestDocument:
    """The plain trace request ``CarrierPlugin.trace_request`` gives by default."""
    return TraceRequestDocument(
        subject=f"Trace request {details.tracking_no} ({details.order_no})",
        text=TEXT_ENV.get_template("trace").render(carrier=carrier_name, d=details),
        html=HTML_ENV.get_template("trace").render(carrier=carrier_name, d=details),
    )


# --- the plain submission pack -----------------------------------------------------------

PACK_TEMPLATE = """
<section class="cover-letter">
  <h1>Claim {{ claim.number }}</h1>
  <p>To {{ insurer_name }} · {{ generated_at|localtime }}</p>
  <p>We claim {{ claim.claimed_amount|money }} under cover certificate {{ cover.certificate_no }}
     for parcel {{ order.tracking_no }} ({{ inquiry_kind }}).</p>
</section>
<h2>Claim</h2>
<table class="fields">
  <tr><th>Claim number</th><td>{{ claim.number }}</td></tr>
  <tr><th>Amount claimed</th><td>{{ claim.claimed_amount|money }} <span class="muted">({{ claim.amount_rule }})</span></td></tr>
  <tr><th>Carrier's liability</th><td>{{ carrier_liability|money or "none stated" }}</td></tr>
  <tr><th>Claimant (seller)</th><td>{{ seller.name }} ({{ seller.code }}){% if seller.address %}<br><span class="addr">{{ seller.address }}</span>{% endif %}{% if seller.phone %}<br>Tel. {{ seller.phone }}{% endif %}</td></tr>
  {% if order.recipient_name %}<tr><th>Consignee</th><td>{{ order.recipient_name }}<br><span class="addr">{{ order.recipient_address }}</span></td></tr>{% endif %}
  <tr><th>Order</th><td>{{ order.order_no }}</td></tr>
  <tr><th>Tracking number</th><td>{{ order.tracking_no }} · {{ carrier_name }} · {{ order.service_name }}</td></tr>
  <tr><th>Contents</th><td>{{ order.contents }}</td></tr>
  <tr><th>Declared value</th><td>{{ order.declared_value|money }}</td></tr>
  <tr><th>Insured value</th><td>{{ cover.insured_value|money }} · {{ cover.certificate_no }}</td></tr>
</table>
<h2>Tracking</h2>
<p class="muted">Times in {{ timezone }}.</p>
<table class="timeline">
  <tr><th>When</th><th>Where</th><th>Carrier's wording</th><th>Status</th></tr>
  {% for event in timeline %}<tr><td>{{ event.occurred_at|localtime }}</td><td>{{ event.location or "—" }}</td>
  <td>{{ event.wording or "—" }}</td><td>{{ (event.status or "unmapped")|replace("_", " ") }}</td></tr>{% endfor %}
</table>
<h2>Evidence index</h2>
<table class="index">
  {% for entry in index %}<tr><td>{{ loop.index }}</td><td>{{ entry.label }}</td><td>{{ entry.state_text }}</td><td>{{ entry.where }}</td></tr>{% endfor %}
</table>
{% for image in images %}<figure><img src="{{ image.src }}" alt=""><figcaption>{{ image.caption }}</figcaption></figure>{% endfor %}
"""

PACK_STYLESHEET = """
body { font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; font-size: 9.5pt; }
h1 { font-size: 16pt; } h2 { font-size: 11.5pt; border-bottom: 0.5pt solid #888; }
table { width: 100%; border-collapse: collapse; } td, th { text-align: left; padding: 1mm 2mm; border-bottom: 0.3pt solid #ccc; }
figure { page-break-inside: avoid; margin: 4mm 0; } img { max-width: 100%; max-height: 200mm; }
.muted { color: #666; } .addr { white-space: pre-line; }
"""

DEFAULT_LAYOUT = PackLayout(PACK_TEMPLATE, PACK_STYLESHEET)
