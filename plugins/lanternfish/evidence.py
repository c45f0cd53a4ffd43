"""Lanternfish Mutual's evidence list per kind of inquiry (contract 1.2).

Modelled on what Pirate Ship / InsureShield asks of shippers (claims-rules.md PS1: acceptance-scan
screenshot, invoice, proof of payment, buyer messages, refund or replacement proof, damage photos
of the item, outer box and inside) and Shipsurance's documents (S1: invoice, carrier settlement
stub if any, signed recipient statement). The grace periods are Lanternfish's own (fictional):
buyer-dispute screenshots may follow 14 days after the inquiry is opened, the carrier's loss
letter 30 days after the trace was requested, since carriers answer traces in weeks.
"""

from __future__ import annotations

from portal.plugin_api import EvidenceRequirement, GraceRule

SCREENSHOTS_GRACE = GraceRule(14, "inquiry_opened")
LETTER_GRACE = GraceRule(30, "trace_requested")

# Sources (claims-rules.md): the acceptance scan, certificate, invoice and buyer messages PS1
# (delivery record and invoice also S1); the carrier's loss confirmation and the recipient's
# statement S1; the photos PS1.
COMMON = (
    EvidenceRequirement("delivery_record", "Shows the acceptance scan: no acceptance scan, no cover."),
    EvidenceRequirement("delivery_certificate", "Proves the parcel was handed to the carrier (the acceptance scan)."),
    EvidenceRequirement("proof_of_insured_value", "Shows the cover certificate and the declared value."),
    EvidenceRequirement("commercial_invoice", "Invoice naming both parties and the total, and proof of payment."),
    EvidenceRequirement(
        "dispute_screenshots",
        "Buyer messages and the refund or replacement given; may follow within 14 days of opening.",
        grace=SCREENSHOTS_GRACE,
    ),
)

BY_KIND = {
    "not_arrived": (
        EvidenceRequirement(
            "loss_letter",
            "The carrier's confirmation of loss or its settlement stub; may "
            "follow within 30 days of the trace request.",
            grace=LETTER_GRACE,
        ),
        EvidenceRequirement("recipient_statement", "The recipient's signed statement of non-receipt.", mandatory=False),
    ),
    "damaged": (EvidenceRequirement("damage_photos", "Photos of the item, the outer box and the inside packing."),),
    "partly_missing": (
        EvidenceRequirement("damage_photos", "Photos of the opened parcel, outer box and inside packing."),
    ),
}


def evidence_required(inquiry_kind: str) -> tuple[EvidenceRequirement, ...]:
    return COMMON + BY_KIND.get(inquiry_kind, ())
