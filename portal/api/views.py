"""JSON API for the ordering system. Every call but the OpenAPI document needs a bearer token."""

from __future__ import annotations

import hashlib
from contextlib import suppress
from functools import wraps

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy.exc import OperationalError

from ..audit.services import Actor
from ..auth.access import unauthorised
from ..auth.services import token_for
from ..clock import local_today, utcnow
from ..cover.services import quote as quote_cover
from ..errors import Refused, ValidationFailed, unit_of_work
from ..extensions import limiter
from ..inquiries.services import attach, checked_file, open_inquiry, open_inquiry_of, request_documents
from ..inquiries.validation import parse_inquiry
from ..money import Money, MoneyError, check_currency, parse_amount
from ..orders.services import create_order, find_by_number
from ..orders.validation import country_error
from ..plugin_api import GOODS_CATEGORIES, Refusal
from ..plugin_engine import registry
from ..tracking.services import ingest, parse_api_events
from .openapi import openapi_document
from .serializers import carrier_json, inquiry_json, insurer_json, order_json

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _api_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _token_key() -> str:
    """Each token has its own budget (keyed by a digest of the header, before any database look-up)."""
    header = request.headers.get("Authorization", "")
    if header:
        return "api:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return "api:" + (request.remote_addr or "-")


# Per-token limits, generous by default (COVERDESK_API_RATE_LIMIT): an ordering system posting a
# burst of hundreds of orders does not meet 429.
limiter.limit(_api_limit, key_func=_token_key)(bp)


def problem(status: int, message: str, errors: dict[str, str] | None = None, **extra):
    body = {"error": message, **extra}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


#: What a call's ``error`` says above the list when its input has several errors.
SUMMARIES = {
    "api.post_order": "the order has errors",
    "api.post_tracking_events": "the events have errors; none was stored",
    "api.post_inquiry": "the inquiry has errors",
}


@bp.errorhandler(Refused)
def refused(exc: Refused):
    """The one shape of a refusal: 409 for a clash with the current state, else 422; nothing was
    written (the view's unit of work rolled back)."""
    message = SUMMARIES.get(request.endpoint or "", str(exc)) if isinstance(exc, ValidationFailed) else str(exc)
    extra = {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in exc.details.items()}
    return problem(exc.http_status, message, exc.errors, **extra)


def authenticate_bearer(header: str) -> None:
    """Set ``g.api_token`` and ``g.api_actor`` from an ``Authorization: Bearer`` header, if valid
    (the access check calls this before the view)."""
    scheme, _, secret = header.partition(" ")
    token = token_for(secret.strip()) if scheme.lower() == "bearer" else None
    if token is None:
        return
    # Keep last_used_at; a locked database only loses a "last used" time, never worth refusing the call.
    with suppress(OperationalError), unit_of_work():
        g.api_token, g.api_actor = token, Actor("api", str(token.id), f"API: {token.name}")


def token_required(view):
    """The API's views need a token (the access table says so too; this keeps it visible)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("api_token") is None:
            authenticate_bearer(request.headers.get("Authorization", ""))
        if g.get("api_token") is None:
            return unauthorised()
        return view(*args, **kwargs)

    return wrapper


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.post("/orders")
@token_required
def post_order():
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return problem(422, "the body must be a JSON object", {"body": "must be a JSON object"})
    plugins = registry()
    with unit_of_work():
        result = create_order(plugins, payload, g.api_actor, source="api")
    body = order_json(result.order, plugins.carrier(result.order.carrier_code))
    return jsonify(body), (201 if result.created else 200)


@bp.get("/orders/<order_no>")
@token_required
def get_order(order_no: str):
    order = find_by_number(order_no)
    if order is None:
        return problem(404, f"no order {order_no}")
    return jsonify(order_json(order, registry().carrier(order.carrier_code)))


@bp.post("/orders/<order_no>/tracking-events")
@token_required
def post_tracking_events(order_no: str):
    order = find_by_number(order_no)
    if order is None:
        return problem(404, f"no order {order_no}")
    plugins = registry()
    with unit_of_work():
        events = parse_api_events(request.get_json(silent=True))
        result = ingest(plugins, order, events, source="api", actor=g.api_actor)
    return jsonify(
        {
            "added": result.added,
            "duplicates": result.duplicates,
            "order": order_json(order, plugins.carrier(order.carrier_code)),
        }
    ), (201 if result.added else 200)


@bp.post("/orders/<order_no>/inquiries")
@token_required
def post_inquiry(order_no: str):
    """A seller's query from the ordering system: the same rules as the agents' form."""
    order = find_by_number(order_no)
    if order is None:
        return problem(404, f"no order {order_no}")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return problem(422, "the body must be a JSON object", {"body": "must be a JSON object"})
    plugins = registry()
    with unit_of_work():
        data = parse_inquiry(payload, local_today(), default_channel="api")
        inquiry = open_inquiry(plugins, order, data, g.api_actor, make_documents=False)
        request_documents(inquiry, g.api_actor, utcnow())  # made by the job workers
    return jsonify(inquiry_json(inquiry)), 201


@bp.post("/orders/<order_no>/inquiry/evidence")
@token_required
def post_evidence(order_no: str):
    """A document from the seller (multipart: ``kind`` and ``file``) for the open inquiry."""
    order = find_by_number(order_no)
    if order is None:
        return problem(404, f"no order {order_no}")
    inquiry = open_inquiry_of(order)
    if inquiry is None:
        return problem(404, f"order {order_no} has no open inquiry")
    kind, upload = (request.form.get("kind") or "").strip(), request.files.get("file")
    if not kind:
        return problem(422, "kind is required", {"kind": "is required"})
    if upload is None:
        return problem(422, "a file is required", {"file": "send the document as multipart field 'file'"})
    plugins = registry()
    with unit_of_work():
        document = attach(inquiry, kind, checked_file(upload), g.api_actor, source="api", plugins=plugins)
    return jsonify(
        {
            "document": {
                "sha256": document.sha256,
                "media_type": document.media_type,
                "name": document.original_name,
                "size": document.size,
            },
            "inquiry": inquiry_json(inquiry),
        }
    ), 201


@bp.get("/quote")
@token_required
def get_quote():
    args = request.args
    errors: dict[str, str] = {}
    plugins = registry()
    insurer = (args.get("insurer") or "").strip().lower()
    if not insurer:
        errors["insurer"] = "is required"
    elif plugins.insurer(insurer) is None:
        errors["insurer"] = f"unknown insurer {insurer!r} (known: {', '.join(sorted(plugins.insurers))})"
    currency = ""
    try:
        currency = check_currency(args.get("currency", ""))
    except MoneyError as exc:
        errors["currency"] = str(exc)
    amounts = {}
    for key in ("declared_value", "insured_value"):
        raw = args.get(key)
        if raw is None and key == "insured_value":
            continue  # the declared value is insured unless told otherwise
        if not currency:
            errors[key] = "is required" if not (raw or "").strip() else "cannot be checked without a valid currency"
            continue
        try:
            amounts[key] = parse_amount(raw or "", currency)
        except MoneyError as exc:
            errors[key] = str(exc)
    destination = (args.get("destination_country") or "").strip().upper()
    if country_error(destination):
        errors["destination_country"] = country_error(destination)
    category = (args.get("category") or "").strip().lower()
    if category not in GOODS_CATEGORIES:
        errors["category"] = f"unknown category {category!r} (categories: {', '.join(GOODS_CATEGORIES)})"
    if errors:
        return problem(422, "the quote request has errors", errors)
    declared = Money(amounts["declared_value"], currency)
    insured = Money(amounts.get("insured_value") or declared.amount, currency)
    result = quote_cover(
        plugins,
        insurer_code=insurer,
        insured_value=insured,
        declared_value=declared,
        destination_country=destination,
        category=category,
        carrier_code=(args.get("carrier") or "").lower(),
        service_code=(args.get("service") or "").lower(),
    )
    if isinstance(result, Refusal):
        return jsonify(
            {
                "insurer": insurer,
                "accepted": False,
                "reason": result.reason,
                "field": result.field,
                "message": result.message,
            }
        )
    return jsonify(
        {
            "insurer": insurer,
            "accepted": True,
            "insured_value": str(insured.amount),
            "premium": str(result.premium.amount),
            "currency": result.premium.currency,
            "rate_description": result.rate_description,
            "terms_effective": result.terms_effective.isoformat(),
        }
    )


@bp.get("/carriers")
@token_required
def carriers():
    destination = (request.args.get("destination_country") or "US").strip().upper()
    if country_error(destination):
        return problem(422, "bad destination", {"destination_country": country_error(destination)})
    today = local_today()
    return jsonify(
        {
            "destination_country": destination,
            "carriers": [carrier_json(c, destination, today) for c in registry().all_carriers()],
        }
    )


@bp.get("/insurers")
@token_required
def insurers():
    today = local_today()
    return jsonify({"insurers": [insurer_json(i, today) for i in registry().all_insurers()]})
