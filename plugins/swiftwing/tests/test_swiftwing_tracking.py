"""Swiftwing tracking: raw JSON fixtures against their expected normalised results."""

import json
from datetime import date
from pathlib import Path

import pytest

from portal.plugin_api import TRACKING_REASONS, TRACKING_STATUSES, TraceWindow
from portal.plugin_engine import load_plugins
from portal.plugin_testing import feed_as_expected

PLUGINS_DIR = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RAW = sorted(p for p in FIXTURES.glob("*.json") if not p.name.endswith(".expected.json"))
#: Codes the fixtures use on purpose without a mapping.
UNMAPPED = {"5005"}


@pytest.fixture(scope="module")
def registry():
    return load_plugins(PLUGINS_DIR, use_entry_points=False)


@pytest.fixture(scope="module")
def carrier(registry):
    return registry.carrier("swiftwing")


def test_swiftwing_loads_and_follows_contract_1_4(registry, carrier):
    assert registry.failures == []
    assert registry.carriers["swiftwing"].origin == "plugins/swiftwing"
    assert carrier.contract == "1.4"


def test_the_fixture_set_is_complete():
    assert {p.stem for p in RAW} >= {"full_journey", "lost_journey", "unknown_code", "broken"}


@pytest.mark.parametrize("raw", RAW, ids=lambda p: p.name)
def test_fixture_parses_to_its_expected_result(carrier, raw):
    expected = json.loads(raw.with_name(f"{raw.stem}.expected.json").read_text("utf-8"))
    feed = carrier.parse_tracking(raw.read_bytes())
    assert feed_as_expected(carrier, feed) == expected
    assert all(event.occurred_at.utcoffset() is not None for event in feed.events)


@pytest.mark.parametrize("raw", RAW, ids=lambda p: p.name)
def test_fixture_waybills_are_valid(carrier, raw):
    for event in carrier.parse_tracking(raw.read_bytes()).events:
        assert carrier.check_tracking_no("express_worldwide", event.tracking_no) is None


def test_several_waybills_in_one_response(carrier):
    feed = carrier.parse_tracking((FIXTURES / "full_journey.json").read_bytes())
    assert {e.tracking_no for e in feed.events} == {"7100000042", "7100000053"}


def test_status_map_covers_every_fixture_code_but_the_deliberately_unknown(carrier):
    codes = {event.code for raw in RAW for event in carrier.parse_tracking(raw.read_bytes()).events}
    assert codes - set(carrier.status_map) == UNMAPPED
    for status, reason in carrier.status_map.values():
        assert status in TRACKING_STATUSES and (reason is None or reason in TRACKING_REASONS)
    assert carrier.status_map["3030"] == ("exception", "lost")
    assert carrier.status_map["3020"] == ("exception", "damaged")


def test_an_unknown_code_comes_through_unmapped(carrier):
    feed = carrier.parse_tracking((FIXTURES / "unknown_code.json").read_bytes())
    event = next(e for e in feed.events if e.code == "5005")
    assert event.description == "Shipment rerouted to alternative gateway"
    assert carrier.normalise(event.code, event.description) == (None, None)


def test_the_lost_journey_ends_in_a_loss(carrier):
    feed = carrier.parse_tracking((FIXTURES / "lost_journey.json").read_bytes())
    assert carrier.normalise(feed.events[-1].code, "") == ("exception", "lost")


@pytest.mark.parametrize(
    "content, reason",
    [
        (b'{"shipments": [{"waybill": "7100000042", "checkpoints": [', "not valid JSON"),
        (b"", "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b"[1, 2]", "expected an object"),
        (b'{"shipments": "none"}', "not a list"),
    ],
)
def test_an_unreadable_file_gives_one_problem(carrier, content, reason):
    feed = carrier.parse_tracking(content)
    assert feed.events == ()
    assert len(feed.problems) == 1 and feed.problems[0].record == "file" and reason in feed.problems[0].reason


@pytest.mark.parametrize("tz", ["+8", "+15:00", "UTC", 8])
def test_a_bad_offset_is_a_problem(carrier, tz):
    content = json.dumps(
        {"waybill": "7100000042", "checkpoints": [{"code": 1010, "ts": "2026-11-02 10:15:00", "tz": tz}]}
    ).encode()
    feed = carrier.parse_tracking(content)
    assert feed.events == () and feed.problems[0].record == "checkpoint 1 of waybill 7100000042"


@pytest.mark.parametrize(
    "service, destination, on, days",
    [
        ("express_worldwide", "US", date(2026, 3, 1), 3),
        ("economy_express", "US", date(2026, 3, 1), 5),
        ("express_worldwide", "BR", date(2026, 3, 1), 6),
        ("economy_express", "br", date(2026, 3, 1), 8),
        ("express_worldwide", "US", date(2026, 11, 15), 5),
        ("economy_express", "IN", date(2027, 1, 15), 10),
        ("economy_express", "IN", date(2027, 1, 16), 8),
    ],
)
def test_stall_after_days_by_service_destination_and_peak(carrier, service, destination, on, days):
    assert carrier.stall_after_days(service, destination, on) == days


@pytest.mark.parametrize(
    "service, window", [("express_worldwide", TraceWindow(3, 30)), ("economy_express", TraceWindow(5, 30))]
)
def test_trace_window(carrier, service, window):
    assert carrier.trace_window(service, "US") == window


@pytest.mark.parametrize(
    "destination, on, reason",
    [
        ("US", date(2026, 3, 1), ""),
        ("BR", date(2026, 3, 1), "slow import clearance, 3 days more"),
        ("US", date(2026, 12, 1), "peak season (15 Nov–15 Jan), 2 days more"),
        ("in", date(2027, 1, 15), "slow import clearance, 3 days more; peak season (15 Nov–15 Jan), 2 days more"),
    ],
)
def test_the_stall_reason_names_what_lengthens_the_wait(carrier, destination, on, reason):
    assert carrier.stall_reason("economy_express", destination, on) == reason
