"""The JSON API (/api/v1) and its OpenAPI document, through the test client on a real database.

Expected premiums are worked out by hand from the plugins' published terms. Today (2026-11-24,
warehouse time) Lanternfish's terms of 2026-07-01 are in force (USD 1.39 per started USD 100 for
the first 10 units, USD 1.10 above, minimum USD 2.00), and Jade Harbour's of 2026-04-01 (1.6 % of
the first 1,000, 1.2 % up to 5,000, 1.0 % above; minimum CNY 5 / USD 1 / EUR 1).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from jsonschema import ValidationError
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import select

from portal.audit.models import AuditEvent
from portal.auth.services import revoke_token
from portal.clock import utcnow
from portal.extensions import db
from portal.orders.models import Order
from portal.sellers.models import Seller
from tests.factories import TEST_ACTOR, assert_documented, order_payload, table_counts, validator_for

ORDERS = "/api/v1/orders"
LANTERNFISH_TERMS = "2026-07-01"
JADEHARBOUR_TERMS = "2026-04-01"
#: Valid tracking numbers per carrier and service (S10 check digit of 12345678 is 5).
TRACKING = {
    ("fourpx", "fourpx_c"): "4PX3000000000001CN",
    ("swiftwing", "express_worldwide"): "1234567890",
    ("harbourpost", "registered_air"): "RR123456785CN",
    ("harbourpost", "surface_parcel"): "CP123456785CN",
}


# --- helpers ---------------------------------------------------------------------------------


def shipped_by(carrier: str, service: str) -> dict:
    return {"carrier": carrier, "service": service, "tracking_no": TRACKING[(carrier, service)]}


def post_order(api, **overrides):
    return api.post(ORDERS, json=order_payload(**overrides))


def find_order(order_no: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.order_no == order_no))


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")  # no token: the document is public
    assert response.status_code == 200
    return response.get_json()


# --- POST /orders: created, replayed, conflicting ------------------------------------------


def test_post_order_creates_order_with_cover_priced_by_insurer(api):
    response = post_order(api)

    assert response.status_code == 201
    body = response.get_json()
    order = find_order("PRG-2026-0001")
    # 1850 USD = 19 started units of 100: 10 x 1.39 + 9 x 1.10 = 13.90 + 9.90.
    assert body["premium"] == "23.80"
    assert body["certificate_no"] == f"LFM-{order.cover.bought_at:%Y}-{order.id:08d}"
    assert body["cover"] == {
        "insurer": "lanternfish",
        "insured_value": "1850.00",
        "currency": "USD",
        "premium": "23.80",
        "certificate_no": body["certificate_no"],
        "rate_description": "USD 1.39 per USD 100 × 10 units + USD 1.10 per USD 100 × 9 units",
        "terms_effective": LANTERNFISH_TERMS,
        "bought_at": body["cover"]["bought_at"],
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", body["cover"]["bought_at"])
    assert {
        key: body[key]
        for key in (
            "order_no",
            "carrier",
            "service",
            "tracking_no",
            "destination_country",
            "declared_value",
            "currency",
            "contents",
            "category",
            "state",
        )
    } == {
        "order_no": "PRG-2026-0001",
        "carrier": "fourpx",
        "service": "fourpx_c",
        "tracking_no": "4PX3000000000001CN",
        "destination_country": "US",
        "declared_value": "1850.00",
        "currency": "USD",
        "contents": "Drone with 4K camera",
        "category": "electronics",
        "state": "awaiting_dispatch",
    }
    assert body["seller"] == {
        "code": "PRG001",
        "name": "Pearl River Gadgets",
        "email": "ops@pearlriver.example",
        "address": None,  # optional: this order names none
        "phone": None,
    }
    assert body["recipient"] is None
    assert body["tracking_url"] == "https://track.4px.com/#/result/0/4PX3000000000001CN"
    assert body["dispatched_at"] is None
    # What the database holds, not only what the response says.
    assert order.source == "api"
    assert (str(order.declared_value), str(order.cover.premium), order.cover.insurer_code) == (
        "1850.00",
        "23.80",
        "lanternfish",
    )


@pytest.mark.parametrize(
    ("overrides", "premium", "rate_description", "terms"),
    [
        pytest.param(
            {},
            "23.80",
            "USD 1.39 per USD 100 × 10 units + USD 1.10 per USD 100 × 9 units",
            LANTERNFISH_TERMS,
            id="lanternfish-both-bands",
        ),
        pytest.param(
            {"declared_value": "1000.01", "cover": {"insurer": "lanternfish", "insured_value": "1000.01"}},
            "15.00",
            "USD 1.39 per USD 100 × 10 units + USD 1.10 per USD 100 × 1 unit",
            LANTERNFISH_TERMS,
            id="lanternfish-a-cent-over-ten-units",
        ),
        pytest.param(
            {"declared_value": "900.00", "cover": {"insurer": "lanternfish", "insured_value": "100.00"}},
            "2.00",
            "USD 1.39 per USD 100 × 1 unit; minimum premium 2.00 USD applies",
            LANTERNFISH_TERMS,
            id="lanternfish-minimum-premium",
        ),
        pytest.param(
            {
                "declared_value": "2500.00",
                "currency": "CNY",
                "cover": {"insurer": "jadeharbour", "insured_value": "2500.00"},
            },
            "34.00",
            "1.6 % of CNY 1000.00 + 1.2 % of CNY 1500.00",
            JADEHARBOUR_TERMS,
            id="jadeharbour-cny",
        ),
        pytest.param(
            {
                "declared_value": "6000.00",
                "currency": "EUR",
                "cover": {"insurer": "jadeharbour", "insured_value": "6000.00"},
            },
            "74.00",
            "1.6 % of EUR 1000.00 + 1.2 % of EUR 4000.00 + 1.0 % of EUR 1000.00",
            JADEHARBOUR_TERMS,
            id="jadeharbour-three-tiers",
        ),
        pytest.param(
            {"cover": {"insurer": "jadeharbour", "insured_value": "1234.56"}},
            "18.81",
            "1.6 % of USD 1000.00 + 1.2 % of USD 234.56",
            JADEHARBOUR_TERMS,
            id="jadeharbour-rounded-half-up",
        ),  # 16.00 + 2.81472
    ],
)
def test_premium_is_what_the_insurer_publishes(api, overrides, premium, rate_description, terms):
    response = post_order(api, **overrides)

    assert response.status_code == 201, response.get_json()
    cover = response.get_json()["cover"]
    assert (cover["premium"], cover["rate_description"], cover["terms_effective"]) == (premium, rate_description, terms)
    assert response.get_json()["premium"] == premium
    assert cover["certificate_no"].startswith("LFM-" if cover["insurer"] == "lanternfish" else "JHI-")


def test_order_without_cover_and_already_dispatched(api):
    response = post_order(api, cover=None, dispatched_at="2026-11-20T10:00:00")

    assert response.status_code == 201
    body = response.get_json()
    assert (body["cover"], body["premium"], body["certificate_no"]) == (None, None, None)
    # Without an offset the time is the warehouse's (Asia/Shanghai, UTC+8); the API answers in UTC.
    assert body["dispatched_at"] == "2026-11-20T02:00:00Z"
    assert body["state"] == "dispatched"
    assert table_counts()["covers"] == 0


def test_money_fields_are_decimal_strings(api):
    body = post_order(api).get_json()

    for value in (body["declared_value"], body["premium"], body["cover"]["insured_value"], body["cover"]["premium"]):
        assert isinstance(value, str) and re.fullmatch(r"\d+\.\d\d", value)


def test_same_body_again_returns_the_stored_order(api):
    first = post_order(api)
    counts = table_counts()

    again = post_order(api)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert table_counts() == counts  # no second order, cover or audit event


def test_same_order_written_differently_is_recognised(api):
    first = post_order(api)
    # Lower-case codes, an amount without cents and an upper-case e-mail normalise to the same order.
    again = post_order(
        api,
        destination_country="us",
        currency="usd",
        declared_value="1850",
        carrier="FOURPX",
        category="Electronics",
        seller={"code": "PRG001", "name": "Pearl River Gadgets", "email": "OPS@pearlriver.example"},
    )

    assert again.status_code == 200
    assert again.get_json()["certificate_no"] == first.get_json()["certificate_no"]


def test_same_order_no_with_different_body_is_a_conflict_and_changes_nothing(api):
    first = post_order(api).get_json()
    counts = table_counts()

    response = post_order(
        api,
        declared_value="1900.00",
        seller={"code": "PRG001", "name": "Renamed Gadgets", "email": "new@pearlriver.example"},
    )

    assert response.status_code == 409
    assert response.get_json() == {"error": "order PRG-2026-0001 already exists with different details"}
    assert table_counts() == counts
    assert api.get(f"{ORDERS}/PRG-2026-0001").get_json() == first
    assert db.session.scalar(select(Seller.name).where(Seller.code == "PRG001")) == "Pearl River Gadgets"


def test_creation_is_audited_as_the_api_token(api):
    body = post_order(api).get_json()
    order_id = db.session.scalar(select(Order.id).where(Order.order_no == body["order_no"]))

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.actor_kind == "api").order_by(AuditEvent.id)).all()

    assert [(e.action, e.actor_label) for e in events] == [
        ("seller.registered", "API: test-integration"),
        ("order.created", "API: test-integration"),
    ]
    created = events[1]
    assert (created.entity_type, created.entity_id) == ("order", str(order_id))
    assert created.after["declared_value"] == "1850.00"
    assert created.after["cover"]["certificate_no"] == body["certificate_no"]
    assert created.after["cover"]["premium"] == "23.80"
    assert created.summary == f"order PRG-2026-0001 created from api with cover {body['certificate_no']}"


# --- POST /orders: 422 --------------------------------------------------------------------------


def assert_refused_without_writes(api, payload, expected_errors: dict[str, str]):
    """POST ``payload``; expect 422 with exactly these errors (each a fragment) and nothing written."""
    counts = table_counts()
    response = api.post(ORDERS, json=payload)

    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == "the order has errors"
    assert set(body["errors"]) == set(expected_errors), body["errors"]
    for field, fragment in expected_errors.items():
        assert fragment in body["errors"][field], (field, body["errors"][field])
    assert table_counts() == counts
    return body["errors"]


FUTURE = object()  # replaced by a time two hours ahead when the test runs


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        pytest.param(
            {"destination_country": "XX"},
            {"destination_country": "XX is not an ISO 3166-1 alpha-2 country code"},
            id="bad-country",
        ),
        pytest.param(
            {"destination_country": "USA"},
            {"destination_country": "must be at most 2 characters"},
            id="country-too-long",
        ),
        pytest.param(
            {"currency": "ZZZ"},
            {
                "currency": "ZZZ is not an ISO-4217 currency code",
                "declared_value": "cannot be checked without a valid currency",
                "cover.insured_value": "cannot be checked without a valid currency",
            },
            id="bad-currency",
        ),
        pytest.param(
            {"currency": "KWD", "cover": None},
            {"currency": "KWD uses 3 decimal places; Coverdesk keeps 2", "declared_value": "cannot be checked"},
            id="three-decimal-currency",
        ),
        pytest.param(
            {"declared_value": 12.5, "cover": None},
            {"declared_value": "must be a decimal string, not a floating-point number"},
            id="float-number",
        ),
        pytest.param(
            {"declared_value": "-5.00", "cover": None}, {"declared_value": "must not be negative"}, id="negative"
        ),
        pytest.param(
            {"declared_value": "0.00", "cover": None}, {"declared_value": "must be more than zero"}, id="zero"
        ),
        pytest.param(
            {"declared_value": "10.125", "cover": None},
            {"declared_value": "has more than 2 decimal places for USD"},
            id="too-many-decimals",
        ),
        pytest.param(
            {"declared_value": "1850.50", "currency": "JPY", "cover": None},
            {"declared_value": "has more than 0 decimal places for JPY"},
            id="cents-in-yen",
        ),
        pytest.param(
            {"declared_value": "a lot", "cover": None},
            {"declared_value": "'a lot' is not a decimal number"},
            id="not-a-number",
        ),
        pytest.param({"declared_value": None, "cover": None}, {"declared_value": "is required"}, id="missing-value"),
        pytest.param(
            {"carrier": "dhl"},
            {"carrier": "unknown carrier 'dhl' (known: "},
            id="unknown-carrier",
        ),
        pytest.param(
            {"service": "sea_freight"},
            {"service": "4PX has no service 'sea_freight' (services: fourpx_c, global_direct, express)"},
            id="unknown-service",
        ),
        pytest.param(
            {"tracking_no": "RR123456785CN"},
            {"tracking_no": "RR123456785CN: must be 4PX, 13 digits and CN (e.g. 4PX3001234567890CN) for 4PX"},
            id="tracking-of-another-carrier",
        ),
        pytest.param(
            {**shipped_by("harbourpost", "registered_air"), "tracking_no": "RR123456784CN"},
            {"tracking_no": "check digit 4 is wrong for serial 12345678"},
            id="s10-check-digit",
        ),
        pytest.param(
            {"cover": {"insurer": "lanternfish", "insured_value": "1850.01"}},
            {"cover.insured_value": "1850.01 USD is more than the declared value 1850.00 USD"},
            id="insured-over-declared",
        ),
        pytest.param(
            {"cover": {"insurer": "acme", "insured_value": "100.00"}},
            {"cover.insurer": "unknown insurer 'acme' (known: "},
            id="unknown-insurer",
        ),
        pytest.param(
            {"cover": {"insured_value": "100.00"}},
            {"cover.insurer": "is required when cover is asked for"},
            id="cover-without-insurer",
        ),
        pytest.param(
            {"cover": {"insurer": "lanternfish"}}, {"cover.insured_value": "is required"}, id="cover-without-value"
        ),
        pytest.param(
            {"cover": "lanternfish"},
            {"cover": "must be an object with insurer and insured_value"},
            id="cover-not-an-object",
        ),
        pytest.param(
            {"seller": {"code": "PRG001"}},
            {"seller.name": "is required", "seller.email": "is required"},
            id="missing-seller-fields",
        ),
        pytest.param(
            {"seller": None},
            {
                "seller": "is required",
                "seller.code": "is required",
                "seller.name": "is required",
                "seller.email": "is required",
            },
            id="missing-seller",
        ),
        pytest.param(
            {"seller": {"code": "PRG 001", "name": "P", "email": "ops@pearlriver.example"}},
            {"seller.code": "may hold only letters, digits, _ and -"},
            id="bad-seller-code",
        ),
        pytest.param(
            {"seller": {"code": "PRG001", "name": "P", "email": "ops.pearlriver.example"}},
            {"seller.email": "@-sign"},
            id="bad-email",
        ),
        pytest.param(
            {"category": "weapons"},
            {"category": "unknown category 'weapons' (categories: general,"},
            id="unknown-category",
        ),
        pytest.param(
            {"order_no": "PRG 2026/1"}, {"order_no": "may hold only letters, digits and . _ -"}, id="bad-order-no"
        ),
        pytest.param({"contents": "   "}, {"contents": "is required"}, id="blank-contents"),
        pytest.param({"contents": "x" * 501}, {"contents": "must be at most 500 characters"}, id="contents-too-long"),
        pytest.param(
            {"dispatched_at": FUTURE, "cover": None}, {"dispatched_at": "lies in the future"}, id="dispatched-in-future"
        ),
        # Not silently dropped as if absent: whether cover may be bought hangs on it.
        pytest.param(
            {"dispatched_at": 1763950000.5},
            {"dispatched_at": "must be an ISO-8601 date and time as text"},
            id="dispatched-as-a-float",
        ),
        pytest.param(
            {"dispatched_at": ["2026-11-20T10:00:00Z"]},
            {"dispatched_at": "must be an ISO-8601 date and time as text"},
            id="dispatched-as-a-list",
        ),
        pytest.param(
            {"dispatched_at": "last Tuesday", "cover": None},
            {"dispatched_at": "'last Tuesday' is not an ISO-8601 date and time"},
            id="dispatched-not-a-time",
        ),
    ],
)
def test_invalid_order_is_refused_field_by_field(api, overrides, errors):
    if overrides.get("dispatched_at") is FUTURE:
        overrides = {**overrides, "dispatched_at": (utcnow() + timedelta(hours=2)).isoformat()}
    assert_refused_without_writes(api, order_payload(**overrides), errors)


def test_every_bad_field_is_reported_at_once(api):
    payload = order_payload(
        destination_country="XX",
        declared_value=12.5,
        category="weapons",
        carrier="dhl",
        seller={"code": "PRG001", "name": "", "email": "nope"},
    )
    errors = assert_refused_without_writes(
        api,
        payload,
        {
            "destination_country": "XX",
            "declared_value": "floating-point",
            "category": "weapons",
            "carrier": "dhl",
            "seller.name": "is required",
            "seller.email": "@-sign",
        },
    )
    assert len(errors) == 6


@pytest.mark.parametrize("body", [b"[1, 2]", b"not json", b'"an order"'])
def test_body_that_is_not_a_json_object_is_refused(api, body):
    counts = table_counts()
    response = api.post(ORDERS, data=body, content_type="application/json")

    assert response.status_code == 422
    assert response.get_json() == {
        "error": "the body must be a JSON object",
        "errors": {"body": "must be a JSON object"},
    }
    assert table_counts() == counts


# --- cover refused by the insurer or by the core ----------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        pytest.param(
            {"declared_value": "6000.00", "cover": {"insurer": "lanternfish", "insured_value": "5000.01"}},
            {"cover.insured_value": "insured value 5000.01 USD is over Lanternfish Mutual's maximum of 5000.00 USD"},
            id="lanternfish-over-maximum",
        ),
        pytest.param(
            {"destination_country": "BR"},
            {"destination_country": "Lanternfish Mutual does not cover parcels to BR"},
            id="lanternfish-excluded-destination",
        ),
        pytest.param(
            {"category": "jewelry"},
            {"category": "Lanternfish Mutual does not cover jewellery and watches (jewelry)"},
            id="lanternfish-excluded-category",
        ),
        pytest.param(
            {"currency": "EUR"},
            {"currency": "Lanternfish Mutual does not cover EUR; it covers USD"},
            id="lanternfish-currency",
        ),
        pytest.param(
            {"declared_value": "7500.00", "cover": {"insurer": "jadeharbour", "insured_value": "7000.01"}},
            {
                "cover.insured_value": "insured value 7000.01 USD is over Jade Harbour Insurance's maximum of "
                "7000.00 USD"
            },
            id="jadeharbour-over-maximum",
        ),
        pytest.param(
            {"destination_country": "RU", "cover": {"insurer": "jadeharbour", "insured_value": "100.00"}},
            {"destination_country": "Jade Harbour Insurance does not cover parcels to RU"},
            id="jadeharbour-excluded-destination",
        ),
        pytest.param(
            {"category": "batteries", "cover": {"insurer": "jadeharbour", "insured_value": "100.00"}},
            {"category": "Jade Harbour Insurance does not cover lithium batteries shipped on their own (batteries)"},
            id="jadeharbour-excluded-category",
        ),
        pytest.param(
            {"currency": "GBP", "cover": {"insurer": "jadeharbour", "insured_value": "100.00"}},
            {"currency": "Jade Harbour Insurance does not cover GBP; it covers CNY, EUR, USD"},
            id="jadeharbour-currency",
        ),
    ],
)
def test_cover_refused_by_the_insurer_writes_nothing(api, overrides, errors):
    assert_refused_without_writes(api, order_payload(**overrides), errors)


def test_jadeharbour_refuses_surface_parcels(api):
    payload = order_payload(
        **shipped_by("harbourpost", "surface_parcel"), cover={"insurer": "jadeharbour", "insured_value": "100.00"}
    )
    counts = table_counts()

    response = api.post(ORDERS, json=payload)

    assert response.status_code == 422
    # Only the reason is pinned: the insurer names the field "service_code", which is not an API field.
    assert list(response.get_json()["errors"].values()) == [
        "Jade Harbour Insurance does not cover surface services (surface_parcel): transit outlasts the cover"
    ]
    assert table_counts() == counts
    # The same parcel by airmail is covered.
    assert (
        post_order(
            api,
            **shipped_by("harbourpost", "registered_air"),
            cover={"insurer": "jadeharbour", "insured_value": "100.00"},
        ).status_code
        == 201
    )


def test_cover_refused_once_dispatched(api):
    dispatched = utcnow() - timedelta(hours=1)
    errors = assert_refused_without_writes(
        api, order_payload(dispatched_at=dispatched.isoformat()), {"cover": "cover must be bought before dispatch"}
    )
    assert errors["cover"].startswith("the parcel was dispatched on ")
    assert find_order("PRG-2026-0001") is None


# --- authentication ------------------------------------------------------------------------------

SECURED = [
    ("post", ORDERS),
    ("get", f"{ORDERS}/PRG-2026-0001"),
    ("get", "/api/v1/quote"),
    ("get", "/api/v1/carriers"),
    ("get", "/api/v1/insurers"),
]


@pytest.mark.parametrize(("method", "path"), SECURED)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer cdk_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "cdk_token-without-scheme"]
)
def test_without_a_valid_token_the_api_answers_401(client, api_token, method, path, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    counts = table_counts()

    response = getattr(client, method)(path, headers=headers, json=order_payload() if method == "post" else None)

    assert response.status_code == 401
    assert response.get_json() == {"error": "a valid bearer token is required (Authorization: Bearer <token>)"}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="coverdesk"'
    assert table_counts() == counts


def test_revoked_token_is_refused(api):
    assert api.get("/api/v1/carriers").status_code == 200
    revoke_token("test-integration", TEST_ACTOR)
    db.session.commit()

    assert api.get("/api/v1/carriers").status_code == 401
    assert post_order(api).status_code == 401
    assert find_order("PRG-2026-0001") is None


def test_token_scheme_is_case_insensitive(client, api_token):
    assert client.get("/api/v1/carriers", headers={"Authorization": f"bearer {api_token}"}).status_code == 200


# --- GET /orders/<order_no> -------------------------------------------------------------------------


def test_get_order_returns_what_post_returned(api):
    created = post_order(api).get_json()

    response = api.get(f"{ORDERS}/PRG-2026-0001")

    assert response.status_code == 200
    assert response.get_json() == created


def test_get_unknown_order_is_404_json(api):
    response = api.get(f"{ORDERS}/NOPE-1")

    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.get_json() == {"error": "no order NOPE-1"}


# --- GET /quote -------------------------------------------------------------------------------------

QUOTE = {
    "insurer": "lanternfish",
    "declared_value": "1850.00",
    "currency": "USD",
    "destination_country": "US",
    "category": "electronics",
}


def get_quote(api, **changes):
    params = {**QUOTE, **changes}
    return api.get("/api/v1/quote", query_string={k: v for k, v in params.items() if v is not None})


@pytest.mark.parametrize(
    ("changes", "insured", "premium", "terms"),
    [
        pytest.param({}, "1850.00", "23.80", LANTERNFISH_TERMS, id="declared-value-insured-by-default"),
        pytest.param({"insured_value": "500.00"}, "500.00", "6.95", LANTERNFISH_TERMS, id="part-insured"),  # 5 x 1.39
        pytest.param(
            {"insurer": "jadeharbour", "currency": "CNY", "declared_value": "2500.00"},
            "2500.00",
            "34.00",
            JADEHARBOUR_TERMS,
            id="jadeharbour",
        ),
        pytest.param(
            {"insurer": "JadeHarbour", "currency": "usd", "declared_value": "50.00", "destination_country": "de"},
            "50.00",
            "1.00",
            JADEHARBOUR_TERMS,
            id="minimum-premium",
        ),
    ],
)
def test_quote_accepted(api, changes, insured, premium, terms):
    response = get_quote(api, **changes)

    assert response.status_code == 200
    body = response.get_json()
    assert body["accepted"] is True
    assert (body["insured_value"], body["premium"], body["terms_effective"]) == (insured, premium, terms)
    assert body["currency"] == (changes.get("currency") or "USD").upper()
    assert body["insurer"] == (changes.get("insurer") or "lanternfish").lower()


def test_quote_matches_the_premium_of_the_order(api):
    quoted = get_quote(api, insured_value="1234.00").get_json()
    ordered = post_order(api, cover={"insurer": "lanternfish", "insured_value": "1234.00"}).get_json()

    assert quoted["premium"] == ordered["premium"] == "17.20"  # 13 started units: 10 x 1.39 + 3 x 1.10
    assert quoted["rate_description"] == ordered["cover"]["rate_description"]


@pytest.mark.parametrize(
    ("changes", "reason", "field", "message"),
    [
        pytest.param(
            {"destination_country": "BR"},
            "destination_excluded",
            "destination_country",
            "Lanternfish Mutual does not cover parcels to BR",
            id="destination",
        ),
        pytest.param(
            {"category": "art"},
            "category_excluded",
            "category",
            "Lanternfish Mutual does not cover art and antiques (art)",
            id="category",
        ),
        pytest.param(
            {"currency": "CNY"},
            "currency_not_covered",
            "currency",
            "Lanternfish Mutual does not cover CNY; it covers USD",
            id="currency",
        ),
        pytest.param(
            {"declared_value": "5100.00"},
            "value_over_maximum",
            "insured_value",
            "insured value 5100.00 USD is over Lanternfish Mutual's maximum of 5000.00 USD",
            id="maximum",
        ),
        pytest.param(
            {"insured_value": "1850.01"},
            "other",
            "insured_value",
            "insured value 1850.01 USD is more than the declared value 1850.00 USD",
            id="over-declared",
        ),
        pytest.param(
            {"insurer": "jadeharbour", "carrier": "harbourpost", "service": "surface_parcel"},
            "service_not_covered",
            "service_code",
            "Jade Harbour Insurance does not cover surface services (surface_parcel): transit outlasts the cover",
            id="surface-parcel",
        ),
    ],
)
def test_quote_refused_with_the_insurers_reason(api, changes, reason, field, message):
    response = get_quote(api, **changes)

    assert response.status_code == 200
    assert response.get_json() == {
        "insurer": changes.get("insurer", "lanternfish"),
        "accepted": False,
        "reason": reason,
        "field": field,
        "message": message,
    }


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        pytest.param({"insurer": None}, {"insurer": "is required"}, id="no-insurer"),
        pytest.param(
            {"insurer": "acme"},
            {"insurer": "unknown insurer 'acme' (known: "},
            id="unknown-insurer",
        ),
        pytest.param(
            {"currency": "ZZZ"},
            {
                "currency": "ZZZ is not an ISO-4217 currency code",
                "declared_value": "cannot be checked without a valid currency",
            },
            id="bad-currency",
        ),
        pytest.param(
            {"currency": None, "declared_value": None},
            {"currency": "(empty) is not an ISO-4217", "declared_value": "is required"},
            id="nothing",
        ),
        pytest.param({"declared_value": None}, {"declared_value": "is required"}, id="no-declared-value"),
        pytest.param(
            {"declared_value": "1.234"},
            {"declared_value": "has more than 2 decimal places for USD"},
            id="too-many-decimals",
        ),
        pytest.param({"insured_value": "-1"}, {"insured_value": "must not be negative"}, id="negative-insured"),
        pytest.param({"insured_value": ""}, {"insured_value": "is required"}, id="empty-insured"),
        pytest.param(
            {"destination_country": "XX"},
            {"destination_country": "XX is not an ISO 3166-1 alpha-2 country code"},
            id="bad-country",
        ),
        pytest.param({"category": "weapons"}, {"category": "unknown category 'weapons'"}, id="bad-category"),
    ],
)
def test_quote_with_bad_parameters_is_422(api, changes, errors):
    response = get_quote(api, **changes)

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "the quote request has errors"
    assert set(body["errors"]) == set(errors)
    for field, fragment in errors.items():
        assert fragment in body["errors"][field]


# --- GET /carriers, /insurers --------------------------------------------------------------------------


def test_carriers_give_the_rules_for_a_destination(api, plugins):
    body = api.get("/api/v1/carriers?destination_country=gb").get_json()
    assert body["destination_country"] == "GB"
    swiftwing = next(c for c in body["carriers"] if c["code"] == "swiftwing")
    expected = plugins.carrier("swiftwing").trace_window("express_worldwide", "GB")
    assert swiftwing["services"][0]["earliest_trace_day"] == expected.earliest_day
    bad = api.get("/api/v1/carriers?destination_country=XX")
    assert bad.status_code == 422 and "destination_country" in bad.get_json()["errors"]


# --- OpenAPI ---------------------------------------------------------------------------------------


def test_openapi_document_is_valid(document):
    validate_spec(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["servers"] == [{"url": "/api/v1"}]


def api_operations(app) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route under /api/v1, e.g. ("/orders/{order_no}", "get")."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        operations |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return operations


def test_openapi_paths_are_exactly_the_routes(app, document):
    documented = {(path, method) for path, item in document["paths"].items() for method in item}

    assert len(api_operations(app)) == 9
    assert documented == api_operations(app)


def test_openapi_security_matches_what_the_api_demands(client, document):
    """Operations with ``security`` answer 401 without a token; the others answer."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            response = getattr(client, method)("/api/v1" + path.replace("{order_no}", "X-1"))
            expected = 401 if operation.get("security") else 200
            assert response.status_code == expected, (method, path)
            assert str(response.status_code) in operation["responses"], (method, path)


def test_schema_checking_is_real(document):
    """The validator resolves references and enforces them (else the tests below prove nothing)."""
    order_schema = {"$ref": "#/components/schemas/Order"}
    with pytest.raises(ValidationError, match="23.8 is not of type 'string', 'null'"):
        validator_for(document, order_schema).validate({"premium": 23.8})
    with pytest.raises(ValidationError, match="is not a 'date-time'"):
        validator_for(document, order_schema).validate({"created_at": "yesterday"})


def test_responses_match_the_document(api, document):
    checks = [
        ("/orders", "post", post_order(api)),  # 201
        ("/orders", "post", post_order(api)),  # 200, replay
        (
            "/orders",
            "post",
            post_order(api, order_no="PRG-2026-0002", cover=None, dispatched_at="2026-11-20T10:00:00+08:00"),
        ),  # 201 without cover
        ("/orders", "post", post_order(api, contents="Something else")),  # 409
        ("/orders", "post", post_order(api, order_no="PRG-2026-0003", currency="ZZZ")),  # 422
        ("/orders/{order_no}", "get", api.get(f"{ORDERS}/PRG-2026-0001")),
        ("/orders/{order_no}", "get", api.get(f"{ORDERS}/PRG-2026-0002")),
        ("/orders/{order_no}", "get", api.get(f"{ORDERS}/NOPE")),  # 404
        ("/quote", "get", get_quote(api)),
        ("/quote", "get", get_quote(api, destination_country="BR")),  # refusal
        ("/quote", "get", get_quote(api, currency="ZZZ")),  # 422
        ("/carriers", "get", api.get("/api/v1/carriers")),
        ("/insurers", "get", api.get("/api/v1/insurers")),
    ]
    assert [response.status_code for *_, response in checks] == [
        201,
        200,
        201,
        409,
        422,
        200,
        200,
        404,
        200,
        200,
        422,
        200,
        200,
    ]
    for path, method, response in checks:
        assert_documented(document, path, method, response)


def test_request_schema_accepts_a_valid_order_and_refuses_a_float_amount(document):
    validator = validator_for(document, {"$ref": "#/components/schemas/OrderRequest"})

    validator.validate(order_payload())
    assert not validator.is_valid(order_payload(declared_value=12.5))


def test_unknown_api_paths_and_methods_answer_in_json(api):
    missing = api.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and "error" in missing.get_json()
    wrong_method = api.post("/api/v1/carriers")
    assert wrong_method.status_code == 405 and "error" in wrong_method.get_json()
