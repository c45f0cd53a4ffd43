"""Benchmark: generate N orders with cover as CSV and import them as a user does
(``coverdesk orders import``) into a fresh, migrated database; beside it, the ceiling: the same
rows (sellers, orders, covers, audit events, read back from the import) written with SQLAlchemy
Core's executemany into another fresh, migrated database.

    python benchmarks/import_orders.py                          # 100,000 orders, SQLite file
    python benchmarks/import_orders.py --rows 10000,100000,1000000
    python benchmarks/import_orders.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test

Reported: time, rows/s, the import's peak RSS (its largest process), Core's time and the ratio.
Targets: 100,000 orders with cover in <= 20 s, aim <= 5 s (DESIGN.md); >= 50 % of Core
executemany's speed and <= 250 MB peak at 1,000,000 orders, flat in the file's size (issue 16).
PostgreSQL runs go into throw-away schemas that are dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from harness import default_url, fresh_database, machine
from sqlalchemy import insert, select

from portal.extensions import db
from portal.orders.importer import BATCH_SIZE, COLUMNS

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


#: Starts the command and reports its peak RSS. A small process of its own, because Linux keeps
#: the high-water mark across fork and exec: the command started straight from this (large)
#: benchmark process would report this process's memory as its own.
LAUNCHER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(process.pid, 0)
print(f"peak-rss-kb {usage.ru_maxrss}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_import(csv_path: Path, env: dict) -> tuple[float, float, str]:
    """``coverdesk orders import`` as a user runs it: seconds, peak RSS in MB (its largest
    process: the importer or its checking worker), and its report's first line."""
    command = [str(Path(sys.executable).parent / "coverdesk"), "orders", "import", str(csv_path), "--quiet"]
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command], env={**os.environ, **env}, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"the import failed: {result.stderr[-2000:]}")
    peak = int(next(line for line in result.stderr.splitlines() if line.startswith("peak-rss-kb")).split()[1])
    return elapsed, peak / 1024, result.stdout.splitlines()[0]


TABLES = ("sellers", "orders", "covers", "audit_events")


def core_executemany(database_url: str, rows: dict[str, list[dict]]) -> float:
    """The ceiling: the same rows written with SQLAlchemy Core's executemany into a fresh, migrated
    database, a transaction per 5,000 rows as the importer commits. Seconds."""
    with fresh_database(database_url) as (_app, _folder):
        tables = db.metadata.tables
        started = time.perf_counter()
        for name in TABLES:
            for start in range(0, len(rows[name]), BATCH_SIZE):
                with db.engine.begin() as connection:
                    connection.execute(insert(tables[name]), rows[name][start : start + BATCH_SIZE])
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100000", help="comma-separated sizes, e.g. 10000,100000,1000000")
    parser.add_argument("--database-url", default=default_url())
    parser.add_argument("--reimport", action="store_true", help="also import the same file again")
    args = parser.parse_args()
    print(f"{'orders':>9}  {'import':>9}  {'rows/s':>8}  {'peak RSS':>9}  {'Core executemany':>17}  ratio  report")
    for size in (int(n) for n in args.rows.split(",")):
        with fresh_database(args.database_url) as (app, folder):
            backend = db.engine.dialect.name
            source = folder / "orders.csv"
            write_csv(source, size)
            env = {
                "COVERDESK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "COVERDESK_INSTANCE_PATH": app.instance_path,
            }
            db.session.remove()
            elapsed, peak, report = run_import(source, env)
            assert report.startswith(f"{size} orders created ({size} with cover)"), report
            again = run_import(source, env) if args.reimport else None
            rows = {}
            with db.engine.connect() as connection:
                for name in TABLES:
                    table = db.metadata.tables[name]
                    rows[name] = [dict(row._mapping) for row in connection.execute(select(table).order_by(table.c.id))]
            written = sum(len(batch) for batch in rows.values())
        ceiling = core_executemany(args.database_url, rows)
        del rows
        print(
            f"{size:>9,}  {elapsed:>7.1f} s  {size / elapsed:>8,.0f}  {peak:>6.0f} MB  {ceiling:>8.1f} s "
            f"({written:,} rows)  {ceiling / elapsed:.2f}  {report}"
        )
        if again:
            print(f"{'':>9}  same file again: {again[0]:.1f} s, peak {again[1]:.0f} MB: {again[2]}")
    print(machine(backend) + "; targets (issue 16): >= 0.50 of Core executemany, <= 250 MB at 1,000,000")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
