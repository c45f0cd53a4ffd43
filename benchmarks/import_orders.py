"""Benchmark: generate N orders with cover as CSV and import them through the real importer.

    python benchmarks/import_orders.py                 # 100,000 orders into a fresh SQLite file
    python benchmarks/import_orders.py --rows 20000
    python benchmarks/import_orders.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Target (DESIGN.md): 100,000 orders with cover in <= 20 s on a 2-core machine; aim for <= 5 s.
PostgreSQL runs go into a throw-away schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from pathlib import Path

from harness import default_url, fresh_database, machine

from portal.audit.services import Actor
from portal.extensions import db
from portal.orders.importer import COLUMNS, import_orders
from portal.plugin_engine import registry

DESTINATIONS = ("US", "GB", "DE", "FR", "AU", "CA", "JP", "NL", "ES", "IT", "SE", "PL")
CATEGORIES = ("electronics", "apparel", "home", "toys", "cosmetics", "general")


def write_csv(path: Path, rows: int, sellers: int = 500) -> None:
    rng = random.Random(42)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(rows):
            seller = n % sellers
            value = f"{rng.randint(20, 4900)}.{rng.randint(0, 99):02d}"
            writer.writerow(
                [
                    f"BENCH-{n:07d}",
                    f"S{seller:05d}",
                    f"Seller {seller}",
                    f"seller{seller}@example.com",
                    "fourpx",
                    "fourpx_c",
                    f"4PX{4000000000000 + n:013d}CN",
                    DESTINATIONS[n % len(DESTINATIONS)],
                    value,
                    "USD",
                    "Benchmark goods",
                    CATEGORIES[n % len(CATEGORIES)],
                    "",
                    "lanternfish" if n % 2 else "jadeharbour",
                    value,
                ]
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="worker processes checking rows while batches are written (0: all in one process)",
    )
    parser.add_argument("--database-url", default=default_url())
    args = parser.parse_args()

    with fresh_database(args.database_url) as (app, folder):
        backend = db.engine.dialect.name
        source = folder / "orders.csv"
        started = time.perf_counter()
        write_csv(source, args.rows)
        generated = time.perf_counter() - started
        started = time.perf_counter()
        with source.open(encoding="utf-8", newline="") as stream:
            report = import_orders(registry(), stream, Actor.system("benchmark"), processes=args.processes)
        elapsed = time.perf_counter() - started
        assert not report.errors, report.errors[:5]
        assert report.created == args.rows and report.with_cover == args.rows
        started = time.perf_counter()
        with source.open(encoding="utf-8", newline="") as stream:
            again = import_orders(registry(), stream, Actor.system("benchmark"), processes=args.processes)
        reimport = time.perf_counter() - started
        assert again.created == 0 and again.already_present == args.rows

    print(f"{machine(backend)}, {args.processes} checking process(es)")
    print(f"generated {args.rows:,} CSV rows in {generated:.1f} s")
    print(
        f"imported {report.created:,} orders with cover in {elapsed:.2f} s "
        f"({report.created / elapsed:,.0f} rows/s); target <= 20 s for 100,000"
    )
    print(f"re-imported the same file in {reimport:.2f} s: {again.already_present:,} already present, 0 created")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
