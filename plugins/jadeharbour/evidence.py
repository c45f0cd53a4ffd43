"""Jade Harbour Insurance's evidence list per kind of inquiry (contract 1.2).

Modelled loosely on XCover's claim flow (claims-rules.md X1-X3: proof of shipment and value,
the marketplace's or buyer's claim, photos for damage) with Jade Harbour's own (fictional) grace
rule: dispute screenshots and the carrier's loss letter may follow 21 days after the carrier has
answered the trace, when the letter usually arrives; parcels with contents missing need the
invoice to show what was packed.
"""

from __future__ import annotations

from portal.plugin_api import EvidenceRequirement, GraceRule

AFTER_ANSWER = GraceRule(21, "carrier_answered")

# Sources (claims-rules.md): record, certificate and invoice X1; dispute X2; photos X3.
COMMON = (
    EvidenceRequirement("delivery_record", "The warehouse's handover scans and the tracking history."),
    EvidenceRequirement("delivery_certificate", "Certifies the handover to the carrier, which starts the cover."),
    EvidenceRequirement("proof_of_insured_value", "Cover certificate with the insured and declared values."),
    EvidenceRequirement(
        "dispute_screenshots",
        "The buyer's dispute or the refund on the marketplace; may follow 21 days after the carrier's answer.",
        grace=AFTER_ANSWER,
    ),
)

BY_KIND = {
    "not_arrived": (
        EvidenceRequirement(
            "loss_letter",
            "The carrier's letter confirming the loss; may follow 21 days after the carrier's answer.",
            grace=AFTER_ANSWER,
        ),
    ),
    "damaged": (
        EvidenceRequirement("damage_photos", "Photos of the damaged goods and packaging."),
        EvidenceRequirement(
            "loss_letter",
            "The carrier's confirmation of the damage, when it gives one.",
            mandatory=False,
            grace=AFTER_ANSWER,
        ),
    ),
    "partly_missing": (
        EvidenceRequirement("damage_photos", "Photos of the parcel as it arrived and what it still held."),
        EvidenceRequirement("commercial_invoice", "The invoice shows what was packed, so what is missing."),
    ),
}


def evidence_required(inquiry_kind: str) -> tuple[EvidenceRequirement, ...]:
    return COMMON + BY_KIND.get(inquiry_kind, ())
