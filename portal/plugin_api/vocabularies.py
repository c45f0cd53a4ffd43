"""The words plugin and portal share: codes, statuses, reasons, kinds, and the contract's version."""

from __future__ import annotations

import re

from .text import Text

CONTRACT_VERSION: tuple[int, int] = (1, 4)
PROJECT_NAME = "coverdesk"
ENTRY_POINT_GROUP = "coverdesk.plugins"

#: Codes of carriers, services and insurers: lower-case letters, digits and underscores.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")

#: The goods categories every order is filed under; insurers exclude some of them.
#: Labels are :class:`Text` in both languages (contract 1.4); the keys are the codes.
GOODS_CATEGORIES: dict[str, Text] = {
    "general": Text("General merchandise", "普通商品"),
    "apparel": Text("Clothing, shoes and accessories", "服装、鞋类及配饰"),
    "electronics": Text("Consumer electronics", "消费电子产品"),
    "batteries": Text("Lithium batteries shipped on their own", "单独运输的锂电池"),
    "cosmetics": Text("Cosmetics and personal care", "化妆品及个人护理用品"),
    "jewelry": Text("Jewellery and watches", "珠宝首饰及手表"),
    "precious_metals": Text("Precious metals and stones", "贵金属及宝石"),
    "cash": Text("Cash, cards and negotiable instruments", "现金、卡类及有价证券"),
    "documents": Text("Documents and printed matter", "文件及印刷品"),
    "food": Text("Food and supplements", "食品及保健品"),
    "liquids": Text("Liquids", "液体"),
    "art": Text("Art and antiques", "艺术品及古董"),
    "toys": Text("Toys and games", "玩具及游戏"),
    "home": Text("Home and garden", "家居及园艺"),
}

#: What a carrier is; it decides which kind of rules apply (UPU postal rules, courier terms...).
CARRIER_KINDS = ("postal", "express", "dedicated_line")

#: The portal's normalised tracking statuses (part of the API). A raw code a carrier does not map
#: keeps status ``None`` and is shown as "unmapped": never guessed as in transit.
TRACKING_STATUSES = (
    "info_received",
    "in_transit",
    "out_for_delivery",
    "delivery_failed",
    "available_for_pickup",
    "delivered",
    "exception",
    "returned",
)

#: The second level of the taxonomy: why an event is an exception or a delay (as Karrio, AfterShip).
TRACKING_REASONS = (
    "lost",
    "damaged",
    "being_researched",
    "customs",
    "address_issue",
    "refused",
    "delayed",
    "weather",
    "returned_to_sender",
)

#: The warehouse's own scans; they later become the delivery record and the delivery certificate.
HANDOVERS = ("pickup", "intake", "dispatch")

#: The tracking statuses in words, for people (contract 1.4); the codes stay the API's.
TRACKING_STATUS_NAMES: dict[str, Text] = {
    "info_received": Text("Information received", "已收到信息"),
    "in_transit": Text("In transit", "运输中"),
    "out_for_delivery": Text("Out for delivery", "派送中"),
    "delivery_failed": Text("Delivery failed", "派送失败"),
    "available_for_pickup": Text("Available for pickup", "待自提"),
    "delivered": Text("Delivered", "已妥投"),
    "exception": Text("Exception", "异常"),
    "returned": Text("Returned", "已退回"),
}

#: Why an insurer refuses cover. ``field`` on the refusal names the input concerned.
REFUSAL_REASONS = (
    "currency_not_covered",
    "value_over_maximum",
    "destination_excluded",
    "category_excluded",
    "service_not_covered",
    "other",
)


#: What a seller reports when opening an inquiry; the claim type follows from it (contract 1.2).
INQUIRY_KINDS: dict[str, Text] = {
    "not_arrived": Text("Not arrived", "未妥投"),
    "damaged": Text("Arrived damaged", "到件破损"),
    "partly_missing": Text("Arrived with part of the contents missing", "到件内件短少"),
}

#: What the carrier's answer to a trace says (contract 1.2). Only ``lost`` and ``damaged`` open
#: the way to a claim; ``delivered`` and ``returned`` close the inquiry.
CARRIER_OUTCOMES: dict[str, Text] = {
    "lost": Text("Confirmed lost", "确认丢失"),
    "damaged": Text("Confirmed damaged", "确认破损"),
    "delivered": Text("Found and delivered", "已找到并妥投"),
    "returned": Text("Returned to sender", "已退回寄件人"),
}

#: The documents an inquiry may need (contract 1.2). Plugins name their requirements by these keys.
EVIDENCE_KINDS: dict[str, Text] = {
    "delivery_record": Text("Delivery record (handover and tracking history)", "交寄记录（交接及轨迹记录）"),
    "delivery_certificate": Text("Delivery certificate (handover to the carrier)", "交寄证明（交予承运商的凭证）"),
    "proof_of_insured_value": Text(
        "Proof of insured value (cover certificate with the declared value)", "保额证明（含申报价值的保险凭证）"
    ),
    "dispute_screenshots": Text("Marketplace dispute or refund screenshots", "电商平台纠纷或退款截图"),
    "loss_letter": Text("Carrier's loss confirmation letter", "承运商丢失证明函"),
    "damage_photos": Text("Photos of the damaged parcel, packaging and contents", "破损包裹、包装及内件照片"),
    "commercial_invoice": Text("Commercial invoice or proof of purchase", "商业发票或购买凭证"),
    "recipient_statement": Text("Recipient's statement or local post-office certificate", "收件人声明或当地邮局证明"),
}

#: Evidence the portal generates itself from its own data (PDFs); the rest is uploaded.
GENERATED_EVIDENCE = ("delivery_record", "delivery_certificate", "proof_of_insured_value")

#: The inquiry event a grace period is counted from (contract 1.2).
GRACE_STARTS = ("inquiry_opened", "trace_requested", "carrier_answered")
