"""Jade Harbour Insurance's claim rules and submission pack (contract 1.2).

Filing windows follow XCover (claims-rules.md X2, X3): a parcel not delivered within 60 days of
the ship date (international), from day 7; damage within 30 days of delivery, counted here as 60
days from dispatch. Deductible modelled on 4PX's insured orders (C1): electronics 20 %, other
goods 10 %. Payout within 3 working days of acceptance on the mainland Chinese calendar
(statutory holidays and make-up working weekends from ``chinesecalendar``). The pack is Jade
Harbour's own: a bilingual (Chinese/English) sans-serif layout with a red header band.
"""

from __future__ import annotations

from decimal import Decimal

from portal.plugin_api import ClaimAmountRequest, FilingWindow, Money, PackLayout

WINDOWS = {"not_arrived": FilingWindow(7, 60), "damaged": FilingWindow(0, 60), "partly_missing": FilingWindow(0, 60)}
DEDUCTIBLE_SHARE = {"electronics": Decimal("0.20")}
DEFAULT_DEDUCTIBLE_SHARE = Decimal("0.10")


def deductible(request: ClaimAmountRequest, amount: Money) -> Money:
    return amount.scaled(DEDUCTIBLE_SHARE.get(request.category, DEFAULT_DEDUCTIBLE_SHARE))


TEMPLATE = """
<div class="jh-band">翡翠港保险 JADE HARBOUR INSURANCE<br><small>包裹险理赔申请 Parcel claim submission</small></div>
<p class="lead">理赔编号 Claim No. <b>{{ claim.number }}</b> · 保单 Certificate <b>{{ cover.certificate_no }}</b> · {{ generated_at|localtime }}</p>
<p>{{ warehouse }} 现就以下包裹提出理赔 / submits the following claim: {{ inquiry_kind }} — {{ order.tracking_no }} ({{ carrier_name }} · {{ order.service_name }}).</p>
<table class="kv">
<tr><th>申请金额 Amount claimed</th><td>{{ claim.claimed_amount|money }}</td></tr>
<tr><th>计算方式 Worked out</th><td>{{ claim.amount_rule }}</td></tr>
<tr><th>承运人责任 Carrier liability</th><td>{{ carrier_liability|money or "—" }}</td></tr>
<tr><th>保额 Insured value</th><td>{{ cover.insured_value|money }}</td></tr>
<tr><th>申报价值 Declared value</th><td>{{ order.declared_value|money }}</td></tr>
<tr><th>卖家 Seller (claimant)</th><td>{{ seller.name }} ({{ seller.code }}){% if seller.address %}<br><span class="addr">{{ seller.address }}</span>{% endif %}{% if seller.phone %}<br>电话 Tel. {{ seller.phone }}{% endif %}</td></tr>
{% if order.recipient_name %}<tr><th>收件人 Consignee</th><td>{{ order.recipient_name }}<br><span class="addr">{{ order.recipient_address }}</span></td></tr>{% endif %}
<tr><th>订单 Order</th><td>{{ order.order_no }} · {{ order.contents }}</td></tr>
</table>
<h2>物流轨迹 Tracking</h2>
<p class="note">时间 Times: {{ timezone }}</p>
<table class="grid"><tr><th>时间 When</th><th>地点 Where</th><th>承运人原文 Carrier's wording</th><th>状态 Status</th></tr>
{% for event in timeline %}<tr><td>{{ event.occurred_at|localtime }}</td><td>{{ event.location or "—" }}</td>
<td>{{ event.wording or "—" }}</td><td>{{ (event.status or "unmapped")|replace("_", " ") }}</td></tr>{% endfor %}</table>
<h2>材料清单 Evidence index</h2>
<table class="grid"><tr><th>序号 No.</th><th>材料 Document</th><th>状态 State</th><th>位置 Where</th></tr>
{% for entry in index %}<tr><td>{{ loop.index }}</td><td>{{ entry.label }}</td><td>{{ entry.state_text }}</td><td>{{ entry.where }}</td></tr>{% endfor %}</table>
{% for image in images %}<figure><img src="{{ image.src }}" alt=""><figcaption>图 Figure {{ loop.index }}: {{ image.caption }}</figcaption></figure>{% endfor %}
"""

STYLESHEET = """
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 9pt; }
.jh-band { background: #b71c1c; color: white; padding: 4mm; font-size: 15pt; font-weight: bold; }
.lead { margin-top: 4mm; } h2 { font-size: 11pt; color: #b71c1c; }
table { width: 100%; border-collapse: collapse; } .kv th { width: 45mm; text-align: left; background: #fdecea; }
td, th { padding: 1.2mm 2mm; border-bottom: 0.3pt solid #e0b4b4; text-align: left; }
.addr { white-space: pre-line; } .note { color: #666; font-size: 8pt; }
figure { page-break-inside: avoid; } img { max-width: 100%; max-height: 180mm; }
"""

PACK = PackLayout(TEMPLATE, STYLESHEET)
