"""Benchmark: ingest 1,000,000 tracking events from a carrier's raw file.

    python benchmarks/ingest_tracking.py                       # SQLite file, 1,000,000 events
    python benchmarks/ingest_tracking.py --events 200000
    python benchmarks/ingest_tracking.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Fills a fresh database with 100,000 dispatched 4PX orders with cover (10 events each by
default), writes one 4PX CSV export with their journeys (Chinese/English status texts, China
time), and imports it the way `coverdesk tracking import` does: the plugin's parser, then the
tracking service (de-duplication, summaries, stalled times, queue items, audit). Then imports the
same file again (every event a duplicate). Target (DESIGN.md): 1,000,000 events <= 60 s.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from datetime import timedelta
from decimal import Decimal

from harness import default_url, fresh_database, machine

from portal.audit.services import Actor
from portal.bulk import bulk_insert
from portal.clock import utcnow
from portal.cover.models import Cover
from portal.extensions import db
from portal.orders.models import Order
from portal.plugin_engine import registry
from portal.sellers.models import Seller
from portal.tracking.models import TrackingEvent
from portal.tracking.services import store_feed

#: A 4PX journey: status texts as 4PX's export writes them (see plugins/fourpx/tracking.py).
JOURNEY = (
    "订单信息已接收 / Order information received",
    "已揽收 / Picked up from seller",
    "已到达处理中心 / Received at processing centre",
    "已交干线运输 / Handed to line-haul",
    "已离开始发国 / Departed country of origin",
    "已到达目的国 / Arrived at destination country",
    "清关中 / Customs clearance in progress",
    "已交尾程派送商 / Handed to last-mile carrier",
    "派送中 / Out for delivery",
    "已签收 / Delivered",
)


def fill_orders(orders: int) -> list[tuple[str, object]]:
    """Dispatched 4PX orders with cover, written with the bulk path; returns (tracking no, created)."""
    rng, now = random.Random(11), utcnow()
    connection = db.session.connection()
    bulk_insert(
        connection,
        Seller.__table__,
        [
            {"code": f"S{n:04d}", "name": f"Seller {n}", "email": f"s{n}@example.com", "created_at": now}
            for n in range(500)
        ],
    )
    made, rows, covers = [], [], []
    for n in range(orders):
        created = now - timedelta(days=rng.randint(30, 60), minutes=rng.randint(0, 1440))
        tracking_no = f"4PX3{n:012d}CN"
        value = Decimal(rng.randint(2000, 200000)) / 100
        rows.append(
            {
                "id": n + 1,
                "order_no": f"I{n:08d}",
                "seller_id": n % 500 + 1,
                "carrier_code": "fourpx",
                "service_code": "fourpx_c",
                "tracking_no": tracking_no,
                "destination_country": "US",
                "declared_value": value,
                "currency": "USD",
                "contents": "Goods",
                "category": "general",
                "dispatched_at": None,
                "created_at": created,
                "source": "csv",
                "fingerprint": f"{n:064d}",
            }
        )
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
        made.append((tracking_no, created))
        if len(rows) == 50_000:
            bulk_insert(connection, Order.__table__, rows)
            bulk_insert(connection, Cover.__table__, covers)
            rows, covers = [], []
    bulk_insert(connection, Order.__table__, rows)
    bulk_insert(connection, Cover.__table__, covers)
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))"
        )
    connection.exec_driver_sql("ANALYZE")
    db.session.commit()
    return made


def write_feed(path, orders: list[tuple[str, object]], per_order: int) -> int:
    """Each order's journey, ``per_order`` events, hours apart, in China time; the file is
    shuffled in blocks so orders' events do not arrive neatly together."""
    rng, lines = random.Random(5), []
    for tracking_no, created in orders:
        moment = created + timedelta(hours=2)
        for step in range(per_order):
            text = JOURNEY[step] if step < len(JOURNEY) else "运输延误 / Delayed in transit"
            moment += timedelta(hours=rng.randint(3, 30))
            local = moment + timedelta(hours=8)  # Asia/Shanghai, no DST
            lines.append((tracking_no, local.strftime("%Y-%m-%d %H:%M:%S"), text, "Shenzhen", ""))
    block = 1000
    blocks = [lines[i : i + block] for i in range(0, len(lines), block)]
    rng.shuffle(blocks)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(("tracking_no", "event_time", "status_text", "location", "remark"))
        for chunk in blocks:
            writer.writerows(chunk)
    return len(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-order", type=int, default=10)
    parser.add_argument("--database-url", default=default_url())
    args = parser.parse_args()
    with fresh_database(args.database_url) as (app, folder):
        started = time.perf_counter()
        orders = fill_orders(args.events // args.per_order)
        source = folder / "fourpx.csv"
        events = write_feed(source, orders, args.per_order)
        print(machine(db.engine.dialect.name))
        print(
            f"generated {len(orders):,} orders and a {source.stat().st_size / 1e6:.0f} MB 4PX file of "
            f"{events:,} events in {time.perf_counter() - started:.1f} s"
        )
        plugins, actor = registry(), Actor.system("benchmark")
        carrier = plugins.carrier("fourpx")
        for attempt in ("first import", "same file again"):
            started = time.perf_counter()
            feed = carrier.parse_tracking(source.read_bytes())
            parsed = time.perf_counter() - started
            report = store_feed(plugins, carrier, feed, source="file", actor=actor)
            total = time.perf_counter() - started
            assert not report.problems, report.problems[:5]
            print(
                f"{attempt:<16} {total:6.1f} s  ({events / total:,.0f} events/s; parse {parsed:.1f} s, store "
                f"{total - parsed:.1f} s): {report.added:,} added, {report.duplicates:,} duplicates, "
                f"{report.orders:,} orders   target <= 60 s"
            )
        stored = db.session.query(TrackingEvent).count()
        delivered = db.session.query(Order).filter(Order.tracking_status == "delivered").count()
        assert stored == events and delivered == (len(orders) if args.per_order == len(JOURNEY) else delivered)
        print(f"checked: {stored:,} events stored once, {delivered:,} orders delivered")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
