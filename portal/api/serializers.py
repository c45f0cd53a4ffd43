"""The JSON shapes of the API; the OpenAPI document describes exactly these."""

from __future__ import annotations

from datetime import date

from ..advances.services import advance_of
from ..claims.models import Claim
from ..claims.services import claim_of
from ..clock import iso_utc, local_today, utcnow
from ..extensions import db
from ..inquiries.checklist import Checklist
from ..inquiries.models import Inquiry
from ..inquiries.services import latest_inquiry
from ..orders.models import Order
from ..plugin_api import EVIDENCE_KINDS, CarrierPlugin, InsurerPlugin
from ..queue.stages import cases_of
from ..tracking.services import is_stalled

timestamp = iso_utc


def order_json(order: Order, carrier: CarrierPlugin | None) -> dict:
    cover = order.cover
    inquiry = latest_inquiry(order)
    return {
        "order_no": order.order_no,
        "seller": {
            "code": order.seller.code,
            "name": order.seller.name,
            "email": order.seller.email,
            "address": order.seller.address,
            "phone": order.seller.phone,
        },
        "carrier": order.carrier_code,
        "service": order.service_code,
        "tracking_no": order.tracking_no,
        "tracking_url": carrier.tracking_url(order.tracking_no) if carrier else None,
        "destination_country": order.destination_country,
        "declared_value": str(order.declared_value),
        "currency": order.currency,
        "contents": order.contents,
        "category": order.category,
        "recipient": {"name": order.recipient_name, "address": order.recipient_address}
        if order.recipient_name
        else None,
        "dispatched_at": timestamp(order.dispatched_at),
        "created_at": timestamp(order.created_at),
        "state": order.state,
        "tracking": {
            "status": order.tracking_status,
            "reason": order.tracking_reason,
            "last_event_at": timestamp(order.last_event_at),
            "stalled": is_stalled(order),
            "stalled_since": timestamp(order.stalled_from) if is_stalled(order) else None,
        },
        "certificate_no": cover.certificate_no if cover else None,
        "premium": str(cover.premium) if cover else None,
        "inquiry": inquiry_json(inquiry) if inquiry is not None else None,
        "claim": claim_json(claim_of(inquiry)) if inquiry is not None and claim_of(inquiry) is not None else None,
        "case": case.as_json()
        if (case := cases_of(db.session, [order.id], local_today(), utcnow()).get(order.id))
        else None,
        "cover": None
        if cover is None
        else {
            "insurer": cover.insurer_code,
            "insured_value": str(cover.insured_value),
            "currency": cover.currency,
            "premium": str(cover.premium),
            "certificate_no": cover.certificate_no,
            "rate_description": cover.rate_description,
            "terms_effective": cover.terms_effective.isoformat(),
            "bought_at": timestamp(cover.bought_at),
        },
    }


def inquiry_json(inquiry: Inquiry) -> dict:
    """What the ordering system tells the seller: where the case stands and what is still needed."""
    return {
        "number": inquiry.number,
        "kind": inquiry.kind,
        "state": inquiry.state,
        "opened_at": timestamp(inquiry.opened_at),
        "asked_on": inquiry.asked_on.isoformat(),
        "carrier_outcome": inquiry.carrier_outcome,
        "closed_reason": inquiry.closed_reason,
        "dispute": None
        if not inquiry.dispute_id
        else {
            "platform": inquiry.dispute_platform,
            "id": inquiry.dispute_id,
            "opened_on": inquiry.dispute_opened_on.isoformat() if inquiry.dispute_opened_on else None,
            "respond_by": inquiry.dispute_respond_by.isoformat(),
        },
        # Mandatory items neither accepted nor deferred within their grace period.
        "missing": [item.kind for item in Checklist(inquiry, local_today()).outstanding],
        "evidence": [
            {
                "kind": item.kind,
                "label": EVIDENCE_KINDS.get(item.kind, item.kind),
                "mandatory": item.mandatory,
                "state": item.state,
                "reason": item.reason or None,
                "due_on": item.due_on.isoformat() if item.due_on else None,
                "documents": len(item.documents),
            }
            for item in inquiry.items
        ],
    }


def claim_json(claim: Claim) -> dict:
    """So the ordering system can tell the seller when the money comes."""

    advance = advance_of(claim)
    return {
        "advance": None
        if advance is None
        else {
            "number": advance.number,
            "state": advance.state,
            "amount": str(advance.amount),
            "currency": advance.currency,
            "paid_at": timestamp(advance.paid_at),
        },
        "number": claim.number,
        "state": claim.state,
        "claimed_amount": str(claim.claimed_amount),
        "currency": claim.currency,
        "accepted_on": claim.accepted_on.isoformat() if claim.accepted_on else None,
        "payout_due_on": claim.payout_due_on.isoformat() if claim.payout_due_on else None,
        "payout_due_pending": claim.payout_due_pending,
        "paid_on": claim.paid_on.isoformat() if claim.paid_on else None,
        "paid_amount": str(claim.paid_amount) if claim.paid_amount is not None else None,
    }


def carrier_json(carrier: CarrierPlugin, destination_country: str = "US", on=None) -> dict:
    on = on or date.today()
    services = []
    for service in carrier.services:
        window = carrier.trace_window(service.code, destination_country)
        services.append(
            {
                "code": service.code,
                "name": service.name,
                "description": service.description,
                "stall_after_days": carrier.stall_after_days(service.code, destination_country, on),
                "earliest_trace_day": window.earliest_day,
                "latest_trace_day": window.latest_day,
            }
        )
    return {"code": carrier.code, "name": carrier.name, "kind": carrier.kind, "services": services}


def insurer_json(insurer: InsurerPlugin, on) -> dict:
    terms = insurer.terms(on)
    return {
        "code": insurer.code,
        "name": insurer.name,
        "currencies": list(terms.currencies),
        "max_insured_value": {currency: str(amount) for currency, amount in sorted(terms.max_insured_value.items())},
        "minimum_premium": {currency: str(amount) for currency, amount in sorted(terms.minimum_premium.items())},
        "excluded_destinations": sorted(terms.excluded_destinations),
        "excluded_categories": sorted(terms.excluded_categories),
        "terms_effective": terms.effective_from.isoformat(),
    }
