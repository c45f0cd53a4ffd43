"""The plain submission pack an insurer without a layout of its own gets (``InsurerPlugin.pack_layout``)."""

from __future__ import annotations

from .plugin_api import PackLayout

TEMPLATE = """
<section class="cover-letter">
  <h1>Claim {{ claim.number }}</h1>
  <p>To {{ insurer_name }} · {{ generated_at|localtime }}</p>
  <p>We claim {{ claim.claimed_amount|money(claim.currency) }} under cover certificate {{ cover.certificate_no }}
     for parcel {{ order.tracking_no }} ({{ inquiry_kind }}).</p>
</section>
<h2>Claim</h2>
<table class="fields">
  <tr><th>Claim number</th><td>{{ claim.number }}</td></tr>
  <tr><th>Amount claimed</th><td>{{ claim.claimed_amount|money(claim.currency) }} <span class="muted">({{ claim.amount_rule }})</span></td></tr>
  <tr><th>Carrier's liability</th><td>{{ carrier_liability or "none stated" }}</td></tr>
  <tr><th>Seller</th><td>{{ seller.name }} ({{ seller.code }})</td></tr>
  <tr><th>Order</th><td>{{ order.order_no }}</td></tr>
  <tr><th>Tracking number</th><td>{{ order.tracking_no }} · {{ carrier_name }}</td></tr>
  <tr><th>Contents</th><td>{{ order.contents }}</td></tr>
  <tr><th>Declared value</th><td>{{ order.declared_value|money(order.currency) }}</td></tr>
  <tr><th>Insured value</th><td>{{ cover.insured_value|money(cover.currency) }} · {{ cover.certificate_no }}</td></tr>
</table>
<h2>Tracking</h2>
<table class="timeline">
  {% for event in timeline %}<tr><td>{{ event.occurred_at|localtime }}</td><td>{{ event.location }}</td>
  <td>{{ (event.status or "unmapped")|replace("_", " ") }} {{ event.description }}</td></tr>{% endfor %}
</table>
<h2>Evidence index</h2>
<table class="index">
  {% for entry in index %}<tr><td>{{ loop.index }}</td><td>{{ entry.label }}</td><td>{{ entry.state_text }}</td><td>{{ entry.where }}</td></tr>{% endfor %}
</table>
{% for image in images %}<figure><img src="{{ image.src }}" alt=""><figcaption>{{ image.caption }}</figcaption></figure>{% endfor %}
"""

STYLESHEET = """
body { font-family: "Noto Sans", "Noto Sans CJK SC", sans-serif; font-size: 9.5pt; }
h1 { font-size: 16pt; } h2 { font-size: 11.5pt; border-bottom: 0.5pt solid #888; }
table { width: 100%; border-collapse: collapse; } td, th { text-align: left; padding: 1mm 2mm; border-bottom: 0.3pt solid #ccc; }
figure { page-break-inside: avoid; margin: 4mm 0; } img { max-width: 100%; max-height: 200mm; }
.muted { color: #666; }
"""

DEFAULT_LAYOUT = PackLayout(TEMPLATE, STYLESHEET)
