"""Lanternfish Mutual's evidence list per kind of inquiry (contract 1.2).

Modelled on what Pirate Ship / InsureShield asks of shippers (claims-rules.md PS1: acceptance-scan
screenshot, invoice, proof of payment, buyer messages, refund or replacement proof, damage photos
of the item, outer box and inside) and Shipsurance's documents (S1: invoice, carrier settlement
stub if any, signed recipient statement). The grace periods are Lanternfish's own (fictional):
buyer-dispute screenshots may follow 14 days after the inquiry is opened, the carrier's loss
letter 30 days after the trace was requested, since carriers answer traces in weeks.
"""

from __future__ import annotations

from portal.plugin_api import EvidenceRequirement, GraceRule, Text

SCREENSHOTS_GRACE = GraceRule(14, "inquiry_opened")
LETTER_GRACE = GraceRule(30, "trace_requested")

# Sources (claims-rules.md): the acceptance scan, certificate, invoice and buyer messages PS1
# (delivery record and invoice also S1); the carrier's loss confirmation and the recipient's
# statement S1; the photos PS1.
COMMON = (
    EvidenceRequirement(
        "delivery_record",
        Text("Shows the acceptance scan: no acceptance scan, no cover.", "证明有揽收扫描：没有揽收扫描，不予承保。"),
    ),
    EvidenceRequirement(
        "delivery_certificate",
        Text(
            "Proves the parcel was handed to the carrier (the acceptance scan).", "证明包裹已交予承运商（揽收扫描）。"
        ),
    ),
    EvidenceRequirement(
        "proof_of_insured_value",
        Text("Shows the cover certificate and the declared value.", "出示保险凭证及申报价值。"),
    ),
    EvidenceRequirement(
        "commercial_invoice",
        Text(
            "Invoice naming both parties and the total, and proof of payment.",
            "载明买卖双方及总金额的发票，以及付款凭证。",
        ),
    ),
    EvidenceRequirement(
        "dispute_screenshots",
        Text(
            "Buyer messages and the refund or replacement given; may follow within 14 days of opening.",
            "买家消息及已给予的退款或换货记录；可在工单创建后 14 天内补交。",
        ),
        grace=SCREENSHOTS_GRACE,
    ),
)

BY_KIND = {
    "not_arrived": (
        EvidenceRequirement(
            "loss_letter",
            Text(
                "The carrier's confirmation of loss or its settlement stub; may "
                "follow within 30 days of the trace request.",
                "承运商的丢失确认或理赔结算单；可在发出查件申请后 30 天内补交。",
            ),
            grace=LETTER_GRACE,
        ),
        EvidenceRequirement(
            "recipient_statement",
            Text("The recipient's signed statement of non-receipt.", "收件人签字的未收到包裹声明。"),
            mandatory=False,
        ),
    ),
    "damaged": (
        EvidenceRequirement(
            "damage_photos",
            Text("Photos of the item, the outer box and the inside packing.", "物品、外箱及内包装的照片。"),
        ),
    ),
    "partly_missing": (
        EvidenceRequirement(
            "damage_photos",
            Text("Photos of the opened parcel, outer box and inside packing.", "已拆开包裹、外箱及内包装的照片。"),
        ),
    ),
}


def evidence_required(inquiry_kind: str) -> tuple[EvidenceRequirement, ...]:
    return COMMON + BY_KIND.get(inquiry_kind, ())
