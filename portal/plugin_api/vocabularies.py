"""The words plugin and portal share: codes, statuses, reasons, kinds, and the contract's version."""

from __future__ import annotations

import re

CONTRACT_VERSION: tuple[int, int] = (1, 3)
PROJECT_NAME = "coverdesk"
ENTRY_POINT_GROUP = "coverdesk.plugins"

#: Codes of carriers, services and insurers: lower-case letters, digits and underscores.
CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,31}$")

#: The goods categories every order is filed under; insurers exclude some of them.
GOODS_CATEGORIES: dict[str, str] = {
    "general": "General merchandise",
    "apparel": "Clothing, shoes and accessories",
    "electronics": "Consumer electronics",
    "batteries": "Lithium batteries shipped on their own",
    "cosmetics": "Cosmetics and personal care",
    "jewelry": "Jewellery and watches",
    "precious_metals": "Precious metals and stones",
    "cash": "Cash, cards and negotiable instruments",
    "documents": "Documents and printed matter",
    "food": "Food and supplements",
    "liquids": "Liquids",
    "art": "Art and antiques",
    "toys": "Toys and games",
    "home": "Home and garden",
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
INQUIRY_KINDS: dict[str, str] = {
    "not_arrived": "Not arrived",
    "damaged": "Arrived damaged",
    "partly_missing": "Arrived with part of the contents missing",
}

#: What the carrier's answer to a trace says (contract 1.2). Only ``lost`` and ``damaged`` open
#: the way to a claim; ``delivered`` and ``returned`` close the inquiry.
CARRIER_OUTCOMES: dict[str, str] = {
    "lost": "Confirmed lost",
    "damaged": "Confirmed damaged",
    "delivered": "Found and delivered",
    "returned": "Returned to sender",
}

#: The documents an inquiry may need (contract 1.2). Plugins name their requirements by these keys.
EVIDENCE_KINDS: dict[str, str] = {
    "delivery_record": "Delivery record (handover and tracking history)",
    "delivery_certificate": "Delivery certificate (handover to the carrier)",
    "proof_of_insured_value": "Proof of insured value (cover certificate with the declared value)",
    "dispute_screenshots": "Marketplace dispute or refund screenshots",
    "loss_letter": "Carrier's loss confirmation letter",
    "damage_photos": "Photos of the damaged parcel, packaging and contents",
    "commercial_invoice": "Commercial invoice or proof of purchase",
    "recipient_statement": "Recipient's statement or local post-office certificate",
}

#: Evidence the portal generates itself from its own data (PDFs); the rest is uploaded.
GENERATED_EVIDENCE = ("delivery_record", "delivery_certificate", "proof_of_insured_value")

#: The inquiry event a grace period is counted from (contract 1.2).
GRACE_STARTS = ("inquiry_opened", "trace_requested", "carrier_answered")
