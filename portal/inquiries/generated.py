"""The evidence documents Coverdesk makes itself, as PDFs, from its own records.

The delivery record (handover scans and the whole tracking history), the delivery certificate
(the handover to the carrier) and the proof of insured value (the cover certificate). The same
order, time and reference give the same bytes: the PDF's dates come from ``issued_at`` and its
identifier from the content, so a version's SHA-256 means something. They are bilingual, Chinese
and English, whoever makes them (``both``): the insurer and the seller read them, not the agent.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from flask_babel import gettext as _

from ..documents import both, both_names, render_pdf
from ..errors import Refused
from ..i18n import N_
from ..plugin_engine import registry
from ..templating import country_names
from ..tracking.services import timeline

HANDOVER_LABELS = {
    "pickup": N_("Picked up from the seller"),
    "intake": N_("Processing-centre intake"),
    "dispatch": N_("Dispatched to the carrier"),
}
TITLES = {
    "delivery_record": N_("Delivery record"),
    "delivery_certificate": N_("Delivery certificate"),
    "proof_of_insured_value": N_("Proof of insured value"),
}


def _context(order, issued_at: datetime, reference: str, kind: str) -> dict:
    plugins = registry()
    carrier = plugins.carrier(order.carrier_code)
    service = carrier.service(order.service_code) if carrier else None
    return {
        "order": order,
        "issued_at": issued_at,
        "reference": reference,
        "title": both(TITLES[kind]),
        "both": both,
        "named": both_names,
        "country_names": country_names,
        "warehouse": current_app.config["WAREHOUSE_NAME"],
        "handover_labels": HANDOVER_LABELS,
        "carrier_name": carrier.name if carrier else order.carrier_code,
        "service_name": service.name if service else order.service_code,
    }


def render_delivery_record(order, *, issued_at: datetime, reference: str) -> bytes:
    return render_pdf(
        render_template(
            "documents/delivery_record.html",
            events=timeline(order),
            **_context(order, issued_at, reference, "delivery_record"),
        )
    )


def render_delivery_certificate(order, *, issued_at: datetime, reference: str) -> bytes:
    if order.dispatched_at is None:
        raise Refused(
            "order", _("order %(order)s has no dispatch time: there is no handover to certify", order=order.order_no)
        )
    handovers = [event for event in timeline(order) if event.handover]
    dispatch = next((event for event in handovers if event.handover == "dispatch"), None)
    return render_pdf(
        render_template(
            "documents/delivery_certificate.html",
            handovers=handovers,
            dispatch=dispatch,
            dispatched_at=order.dispatched_at,
            **_context(order, issued_at, reference, "delivery_certificate"),
        )
    )


def render_proof_of_insured_value(order, *, issued_at: datetime, reference: str) -> bytes:
    if order.cover is None:
        raise Refused(
            "order", _("order %(order)s has no cover: there is no insured value to prove", order=order.order_no)
        )
    insurer = registry().insurer(order.cover.insurer_code)
    return render_pdf(
        render_template(
            "documents/proof_of_insured_value.html",
            cover=order.cover,
            insurer_name=insurer.name if insurer else order.cover.insurer_code,
            **_context(order, issued_at, reference, "proof_of_insured_value"),
        )
    )


GENERATED_KINDS = {
    "delivery_record": render_delivery_record,
    "delivery_certificate": render_delivery_certificate,
    "proof_of_insured_value": render_proof_of_insured_value,
}


def generated_pdf(kind: str, order, *, issued_at: datetime, reference: str) -> bytes:
    return GENERATED_KINDS[kind](order, issued_at=issued_at, reference=reference)
