"""Jade Harbour Insurance's evidence list per kind of inquiry (contract 1.2).

Modelled loosely on XCover's claim flow (claims-rules.md X1-X3: proof of shipment and value,
the marketplace's or buyer's claim, photos for damage) with Jade Harbour's own (fictional) grace
rule: dispute screenshots and the carrier's loss letter may follow 21 days after the carrier has
answered the trace, when the letter usually arrives; parcels with contents missing need the
invoice to show what was packed.
"""

from __future__ import annotations

from portal.plugin_api import EvidenceRequirement, GraceRule, Text

AFTER_ANSWER = GraceRule(21, "carrier_answered")

# Sources (claims-rules.md): record, certificate and invoice X1; dispute X2; photos X3.
COMMON = (
    EvidenceRequirement(
        "delivery_record",
        Text("The warehouse's handover scans and the tracking history.", "仓库的交接扫描记录及物流轨迹。"),
    ),
    EvidenceRequirement(
        "delivery_certificate",
        Text(
            "Certifies the handover to the carrier, which starts the cover.", "证明包裹已交予承运商，保险责任自此开始。"
        ),
    ),
    EvidenceRequirement(
        "proof_of_insured_value",
        Text("Cover certificate with the insured and declared values.", "载明保额及申报价值的保险凭证。"),
    ),
    EvidenceRequirement(
        "dispute_screenshots",
        Text(
            "The buyer's dispute or the refund on the marketplace; may follow 21 days after the carrier's answer.",
            "买家在电商平台发起的纠纷或退款记录；可在承运商答复后 21 天内补交。",
        ),
        grace=AFTER_ANSWER,
    ),
)

BY_KIND = {
    "not_arrived": (
        EvidenceRequirement(
            "loss_letter",
            Text(
                "The carrier's letter confirming the loss; may follow 21 days after the carrier's answer.",
                "承运商确认丢失的证明函；可在承运商答复后 21 天内补交。",
            ),
            grace=AFTER_ANSWER,
        ),
    ),
    "damaged": (
        EvidenceRequirement(
            "damage_photos", Text("Photos of the damaged goods and packaging.", "破损货物及包装的照片。")
        ),
        EvidenceRequirement(
            "loss_letter",
            Text("The carrier's confirmation of the damage, when it gives one.", "承运商出具的破损确认（如有）。"),
            mandatory=False,
            grace=AFTER_ANSWER,
        ),
    ),
    "partly_missing": (
        EvidenceRequirement(
            "damage_photos",
            Text("Photos of the parcel as it arrived and what it still held.", "包裹到达时及剩余内件的照片。"),
        ),
        EvidenceRequirement(
            "commercial_invoice",
            Text("The invoice shows what was packed, so what is missing.", "发票载明所装货物，据此可知短少内容。"),
        ),
    ),
}


def evidence_required(inquiry_kind: str) -> tuple[EvidenceRequirement, ...]:
    return COMMON + BY_KIND.get(inquiry_kind, ())
