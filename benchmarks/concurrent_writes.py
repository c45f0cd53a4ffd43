"""Concurrent API writes against a served portal: N order posts with K in flight (default 200 / 8),
16 orders per new seller (the unique-code race), on a fresh database; prints throughput, latency
and the answers by status. ``--busy-timeout 0`` shows what SQLite does without waiting its turn.

    python benchmarks/concurrent_writes.py [--database-url URL] [--posts 200] [--in-flight 8] [--port 5150]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from harness import default_url, fresh_database, machine
from werkzeug.serving import make_server


def order(n: int) -> dict:
    return {
        "order_no": f"BENCH-{n:05d}",
        "seller": {"code": f"NEW{n // 16:04d}", "name": f"Seller {n // 16}", "email": "s@bench.example"},
        "carrier": "fourpx",
        "service": "fourpx_c",
        "tracking_no": f"4PX{700000 + n:013d}CN",
        "destination_country": "US",
        "declared_value": "1850.00",
        "currency": "USD",
        "contents": "Drone",
        "category": "electronics",
        "cover": {"insurer": "lanternfish", "insured_value": "1850.00"},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=default_url())
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=8)
    parser.add_argument("--port", type=int, default=5150)
    parser.add_argument("--busy-timeout", type=float, default=None, help="SQLite busy timeout (s)")
    args = parser.parse_args()
    config = {} if args.busy_timeout is None else {"SQLITE_BUSY_TIMEOUT": args.busy_timeout}
    with fresh_database(args.database_url, **config) as (app, _):
        from portal.audit.services import Actor
        from portal.auth.services import create_token
        from portal.extensions import db

        _, token = create_token("bench", Actor.system("bench"))
        db.session.commit()
        db.session.remove()
        server = make_server("127.0.0.1", args.port, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()

        def post(n: int) -> tuple[int, float]:
            started = time.perf_counter()
            connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
            connection.request(
                "POST",
                "/api/v1/orders",
                body=json.dumps(order(n)),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            status = connection.getresponse().status
            connection.close()
            return status, time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(args.in_flight) as pool:
            answers = list(pool.map(post, range(args.posts)))
        elapsed = time.perf_counter() - started
        server.shutdown()
        latencies = sorted(seconds * 1000 for _, seconds in answers)
        backend = db.engine.dialect.name
        print(machine(backend))
        print(
            f"{args.posts} posts, {args.in_flight} in flight: {elapsed:.1f} s ({args.posts / elapsed:.0f}/s), "
            f"p50 {statistics.median(latencies):.0f} ms, p95 {latencies[int(len(latencies) * 0.95) - 1]:.0f} ms"
        )
        print("answers:", dict(sorted(Counter(status for status, _ in answers).items())))


if __name__ == "__main__":
    main()
