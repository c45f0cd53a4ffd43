"""Search finds what staff type: any part of an order number, a tracking number (a seller quotes
its last digits), a seller's code or name; case-insensitive, Chinese included, LIKE's wildcards
taken literally. On SQLite through FTS5 trigram tables kept by triggers, on PostgreSQL through
pg_trgm GIN indexes (migration 0014); both databases, through the services, the bulk import and
the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.clock import utcnow
from portal.extensions import db
from portal.orders import search
from portal.orders.importer import import_text
from portal.orders.services import create_order, search_orders
from portal.queue import services as queue_services
from portal.queue.services import QueueFilters, queue_page
from portal.sellers.models import Seller
from tests.factories import TEST_ACTOR, csv_row, csv_text, order_payload, queue_numbers, quiet_order

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
SHENZHEN = {"code": "SZ-0081", "name": "深圳市蓝海电子有限公司", "email": "sales@lanhai.example"}
COTTON = {"code": "CT100", "name": "100% Cotton Outfitters", "email": "hi@cotton.example"}
TEN = {"code": "CT1000", "name": "1000 Cotton Mills", "email": "hi@mills.example"}


@pytest.fixture
def orders(plugins):
    """Five orders from four sellers, made through the service as the API makes them."""
    made = [
        ("PRG-2026-0001", "4PX3000000004711CN", None),
        ("PRG-2026-0002", "4PX3000000009832CN", None),
        ("SZL-2026-0003", "4PX3000000005555CN", SHENZHEN),
        ("AB_123", "4PX3000000006666CN", COTTON),
        ("ABX123", "4PX3000000007777CN", TEN),
    ]
    for number, tracking, seller in made:
        payload = order_payload(order_no=number, tracking_no=tracking, cover=None)
        if seller:
            payload["seller"] = seller
        create_order(plugins, payload, TEST_ACTOR, "api", now=NOW)
    db.session.commit()


def found(query: str) -> list[str]:
    return sorted(order.order_no for order in search_orders(db.session, query).orders)


CASES = [
    ("4711cn", ["PRG-2026-0001"]),  # the last digits of a tracking number, any case
    ("9832", ["PRG-2026-0002"]),  # digits at its end, without the suffix
    ("2026-000", ["PRG-2026-0001", "PRG-2026-0002", "SZL-2026-0003"]),  # the middle of order numbers
    ("szl-2026", ["SZL-2026-0003"]),  # mixed case
    ("sZl-2026-0003", ["SZL-2026-0003"]),
    ("蓝海电子", ["SZL-2026-0003"]),  # part of a Chinese seller name
    ("深圳市", ["SZL-2026-0003"]),
    ("sz-0081", ["SZL-2026-0003"]),  # a seller code, any case
    ("0081", ["SZL-2026-0003"]),  # part of a seller code
    ("river gadg", ["PRG-2026-0001", "PRG-2026-0002"]),  # part of a seller name
    ("nothing-like-this", []),  # no match
    ("B_1", ["AB_123"]),  # "_" is a character, not LIKE's any-one-character (ABX123 stays out)
    ("0% C", ["AB_123"]),  # "%" is a character, not LIKE's anything (1000 Cotton Mills stays out)
    ("%", []),  # one character: the start of a field, and none starts with "%"
    ("A", ["AB_123", "ABX123"]),  # one or two characters: the start of an order number or code
    ("ct", ["AB_123", "ABX123"]),  # ... or of a seller code, any case
    ("深圳", ["SZL-2026-0003"]),  # ... or of a seller name
    ("71", []),  # two characters inside a number: not a prefix, so no match (type three)
]


@pytest.mark.parametrize("query, expected", CASES)
def test_search_finds_any_part(orders, query, expected):
    assert found(query) == sorted(expected)


@pytest.mark.parametrize("query, expected", [case for case in CASES if len(case[0]) >= search.MIN_SUBSTRING])
def test_many_matches_give_the_same_answer_without_the_index_ids(orders, monkeypatch, query, expected):
    """Beyond SEARCH_IDS matches the database is asked with ILIKE (escaped) over the newest
    orders instead of a list of ids; beyond SELLER_IDS sellers, with a subquery."""
    monkeypatch.setattr(search, "SEARCH_IDS", 0)
    monkeypatch.setattr(search, "SELLER_IDS", 0)
    assert found(query) == sorted(expected)


def test_a_few_sellers_orders_come_newest_first_across_them(plugins, monkeypatch):
    """Up to SELLERS_BY_INDEX matching sellers, each one's newest orders are read off the seller
    index and merged: the list is newest first across the sellers, page after page, as when the
    database is asked for all their orders at once."""
    sellers = [COTTON, TEN, {"code": "CT7", "name": "Cotton Seven", "email": "c7@cotton.example"}]
    for n in range(9):
        payload = order_payload(order_no=f"CT-{n}", tracking_no=f"4PX{3000000100000 + n}CN", cover=None)
        payload["seller"] = sellers[n % 3]
        create_order(plugins, payload, TEST_ACTOR, "api", now=NOW + timedelta(hours=n))
    db.session.commit()

    def pages() -> list[list[str]]:
        return [[row.order_no for row in search_orders(db.session, "cotton", page, 2).orders] for page in range(1, 6)]

    expected = [["CT-8", "CT-7"], ["CT-6", "CT-5"], ["CT-4", "CT-3"], ["CT-2", "CT-1"], ["CT-0"]]
    assert pages() == expected
    monkeypatch.setattr(search, "SELLERS_BY_INDEX", 0)  # every seller's orders asked for at once
    assert pages() == expected


def test_a_few_sellers_items_come_in_queue_order_across_them(plugins, monkeypatch):
    """Up to SELLERS_BY_INDEX matching sellers, the queue reads each one's first items off the
    seller rank index and ranks them together: most insured first across the sellers, page
    after page, with the page's other filters, as when all their items are fetched and ranked."""
    sellers = [COTTON, TEN, {"code": "CT7", "name": "Cotton Seven", "email": "c7@cotton.example"}]
    values = ["300.00", "1500.00", "800.00", "1200.00", "450.00", "990.00", "1100.00", "700.00", "650.00"]
    for n, value in enumerate(values, start=1):
        # Each seller's two most insured parcels go to the US, the third to Britain.
        britain = n in (1, 5, 9)
        quiet_order(
            plugins, f"Q-00{n}", value, quiet_days=30, seller=sellers[n % 3], destination="GB" if britain else "US"
        )

    def pages(per_page: int, **filters) -> list[list[str]]:
        listed = [
            [
                row.order.order_no
                for row in queue_page(db.session, QueueFilters(q="cotton", **filters), utcnow(), page, per_page).items
            ]
            for page in range(1, 10)
        ]
        return [page for page in listed if page]

    everything = [["Q-002", "Q-004"], ["Q-007", "Q-006"], ["Q-003", "Q-008"], ["Q-009", "Q-005"], ["Q-001"]]
    in_britain = [["Q-009"], ["Q-005"], ["Q-001"]]
    assert pages(2) == everything and pages(1, destination="GB") == in_britain
    monkeypatch.setattr(queue_services, "SELLERS_BY_INDEX", 0)  # all their items fetched and ranked
    assert pages(2) == everything and pages(1, destination="GB") == in_britain


def test_bulk_import_renames_and_deletes_keep_the_index_true(app, plugins):
    rows = [
        csv_row(1, tracking_no="4PX0000000424242CN", seller_code="GZ07", seller_name="广州市白云皮具厂"),
        csv_row(2, tracking_no="4PX0000000434343CN", cover_insurer="", cover_insured_value=""),
    ]
    report = import_text(plugins, csv_text(*rows), TEST_ACTOR, now=NOW)
    db.session.commit()
    assert report.created == 2
    assert found("424242") == ["CSV-0001"]
    assert found("白云皮具") == ["CSV-0001"]
    assert found("sv-000") == ["CSV-0001", "CSV-0002"]

    seller = db.session.scalar(sa.select(Seller).where(Seller.code == "GZ07"))
    seller.name = "Baiyun Leather Works"
    db.session.commit()
    assert found("白云皮具") == []
    assert found("leather w") == ["CSV-0001"]

    db.session.execute(sa.text("DELETE FROM orders WHERE order_no = 'CSV-0002'"))
    db.session.commit()
    assert found("434343") == []
    db.session.execute(sa.text("UPDATE orders SET tracking_no = 'LP00000000999ZZ' WHERE order_no = 'CSV-0001'"))
    db.session.commit()
    assert found("424242") == []
    assert found("999zz") == ["CSV-0001"]


def test_the_search_objects_exist(app, backend):
    """What the schema test leaves aside (the models do not describe it) is checked here."""
    with db.engine.connect() as connection:
        if backend == "sqlite":
            names = set(connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
            assert set(search.SQLITE_TABLES) | set(search.SQLITE_TRIGGERS) <= names
            tokenizer = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = 'orders_search'")
            assert "trigram" in tokenizer.scalar()
        else:
            rows = connection.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
            ).all()
            defined = {name: definition for name, definition in rows if name in search.POSTGRES_INDEXES}
            assert set(defined) == set(search.POSTGRES_INDEXES)
            assert all("USING gin" in d and "gin_trgm_ops" in d for d in defined.values())


def test_the_index_answers_the_search(app, backend, orders):
    if backend != "postgresql":
        assert "SCAN orders_search VIRTUAL TABLE" in " ".join(
            str(row)
            for row in db.session.execute(
                sa.text("EXPLAIN QUERY PLAN SELECT rowid FROM orders_search WHERE orders_search MATCH '\"4711\"'")
            )
        )
        return
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))  # five rows: force the choice an index allows
    plan = db.session.execute(
        sa.text("EXPLAIN SELECT id FROM orders WHERE tracking_no ILIKE :p"), {"p": search.like_pattern("4711")}
    ).scalars()
    assert "ix_orders_tracking_no_trgm" in " ".join(plan)


def test_the_orders_page_and_the_queue_search_within(auth, client, plugins, orders, monkeypatch):
    auth.login()
    html = client.get("/orders/", query_string={"q": "蓝海电"}).get_data(as_text=True)
    assert ">SZL-2026-0003</a>" in html and ">PRG-2026-0001</a>" not in html
    assert "type at least 3 to search within" not in html
    short = client.get("/orders/", query_string={"q": "71"}).get_data(as_text=True)
    assert "type at least 3 to search within" in short and "No order matches" in short

    quiet_order(plugins, "Q-001", "300.00", quiet_days=30, tracking="4PX3000000081234CN")
    quiet_order(plugins, "Q-002", "1500.00", quiet_days=25, tracking="4PX3000000099999CN", seller=SHENZHEN)
    assert queue_numbers(client, q="81234") == ["Q-001"]
    assert queue_numbers(client, q="蓝海电子") == ["Q-002"]
    assert queue_numbers(client, q="q-00") == ["Q-002", "Q-001"]
    assert queue_numbers(client, q="zzz-none") == []
    assert "type at least 3" in client.get("/queue", query_string={"q": "99"}).get_data(as_text=True)

    # Many matches: the queue walks its rank index testing the matches (subqueries), same answer.
    monkeypatch.setattr(search, "SEARCH_IDS", 0)
    monkeypatch.setattr(search, "SELLER_IDS", 0)
    assert queue_numbers(client, q="81234") == ["Q-001"]
    assert queue_numbers(client, q="蓝海电子") == ["Q-002"]
    assert queue_numbers(client, q="q-00") == ["Q-002", "Q-001"]
    assert queue_numbers(client, q="Q-") == ["Q-002", "Q-001"]  # two characters: the start
