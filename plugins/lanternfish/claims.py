"""Lanternfish Mutual's claim rules and submission pack (contract 1.2).

Filing windows follow Shipsurance's published limits (claims-rules.md S1): a lost parcel from
14 days after the last tracking update at the earliest (here counted from dispatch) to 120 days
after the ship date; damage at once on receipt, also within 120 days. No deductible. Lanternfish
is a US insurer: its payout clock runs on US working days (weekends and federal holidays, from
the ``holidays`` package), 3 of them after acceptance, as the desk holds both reference insurers to.
The pack is Lanternfish's own: a serif claim form with boxed fields, USD first.
"""

from __future__ import annotations

from portal.plugin_api import FilingWindow, PackLayout

WINDOWS = {
    "not_arrived": FilingWindow(14, 120),
    "damaged": FilingWindow(0, 120),
    "partly_missing": FilingWindow(0, 120),
}

TEMPLATE = """
<header class="lf-head"><div class="lf-brand">LANTERNFISH MUTUAL</div><div>Parcel cover · Claim form LF-7</div></header>
<section class="letter">
  <p>{{ warehouse }} · {{ generated_at|localtime("%d %B %Y") }}</p>
  <p>Dear Claims Team,</p>
  <p>Please find enclosed our claim {{ claim.number }} under certificate <b>{{ cover.certificate_no }}</b> for
  parcel {{ order.tracking_no }} ({{ carrier_name }}), reported by the seller as "{{ inquiry_kind|lower }}". We claim
  <b>{{ claim.claimed_amount|money }}</b>. The evidence listed in section C follows this letter.</p>
  <p>Yours faithfully,<br>{{ warehouse }}</p>
</section>
<h2>A · Claimant and cover</h2>
<div class="boxes">
  <div><span>Certificate</span>{{ cover.certificate_no }}</div>
  <div><span>Insured value</span>{{ cover.insured_value|money }}</div>
  <div><span>Declared value</span>{{ order.declared_value|money }}</div>
  <div><span>Amount claimed</span>{{ claim.claimed_amount|money }}</div>
  <div class="wide"><span>How worked out</span>{{ claim.amount_rule }}</div>
  <div><span>Carrier's liability</span>{{ carrier_liability|money or "none stated" }}</div>
  <div><span>Claimant (seller)</span>{{ seller.name }} ({{ seller.code }}){% if seller.address %}<br><em class="addr">{{ seller.address }}</em>{% endif %}{% if seller.phone %}<br>Tel. {{ seller.phone }}{% endif %}</div>
  <div><span>Consignee</span>{% if order.recipient_name %}{{ order.recipient_name }}<br><em class="addr">{{ order.recipient_address }}</em>{% else %}not given{% endif %}</div>
  <div><span>Carrier · service</span>{{ carrier_name }} · {{ order.service_name }}</div>
  <div><span>Order</span>{{ order.order_no }}</div>
  <div><span>Contents</span>{{ order.contents }}</div>
</div>
<h2>B · Tracking history</h2>
<p class="note">Times in {{ timezone }}.</p>
<table><tr><th>When</th><th>Where</th><th>Carrier's wording</th><th>Status</th></tr>
{% for event in timeline %}<tr><td>{{ event.occurred_at|localtime }}</td><td>{{ event.location or "—" }}</td>
<td>{{ event.wording or "—" }}</td><td>{{ (event.status or "unmapped")|replace("_", " ") }}</td></tr>{% endfor %}</table>
<h2>C · Evidence enclosed</h2>
<table class="index"><tr><th>#</th><th>Document</th><th>State</th><th>Where</th></tr>
{% for entry in index %}<tr><td>{{ loop.index }}</td><td>{{ entry.label }}</td><td>{{ entry.state_text }}</td><td>{{ entry.where }}</td></tr>{% endfor %}</table>
{% for image in images %}<figure><img src="{{ image.src }}" alt=""><figcaption>Image {{ loop.index }}: {{ image.caption }}</figcaption></figure>{% endfor %}
"""

STYLESHEET = """
body { font-family: "Noto Serif", "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 10pt; color: #102030; }
.lf-head { border-bottom: 3pt double #0b4f6c; margin-bottom: 6mm; } .lf-brand { font-size: 18pt; letter-spacing: 2pt; color: #0b4f6c; }
h2 { font-size: 11pt; color: #0b4f6c; margin-top: 7mm; }
.boxes { display: flex; flex-wrap: wrap; } .boxes div { border: 0.6pt solid #0b4f6c; width: 45%; margin: 1mm; padding: 1.5mm; }
.boxes div.wide { width: 92%; } .boxes span { display: block; font-size: 7pt; text-transform: uppercase; color: #567; }
table { width: 100%; border-collapse: collapse; font-size: 9pt; } td, th { border: 0.4pt solid #9ab; padding: 1mm 1.5mm; text-align: left; }
.addr { white-space: pre-line; font-style: normal; } .note { color: #567; font-size: 8pt; }
figure { page-break-inside: avoid; margin: 5mm 0; } img { max-width: 100%; max-height: 180mm; }
"""

PACK = PackLayout(TEMPLATE, STYLESHEET)
