"""Quiet parcels come to staff before their carrier's threshold: "quiet for N days" on the queue and
the orders list (sortable), and covered parcels quiet longer than the warehouse's setting on the
queue as *watch*, with the carrier's own stall date and the reason its plugin gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html import unescape

from portal.extensions import db
from portal.orders.services import create_order
from portal.plugin_engine import registry
from portal.queue.services import QueueFilters, queue_page
from portal.tracking.services import IncomingEvent, ingest
from tests.factories import TEST_ACTOR, order_payload

PEAK = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 4PX's peak season: 9 + 10 days
OFF_PEAK = datetime(2026, 7, 10, 4, 0, tzinfo=UTC)  # 9 days


def parcel(plugins, number, value, *, last_news, service="fourpx_c", cover=True):
    """A covered 4PX parcel bought and dispatched 20 days before ``last_news``, last heard of then."""
    bought = last_news - timedelta(days=20)
    payload = order_payload(
        order_no=number,
        declared_value=value,
        tracking_no=f"4PX3000000000{number[-3:]}CN",
        carrier="fourpx",
        service=service,
        cover={"insurer": "lanternfish", "insured_value": value} if cover else None,
    )
    order = create_order(plugins, payload, TEST_ACTOR, "api", now=bought).order
    events = [
        IncomingEvent(bought + timedelta(hours=5), None, status="in_transit", handover="dispatch"),
        IncomingEvent(last_news, None, status="in_transit", location="Hub"),
    ]
    ingest(plugins, order, events, source="api", actor=TEST_ACTOR)
    db.session.commit()
    return order


def listed(now, **filters):
    return [(item.kind, item.order.order_no) for item in queue_page(db.session, QueueFilters(**filters), now).items]


def test_a_quiet_parcel_is_watched_from_the_setting_until_its_carrier_stalls_it(plugins):
    order = parcel(plugins, "W-001", "800.00", last_news=PEAK - timedelta(days=8))
    assert order.stalled_from == PEAK - timedelta(days=8) + timedelta(days=19)  # the carrier's peak threshold
    assert listed(PEAK - timedelta(days=1, hours=1)) == []  # quiet for 7 days: not yet
    assert listed(PEAK) == [("watch", "W-001")]
    assert listed(order.stalled_from - timedelta(minutes=1)) == [("watch", "W-001")]
    assert listed(order.stalled_from) == [("stalled", "W-001")]  # then the carrier's own rule takes over
    # News ends the watch: quiet again from the new event.
    ingest(
        plugins, order, [IncomingEvent(PEAK, None, status="in_transit", location="LAX")], source="api", actor=TEST_ACTOR
    )
    db.session.commit()
    assert listed(PEAK + timedelta(days=1)) == []


def test_watched_parcels_come_after_the_stalled_ones_ranked_by_insured_value(plugins):
    parcel(plugins, "W-001", "300.00", last_news=PEAK - timedelta(days=8))
    parcel(plugins, "W-002", "1500.00", last_news=PEAK - timedelta(days=10))
    parcel(plugins, "W-003", "900.00", last_news=PEAK - timedelta(days=12))
    parcel(plugins, "W-004", "100.00", last_news=PEAK - timedelta(days=30))  # stalled by the carrier
    parcel(plugins, "W-005", "5000.00", last_news=PEAK - timedelta(days=12), cover=False)  # no cover: not ours
    assert listed(PEAK) == [("stalled", "W-004"), ("watch", "W-002"), ("watch", "W-003"), ("watch", "W-001")]
    # Sorted by "quiet for": the quietest first.
    assert [number for _, number in listed(PEAK, sort="quiet")] == ["W-004", "W-003", "W-002", "W-001"]
    assert [number for _, number in listed(PEAK, sort="quiet", q="W-00")] == ["W-004", "W-003", "W-002", "W-001"]


def test_no_watch_when_the_carrier_stalls_a_parcel_within_the_setting(plugins):
    # 4PX express stalls after 7 days out of peak: the carrier's rule comes first, nothing to watch.
    order = parcel(plugins, "W-001", "800.00", last_news=OFF_PEAK - timedelta(days=6), service="express")
    assert listed(OFF_PEAK) == []
    assert listed(order.stalled_from) == [("stalled", "W-001")]


def test_the_watch_setting_is_the_warehouses(app, plugins):
    app.config["QUIET_WATCH_DAYS"] = 3
    parcel(plugins, "W-001", "800.00", last_news=OFF_PEAK - timedelta(days=4))
    assert listed(OFF_PEAK) == [("watch", "W-001")]


def test_the_stall_reason_comes_from_the_carrier_plugin(plugins):
    fourpx = plugins.carrier("fourpx")
    assert "peak season" in fourpx.stall_reason("fourpx_c", "US", PEAK.date())
    assert fourpx.stall_reason("fourpx_c", "US", OFF_PEAK.date()) == ""


def test_the_queue_page_shows_the_watch_with_the_carriers_date_and_reason(auth, client, plugins):
    """Relative to the day it runs: the reason shown is whatever the plugin says for that day."""
    from portal.clock import to_local, utcnow

    now = utcnow()
    order = parcel(plugins, "W-001", "800.00", last_news=now - timedelta(days=8))
    parcel(plugins, "W-002", "900.00", last_news=now - timedelta(days=40))
    auth.login()
    html = client.get("/queue").get_data(as_text=True)
    row = unescape(html[html.index("W-001") - 900 : html.index("W-001")])  # as the browser reads it
    assert 'data-stage="watch"' in row and "quiet 8 d" in row
    assert f"carrier's stall date {to_local(order.stalled_from):%Y-%m-%d}" in row
    reason = registry().carrier("fourpx").stall_reason("fourpx_c", "US", to_local(now - timedelta(days=8)).date())
    assert (f" · {reason}" in row) == bool(reason)
    rows = html[html.index('<div id="queue-rows">') :]
    assert rows.index("W-002") < rows.index("W-001")  # stalled before watched
    quiet = client.get("/queue?sort=quiet").get_data(as_text=True)
    assert "Quiet for ▲" in quiet
    assert quiet.index("W-002") < quiet.index("W-001")


def test_the_orders_list_says_how_long_each_parcel_has_been_quiet_and_sorts_by_it(auth, client, plugins):
    from portal.clock import utcnow

    now = utcnow()
    parcel(plugins, "W-001", "300.00", last_news=now - timedelta(days=3))
    parcel(plugins, "W-002", "300.00", last_news=now - timedelta(days=12))
    parcel(plugins, "W-003", "300.00", last_news=now - timedelta(days=5), cover=False)
    auth.login()
    newest = client.get("/orders/").get_data(as_text=True)
    assert newest.index("W-001") < newest.index("W-003") < newest.index("W-002")  # newest first
    quiet = client.get("/orders/?sort=quiet").get_data(as_text=True)
    assert quiet.index("W-002") < quiet.index("W-003") < quiet.index("W-001")
    row = quiet[quiet.index("W-002") :]
    assert '<td class="num quiet">12 d</td>' in row[: row.index("</tr>")]
    assert "Quiet for ▲" in quiet and "sort=quiet" in client.get("/orders/?q=W-00").get_data(as_text=True)


def test_the_order_page_list_and_api_say_stalled_or_watch_like_the_queue(auth, client, api, plugins):
    from portal.clock import utcnow

    now = utcnow()
    parcel(plugins, "W-001", "300.00", last_news=now - timedelta(days=8))  # watch, whatever the season
    parcel(plugins, "W-002", "300.00", last_news=now - timedelta(days=60))  # stalled
    parcel(plugins, "W-003", "300.00", last_news=now - timedelta(days=2))  # moving: no case
    auth.login()
    listing = client.get("/orders/?q=W-00").get_data(as_text=True)
    for number, stage in (("W-001", "watch"), ("W-002", "stalled"), ("W-003", None)):
        body = api.get(f"/api/v1/orders/{number}").get_json()
        assert (body["case"] or {}).get("stage") == stage
        row = listing[listing.index(f">{number}<") :]
        row = row[: row.index("</tr>")]
        assert (f'data-stage="{stage}"' in row) if stage else ("data-stage" not in row)
        page = client.get(f"/orders/{number}").get_data(as_text=True)
        assert (f'data-stage="{stage}"' in page) if stage else ('id="case"' not in page)


def test_a_plugin_that_fails_to_give_its_reason_does_not_break_the_queue(auth, client, plugins, monkeypatch):
    from portal.clock import utcnow

    def broken(self, service_code, destination_country, on):
        raise RuntimeError("peak table missing")

    monkeypatch.setattr(plugins.carriers["fourpx"].raw.__class__, "stall_reason", broken)
    parcel(plugins, "W-001", "300.00", last_news=utcnow() - timedelta(days=8))
    auth.login()
    response = client.get("/queue")
    assert response.status_code == 200
    assert "plugin failed to say why" in response.get_data(as_text=True)
