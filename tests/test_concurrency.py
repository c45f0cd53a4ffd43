"""Concurrent writers against a served portal: no server error, no acknowledged write lost.

The portal is served over real HTTP (a threaded server, as ``make run`` serves it) and the
ordering system's client posts 200 orders with 8 in flight, 16 at a time for each new seller (the
unique seller code race), while a CSV import writes beside it as ``coverdesk orders import`` does.
On SQLite every write transaction takes the write lock up front and waits for it; on PostgreSQL
the seller race is settled by a savepoint and a re-read.
"""

from __future__ import annotations

import http.client
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from sqlalchemy import func, select

from portal.database import writing
from portal.extensions import db
from portal.orders.importer import import_orders
from portal.orders.models import Order
from portal.sellers.models import Seller
from tests.factories import TEST_ACTOR, csv_row, csv_text, order_payload

POSTS, IN_FLIGHT, PER_SELLER = 200, 8, 16


def _post(base: str, token: str, body: dict) -> tuple[int, dict, dict]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(
            "POST",
            "/api/v1/orders",
            body=json.dumps(body),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_200_api_orders_with_8_in_flight_and_an_import_beside_them(app, plugins, live_server, api_token):
    bodies = [
        order_payload(
            order_no=f"RACE-{n:04d}",
            tracking_no=f"4PX{900000 + n:013d}CN",
            seller={
                "code": f"NEW{n // PER_SELLER:03d}",
                "name": f"New Seller {n // PER_SELLER}",
                "email": "s@x.example",
            },
        )
        for n in range(POSTS)
    ]
    csv = csv_text(*(csv_row(n, seller_code=f"NEW{n % 13:03d}") for n in range(1, 301)))

    def run_import():
        with app.app_context(), writing():
            report = import_orders(plugins, io.StringIO(csv, newline=""), TEST_ACTOR)
            db.session.remove()
            return report

    importer = threading.Thread(target=lambda: results.append(run_import()))
    results: list = []
    db.session.remove()  # the test's own session holds nothing while the server works
    importer.start()
    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        answers = list(pool.map(lambda body: _post(live_server, api_token, body), bodies))
    importer.join(timeout=120)

    statuses = [status for status, _, _ in answers]
    assert [s for s in statuses if s >= 500 and s != 503] == [], [a for a in answers if a[0] >= 500]
    busy = [headers for status, headers, _ in answers if status == 503]
    assert all("Retry-After" in headers for headers in busy)
    assert statuses.count(201) + len(busy) == POSTS, statuses
    assert not busy, f"{len(busy)} of {POSTS} answered 503: the writers should have waited their turn"
    acknowledged = {body["order_no"] for (status, _, _), body in zip(answers, bodies, strict=True) if status == 201}
    stored = set(db.session.scalars(select(Order.order_no).where(Order.order_no.like("RACE-%"))))
    assert acknowledged <= stored and len(stored) == POSTS
    assert results and results[0].created == 300 and not results[0].errors
    assert db.session.scalar(select(func.count()).select_from(Seller).where(Seller.code.like("NEW%"))) == 13
