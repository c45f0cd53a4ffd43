"""Claim forms name the claimant and the consignee: the seller's postal address and phone and the
order's recipient come in through the API, the CSV import and the new-order form (all optional,
checked field by field), and appear on the order page, the generated documents, the trace
request and the pack, read back from the PDFs. Every PDF names its time zone."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.claims import services as claims
from portal.claims.pack import render_pack
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.inquiries.generated import generated_pdf
from portal.orders.models import Order
from portal.orders.services import create_order
from portal.sellers.models import Seller
from tests.factories import (
    TEST_ACTOR,
    assert_documented,
    csv_row,
    csv_text,
    dispatched_order,
    opened,
    order_form,
    order_payload,
    ready_inquiry,
    run_import,
)

SELLER_ADDRESS = "Room 1203, Block B, Tian'an Cyber Park\nFutian District, Shenzhen 518040\nChina"
SELLER = {
    "code": "PRG001",
    "name": "Pearl River Gadgets",
    "email": "ops@pearlriver.example",
    "address": SELLER_ADDRESS,
    "phone": "+86 755 2345 6789",
}
RECIPIENT = {"name": "Jordan Avery", "address": "1200 Harbor Boulevard, Apt 4B\nOakland, CA 94607\nUnited States"}
ISSUED = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)

pytestmark = pytest.mark.documents  # reads what the generated documents say


def pdf_text(pdf: bytes) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def order_no(number: str) -> Order:
    return db.session.scalar(select(Order).where(Order.order_no == number))


# --- coming in -----------------------------------------------------------------------------------


def test_the_api_takes_and_returns_the_addresses(api, client):
    response = api.post("/api/v1/orders", json=order_payload(seller=SELLER, recipient=RECIPIENT))
    assert response.status_code == 201, response.get_json()
    document = client.get("/api/v1/openapi.json").get_json()
    assert_documented(document, "/orders", "post", response)
    body = response.get_json()
    assert body["seller"]["address"] == SELLER_ADDRESS and body["seller"]["phone"] == "+86 755 2345 6789"
    assert body["recipient"] == RECIPIENT
    order = order_no("PRG-2026-0001")
    assert (order.recipient_name, order.recipient_address) == (RECIPIENT["name"], RECIPIENT["address"])
    # The same order again is the same order; an old order without addresses reads back null.
    assert api.post("/api/v1/orders", json=order_payload(seller=SELLER, recipient=RECIPIENT)).status_code == 200
    old = api.post("/api/v1/orders", json=order_payload(order_no="OLD-1", tracking_no="4PX3000000000002CN"))
    assert old.status_code == 201 and old.get_json()["recipient"] is None
    assert_documented(document, "/orders", "post", old)


@pytest.mark.parametrize(
    ("seller", "recipient", "errors"),
    [
        ({"phone": "call me"}, None, {"seller.phone": "is not a phone number"}),
        ({"phone": "12"}, None, {"seller.phone": "5 to 20 digits"}),
        ({"address": "x" * 501}, None, {"seller.address": "at most 500 characters"}),
        ({"address": "\n".join(f"line {n}" for n in range(9))}, None, {"seller.address": "at most 8 lines"}),
        ({"address": 42}, None, {"seller.address": "must be text"}),
        ({}, {"name": "Jordan Avery"}, {"recipient.address": "is required with the recipient's name"}),
        ({}, {"address": "Oakland"}, {"recipient.name": "is required with the recipient's address"}),
        ({}, {"name": "Jordan\nAvery", "address": "Oakland"}, {"recipient.name": "one line"}),
        ({}, "Jordan Avery, Oakland", {"recipient": "must be an object with name and address"}),
    ],
)
def test_bad_addresses_are_refused_naming_the_field(api, seller, recipient, errors):
    payload = order_payload(seller={**SELLER, **seller}, recipient=recipient)
    response = api.post("/api/v1/orders", json=payload)
    assert response.status_code == 422
    found = response.get_json()["errors"]
    assert set(found) == set(errors), found
    assert all(fragment in found[field] for field, fragment in errors.items()), found
    assert db.session.scalar(select(Order)) is None


def test_the_latest_address_wins_and_an_order_without_one_keeps_it(plugins):
    create_order(plugins, order_payload(seller={**SELLER, "address": "", "phone": ""}), TEST_ACTOR, "api")
    seller = db.session.scalar(select(Seller))
    assert (seller.address, seller.phone) == (None, None)  # a seller from before addresses
    create_order(
        plugins, order_payload(order_no="A-2", tracking_no="4PX3000000000002CN", seller=SELLER), TEST_ACTOR, "api"
    )
    create_order(
        plugins,
        order_payload(order_no="A-3", tracking_no="4PX3000000000003CN", seller={**SELLER, "address": None}),
        TEST_ACTOR,
        "api",
    )
    db.session.commit()
    db.session.refresh(seller)
    assert (seller.address, seller.phone) == (SELLER_ADDRESS, "+86 755 2345 6789")


def test_the_csv_import_takes_the_address_columns(plugins):
    text = csv_text(
        csv_row(
            1,
            seller_address=SELLER_ADDRESS,
            seller_phone="+86 755 2345 6789",
            recipient_name="Jordan Avery",
            recipient_address=RECIPIENT["address"],
        ),
        csv_row(2, seller_phone="phone", recipient_name="Jordan Avery"),
        csv_row(3),
    )
    result = run_import(text, plugins)
    assert result.created == 2
    assert {(e.line, e.field) for e in result.errors} == {(7, "seller_phone"), (7, "recipient_address")}
    first = order_no("CSV-0001")
    assert first.recipient_name == "Jordan Avery" and first.recipient_address == RECIPIENT["address"]
    assert first.seller.address == SELLER_ADDRESS  # the multi-line quoted field, lines kept
    assert order_no("CSV-0003").recipient_name is None


NO_COVER = {"cover_insurer": "", "cover_insured_value": ""}


def test_the_new_order_form_takes_them_and_marks_a_bad_one(auth, client):
    auth.login()
    refused = client.post(
        "/orders/new", data=order_form(auth.csrf(), **NO_COVER, recipient_name="Jordan Avery", seller_phone="?")
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="recipient_address-error"' in html and 'id="seller_phone-error"' in html
    assert 'value="Jordan Avery"' in html  # what was typed is kept
    response = client.post(
        "/orders/new",
        data=order_form(
            auth.csrf(),
            **NO_COVER,
            seller_address="Unit 7, 12/F, Kwun Tong Industrial Centre\r\nKowloon, Hong Kong",
            seller_phone="+852 2345 6780",
            recipient_name="Amelia Hart",
            recipient_address="14 Mill Lane\r\nBristol BS1 4DJ\r\nUnited Kingdom",
        ),
    )
    assert response.status_code == 303
    page = client.get("/orders/WEB-0001").get_data(as_text=True)
    assert "Amelia Hart" in page and "14 Mill Lane\nBristol BS1 4DJ" in page and "+852 2345 6780" in page


# --- going out: documents, trace request, pack ---------------------------------------------------


def test_the_generated_documents_name_claimant_consignee_and_time_zone(plugins):
    order = dispatched_order(plugins, seller=SELLER, recipient=RECIPIENT)
    for kind in ("delivery_record", "delivery_certificate", "proof_of_insured_value"):
        (text,) = pdf_text(generated_pdf(kind, order, issued_at=ISSUED, reference="INQ-1"))
        for expected in (
            "Seller (claimant) Pearl River Gadgets (PRG001)",
            "Tian'an Cyber Park",
            "Tel. +86 755 2345 6789",
            "Recipient (consignee) Jordan Avery",
            "Oakland, CA 94607",
            "Times: Asia/Shanghai (UTC+08:00)",
            "4PX-C",  # the service by its name
        ):
            assert expected in text, (kind, expected)
    # An old order without them prints no empty lines for them.
    old = dispatched_order(plugins, order_no="OLD-1", tracking_no="4PX3000000000002CN")
    (text,) = pdf_text(generated_pdf("delivery_record", old, issued_at=ISSUED, reference="INQ-2"))
    assert "consignee" not in text and "Asia/Shanghai" in text


def test_the_trace_request_names_them_in_warehouse_time(plugins):
    order = dispatched_order(plugins, seller=SELLER, recipient=RECIPIENT)
    inquiry = opened(plugins, order)
    document = inquiries.trace_request(
        plugins, inquiry, sender_name="Coverdesk warehouse", sender_email="claims@x.example", today=ISSUED.date()
    )
    local = (order.dispatched_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")  # Shanghai: UTC+8
    (text,) = pdf_text(inquiries.trace_request_pdf(document))
    assert f"{local} UTC+08:00" in text and "Asia/Shanghai (UTC+08:00)" in text
    assert "UTC " not in text.replace("UTC+08:00", "")  # no time left in UTC
    assert "Jordan Avery" in text and "Oakland, CA 94607" in text and "Tian'an Cyber Park" in text
    assert "4PX-C" in text and "fourpx_c" not in text
    assert "Jordan Avery" in document.text and f"{local} UTC+08:00" in document.text


@pytest.mark.parametrize(("insurer", "kind"), [("lanternfish", "not_arrived"), ("jadeharbour", "partly_missing")])
def test_the_pack_names_claimant_consignee_service_and_zone(plugins, insurer, kind):
    inquiry = ready_inquiry(plugins, insurer=insurer, kind=kind)
    order = inquiry.order
    order.recipient_name, order.recipient_address = RECIPIENT["name"], RECIPIENT["address"]
    order.seller.address, order.seller.phone = SELLER_ADDRESS, "+86 755 2345 6789"
    db.session.commit()
    claim = claims.create_claim(plugins, inquiry, TEST_ACTOR)
    pages = pdf_text(render_pack(plugins, claim, generated_at=ISSUED).pdf)
    first = pages[0] + " " + (pages[1] if len(pages) > 1 else "")
    for expected in ("Jordan Avery", "Oakland, CA 94607", "Tian'an Cyber Park", "+86 755 2345 6789", "4PX-C"):
        assert expected in first, expected
    assert all("times in Asia/Shanghai (UTC+08:00)" in page for page in pages)
    # The tracking table: every event with the carrier's own words and its place.
    assert "Shenzhen" in first and ("Carrier's wording" in first)
