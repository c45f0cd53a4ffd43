"""The work queue: stalled parcels with cover, most at risk first, with filters, search and paging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.clock import utcnow
from portal.extensions import db
from portal.tracking.services import IncomingEvent, ingest
from tests.factories import TEST_ACTOR, queue_numbers, quiet_order

SELLER_B = {"code": "SZL014", "name": "Shenzhen Lumen Lighting", "email": "orders@szlumen.example"}


@pytest.fixture
def queue(plugins):
    quiet_order(plugins, "Q-001", "300.00", quiet_days=30)
    quiet_order(plugins, "Q-002", "1500.00", quiet_days=25)
    quiet_order(plugins, "Q-003", "1500.00", quiet_days=40)  # same value, stalled longer: first
    quiet_order(plugins, "Q-004", "900.00", quiet_days=1)  # still moving: not in the queue
    quiet_order(plugins, "Q-005", "800.00", quiet_days=30, cover=False)  # no cover: not in the queue
    quiet_order(
        plugins,
        "Q-006",
        "200.00",
        quiet_days=30,
        insurer="jadeharbour",
        carrier=("swiftwing", "express_worldwide"),
        tracking="7100000006",
        destination="GB",
        seller=SELLER_B,
    )


def test_the_queue_is_the_home_page_and_ranks_by_value_then_time(auth, client, queue):
    auth.login()
    assert client.get("/").headers["Location"] == "/queue"
    assert queue_numbers(client) == ["Q-003", "Q-002", "Q-001", "Q-006"]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"carrier": "swiftwing"}, ["Q-006"]),
        ({"insurer": "lanternfish"}, ["Q-003", "Q-002", "Q-001"]),
        ({"destination": "gb"}, ["Q-006"]),
        ({"seller": "SZL014"}, ["Q-006"]),
        ({"q": "Q-00"}, ["Q-003", "Q-002", "Q-001", "Q-006"]),
        ({"q": "lumen"}, ["Q-006"]),
        ({"carrier": "fourpx", "insurer": "jadeharbour"}, []),
    ],
)
def test_filters(auth, client, queue, params, expected):
    auth.login()
    assert queue_numbers(client, **params) == expected


def test_paging_and_htmx_partial(app, auth, client, queue):
    app.config["QUEUE_PER_PAGE"] = 2
    auth.login()
    assert queue_numbers(client) == ["Q-003", "Q-002"]
    assert queue_numbers(client, page=2) == ["Q-001", "Q-006"]
    partial = client.get("/queue?carrier=swiftwing", headers={"HX-Request": "true", "HX-Target": "queue-rows"})
    html = partial.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="queue-rows">') and "<html" not in html and "Q-006" in html


def test_an_empty_queue_says_so(auth, client):
    auth.login()
    assert "no covered parcel has stalled" in client.get("/queue").get_data(as_text=True)


def test_items_follow_the_tracking(auth, client, plugins, queue):
    """News for a stalled parcel takes it off the queue; a parcel that goes quiet joins it once
    its carrier's threshold has passed, without anyone re-ranking the queue."""
    from portal.orders.services import find_by_number
    from portal.queue.services import QueueFilters, queue_page

    auth.login()
    order = find_by_number("Q-001")
    ingest(
        plugins,
        order,
        [IncomingEvent(utcnow() - timedelta(hours=1), None, status="in_transit", location="Los Angeles")],
        source="api",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    assert queue_numbers(client) == ["Q-003", "Q-002", "Q-006"]
    later = utcnow() + timedelta(days=60)  # are quiet again by then
    numbers = [item.order.order_no for item in queue_page(db.session, QueueFilters(), later).items]
    assert numbers == ["Q-003", "Q-002", "Q-004", "Q-001", "Q-006"]
    ingest(
        plugins,
        find_by_number("Q-003"),
        [IncomingEvent(utcnow() - timedelta(minutes=5), None, status="delivered")],
        source="api",
        actor=TEST_ACTOR,
    )
    db.session.commit()
    assert queue_numbers(client) == ["Q-002", "Q-006"]


def test_the_migration_fills_the_queue_from_existing_parcels(app, auth, client, queue):
    from flask_migrate import downgrade, upgrade

    db.session.remove()
    downgrade(revision="0003_carrier_sync")
    upgrade()
    auth.login()
    assert queue_numbers(client) == ["Q-003", "Q-002", "Q-001", "Q-006"]


def test_a_broad_search_gives_the_same_answer(auth, client, queue, monkeypatch):
    """More matches than SEARCH_IDS: the database gets the search itself instead of the ids."""
    from portal.queue import services

    auth.login()
    narrow = queue_numbers(client, q="Q-00")
    monkeypatch.setattr(services, "SEARCH_IDS", 1)
    assert queue_numbers(client, q="Q-00") == narrow == ["Q-003", "Q-002", "Q-001", "Q-006"]


def test_a_narrow_search_pages_in_rank_order(app, auth, client, queue):
    app.config["QUEUE_PER_PAGE"] = 2
    auth.login()
    assert queue_numbers(client, q="Q-00") == ["Q-003", "Q-002"]
    assert queue_numbers(client, q="Q-00", page=2) == ["Q-001", "Q-006"]
    html = client.get("/queue", query_string={"q": "Q-00", "page": 2}).get_data(as_text=True)
    assert "Next →" not in html and "← Previous" in html
