"""`coverdesk tracking sync` over real HTTP, against fake carrier servers on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from portal import PROJECT_ROOT
from portal.app import create_app
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.orders.models import Order
from portal.orders.services import create_order
from portal.plugin_api import HttpError
from portal.tracking.models import CarrierSync, TrackingEvent
from portal.tracking.sync import UrllibHttp, backoff, sync_all
from tests.factories import TEST_ACTOR, order_payload

CREATED = datetime(2026, 11, 1, 0, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)
TIMEOUT = 0.5
SWIFTWING_JOURNEY = json.loads((PROJECT_ROOT / "plugins/swiftwing/fixtures/full_journey.json").read_text())
CHECKPOINTS = SWIFTWING_JOURNEY["shipments"][0]["checkpoints"]  # 9 checkpoints, ends delivered
FOURPX_ROWS = (PROJECT_ROOT / "plugins/fourpx/fixtures/full_journey.csv").read_text(encoding="utf-8").splitlines()


class FakeCarrier(ThreadingHTTPServer):
    """Swiftwing's JSON API (``/v1/tracking?waybills=``) and 4PX's CSV (``/track?numbers=``).

    ``mode``: ok, slow (answers after ``slow_seconds``), garbage, error (HTTP 500).
    ``upto``: how many of the swiftwing journey's checkpoints each waybill has so far.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.mode = "ok"
        self.upto = len(CHECKPOINTS)
        self.slow_seconds = TIMEOUT * 3
        self.requests: list[tuple[str, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


class Handler(BaseHTTPRequestHandler):
    server: FakeCarrier

    def log_message(self, *args):  # keep the test output quiet
        pass

    def do_GET(self):
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        self.server.requests.append((parts.path, query))
        mode = self.server.mode
        if mode == "slow":
            time.sleep(self.server.slow_seconds)
        if mode == "error":
            return self._send(500, b"internal error", "text/plain")
        if mode == "garbage":
            return self._send(200, b"<html>maintenance \xff</html>", "text/html")
        if parts.path == "/v1/tracking":
            waybills = [w for w in query.get("waybills", "").split(",") if w]
            body = {
                "request_id": "fake",
                "shipments": [
                    {"waybill": waybill, "checkpoints": CHECKPOINTS[: self.server.upto]} for waybill in waybills
                ],
            }
            return self._send(200, json.dumps(body).encode(), "application/json")
        if parts.path == "/track":
            numbers = set(query.get("numbers", "").split(","))
            rows = [FOURPX_ROWS[0]] + [row for row in FOURPX_ROWS[1:] if row.split(",")[0] in numbers]
            return self._send(200, ("\n".join(rows) + "\n").encode(), "text/csv")
        self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, content_type: str):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (slow mode)
            pass


@pytest.fixture
def carrier_server():
    """Start fake carrier servers on 127.0.0.1 (each on its own port); all stopped at the end."""
    started = []

    def start() -> FakeCarrier:
        server = FakeCarrier()
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        started.append((server, thread))
        return server

    yield start
    for server, thread in started:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def swift(carrier_server) -> FakeCarrier:
    return carrier_server()


@pytest.fixture
def fourpx(carrier_server) -> FakeCarrier:
    return carrier_server()


@pytest.fixture
def http(app):
    return UrllibHttp(TIMEOUT)


def make_order(
    plugins, order_no: str, carrier: str = "swiftwing", tracking_no: str = "7100000042", dispatched: bool = True
) -> Order:
    service = {"swiftwing": "express_worldwide", "fourpx": "fourpx_c"}[carrier]
    payload = order_payload(
        order_no=order_no, carrier=carrier, service=service, tracking_no=tracking_no, declared_value="90.00", cover=None
    )
    order = create_order(plugins, payload, TEST_ACTOR, "api", now=CREATED).order
    if dispatched:
        order.dispatched_at = CREATED + timedelta(hours=1)
    db.session.commit()
    return order


def events_of(order: Order) -> int:
    return db.session.scalar(select(func.count()).select_from(TrackingEvent).where(TrackingEvent.order_id == order.id))


def by_code(outcomes):
    return {outcome.carrier_code: outcome for outcome in outcomes}


def test_a_sync_stores_events_moves_the_status_and_a_second_sync_adds_nothing(plugins, swift, http):
    order = make_order(plugins, "SW-1")
    make_order(plugins, "SW-2", tracking_no="7100000053", dispatched=False)  # not dispatched: not asked
    swift.upto = 5
    endpoints = {"swiftwing": swift.url}

    first = by_code(sync_all(plugins, endpoints, NOW, http=http))
    assert first["swiftwing"].state == "synced" and first["swiftwing"].added == 5
    assert first["swiftwing"].parcels == 1
    assert swift.requests == [("/v1/tracking", {"waybills": "7100000042"})]
    assert first["harbourpost"].state == "no_feed" and first["fourpx"].state == "no_endpoint"
    db.session.refresh(order)
    assert order.tracking_status == "in_transit" and events_of(order) == 5
    assert {e.source for e in db.session.scalars(select(TrackingEvent))} == {"sync"}

    again = by_code(sync_all(plugins, endpoints, NOW, http=http))["swiftwing"]
    assert (again.state, again.added, again.duplicates) == ("synced", 0, 5)
    assert events_of(order) == 5

    swift.upto = len(CHECKPOINTS)  # the parcel is delivered
    last = by_code(sync_all(plugins, endpoints, NOW, http=http))["swiftwing"]
    assert (last.added, last.duplicates) == (4, 5)
    db.session.refresh(order)
    assert order.tracking_status == "delivered" and order.stalled_from is None
    requests = len(swift.requests)
    settled = by_code(sync_all(plugins, endpoints, NOW, http=http))["swiftwing"]
    assert settled.state == "synced" and settled.parcels == 0 and len(swift.requests) == requests
    state = db.session.scalar(select(CarrierSync).where(CarrierSync.carrier_code == "swiftwing"))
    assert state.last_success_at == NOW and state.consecutive_failures == 0 and state.next_attempt_at is None


def test_parcels_are_asked_in_chunks(plugins, swift, http, monkeypatch):
    monkeypatch.setattr("portal.tracking.sync.CHUNK_SIZE", 2)
    orders = [make_order(plugins, f"SW-{n}", tracking_no=f"71000000{n:02d}") for n in range(5)]
    outcome = by_code(sync_all(plugins, {"swiftwing": swift.url}, NOW, http=http))["swiftwing"]
    assert outcome.added == 5 * len(CHECKPOINTS) and outcome.parcels == 5
    assert [query["waybills"].count(",") + 1 for _, query in swift.requests] == [2, 2, 1]
    assert all(events_of(order) == len(CHECKPOINTS) for order in orders)


@pytest.mark.parametrize(
    "mode, message",
    [
        ("slow", f"no answer from http://127.0.0.1:{{port}}/v1/tracking within {TIMEOUT:g} s"),
        ("garbage", "unreadable answer: not valid JSON"),
        ("error", "HTTP 500 Internal Server Error from http://127.0.0.1:{port}/v1/tracking"),
    ],
    ids=["slow", "garbage", "http_500"],
)
def test_a_failing_carrier_backs_off_and_the_others_still_sync(plugins, swift, fourpx, http, mode, message):
    sw_order = make_order(plugins, "SW-1")
    px_order = make_order(plugins, "PX-1", carrier="fourpx", tracking_no="4PX3001234567890CN")
    swift.mode = mode
    endpoints = {"swiftwing": swift.url, "fourpx": fourpx.url}

    outcomes = by_code(sync_all(plugins, endpoints, NOW, http=http))
    failed = outcomes["swiftwing"]
    assert failed.state == "failed" and failed.error.startswith(message.format(port=swift.server_port))
    assert failed.next_attempt_at == NOW + timedelta(minutes=5)
    assert events_of(sw_order) == 0
    assert outcomes["fourpx"].state == "synced" and outcomes["fourpx"].added > 0
    db.session.refresh(px_order)
    assert px_order.tracking_status == "delivered"

    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "tracking.sync_failed")).all()
    assert [(a.entity_type, a.entity_id) for a in audit] == [("carrier", "swiftwing")]
    assert audit[0].after["consecutive_failures"] == 1

    # Not due yet: skipped, without a request; the back-off doubles on the next failure.
    asked = len(swift.requests)
    later = NOW + timedelta(minutes=4)
    assert by_code(sync_all(plugins, endpoints, later, http=http))["swiftwing"].state == "skipped"
    assert len(swift.requests) == asked
    forced = by_code(sync_all(plugins, endpoints, later, http=http, force=True))["swiftwing"]
    assert forced.state == "failed" and forced.next_attempt_at == later + timedelta(minutes=10)

    # After the back-off the carrier is retried, and succeeds once its API is back.
    swift.mode = "ok"
    retry = later + timedelta(minutes=10)
    assert by_code(sync_all(plugins, endpoints, retry, http=http))["swiftwing"].added == len(CHECKPOINTS)
    state = db.session.scalar(select(CarrierSync).where(CarrierSync.carrier_code == "swiftwing"))
    assert (state.consecutive_failures, state.next_attempt_at, state.last_error) == (0, None, "")
    assert state.last_success_at == retry


def test_a_refused_connection_and_a_plugin_exception_are_failures_of_that_carrier(plugins, fourpx, http, monkeypatch):
    make_order(plugins, "SW-1")
    make_order(plugins, "PX-1", carrier="fourpx", tracking_no="4PX3001234567890CN")
    closed = fourpx.__class__()  # bind a port, then close it: nothing listens there
    dead_url = closed.url
    closed.server_close()
    outcomes = by_code(sync_all(plugins, {"swiftwing": dead_url, "fourpx": fourpx.url}, NOW, http=http))
    assert outcomes["swiftwing"].state == "failed" and "refused" in outcomes["swiftwing"].error
    assert outcomes["fourpx"].state == "synced"

    carrier = plugins.carriers["swiftwing"].raw  # the plugin object behind the engine's guard
    monkeypatch.setattr(carrier, "parse_tracking", lambda content: 1 / 0)
    broken = by_code(sync_all(plugins, {"swiftwing": fourpx.url}, NOW, http=http, force=True))["swiftwing"]
    assert broken.state == "failed"
    assert "Swiftwing Express (swiftwing) failed in parse_tracking: ZeroDivisionError: division by zero" in broken.error
    assert broken.next_attempt_at == NOW + timedelta(minutes=10)  # the second failure in a row


def test_backoff_doubles_up_to_six_hours():
    assert [backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=5), timedelta(minutes=10), timedelta(minutes=20)]
    assert backoff(7) == timedelta(hours=5, minutes=20) and backoff(8) == backoff(100) == timedelta(hours=6)


def test_the_http_getter_refuses_other_schemes(app):
    http = UrllibHttp(TIMEOUT)
    for url in ("file:///etc/passwd", "ftp://example.com/x", "/v1/tracking"):
        with pytest.raises(HttpError, match="only http:// and https://"):
            http(url, {})


def test_cli_sync_prints_each_carrier_and_fails_when_one_fails(app, plugins, runner, swift, fourpx):
    from portal.cli import cli

    make_order(plugins, "SW-1")
    make_order(plugins, "PX-1", carrier="fourpx", tracking_no="4PX3001234567890CN")
    app.config.update(CARRIER_ENDPOINTS={"swiftwing": swift.url, "fourpx": fourpx.url}, SYNC_TIMEOUT=TIMEOUT)

    swift.mode = "error"
    result = runner.invoke(cli, ["tracking", "sync"])
    assert result.exit_code == 1, result.output
    lines = {line.split(":")[0]: line for line in result.output.splitlines()}
    assert list(lines) == sorted(plugins.carriers)  # each loaded carrier once, by code
    assert (
        lines["fourpx"].startswith("fourpx: synced ")
        and "0 already stored, 1 parcels asked, 0 problems" in lines["fourpx"]
    )
    assert lines["harbourpost"] == "harbourpost: no online feed"
    swiftwing = lines["swiftwing"]
    assert (
        swiftwing.startswith("swiftwing: FAILED: HTTP 500 Internal Server Error from") and "(next try at " in swiftwing
    )

    swift.mode = "ok"
    skipped = runner.invoke(cli, ["tracking", "sync", "--carrier", "swiftwing"])
    assert skipped.exit_code == 0 and skipped.output.startswith("swiftwing: skipped (not due until ")
    forced = runner.invoke(cli, ["tracking", "sync", "--carrier", "swiftwing", "--force"])
    assert forced.exit_code == 0, forced.output
    assert forced.output == (
        f"swiftwing: synced {len(CHECKPOINTS)} events (0 already stored, 1 parcels asked, 0 problems)\n"
    )

    app.config["CARRIER_ENDPOINTS"] = {}
    none = runner.invoke(cli, ["tracking", "sync", "--carrier", "fourpx"])
    assert none.exit_code == 0 and none.output == "fourpx: no endpoint\n"
    unknown = runner.invoke(cli, ["tracking", "sync", "--carrier", "acme"])
    assert unknown.exit_code != 0 and "unknown carrier 'acme'" in unknown.output


def test_carrier_endpoints_are_read_from_the_environment(app_config, monkeypatch):
    monkeypatch.setenv(
        "COVERDESK_CARRIER_ENDPOINTS", '{"swiftwing": "http://127.0.0.1:9/api/", "fourpx": "https://4px.example"}'
    )
    monkeypatch.setenv("COVERDESK_SYNC_TIMEOUT", "2.5")
    app = create_app(app_config)
    assert app.config["CARRIER_ENDPOINTS"] == {"swiftwing": "http://127.0.0.1:9/api", "fourpx": "https://4px.example"}
    assert app.config["SYNC_TIMEOUT"] == 2.5
    with app.app_context():
        db.engine.dispose()


def test_carrier_endpoints_default_to_none(app):
    assert app.config["CARRIER_ENDPOINTS"] == {} and app.config["SYNC_TIMEOUT"] == 10


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("COVERDESK_CARRIER_ENDPOINTS", '{"swiftwing": ', "COVERDESK_CARRIER_ENDPOINTS: not valid JSON"),
        ("COVERDESK_CARRIER_ENDPOINTS", '["http://x"]', "COVERDESK_CARRIER_ENDPOINTS: must be a JSON object"),
        (
            "COVERDESK_CARRIER_ENDPOINTS",
            '{"swiftwing": "file:///tmp"}',
            "COVERDESK_CARRIER_ENDPOINTS: the URL of swiftwing",
        ),
        ("COVERDESK_SYNC_TIMEOUT", "soon", "COVERDESK_SYNC_TIMEOUT: 'soon' is not a number"),
    ],
)
def test_bad_sync_settings_stop_the_start(app_config, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(RuntimeError, match=message):
        create_app(app_config)
