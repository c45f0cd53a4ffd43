"""Lotus Line: the contract kit, its pipe-separated feed against the expected results, its
bilingual closing notice read back from real PDFs, its investigation request and its rules."""

import json
from datetime import date
from pathlib import Path

import pytest

from portal.plugin_api import TraceWindow
from portal.plugin_testing import (
    ContractKit,
    LetterSamples,
    feed_as_expected,
    load_plugin,
    render_pdf,
    sample_trace_details,
    tracking_fixtures,
)

FOLDER = Path(__file__).resolve().parents[1]


class TestContract(ContractKit):
    plugin = FOLDER


@pytest.fixture(scope="module")
def carrier():
    return load_plugin(FOLDER).carriers[0]


def test_the_fixture_set_is_complete():
    assert {raw.stem for raw, _ in tracking_fixtures(FOLDER)} == {
        "broken",
        "full_journey",
        "lost_journey",
        "unknown_code",
    }


@pytest.mark.parametrize("raw, expected", tracking_fixtures(FOLDER), ids=lambda p: p.name)
def test_fixture_parses_to_its_expected_result(carrier, raw, expected):
    assert feed_as_expected(carrier, carrier.parse_tracking(raw.read_bytes())) == json.loads(
        expected.read_text("utf-8")
    )


def test_local_times_are_read_in_the_hubs_zone(carrier):
    feed = carrier.parse_tracking(b"LL123456789CN|2026-07-01 12:00|ARR|Los Angeles LAX|Arrived\n")
    assert feed.events[0].occurred_at.isoformat() == "2026-07-01T19:00:00+00:00"  # PDT, UTC-7


def test_a_file_that_is_not_utf8_is_one_problem(carrier):
    feed = carrier.parse_tracking("LL123456789CN|2026-11-02 16:05|ACP|深圳|收件".encode("gbk"))
    assert feed.events == () and feed.problems[0].record == "file"


SAMPLES = LetterSamples(
    FOLDER,
    "lotusline",
    {
        "lost": {},
        "damaged": {"result": "破损 DAMAGED", "compensation": "1.234,50 EUR"},
        "delivered": {"result": "已妥投 DELIVERED", "compensation": None},
        "other_parcel": {"tracking_no": "LL999999999CN"},
        "bad_reference": {"reference": "CASE-778"},
        "missing_fields": {"reference": None, "closed_on": None, "compensation": None},
        "unknown_wording": {"result": "处理中 PENDING", "closed_on": date(2026, 11, 9)},
    },
)


@pytest.mark.parametrize("name", SAMPLES.names)
def test_letters_read_as_expected(name):
    assert SAMPLES.read(name) == SAMPLES.expected(name)


def test_the_investigation_request_is_lotus_lines_own(carrier):
    document = carrier.trace_request(sample_trace_details("LL123456789CN", "priority"))
    assert document.send_to == "investigations@lotusline.example"
    assert "request_type=NON-DELIVERY 未妥投" in document.text and "parcel=LL123456789CN" in document.text
    assert "查询申请 Investigation request" in document.html
    assert len(render_pdf(document.html)) > 1000


def test_rules(carrier):
    assert carrier.trace_window("priority", "DE") == TraceWindow(45, 90)
    assert carrier.trace_window("economy", "US") == TraceWindow(55, 90)
    assert carrier.stall_after_days("economy", "US", date(2026, 12, 1)) == 20
    assert carrier.check_tracking_no("priority", "LL123456789CN") is None
    assert (
        carrier.check_tracking_no("priority", "4PX3000000000001CN")
        == "must be LL, nine digits and CN (e.g. LL123456789CN)"
    )
    assert [item.kind for item in carrier.evidence_required("not_arrived", "priority")] == ["recipient_statement"]
    assert carrier.evidence_required("damaged", "priority") == ()
    assert carrier.liability_cap("priority", None, date(2026, 12, 1)) is None
