"""The agents' order pages: create with or without cover, buy cover later, search, history."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.clock import utcnow
from portal.cover.models import Cover
from portal.demo.seed import credentials_file, load_demo
from portal.extensions import db
from portal.orders.models import Order
from portal.orders.services import create_order
from portal.tracking.services import is_stalled
from tests.factories import TEST_ACTOR, order_form, order_payload


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_order_with_cover_from_the_form(auth, client):
    auth.login()
    response = client.post("/orders/new", data=order_form(auth.csrf()))
    assert response.status_code == 303
    assert response.headers["Location"] == "/orders/WEB-0001"
    page = client.get("/orders/WEB-0001").get_data(as_text=True)
    cover = db.session.scalar(select(Cover))
    # Jade Harbour: 1.6 % of the first 1,000 under the terms of 2026-04-01.
    assert cover.premium == Decimal("9.60") and cover.currency == "USD"
    assert cover.certificate_no in page and "9.60" in page
    assert "Swiftwing Express" in page and "United Kingdom" in page
    assert "order WEB-0001 created from web with cover" in page  # the history
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "order.created"))
    assert event.actor_label == "agent.one" and event.after["cover"]["premium"] == "9.60"


def test_create_order_without_cover(auth, client):
    auth.login()
    response = client.post("/orders/new", data=order_form(auth.csrf(), cover_insurer="", cover_insured_value=""))
    assert response.status_code == 303
    assert count(Cover) == 0 and count(Order) == 1


@pytest.mark.parametrize(
    "overrides, field_id, message",
    [
        ({"cover_insured_value": "700.00"}, "cover_insured_value", "more than the declared value"),
        ({"destination_country": "RU"}, "destination_country", "does not cover parcels to RU"),
        ({"category": "batteries"}, "category", "does not cover lithium batteries"),
        ({"tracking_no": "12"}, "tracking_no", "for Swiftwing Express"),
        ({"seller_email": "not-an-email"}, "seller_email", "email address"),
        ({"declared_value": "12,50"}, "declared_value", "not a decimal number"),
        ({"dispatched_at": "2026-01-02 10:00"}, "cover_insurer", "cover must be bought before dispatch"),
    ],
)
def test_form_errors_are_shown_at_the_field_and_nothing_is_written(auth, client, overrides, field_id, message):
    auth.login()
    before = count(AuditEvent)
    response = client.post("/orders/new", data=order_form(auth.csrf(), **overrides))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="{field_id}-error"' in html
    error = html[html.index(f'id="{field_id}-error"') :]
    assert message in error[:400]
    assert count(Order) == 0 and count(Cover) == 0 and count(AuditEvent) == before


def test_the_form_needs_a_csrf_token(auth, client):
    auth.login()
    response = client.post("/orders/new", data=order_form(""))
    assert response.status_code == 400
    assert count(Order) == 0


def test_buy_cover_later_on_the_order_page(auth, client, plugins):
    create_order(plugins, order_payload(cover=None), TEST_ACTOR, "api")
    db.session.commit()
    auth.login()
    page = client.get("/orders/PRG-2026-0001").get_data(as_text=True)
    assert "Buy cover" in page
    response = client.post(
        "/orders/PRG-2026-0001/cover",
        data={"csrf_token": auth.csrf("/orders/PRG-2026-0001"), "insurer": "lanternfish", "insured_value": "1000.00"},
    )
    assert response.status_code == 303
    page = client.get("/orders/PRG-2026-0001").get_data(as_text=True)
    assert "Cover LFM-" in page and "premium 13.90 USD" in page
    assert "cover LFM-" in page  # history entry
    # A second purchase is refused: one cover per order.
    response = client.post(
        "/orders/PRG-2026-0001/cover",
        follow_redirects=True,
        data={"csrf_token": auth.csrf("/orders/"), "insurer": "lanternfish", "insured_value": "5.00"},
    )
    assert count(Cover) == 1


def test_no_cover_after_dispatch(auth, client, plugins):
    dispatched = (utcnow() - timedelta(days=2)).isoformat()
    create_order(plugins, order_payload(cover=None, dispatched_at=dispatched), TEST_ACTOR, "api")
    db.session.commit()
    auth.login()
    page = client.get("/orders/PRG-2026-0001").get_data(as_text=True)
    assert "Buy cover" not in page and "dispatched without it" in page
    response = client.post(
        "/orders/PRG-2026-0001/cover",
        follow_redirects=True,
        data={"csrf_token": auth.csrf("/orders/"), "insurer": "lanternfish", "insured_value": "100.00"},
    )
    assert "cover must be bought before dispatch" in response.get_data(as_text=True)
    assert count(Cover) == 0


@pytest.fixture
def three_orders(plugins):
    create_order(plugins, order_payload(), TEST_ACTOR, "api")
    create_order(
        plugins,
        order_payload(
            order_no="SZL-2026-0002",
            tracking_no="7200000002",
            carrier="swiftwing",
            service="economy_express",
            cover=None,
            seller={"code": "SZL014", "name": "Shenzhen Lumen Lighting", "email": "orders@szlumen.example"},
        ),
        TEST_ACTOR,
        "api",
    )
    create_order(
        plugins,
        order_payload(order_no="PRG-2026-0003", tracking_no="4PX3000000000003CN", cover=None),
        TEST_ACTOR,
        "api",
    )
    db.session.commit()


@pytest.mark.parametrize(
    "query, expected",
    [
        ("PRG-2026", {"PRG-2026-0001", "PRG-2026-0003"}),
        ("prg-2026-0003", {"PRG-2026-0003"}),  # order numbers, any case
        ("4px30000000000", {"PRG-2026-0001", "PRG-2026-0003"}),  # tracking number prefix
        ("7200000002", {"SZL-2026-0002"}),
        ("SZL014", {"SZL-2026-0002"}),  # seller code
        ("lumen", {"SZL-2026-0002"}),  # part of the seller's name
        ("nothing-like-this", set()),
    ],
)
def test_search(auth, client, three_orders, query, expected):
    auth.login()
    html = client.get("/orders/", query_string={"q": query}).get_data(as_text=True)
    found = {number for number in ("PRG-2026-0001", "SZL-2026-0002", "PRG-2026-0003") if f">{number}</a>" in html}
    assert found == expected
    if not expected:
        assert "No order matches" in html


def test_active_search_returns_only_the_rows_for_htmx(auth, client, three_orders):
    auth.login()
    response = client.get("/orders/?q=lumen", headers={"HX-Request": "true", "HX-Target": "order-rows"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="order-rows">') and "<html" not in html
    assert "SZL-2026-0002" in html
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/orders/?q=lumen").get_data(as_text=True)
    assert "<html" in full and "SZL-2026-0002" in full


def test_orders_are_paged(app, auth, client, plugins):
    app.config["ORDERS_PER_PAGE"] = 2
    for n in range(5):
        create_order(
            plugins,
            order_payload(order_no=f"P-{n}", tracking_no=f"4PX300000000010{n}CN", cover=None),
            TEST_ACTOR,
            "api",
            now=utcnow() + timedelta(seconds=n),
        )
    db.session.commit()
    auth.login()
    first = client.get("/orders/").get_data(as_text=True)
    assert ">P-4</a>" in first and ">P-3</a>" in first and ">P-2</a>" not in first and "Older" in first
    third = client.get("/orders/?page=3").get_data(as_text=True)
    assert ">P-0</a>" in third and "Older" not in third


def test_quote_preview(auth, client):
    auth.login()
    params = {
        "shipping": "fourpx:fourpx_c",
        "destination_country": "US",
        "declared_value": "1850.00",
        "currency": "USD",
        "category": "electronics",
        "cover_insurer": "lanternfish",
        "cover_insured_value": "1850.00",
    }
    html = client.get("/orders/quote", query_string=params).get_data(as_text=True)
    assert "Premium USD\u00a023.80" in html  # 10 × 1.39 + 9 × 1.10
    refused = client.get("/orders/quote", query_string={**params, "destination_country": "BR"}).get_data(as_text=True)
    assert "Refused" in refused and "does not cover parcels to BR" in refused


def test_unknown_order_is_404(auth, client):
    auth.login()
    response = client.get("/orders/NO-SUCH-ORDER")
    assert response.status_code == 404 and "Back to the orders" in response.get_data(as_text=True)


# An ordinary day, 4PX's peak season (15 Nov - 15 Jan), a year end and the Spring Festival holiday.
STORY_DAYS = [
    datetime(2026, 6, 10, 2, 0, tzinfo=UTC),
    datetime(2026, 12, 1, 7, 30, tzinfo=UTC),
    datetime(2026, 12, 31, 15, 59, tzinfo=UTC),
    datetime(2027, 2, 8, 1, 0, tzinfo=UTC),
]


@pytest.mark.parametrize("now", STORY_DAYS, ids=lambda now: now.date().isoformat())
def test_demo_data_tells_the_story(app, now):
    summary = load_demo(now)
    assert summary.startswith(("73 orders", "72 orders"))
    story = db.session.scalar(select(Order).where(Order.order_no == "PRG-2026-0917"))
    assert story.cover.insurer_code == "lanternfish" and story.cover.insured_value == Decimal("1850.00")
    assert story.dispatched_at is not None and story.cover.bought_at < story.dispatched_at
    # The claim forms name the claimant and the consignee: the story has both, realistically.
    assert story.recipient_name and "Oakland, CA" in story.recipient_address
    assert "Shenzhen" in story.seller.address and story.seller.phone.startswith("+86")
    # Tracking went quiet two days after dispatch: the parcel is stalled, so the queue opens with it.
    assert is_stalled(story, now)
    from portal.queue.services import QueueFilters, queue_page

    queue = queue_page(db.session, QueueFilters(), now)
    assert queue.items[0].order.order_no == "PRG-2026-0917"
    # A seller has asked about another quiet parcel: its inquiry is on the queue too, with its checklist.
    from portal.inquiries.models import Inquiry

    inquiry = db.session.scalar(select(Inquiry))
    assert inquiry.is_open and any(item.kind == inquiry.items[0].kind for item in inquiry.items)
    assert any(item.kind == "inquiry" and item.inquiry_id == inquiry.id for item in queue.items)
    # Another was worked to a claim whose advance waits for a supervisor.
    from portal.advances.models import Advance
    from portal.claims.models import Claim

    claim = db.session.scalar(select(Claim))
    assert claim.packs and db.session.scalar(select(Advance)).state == "requested"
    assert any(not is_stalled(o, now) and o.tracking_status == "delivered" for o in db.session.scalars(select(Order)))
    carriers = set(db.session.scalars(select(Order.carrier_code).distinct()))
    insurers = set(db.session.scalars(select(Cover.insurer_code).distinct()))
    assert carriers == {"fourpx", "swiftwing", "harbourpost"} and insurers == {"lanternfish", "jadeharbour"}
    path = credentials_file(app.instance_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "supervisor  chen.wei" in path.read_text()
    assert load_demo(now, if_empty=True) == ""  # a second start keeps the data as it is
