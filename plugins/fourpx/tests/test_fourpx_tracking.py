"""4PX tracking: raw CSV fixtures against their expected normalised results."""

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from portal.plugin_api import HANDOVERS, TRACKING_REASONS, TRACKING_STATUSES, TraceWindow
from portal.plugin_engine import load_plugins
from portal.plugin_testing import feed_as_expected

PLUGINS_DIR = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
RAW = sorted(FIXTURES.glob("*.csv"))
#: Status texts the fixtures use on purpose without a mapping.
UNMAPPED = {"包裹已到达海外仓 / Arrived at overseas warehouse"}
HEADER = "tracking_no,event_time,status_text,location,remark\n"


@pytest.fixture(scope="module")
def registry():
    return load_plugins(PLUGINS_DIR, use_entry_points=False)


@pytest.fixture(scope="module")
def carrier(registry):
    return registry.carrier("fourpx")


@pytest.fixture(scope="module")
def tracking(carrier):
    return sys.modules[carrier.__class__.__module__.rsplit(".", 1)[0] + ".tracking"]


def parse(carrier, text):
    return carrier.parse_tracking(text.encode("utf-8"))


def test_fourpx_loads_and_follows_contract_1_4(registry, carrier):
    assert registry.failures == []
    assert registry.carriers["fourpx"].origin == "plugins/fourpx"
    assert carrier.contract == "1.4"


def test_the_fixture_set_is_complete():
    assert {p.stem for p in RAW} >= {"full_journey", "lost_journey", "unknown_code", "broken"}


@pytest.mark.parametrize("raw", RAW, ids=lambda p: p.name)
def test_fixture_parses_to_its_expected_result(carrier, raw):
    expected = json.loads(raw.with_name(f"{raw.stem}.expected.json").read_text("utf-8"))
    feed = carrier.parse_tracking(raw.read_bytes())
    assert feed_as_expected(carrier, feed) == expected
    assert all(event.occurred_at.utcoffset() is not None for event in feed.events)
    assert all(event.handover in (None, *HANDOVERS) for event in feed.events)


@pytest.mark.parametrize("raw", RAW, ids=lambda p: p.name)
def test_fixture_tracking_numbers_are_valid(carrier, raw):
    for event in carrier.parse_tracking(raw.read_bytes()).events:
        assert carrier.check_tracking_no("fourpx_c", event.tracking_no) is None


def test_status_map_covers_every_fixture_status_but_the_deliberately_unknown(carrier):
    texts = {event.code for raw in RAW for event in carrier.parse_tracking(raw.read_bytes()).events}
    assert {t for t in texts if carrier.normalise(t, "") == (None, None)} == UNMAPPED
    for status, reason in carrier.status_map.values():
        assert status in TRACKING_STATUSES and (reason is None or reason in TRACKING_REASONS)


@pytest.mark.parametrize(
    "text, result",
    [
        ("已签收 / Delivered", ("delivered", None)),
        ("  delivered ", ("delivered", None)),
        ("已签收", ("delivered", None)),
        ("Lost - confirmed by carrier", ("exception", "lost")),
        ("LOST–CONFIRMED BY CARRIER", ("exception", "lost")),
        ("已确认丢失 / Lost - confirmed by carrier", ("exception", "lost")),
        ("查询中 / Under investigation", ("exception", "being_researched")),
        ("包裹破损 / Damaged", ("exception", "damaged")),
        ("海关扣留 / Held by customs", ("exception", "customs")),
        ("已退回发件人 / Returned to sender", ("returned", "returned_to_sender")),
        # Parts that disagree, or one part unknown: never guessed.
        ("已签收 / Out for delivery", (None, None)),
        ("已签收 / Something new", (None, None)),
        ("In transit somewhere", (None, None)),
        (None, (None, None)),
    ],
)
def test_normalise_matches_status_texts(carrier, text, result):
    assert carrier.normalise(text, "") == result


def test_the_warehouse_hand_over_scans_are_marked(carrier):
    feed = carrier.parse_tracking((FIXTURES / "full_journey.csv").read_bytes())
    assert [e.handover for e in feed.events if e.handover] == ["pickup", "intake", "dispatch"]


def test_an_unknown_status_comes_through_unmapped(carrier):
    feed = carrier.parse_tracking((FIXTURES / "unknown_code.csv").read_bytes())
    event = next(e for e in feed.events if e.code in UNMAPPED)
    assert carrier.normalise(event.code, event.description) == (None, None)


def test_the_lost_journey_ends_in_a_loss(carrier):
    feed = carrier.parse_tracking((FIXTURES / "lost_journey.csv").read_bytes())
    assert carrier.normalise(feed.events[-1].code, "") == ("exception", "lost")


def test_times_are_china_time_unless_the_file_says_otherwise(carrier):
    feed = parse(
        carrier,
        HEADER
        + "4PX3001234567890CN,2026-11-02 10:15:00,Delivered,,\n"
        + "4PX3001234567890CN,2026-11-02T10:15:00+01:00,Delivered,,\n",
    )
    assert [e.occurred_at.astimezone(UTC) for e in feed.events] == [
        datetime(2026, 11, 2, 2, 15, tzinfo=UTC),
        datetime(2026, 11, 2, 9, 15, tzinfo=UTC),
    ]
    feed = parse(
        carrier,
        HEADER.replace("\n", ",time_zone\n")
        + "4PX3001234567890CN,2026-07-02 10:15:00,Delivered,,,Europe/Madrid\n"
        + "4PX3001234567890CN,2026-07-02 10:15:00,Delivered,,,Mars/Olympus\n",
    )
    assert feed.events[0].occurred_at.astimezone(UTC) == datetime(2026, 7, 2, 8, 15, tzinfo=UTC)
    assert feed.problems[0].record == "line 3" and "time zone" in feed.problems[0].reason


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"\xff\xfe\x00t", "not UTF-8"),
        ("单号,时间,状态\n4PX3001234567890CN,2026-11-02 10:15:00,已签收\n".encode(), "header must be"),
        (b"tracking_no,event_time,status_text,location\n", "header must be"),
    ],
)
def test_an_unreadable_file_gives_one_problem(carrier, content, reason):
    feed = carrier.parse_tracking(content)
    assert feed.events == ()
    assert len(feed.problems) == 1 and feed.problems[0].record == "file" and reason in feed.problems[0].reason


def test_a_bom_is_accepted(carrier):
    feed = carrier.parse_tracking(("\ufeff" + HEADER + "4PX3001234567890CN,2026-11-02 10:15:00,已揽收,,\n").encode())
    assert feed.problems == () and feed.events[0].handover == "pickup"


@pytest.mark.parametrize(
    "service, on, days",
    [
        ("express", date(2026, 3, 1), 7),
        ("fourpx_c", date(2026, 3, 1), 9),
        ("global_direct", date(2026, 3, 1), 12),
        ("fourpx_c", date(2026, 11, 14), 9),
        ("fourpx_c", date(2026, 11, 15), 19),
        ("express", date(2027, 1, 15), 17),
        ("global_direct", date(2027, 1, 16), 12),
    ],
)
def test_stall_after_days_adds_10_days_in_peak_season(carrier, service, on, days):
    assert carrier.stall_after_days(service, "US", on) == days
    assert carrier.stall_after_days(service, "DE", on) == days


@pytest.mark.parametrize(
    "service, window",
    [("fourpx_c", TraceWindow(9, 60)), ("express", TraceWindow(15, 60)), ("global_direct", TraceWindow(25, 60))],
)
def test_trace_window_follows_c1(carrier, service, window):
    assert carrier.trace_window(service, "US") == window


def test_every_status_has_both_languages(tracking):
    assert len(tracking.STATUS_MAP) == 2 * len(tracking.STATUSES)
