"""Tracking events: one service, idempotent, any order of arrival, unmapped kept, stall by carrier."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.clock import to_local, utcnow
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.orders.models import Order
from portal.orders.services import create_order
from portal.tracking.models import TrackingEvent
from portal.tracking.services import IncomingEvent, ingest, is_stalled
from tests.factories import FOURPX_FIXTURES, TEST_ACTOR, order_payload

CREATED = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def order(plugins) -> Order:
    result = create_order(plugins, order_payload(), TEST_ACTOR, "api", now=CREATED)
    db.session.commit()
    return result.order


def at(days: float) -> str:
    return (CREATED + timedelta(days=days)).isoformat()


def post_events(api, *events, order_no="PRG-2026-0001"):
    return api.post(f"/api/v1/orders/{order_no}/tracking-events", json={"events": list(events)})


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(TrackingEvent))


def test_events_are_stored_once_and_dispatch_scan_sets_dispatch_time(api, order):
    events = [
        {
            "occurred_at": at(0.1),
            "handover": "pickup",
            "status": "info_received",
            "location": "Shenzhen",
            "description": "Collected at the seller's door",
        },
        {"occurred_at": at(0.4), "handover": "intake", "status": "in_transit", "location": "Shenzhen PC"},
        {"occurred_at": at(0.6), "handover": "dispatch", "status": "in_transit", "location": "Shenzhen PC"},
    ]
    first = post_events(api, *events)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["added"] == 3
    again = post_events(api, *events)
    assert again.status_code == 200 and again.get_json() == {**again.get_json(), "added": 0, "duplicates": 3}
    assert stored() == 3
    db.session.expire_all()
    assert order.dispatched_at == CREATED + timedelta(days=0.6)
    tracking = api.get("/api/v1/orders/PRG-2026-0001").get_json()["tracking"]
    assert tracking["status"] == "in_transit" and tracking["last_event_at"].startswith(at(0.6)[:16])


def test_out_of_order_events_give_the_right_current_status(api, order):
    post_events(api, {"occurred_at": at(5), "status": "delivered", "location": "New York"})
    post_events(
        api,
        {"occurred_at": at(1), "handover": "dispatch", "status": "in_transit"},
        {"occurred_at": at(3), "status": "out_for_delivery"},
    )
    db.session.expire_all()
    assert order.tracking_status == "delivered" and order.last_event_at == CREATED + timedelta(days=5)
    assert order.stalled_from is None  # delivered parcels do not stall


def test_raw_codes_are_normalised_by_the_carrier_or_kept_unmapped(plugins, order, monkeypatch):
    carrier = plugins.carriers["fourpx"].raw  # the plugin object behind the engine's guard
    known = {"LOST-CONFIRMED": ("exception", "lost")}
    monkeypatch.setattr(carrier, "normalise", lambda code, description: known.get(code, (None, None)))
    ingest(
        plugins,
        order,
        [
            IncomingEvent(CREATED + timedelta(days=1), "LOST-CONFIRMED", description="Lost in transit"),
            IncomingEvent(CREATED + timedelta(days=2), "ZZ-NEW-CODE", description="Something new"),
        ],
        source="file",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    events = {e.code: e for e in db.session.scalars(select(TrackingEvent))}
    assert (events["LOST-CONFIRMED"].status, events["LOST-CONFIRMED"].reason) == ("exception", "lost")
    assert events["ZZ-NEW-CODE"].status is None and events["ZZ-NEW-CODE"].description == "Something new"
    assert order.tracking_status is None  # the latest event is unmapped: not guessed as in transit


@pytest.mark.parametrize(
    "event, field, message",
    [
        (
            {"occurred_at": "2099-01-01T00:00:00Z", "status": "in_transit"},
            "events[0].occurred_at",
            "lies in the future",
        ),
        (
            {"occurred_at": "2026-04-01T00:00:00Z", "status": "in_transit"},
            "events[0].occurred_at",
            "more than 183 days before order",
        ),
        ({"occurred_at": "yesterday", "status": "in_transit"}, "events[0].occurred_at", "not an ISO-8601"),
        ({"occurred_at": "2026-11-02T00:00:00Z"}, "events[0]", "needs a carrier code, a status, or both"),
        ({"occurred_at": "2026-11-02T00:00:00Z", "status": "teleported"}, "events[0].status", "unknown status"),
        (
            {"occurred_at": "2026-11-02T00:00:00Z", "code": "X", "handover": "lunch"},
            "events[0].handover",
            "must be one of",
        ),
    ],
)
def test_bad_events_are_refused_per_record_and_nothing_is_stored(api, order, event, field, message):
    good = {"occurred_at": at(1), "status": "in_transit"}
    response = post_events(api, event, good)
    assert response.status_code == 422
    assert message in response.get_json()["errors"][field]
    assert stored() == 0
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "tracking.events_added")
        )
        == 0
    )


def test_unknown_order_is_404(api, order):
    assert post_events(api, {"occurred_at": at(1), "status": "in_transit"}, order_no="NOPE").status_code == 404


def test_stall_uses_the_carriers_threshold(plugins, order):
    ingest(
        plugins,
        order,
        [IncomingEvent(CREATED + timedelta(days=1), None, status="in_transit", handover="dispatch")],
        source="api",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    carrier = plugins.carrier("fourpx")
    days = carrier.stall_after_days("fourpx_c", "US", to_local(CREATED + timedelta(days=1)).date())
    assert order.stalled_from == CREATED + timedelta(days=1 + days)
    assert not is_stalled(order, now=order.stalled_from - timedelta(seconds=1))
    assert is_stalled(order, now=order.stalled_from)
    # News moves the deadline.
    ingest(
        plugins,
        order,
        [IncomingEvent(CREATED + timedelta(days=4), None, status="in_transit")],
        source="api",
        actor=TEST_ACTOR,
    )
    assert order.stalled_from > CREATED + timedelta(days=4)


def test_an_order_dispatched_without_events_can_stall(plugins):
    dispatched = utcnow() - timedelta(days=40)
    result = create_order(plugins, order_payload(cover=None, dispatched_at=dispatched.isoformat()), TEST_ACTOR, "api")
    db.session.commit()
    assert result.order.stalled_from is not None and is_stalled(result.order)


def test_the_order_page_shows_the_timeline(auth, client, plugins, order):
    ingest(
        plugins,
        order,
        [
            IncomingEvent(
                CREATED + timedelta(hours=3),
                None,
                status="in_transit",
                handover="dispatch",
                location="Shenzhen processing centre",
            ),
            IncomingEvent(CREATED + timedelta(days=2), "ZZ9", description="Unheard-of code", location="Los Angeles"),
        ],
        source="api",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    auth.login()
    html = client.get("/orders/PRG-2026-0001").get_data(as_text=True)
    timeline = html[html.index('id="timeline"') : html.index("<h2>History")]
    assert "dispatched to carrier" in timeline and "Shenzhen processing centre" in timeline
    assert "unmapped" in timeline and "ZZ9" in timeline and "Unheard-of code" in timeline
    assert to_local(CREATED + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M") in timeline
    assert "2 tracking event(s) added from api" in html


def test_ingest_refuses_events_outside_the_orders_life(plugins, order):
    with pytest.raises(ValidationFailed, match="lies in the future"):
        ingest(plugins, order, [IncomingEvent(utcnow() + timedelta(days=1), "X")], source="file", actor=TEST_ACTOR)


def test_scan_stalled_lists_the_most_insured_first(plugins, runner):
    from portal.cli import cli

    long_ago = (utcnow() - timedelta(days=30)).isoformat()
    for number, value, cover in (("S-1", "300.00", True), ("S-2", "1500.00", True), ("S-3", "900.00", False)):
        create_order(
            plugins,
            order_payload(
                order_no=number,
                tracking_no=f"4PX300000000700{number[-1]}CN",
                declared_value=value,
                cover={"insurer": "lanternfish", "insured_value": value} if cover else None,
            ),
            TEST_ACTOR,
            "api",
            now=utcnow() - timedelta(days=31),
        )
    db.session.execute(Order.__table__.update().values(dispatched_at=datetime.fromisoformat(long_ago)))
    for order in db.session.scalars(select(Order)):
        ingest(
            plugins,
            order,
            [IncomingEvent(datetime.fromisoformat(long_ago), None, status="in_transit")],
            source="api",
            actor=TEST_ACTOR,
        )
    db.session.commit()
    result = runner.invoke(cli, ["tracking", "scan-stalled"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "3 stalled parcels"
    assert [line.split()[0] for line in lines[1:]] == ["S-2", "S-1", "S-3"]
    assert "no cover" in lines[3]


def test_tracking_import_reads_a_carrier_file_and_reports_bad_records(plugins, runner):
    from portal.cli import cli

    create_order(
        plugins,
        order_payload(tracking_no="4PX3001234567890CN"),
        TEST_ACTOR,
        "api",
        now=datetime(2026, 11, 1, 0, 0, tzinfo=UTC),
    )
    db.session.commit()
    path = FOURPX_FIXTURES / "full_journey.csv"
    result = runner.invoke(cli, ["tracking", "import", str(path), "--carrier", "fourpx", "--quiet"])
    assert result.exit_code == 0, result.output
    expected = json.loads((FOURPX_FIXTURES / "full_journey.expected.json").read_text())
    count = len(expected["events"])
    assert result.output.startswith(f"{count} events added to 1 orders, 0 already stored, 0 problems")
    order = db.session.scalar(select(Order))
    db.session.refresh(order)
    assert order.tracking_status == expected["events"][-1]["status"] == "delivered"
    dispatch = [e for e in expected["events"] if e["handover"] == "dispatch"][0]
    assert order.dispatched_at == datetime.fromisoformat(dispatch["occurred_at"].replace("Z", "+00:00"))

    again = runner.invoke(cli, ["tracking", "import", str(path), "--carrier", "fourpx", "--quiet"])
    assert again.output.startswith(f"0 events added to 1 orders, {count} already stored")
    assert stored() == count


def test_tracking_import_lists_unreadable_records_and_unknown_parcels(plugins, runner):
    from portal.cli import cli

    path = FOURPX_FIXTURES / "broken.csv"
    expected = json.loads((FOURPX_FIXTURES / "broken.expected.json").read_text())
    result = runner.invoke(cli, ["tracking", "import", str(path), "--carrier", "fourpx", "--quiet"])
    assert result.exit_code == 1
    for problem in expected["problems"]:
        assert f"{path}: {problem['record']}: {problem['reason']}" in result.output
    assert "no 4PX order has tracking number 4PX3001234567893CN" in result.output  # no such order here
    assert stored() == 0
    unknown = runner.invoke(cli, ["tracking", "import", str(path), "--carrier", "acme"])
    assert unknown.exit_code != 0 and "unknown carrier 'acme'" in unknown.output


def test_a_feed_is_stored_in_batches_of_orders_with_one_summary_each(plugins, monkeypatch):
    """Many orders in one file go through the batched path: each order's events once, its
    summary from its own events, the queue and the audit trail kept, bad records reported."""
    from portal.plugin_api import RawTrackingEvent, TrackingFeed
    from portal.queue.models import QueueItem
    from portal.tracking import services

    monkeypatch.setattr(services, "FEED_BATCH", 2)  # five orders: three transactions
    numbers = [f"4PX30012345678{n:02d}CN" for n in range(5)]
    for n, number in enumerate(numbers):
        create_order(plugins, order_payload(order_no=f"B-{n}", tracking_no=number), TEST_ACTOR, "api", now=CREATED)
    db.session.commit()
    carrier = plugins.carrier("fourpx")
    quiet = CREATED + timedelta(days=1)  # quiet ever since: stalled by now
    raw = [
        RawTrackingEvent(
            number, CREATED + timedelta(hours=hours), "已交干线运输 / Handed to line-haul", handover="dispatch"
        )
        for number in numbers
        for hours in (5,)
    ]
    raw += [
        RawTrackingEvent(numbers[n], quiet + timedelta(hours=n), "已签收 / Delivered" if n == 0 else "清关中")
        for n in range(5)
    ]
    raw.append(RawTrackingEvent(numbers[1], utcnow() + timedelta(days=3), "清关中"))  # in the future
    raw.append(RawTrackingEvent("4PX3999999999999CN", quiet, "清关中"))  # nobody's parcel
    report = services.store_feed(plugins, carrier, TrackingFeed(tuple(raw)), source="file", actor=TEST_ACTOR)
    assert (report.added, report.duplicates, report.orders) == (10, 0, 5)
    assert [record for record, _ in report.problems] == [f"event 11 ({numbers[1]})", "event 12"]
    orders = {o.order_no: o for o in db.session.scalars(select(Order))}
    assert orders["B-0"].tracking_status == "delivered" and orders["B-0"].stalled_from is None
    for n in range(1, 5):
        order = orders[f"B-{n}"]
        assert order.dispatched_at == CREATED + timedelta(hours=5)
        assert order.last_event_at == quiet + timedelta(hours=n) and order.tracking_status == "in_transit"
        assert is_stalled(order)
    queued = set(db.session.scalars(select(QueueItem.order_id)))
    assert queued == {orders[f"B-{n}"].id for n in range(1, 5)}
    audited = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "tracking.events_added")
    )
    assert audited == 5
    again = services.store_feed(plugins, carrier, TrackingFeed(tuple(raw)), source="file", actor=TEST_ACTOR)
    assert (again.added, again.duplicates) == (0, 10) and stored() == 10
