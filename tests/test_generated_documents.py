"""The documents Coverdesk makes itself, read back from the PDF: text, pages, header and footer,
Chinese text in a real font, the same bytes for the same inputs."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader

from portal.extensions import db
from portal.inquiries.generated import generated_pdf
from portal.orders.services import create_order
from portal.tracking.services import IncomingEvent, ingest
from tests.factories import TEST_ACTOR, order_payload

pytestmark = pytest.mark.documents  # reads what the generated documents say

ISSUED = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
BOUGHT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def order(plugins):
    order = create_order(
        plugins,
        order_payload(
            contents="蓝牙耳机 Bluetooth earbuds",
            seller={"code": "SZL014", "name": "深圳流明照明 Lumen Lighting", "email": "orders@szlumen.example"},
        ),
        TEST_ACTOR,
        "api",
        now=BOUGHT,
    ).order
    ingest(
        plugins,
        order,
        [
            IncomingEvent(
                BOUGHT + timedelta(hours=1),
                None,
                status="info_received",
                location="Shenzhen, Longhua",
                handover="pickup",
                description="Picked up",
            ),
            IncomingEvent(
                BOUGHT + timedelta(hours=4),
                None,
                status="in_transit",
                location="Shenzhen processing centre",
                handover="intake",
            ),
            IncomingEvent(
                BOUGHT + timedelta(hours=9),
                None,
                status="in_transit",
                location="Shenzhen Bao'an",
                handover="dispatch",
                description="Handed to line-haul",
            ),
            IncomingEvent(BOUGHT + timedelta(days=2), "ZZ9", description="Unheard-of code", location="Los Angeles"),
        ],
        source="api",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    return order


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_the_delivery_record_lists_handovers_and_every_event(order):
    reader, text = read(generated_pdf("delivery_record", order, issued_at=ISSUED, reference="INQ-2026-000042"))
    for expected in (
        "Delivery record",
        "PRG-2026-0001",
        "4PX3000000000001CN",
        "Picked up from the seller",
        "Processing-centre intake",
        "Dispatched to the carrier",
        "Shenzhen Bao'an",
        "ZZ9",
        "unmapped",
        "Los Angeles",
        "INQ-2026-000042",
        "Page 1 of 1",
        "蓝牙耳机",
        "深圳流明照明",
        "USD 1,850.00",
    ):
        assert expected in text, expected
    assert any("NotoSansCJK" in name.replace("-", "") for name in fonts(reader))  # a real, embedded CJK font


def test_the_certificate_and_the_proof_of_value(order):
    _, certificate = read(generated_pdf("delivery_certificate", order, issued_at=ISSUED, reference="INQ-1"))
    assert "certifies that the parcel below was handed over to 4PX" in " ".join(certificate.split())
    assert "Dispatched to the carrier" in certificate and "Shenzhen Bao'an" in certificate
    _, proof = read(generated_pdf("proof_of_insured_value", order, issued_at=ISSUED, reference="INQ-1"))
    for expected in (
        order.cover.certificate_no,
        "Lanternfish Mutual",
        "USD 1,850.00",
        "Insured value",
        "Declared value",
    ):
        assert expected in proof, expected


def test_the_same_inputs_give_the_same_bytes(order):
    first = generated_pdf("delivery_record", order, issued_at=ISSUED, reference="INQ-1")
    assert generated_pdf("delivery_record", order, issued_at=ISSUED, reference="INQ-1") == first
    assert generated_pdf("delivery_record", order, issued_at=ISSUED + timedelta(days=1), reference="INQ-1") != first


def test_a_long_history_runs_over_pages_with_the_header_on_each(plugins, order):
    ingest(
        plugins,
        order,
        [
            IncomingEvent(BOUGHT + timedelta(days=3, minutes=10 * n), None, status="in_transit", location=f"Hub {n}")
            for n in range(200)
        ],
        source="api",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    reader, _ = read(generated_pdf("delivery_record", order, issued_at=ISSUED, reference="INQ-2026-000042"))
    pages = len(reader.pages)
    assert pages >= 4
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "INQ-2026-000042" in text and f"Page {number} of {pages}" in text


def test_missing_data_is_named(plugins):
    order = create_order(plugins, order_payload(cover=None), TEST_ACTOR, "api", now=BOUGHT).order
    with pytest.raises(ValueError, match="order PRG-2026-0001 has no cover"):
        generated_pdf("proof_of_insured_value", order, issued_at=ISSUED, reference="INQ-1")
    with pytest.raises(ValueError, match="order PRG-2026-0001 has no dispatch time"):
        generated_pdf("delivery_certificate", order, issued_at=ISSUED, reference="INQ-1")
