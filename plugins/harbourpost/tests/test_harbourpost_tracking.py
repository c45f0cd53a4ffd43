"""Harbour Post tracking: raw UPU-style XML fixtures against their expected normalised results."""

import json
from datetime import date
from pathlib import Path

import pytest

from portal.plugin_api import TRACKING_REASONS, TRACKING_STATUSES, TraceWindow
from portal.plugin_engine import load_plugins
from portal.plugin_testing import feed_as_expected

PLUGINS_DIR = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RAW = sorted(FIXTURES.glob("*.xml"))
#: Codes the fixtures use on purpose without a mapping.
UNMAPPED = {"EDX"}
SERVICE_BY_LETTER = {"R": "registered_air", "E": "ems", "C": "surface_parcel"}


@pytest.fixture(scope="module")
def registry():
    return load_plugins(PLUGINS_DIR, use_entry_points=False)


@pytest.fixture(scope="module")
def carrier(registry):
    return registry.carrier("harbourpost")


def test_harbourpost_loads_and_follows_contract_1_4(registry, carrier):
    assert registry.failures == []
    assert registry.carriers["harbourpost"].origin == "plugins/harbourpost"
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
def test_fixture_tracking_numbers_are_valid_s10_numbers(carrier, raw):
    for event in carrier.parse_tracking(raw.read_bytes()).events:
        assert carrier.check_tracking_no(SERVICE_BY_LETTER[event.tracking_no[0]], event.tracking_no) is None


def test_status_map_covers_every_fixture_code_but_the_deliberately_unknown(carrier):
    codes = {event.code for raw in RAW for event in carrier.parse_tracking(raw.read_bytes()).events}
    assert codes - set(carrier.status_map) == UNMAPPED
    for status, reason in carrier.status_map.values():
        assert status in TRACKING_STATUSES and (reason is None or reason in TRACKING_REASONS)
    assert carrier.status_map["EMI"] == ("delivered", None)
    assert carrier.status_map["HPL"] == ("exception", "lost")
    assert carrier.status_map["HPR"] == ("exception", "being_researched")


def test_an_unknown_code_comes_through_unmapped(carrier):
    feed = carrier.parse_tracking((FIXTURES / "unknown_code.xml").read_bytes())
    event = next(e for e in feed.events if e.code == "EDX")
    assert event.description == "Item in quarantine inspection"
    assert carrier.normalise(event.code, event.description) == (None, None)


def test_the_lost_journey_ends_in_a_loss(carrier):
    feed = carrier.parse_tracking((FIXTURES / "lost_journey.xml").read_bytes())
    assert carrier.normalise(feed.events[-1].code, "") == ("exception", "lost")


@pytest.mark.parametrize(
    "content, reason",
    [
        (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><items/>', "DOCTYPE or ENTITY"),
        (b'<items><!ENTITY x "y"></items>', "DOCTYPE or ENTITY"),
        (b'<items><item id="RR123456785CN"><event code="EMA"', "not well-formed XML"),
        (b"", "not well-formed XML"),
        (b"<consignments/>", "expected <items>"),
    ],
)
def test_an_unreadable_file_gives_one_problem(carrier, content, reason):
    feed = carrier.parse_tracking(content)
    assert feed.events == ()
    assert len(feed.problems) == 1 and feed.problems[0].record == "file" and reason in feed.problems[0].reason


@pytest.mark.parametrize(
    "service, on, days",
    [
        ("ems", date(2026, 3, 1), 7),
        ("registered_air", date(2026, 3, 1), 14),
        ("surface_parcel", date(2026, 3, 1), 30),
        ("registered_air", date(2026, 11, 14), 14),
        ("registered_air", date(2026, 11, 15), 19),
        ("ems", date(2027, 1, 15), 12),
        ("ems", date(2027, 1, 16), 7),
        ("surface_parcel", date(2026, 12, 25), 35),
    ],
)
def test_stall_after_days_by_service_and_peak_season(carrier, service, on, days):
    assert carrier.stall_after_days(service, "US", on) == days
    assert carrier.stall_after_days(service, "GB", on) == days


def test_postal_stalls_later_than_express(carrier, registry):
    express = registry.carrier("swiftwing")
    on = date(2026, 3, 1)
    assert carrier.stall_after_days("ems", "US", on) > express.stall_after_days("express_worldwide", "US", on)


@pytest.mark.parametrize(
    "service, window",
    [("registered_air", TraceWindow(7, 183)), ("ems", TraceWindow(3, 90)), ("surface_parcel", TraceWindow(30, 183))],
)
def test_trace_window_follows_imm_921_2(carrier, service, window):
    assert carrier.trace_window(service, "US") == window
    assert carrier.trace_window(service, "DE") == window


@pytest.mark.parametrize(
    "on, reason",
    [
        (date(2026, 11, 14), ""),
        (date(2026, 11, 15), "peak season (15 Nov–15 Jan), 5 days more"),
        (date(2027, 1, 16), ""),
    ],
)
def test_the_stall_reason_names_peak_season(carrier, on, reason):
    assert carrier.stall_reason("ems", "US", on) == reason
