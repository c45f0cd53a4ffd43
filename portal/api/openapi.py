"""The OpenAPI 3.1 document of the JSON API, served at /api/v1/openapi.json.

A test checks it against the OpenAPI schema and that every route of the API is in it.
"""

from __future__ import annotations

from ..advances.models import ADVANCE_STATES
from ..claims.models import CLAIM_STATES
from ..inquiries.models import CHANNELS, END_REASONS, EVIDENCE_STATES, INQUIRY_STATES
from ..plugin_api import (
    CARRIER_OUTCOMES,
    EVIDENCE_KINDS,
    GOODS_CATEGORIES,
    HANDOVERS,
    INQUIRY_KINDS,
    TRACKING_REASONS,
    TRACKING_STATUSES,
)
from ..queue.stages import STAGES

DECIMAL = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "examples": ["1250.00"]}
NULLABLE_DECIMAL = {"type": ["string", "null"], "pattern": r"^\d+(\.\d+)?$"}
TIMESTAMP = {"type": ["string", "null"], "format": "date-time"}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi_document() -> dict:
    seller = {
        "type": "object",
        "required": ["code", "name", "email"],
        "properties": {
            "code": {"type": "string", "maxLength": 32, "description": "The ordering system's seller code"},
            "name": {"type": "string", "maxLength": 200},
            "email": {"type": "string", "format": "email"},
            "address": {
                "type": ["string", "null"],
                "maxLength": 500,
                "description": "Postal address, lines separated by newlines (at most 8): the claimant on "
                "claim forms. Optional; when left out, the seller's stored address stays as it is",
            },
            "phone": {
                "type": ["string", "null"],
                "maxLength": 40,
                "description": "5 to 20 digits with spaces, + ( ) - . /, e.g. `+86 755 2345 6789`. Optional",
            },
        },
    }
    recipient = {
        "type": "object",
        "required": ["name", "address"],
        "description": "The consignee, named on trace requests and claim forms; both or neither",
        "properties": {
            "name": {"type": "string", "maxLength": 200},
            "address": {
                "type": "string",
                "maxLength": 500,
                "description": "Postal address, lines separated by newlines (at most 8)",
            },
        },
    }
    cover_request = {
        "type": "object",
        "required": ["insurer", "insured_value"],
        "properties": {
            "insurer": {"type": "string", "description": "Insurer code from GET /insurers"},
            "insured_value": {**DECIMAL, "description": "At most the declared value, in the order's currency"},
        },
    }
    order_request = {
        "type": "object",
        "required": [
            "order_no",
            "seller",
            "carrier",
            "service",
            "tracking_no",
            "destination_country",
            "declared_value",
            "currency",
            "contents",
            "category",
        ],
        "properties": {
            "order_no": {"type": "string", "maxLength": 64, "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
            "seller": seller,
            "carrier": {"type": "string", "description": "Carrier code from GET /carriers"},
            "service": {"type": "string", "description": "One of the carrier's service codes"},
            "tracking_no": {"type": "string", "maxLength": 40},
            "destination_country": {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"},
            "declared_value": {**DECIMAL, "description": "Decimal string; numbers with a fraction are refused"},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217"},
            "contents": {"type": "string", "maxLength": 500},
            "category": {"type": "string", "enum": list(GOODS_CATEGORIES)},
            "dispatched_at": {
                **TIMESTAMP,
                "description": "ISO 8601; without an offset, warehouse local time. "
                "Cover is refused once the parcel is dispatched.",
            },
            "cover": {"oneOf": [cover_request, {"type": "null"}]},
            "recipient": {"oneOf": [recipient, {"type": "null"}], "description": "Optional: the consignee"},
        },
    }
    cover = {
        "type": "object",
        "properties": {
            "insurer": {"type": "string"},
            "insured_value": DECIMAL,
            "currency": {"type": "string"},
            "premium": DECIMAL,
            "certificate_no": {"type": "string"},
            "rate_description": {"type": "string"},
            "terms_effective": {"type": "string", "format": "date"},
            "bought_at": {"type": "string", "format": "date-time"},
        },
    }
    order = {
        "type": "object",
        "properties": {
            "order_no": {"type": "string"},
            "seller": seller,
            "carrier": {"type": "string"},
            "service": {"type": "string"},
            "tracking_no": {"type": "string"},
            "tracking_url": {"type": ["string", "null"]},
            "destination_country": {"type": "string"},
            "declared_value": DECIMAL,
            "currency": {"type": "string"},
            "contents": {"type": "string"},
            "category": {"type": "string"},
            "recipient": {"oneOf": [recipient, {"type": "null"}], "description": "null for orders entered without one"},
            "dispatched_at": TIMESTAMP,
            "created_at": {"type": "string", "format": "date-time"},
            "state": {"type": "string", "enum": ["awaiting_dispatch", "dispatched"]},
            "tracking": {
                "type": "object",
                "properties": {
                    "status": {
                        "type": ["string", "null"],
                        "enum": [*TRACKING_STATUSES, None],
                        "description": "Status of the latest event; null when none or unmapped",
                    },
                    "reason": {"type": ["string", "null"]},
                    "last_event_at": TIMESTAMP,
                    "stalled": {"type": "boolean"},
                    "stalled_since": {**TIMESTAMP, "description": "By the carrier's own threshold"},
                },
            },
            "certificate_no": {"type": ["string", "null"]},
            "premium": NULLABLE_DECIMAL,
            "cover": {"oneOf": [cover, {"type": "null"}]},
        },
    }
    date_ = {"type": "string", "format": "date", "examples": ["2026-11-30"]}
    dispute = {
        "type": "object",
        "required": ["platform", "id", "respond_by"],
        "properties": {
            "platform": {"type": "string", "maxLength": 40, "examples": ["Amazon"]},
            "id": {"type": "string", "maxLength": 80, "description": "The marketplace's dispute id"},
            "opened_on": date_,
            "respond_by": {**date_, "description": "The date the platform wants the seller's answer by"},
        },
    }
    inquiry_request = {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"type": "string", "enum": list(INQUIRY_KINDS)},
            "message": {"type": "string", "maxLength": 4000, "description": "The seller's words"},
            "channel": {"type": "string", "enum": list(CHANNELS), "default": "api"},
            "asked_on": {**date_, "description": "When the seller asked; default today"},
            "dispute": {"oneOf": [dispute, {"type": "null"}]},
        },
    }
    inquiry = {
        "type": "object",
        "properties": {
            "number": {"type": "string", "examples": ["INQ-2026-000042"]},
            "kind": {"type": "string", "enum": list(INQUIRY_KINDS)},
            "state": {"type": "string", "enum": list(INQUIRY_STATES)},
            "opened_at": {"type": "string", "format": "date-time"},
            "asked_on": date_,
            "carrier_outcome": {"type": ["string", "null"], "enum": [*CARRIER_OUTCOMES, None]},
            "closed_reason": {"type": ["string", "null"], "enum": [*END_REASONS, None]},
            "dispute": {"oneOf": [dispute, {"type": "null"}]},
            "missing": {
                "type": "array",
                "items": {"type": "string", "enum": list(EVIDENCE_KINDS)},
                "description": "Mandatory documents neither accepted nor deferred within their grace period",
            },
            "evidence": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "kind": {"type": "string", "enum": list(EVIDENCE_KINDS)},
                        "label": {"type": "string"},
                        "mandatory": {"type": "boolean"},
                        "state": {"type": "string", "enum": list(EVIDENCE_STATES)},
                        "reason": {
                            "type": ["string", "null"],
                            "description": "Why it was rejected, or until when deferred",
                        },
                        "due_on": {
                            "type": ["string", "null"],
                            "format": "date",
                            "description": "Grace deadline of an item the insurer lets follow later",
                        },
                        "documents": {"type": "integer", "description": "Versions received"},
                    },
                },
            },
        },
    }
    link = {
        "oneOf": [
            {"type": "object", "properties": {"number": {"type": "string"}, "state": {"type": "string"}}},
            {"type": "null"},
        ]
    }
    order["properties"]["case"] = {
        "description": "Where the order's case stands (its open inquiry, else the latest finished one)",
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "stage": {"type": "string", "enum": list(STAGES)},
                    "next_action": {"type": "string"},
                    "inquiry": link,
                    "claim": link,
                    "advance": link,
                },
            },
            {"type": "null"},
        ],
    }
    order["properties"]["claim"] = {
        "oneOf": [
            {
                "type": "object",
                "properties": {
                    "number": {"type": "string", "examples": ["CLM-2026-000042"]},
                    "state": {"type": "string", "enum": list(CLAIM_STATES)},
                    "claimed_amount": DECIMAL,
                    "currency": {"type": "string"},
                    "accepted_on": {"type": ["string", "null"], "format": "date"},
                    "payout_due_on": {
                        "type": ["string", "null"],
                        "format": "date",
                        "description": "Acceptance + the insurer's working days, in its calendar",
                    },
                    "payout_due_pending": {
                        "type": ["string", "null"],
                        "description": "Why the due date is not known yet (its year's calendar is not published)",
                    },
                    "paid_on": {"type": ["string", "null"], "format": "date"},
                    "paid_amount": NULLABLE_DECIMAL,
                    "advance": {
                        "oneOf": [
                            {
                                "type": "object",
                                "properties": {
                                    "number": {"type": "string"},
                                    "state": {"type": "string", "enum": list(ADVANCE_STATES)},
                                    "amount": DECIMAL,
                                    "currency": {"type": "string"},
                                    "paid_at": TIMESTAMP,
                                },
                            },
                            {"type": "null"},
                        ],
                        "description": "Compensation the warehouse pays the seller before the insurer does",
                    },
                },
            },
            {"type": "null"},
        ],
        "description": "The claim filed from the inquiry, if any",
    }
    order["properties"]["inquiry"] = {
        "oneOf": [{"$ref": "#/components/schemas/Inquiry"}, {"type": "null"}],
        "description": "The open inquiry, else the last closed one",
    }
    order_response = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}}
    order_no_param = [{"name": "order_no", "in": "path", "required": True, "schema": {"type": "string"}}]
    secured = [{"bearer": []}]
    quote_params = [
        {"name": name, "in": "query", "required": required, "schema": {"type": "string"}, "description": text}
        for name, required, text in (
            ("insurer", True, "Insurer code"),
            ("declared_value", True, "Decimal string"),
            ("insured_value", False, "Decimal string; defaults to the declared value"),
            ("currency", True, "ISO 4217"),
            ("destination_country", True, "ISO 3166-1 alpha-2"),
            ("category", True, "Goods category"),
            ("carrier", False, "Carrier code, for insurers whose rules depend on it"),
            ("service", False, "Service code"),
        )
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Coverdesk API",
            "version": "1.0.0",
            "description": "Orders with parcel cover for the ordering system. Send `Authorization: Bearer <token>`; "
            "tokens come from `coverdesk tokens create NAME`. Money is a decimal string with an "
            "ISO 4217 currency; times are ISO 8601 in UTC.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {"type": "string"},
                        "errors": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "description": "Reason per field path, e.g. `seller.email`",
                        },
                    },
                },
                "OrderRequest": order_request,
                "Order": order,
                "InquiryRequest": inquiry_request,
                "Inquiry": inquiry,
            },
        },
        "paths": {
            "/orders": {
                "post": {
                    "summary": "Create an order, with cover if asked",
                    "operationId": "createOrder",
                    "security": secured,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderRequest"}}},
                    },
                    "responses": {
                        "201": {"description": "Created", **order_response},
                        "200": {
                            "description": "The same order was already received; it is returned as stored",
                            **order_response,
                        },
                        "401": _error_response("No or invalid token"),
                        "409": _error_response("The order number exists with different details"),
                        "422": _error_response("Invalid input or cover refused; `errors` names each field"),
                    },
                }
            },
            "/orders/{order_no}": {
                "get": {
                    "summary": "An order, its cover and its current state",
                    "operationId": "getOrder",
                    "security": secured,
                    "parameters": [{"name": "order_no", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {"description": "The order", **order_response},
                        "401": _error_response("No or invalid token"),
                        "404": _error_response("No such order"),
                    },
                }
            },
            "/orders/{order_no}/tracking-events": {
                "post": {
                    "summary": "Add tracking events; the same event again is stored once, in any order",
                    "operationId": "addTrackingEvents",
                    "security": secured,
                    "parameters": [{"name": "order_no", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["events"],
                                    "properties": {
                                        "events": {
                                            "type": "array",
                                            "minItems": 1,
                                            "items": {
                                                "type": "object",
                                                "required": ["occurred_at"],
                                                "properties": {
                                                    "occurred_at": {"type": "string", "format": "date-time"},
                                                    "code": {"type": "string", "description": "The carrier's raw code"},
                                                    "status": {
                                                        "type": "string",
                                                        "enum": list(TRACKING_STATUSES),
                                                        "description": "For feeds already normalised; code or status needed",
                                                    },
                                                    "reason": {"type": "string", "enum": list(TRACKING_REASONS)},
                                                    "description": {"type": "string"},
                                                    "location": {"type": "string"},
                                                    "handover": {
                                                        "type": "string",
                                                        "enum": list(HANDOVERS),
                                                        "description": "The warehouse's own scans; the first dispatch "
                                                        "scan sets the dispatch time",
                                                    },
                                                },
                                            },
                                        }
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Events added",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "added": {"type": "integer"},
                                            "duplicates": {"type": "integer"},
                                            "order": {"$ref": "#/components/schemas/Order"},
                                        },
                                    }
                                }
                            },
                        },
                        "200": {"description": "Nothing new: every event was already stored"},
                        "401": _error_response("No or invalid token"),
                        "404": _error_response("No such order"),
                        "422": _error_response("Bad events; `errors` names each (events[2].occurred_at); none stored"),
                    },
                }
            },
            "/orders/{order_no}/inquiries": {
                "post": {
                    "summary": "Open an inquiry from a seller's query (the same rules as the agents' form)",
                    "operationId": "openInquiry",
                    "security": secured,
                    "parameters": order_no_param,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InquiryRequest"}}},
                    },
                    "responses": {
                        "201": {
                            "description": "Opened, with its evidence checklist",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Inquiry"}}},
                        },
                        "401": _error_response("No or invalid token"),
                        "404": _error_response("No such order"),
                        "409": _error_response("The order already has an open inquiry"),
                        "422": _error_response(
                            "Invalid input, no cover, or too early: before the carrier's earliest "
                            "trace day, given in `available_on`"
                        ),
                    },
                }
            },
            "/orders/{order_no}/inquiry/evidence": {
                "post": {
                    "summary": "Add a document (PDF, PNG, JPEG or WebP) to the open inquiry's checklist",
                    "operationId": "addEvidence",
                    "security": secured,
                    "parameters": order_no_param,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["kind", "file"],
                                    "properties": {
                                        "kind": {
                                            "type": "string",
                                            "enum": list(EVIDENCE_KINDS),
                                            "description": "One the inquiry's checklist asks for",
                                        },
                                        "file": {
                                            "type": "string",
                                            "contentMediaType": "application/octet-stream",
                                            "description": "Type decided by content; the configured size limit applies",
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "Received (the same file again is recognised, not added twice)",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "document": {
                                                "type": "object",
                                                "properties": {
                                                    "sha256": {"type": "string"},
                                                    "media_type": {"type": "string"},
                                                    "name": {"type": "string"},
                                                    "size": {"type": "integer"},
                                                },
                                            },
                                            "inquiry": {"$ref": "#/components/schemas/Inquiry"},
                                        },
                                    }
                                }
                            },
                        },
                        "401": _error_response("No or invalid token"),
                        "404": _error_response("No such order, or no open inquiry"),
                        "409": _error_response("The inquiry is closed"),
                        "413": _error_response("Larger than the upload limit"),
                        "422": _error_response(
                            "Refused file (type, damage, decompression bomb) or a kind the checklist does not ask for"
                        ),
                    },
                }
            },
            "/quote": {
                "get": {
                    "summary": "Price cover, or the insurer's reason for refusing it",
                    "operationId": "quote",
                    "security": secured,
                    "parameters": quote_params,
                    "responses": {
                        "200": {
                            "description": "`accepted` tells whether the insurer covers the parcel",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["insurer", "accepted"],
                                        "properties": {
                                            "insurer": {"type": "string"},
                                            "accepted": {"type": "boolean"},
                                            "insured_value": DECIMAL,
                                            "premium": DECIMAL,
                                            "currency": {"type": "string"},
                                            "rate_description": {"type": "string"},
                                            "terms_effective": {"type": "string", "format": "date"},
                                            "reason": {"type": "string"},
                                            "field": {"type": ["string", "null"]},
                                            "message": {"type": "string"},
                                        },
                                    }
                                }
                            },
                        },
                        "401": _error_response("No or invalid token"),
                        "422": _error_response("Invalid parameters"),
                    },
                }
            },
            "/carriers": {
                "get": {
                    "summary": "Loaded carrier plugins, their services and tracking rules",
                    "operationId": "listCarriers",
                    "security": secured,
                    "parameters": [
                        {
                            "name": "destination_country",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                            "description": "Rules for this destination (ISO 3166 alpha-2); default US",
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "Carriers",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "destination_country": {"type": "string"},
                                            "carriers": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "code": {"type": "string"},
                                                        "name": {"type": "string"},
                                                        "kind": {
                                                            "type": "string",
                                                            "enum": ["postal", "express", "dedicated_line"],
                                                        },
                                                        "services": {
                                                            "type": "array",
                                                            "items": {
                                                                "type": "object",
                                                                "properties": {
                                                                    "code": {"type": "string"},
                                                                    "name": {"type": "string"},
                                                                    "description": {"type": "string"},
                                                                    "stall_after_days": {
                                                                        "type": "integer",
                                                                        "description": "Days without news after which a parcel is stalled",
                                                                    },
                                                                    "earliest_trace_day": {"type": "integer"},
                                                                    "latest_trace_day": {"type": "integer"},
                                                                },
                                                            },
                                                        },
                                                    },
                                                },
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "401": _error_response("No or invalid token"),
                    },
                }
            },
            "/insurers": {
                "get": {
                    "summary": "Loaded insurer plugins and the limits of their terms in force today",
                    "operationId": "listInsurers",
                    "security": secured,
                    "responses": {
                        "200": {
                            "description": "Insurers",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "insurers": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "properties": {
                                                        "code": {"type": "string"},
                                                        "name": {"type": "string"},
                                                        "currencies": {"type": "array", "items": {"type": "string"}},
                                                        "max_insured_value": {
                                                            "type": "object",
                                                            "additionalProperties": DECIMAL,
                                                        },
                                                        "minimum_premium": {
                                                            "type": "object",
                                                            "additionalProperties": DECIMAL,
                                                        },
                                                        "excluded_destinations": {
                                                            "type": "array",
                                                            "items": {"type": "string"},
                                                        },
                                                        "excluded_categories": {
                                                            "type": "array",
                                                            "items": {"type": "string"},
                                                        },
                                                        "terms_effective": {"type": "string", "format": "date"},
                                                    },
                                                },
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "401": _error_response("No or invalid token"),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": {"description": "OpenAPI 3.1 document"}},
                }
            },
        },
    }
