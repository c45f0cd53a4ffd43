"""Benchmark: the stalled scan and the work-queue and order pages at 1,000,000 orders.

    python benchmarks/queue_and_stall.py                       # SQLite file, 1,000,000 orders
    python benchmarks/queue_and_stall.py --orders 200000
    python benchmarks/queue_and_stall.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Targets (DESIGN.md): stalled scan over 1,000,000 orders <= 2 s; work-queue and order pages p95
server time <= 50 ms. Pages are timed in-process with Flask's test client (server time only).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta
from decimal import Decimal

from harness import default_url, fresh_database, machine

from portal.audit.services import Actor
from portal.auth.services import create_user
from portal.bulk import bulk_insert
from portal.clock import utcnow
from portal.cover.models import Cover
from portal.extensions import db
from portal.orders.models import Order
from portal.queue.items import rebuild as rebuild_queue
from portal.sellers.models import Seller
from portal.tracking.services import stalled_count, stalled_query

CARRIERS = (("fourpx", "fourpx_c"), ("swiftwing", "express_worldwide"), ("harbourpost", "registered_air"))
DESTINATIONS = ("US", "GB", "DE", "FR", "AU", "CA", "JP", "NL", "ES", "IT")


def fill(orders: int, sellers: int = 2000) -> None:
    """Orders, 60 % with cover, 8 % of all stalled, written with the bulk path in chunks."""
    rng = random.Random(7)
    now = utcnow()
    connection = db.session.connection()
    bulk_insert(
        connection,
        Seller.__table__,
        [
            {"code": f"S{n:05d}", "name": f"Seller {n}", "email": f"s{n}@example.com", "created_at": now}
            for n in range(sellers)
        ],
    )
    chunk = 50_000
    for start in range(0, orders, chunk):
        rows, covers = [], []
        for n in range(start, min(start + chunk, orders)):
            carrier, service = CARRIERS[n % 3]
            created = now - timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 1440))
            last = created + timedelta(days=rng.randint(0, 10))
            stalled = rng.random() < 0.08
            value = Decimal(rng.randint(2000, 500000)) / 100
            rows.append(
                {
                    "id": n + 1,
                    "order_no": f"B{n:08d}",
                    "seller_id": n % sellers + 1,
                    "carrier_code": carrier,
                    "service_code": service,
                    "tracking_no": f"T{n:012d}",
                    "destination_country": DESTINATIONS[n % 10],
                    "declared_value": value,
                    "currency": "USD",
                    "contents": "Goods",
                    "category": "general",
                    "dispatched_at": created + timedelta(hours=8),
                    "created_at": created,
                    "source": "csv",
                    "fingerprint": f"{n:064d}",
                    "tracking_status": "in_transit",
                    "tracking_reason": None,
                    "last_event_at": last,
                    "stalled_from": (now - timedelta(days=rng.randint(1, 30)))
                    if stalled
                    else (now + timedelta(days=rng.randint(1, 10)) if rng.random() < 0.3 else None),
                }
            )
            if n % 5 < 3:
                covers.append(
                    {
                        "order_id": n + 1,
                        "insurer_code": "lanternfish",
                        "insured_value": value,
                        "currency": "USD",
                        "premium": Decimal("9.99"),
                        "certificate_no": f"LFM-2026-{n + 1:08d}",
                        "rate_description": "bench",
                        "terms_effective": now.date(),
                        "bought_at": created,
                    }
                )
        bulk_insert(connection, Order.__table__, rows)
        bulk_insert(connection, Cover.__table__, covers)
        db.session.commit()
        connection = db.session.connection()
    rebuild_queue()  # the rows above bypassed the services that keep the queue
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))"
        )
    connection.exec_driver_sql("ANALYZE")
    db.session.commit()


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def describe(name: str, times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 20 else max(times)
    return f"{name:<44} p50 {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   ({len(times)} runs)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--database-url", default=default_url())
    args = parser.parse_args()
    with fresh_database(args.database_url, WTF_CSRF_ENABLED=False) as (app, _):
        started = time.perf_counter()
        fill(args.orders)
        print(machine(db.engine.dialect.name))
        print(f"generated {args.orders:,} orders in {time.perf_counter() - started:.1f} s")
        now = utcnow()
        scan = timed(lambda: (stalled_count(now), db.session.execute(stalled_query(now).limit(50)).all()), 10)
        print(describe("stalled scan (count + 50 most at risk)", scan) + "   target <= 2,000 ms")
        create_user("bench.agent", "Bench Agent", "agent", "benchmark-password", Actor.system("benchmark"))
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"username": "bench.agent", "password": "benchmark-password"})
        rng = random.Random(3)
        pages = {
            "work queue": lambda: "/queue",
            "work queue, filtered by carrier": lambda: "/queue?carrier=swiftwing",
            "work queue, page 20": lambda: "/queue?page=20",
            "work queue, filtered by seller": lambda: f"/queue?seller=S{rng.randint(0, 1999):05d}",
            "work queue, search by order number": lambda: f"/queue?q=B{rng.randint(0, args.orders - 1):08d}",
            "orders list": lambda: "/orders/",
            "orders search by order number": lambda: f"/orders/?q=B{rng.randint(0, args.orders - 1):08d}",
            "order page": lambda: f"/orders/B{rng.randint(0, args.orders - 1):08d}",
        }
        for name, path in pages.items():
            times = timed(lambda path=path: _ok(client.get(path())), args.runs)
            print(describe(name, times) + "   target p95 <= 50 ms")
    return 0


def _ok(response):
    assert response.status_code == 200, response.status_code
    return response


if __name__ == "__main__":
    raise SystemExit(main())
