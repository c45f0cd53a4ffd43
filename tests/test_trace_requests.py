"""Trace requests: every carrier renders one in its own format, with the order's details and the
warehouse's handover scans, as e-mail text and as a printable PDF; values are escaped."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.inquiries.services import trace_request_pdf
from portal.money import Money
from portal.pdf_text import extract_text
from portal.plugin_api import HandoverScan, TraceDetails

TRACKING = {"fourpx": "4PX3001234567890CN", "swiftwing": "7100000086", "harbourpost": "RR123456785CN"}
SERVICE = {"fourpx": "fourpx_c", "swiftwing": "express_worldwide", "harbourpost": "registered_air"}


def details(code: str, contents: str = "Drone with 4K camera") -> TraceDetails:
    return TraceDetails(
        order_no="PRG-2026-0917",
        tracking_no=TRACKING[code],
        service_code=SERVICE[code],
        destination_country="US",
        declared_value=Money(Decimal("1850.00"), "USD"),
        contents=contents,
        inquiry_kind="not_arrived",
        seller_name="Pearl River Gadgets",
        sender_name="Coverdesk warehouse",
        sender_email="claims@coverdesk.example",
        requested_on=date(2026, 11, 24),
        dispatched_at=datetime(2026, 11, 2, 8, 0, tzinfo=UTC),
        handovers=(
            HandoverScan("pickup", datetime(2026, 11, 1, 10, 15, tzinfo=UTC), "Shenzhen, Longhua"),
            HandoverScan("dispatch", datetime(2026, 11, 2, 8, 0, tzinfo=UTC), "Shenzhen Bao'an"),
        ),
        last_event_at=datetime(2026, 11, 4, 6, 30, tzinfo=UTC),
        last_event_description="Departed facility",
        last_event_location="Hong Kong",
        seller_message="Buyer opened a case.",
    )


@pytest.mark.parametrize("code", sorted(TRACKING))
def test_each_carrier_fills_its_trace_request(app, plugins, code):
    document = plugins.carrier(code).trace_request(details(code))
    pdf_text = " ".join(extract_text(trace_request_pdf(document)).split())
    for text in (document.text, pdf_text):
        for value in (
            TRACKING[code],
            "PRG-2026-0917",
            "Drone with 4K camera",
            "Shenzhen, Longhua",
            "Shenzhen Bao'an",
            "2026-11-02 08:00 UTC",
            "Departed facility",
            "claims@coverdesk.example",
        ):
            assert value in text, (code, value)
    assert TRACKING[code] in document.subject and document.send_to


def test_the_carriers_forms_differ(plugins):
    pages = {code: plugins.carrier(code).trace_request(details(code)).html for code in TRACKING}
    assert "CN 08" in pages["harbourpost"] and "查件工单" in pages["fourpx"] and "SWIFTWING" in pages["swiftwing"]
    assert len(set(pages.values())) == 3


@pytest.mark.parametrize("code", sorted(TRACKING))
def test_values_are_escaped_in_the_printable_form(plugins, code):
    document = plugins.carrier(code).trace_request(details(code, contents='<script>alert("x")</script> & co'))
    assert "<script>" not in document.html and "&lt;script&gt;" in document.html
    assert '<script>alert("x")</script> & co' in document.text  # the e-mail is plain text


def test_a_carrier_without_a_form_of_its_own_gets_the_plain_request():
    from portal.plugin_api import CarrierPlugin, Service

    class Plain(CarrierPlugin):
        code, name, kind, services = "plain", "Plain Post", "postal", (Service("std", "Standard"),)

        def tracking_url(self, tracking_no):
            return f"https://plain.example/{tracking_no}"

    document = Plain().trace_request(details("swiftwing"))
    assert document.subject == "Trace request 7100000086 (PRG-2026-0917)" and "Plain Post" in document.text
    assert "Picked up from the seller: 2026-11-01 10:15 UTC Shenzhen, Longhua" in document.text
