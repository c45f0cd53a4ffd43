"""The desk scaled out, end to end, as CI runs it: gunicorn with 2 workers and 2 job workers
(``coverdesk worker``) as separate processes on PostgreSQL and Redis, all on this machine.

An order and its scans come through the API, an inquiry opens at once and its documents are made
by the job workers; an agent logs in and reads them. Then faults: a job worker killed with -9 in
the middle of its jobs leaves no half row and no stored orphan, and a worker started after it
finishes them.

Collected when PostgreSQL (``COVERDESK_TEST_POSTGRES_URL``) and Redis
(``COVERDESK_TEST_REDIS_URL``) are given (tests/conftest.py), as CI gives both; with ``CI`` set a
missing Redis fails the run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import signal
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
import sqlalchemy as sa
from PIL import Image

from portal.clock import utcnow
from portal.storage import FileStore
from tests.factories import PASSWORD, POSTGRES_URL, REDIS_URL, order_payload
from tests.topology import BIN, Client, Processes, TcpProxy, free_port, wait_for

GENERATED = ("delivery_record", "delivery_certificate", "proof_of_insured_value")
LEASE = 6


@pytest.fixture
def desk(tmp_path):
    """A fresh PostgreSQL schema and Redis queue, migrated, with an agent and an API token."""
    schema = f"coverdesk_topology_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    url = f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    queue = f"coverdesk-test-{uuid.uuid4().hex[:10]}"
    port = free_port()
    env = {
        **os.environ,
        "COVERDESK_DATABASE_URL": url,
        "COVERDESK_REDIS_URL": REDIS_URL,
        "COVERDESK_JOBS_QUEUE": queue,
        "COVERDESK_INSTANCE_PATH": str(tmp_path / "instance"),
        "COVERDESK_EVIDENCE_DIR": str(tmp_path / "shared-evidence"),
        "COVERDESK_SECRET_KEY": uuid.uuid4().hex,
        "COVERDESK_LOAD_ENTRY_POINTS": "0",
        "COVERDESK_LANGUAGE": "en",
        "COVERDESK_JOB_LEASE_SECONDS": str(LEASE),
        "COVERDESK_WEB_BIND": f"127.0.0.1:{port}",
        "COVERDESK_WEB_WORKERS": "2",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.pop("FLASK_RUN_FROM_CLI", None)
    (tmp_path / "logs").mkdir()
    processes = Processes(env, tmp_path / "logs")
    processes.run("db", "upgrade")
    processes.run("users", "create", "li.na", "--role", "agent", "--password", PASSWORD)
    token = processes.run("tokens", "create", "ordering").strip().splitlines()[-1]
    engine = sa.create_engine(url)
    # The served processes reach PostgreSQL through a relay the tests can cut.
    target = sa.engine.make_url(url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    processes.env["COVERDESK_DATABASE_URL"] = target.set(port=proxy.port).render_as_string(hide_password=False)
    try:
        yield processes, engine, f"http://127.0.0.1:{port}", token, tmp_path, proxy
    finally:
        processes.stop_all()
        proxy.close()
        engine.dispose()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"huey.*{queue}*"):
            client.delete(key)
        client.close()
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _start_web(processes):
    return processes.start("web", str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "portal.wsgi:app")


def _start_worker(processes, name):
    return processes.start(name, str(BIN / "coverdesk"), "worker", "--threads", "1")


def _order(api, number: int) -> str:
    order_no = f"TOPO-{number:04d}"
    payload = order_payload(order_no=order_no, tracking_no=f"4PX30000000{number:05d}CN")
    status, _, body = api.post("/api/v1/orders", json_body=payload)
    assert status == 201, body
    # Scans in the API's own time (events cannot predate the order): dispatched, then delivered
    # damaged, which may be reported at once.
    time.sleep(0.05)
    dispatched = utcnow()
    events = [
        {"occurred_at": dispatched.isoformat(), "status": "in_transit", "location": "Shenzhen", "handover": "dispatch"},
        {"occurred_at": (dispatched + timedelta(milliseconds=10)).isoformat(), "status": "delivered"},
    ]
    time.sleep(0.05)
    status, _, body = api.post(f"/api/v1/orders/{order_no}/tracking-events", json_body={"events": events})
    assert status == 201, body
    return order_no


def _open_inquiry(api, order_no: str) -> float:
    started = time.perf_counter()
    status, _, body = api.post(
        f"/api/v1/orders/{order_no}/inquiries", json_body={"kind": "not_arrived", "message": "?"}
    )
    assert status == 201, body
    return time.perf_counter() - started


def _documents_made(api, order_no: str) -> bool:
    status, _, body = api.get(f"/api/v1/orders/{order_no}")
    states = {item["kind"]: item["state"] for item in json.loads(body)["inquiry"]["evidence"]}
    return all(states[kind] == "received" for kind in GENERATED)


def _store_matches_rows(engine, evidence_dir) -> None:
    """Every stored file is named by a row and every named file is stored with its hash."""
    with engine.connect() as connection:
        named = {row[0] for row in connection.execute(sa.text("SELECT sha256 FROM evidence_documents"))}
        named |= {row[0] for row in connection.execute(sa.text("SELECT sha256 FROM claim_packs"))}
    store = FileStore(evidence_dir)
    stored = {p.name for p in store.root.glob("*/*/*") if not p.name.startswith(".incoming-")}
    assert stored == named
    for sha256 in named:
        assert hashlib.sha256(store.read(sha256)).hexdigest() == sha256


@pytest.mark.slow
def test_scaled_out_end_to_end_and_a_job_worker_killed_mid_job(desk):
    processes, engine, base, token, tmp_path, _ = desk
    web = _start_web(processes)
    workers = [_start_worker(processes, "worker-1"), _start_worker(processes, "worker-2")]
    anonymous = Client(base)

    def ready():
        status, _, body = anonymous.get("/readyz")
        return status == 200 and '"redis, ' in body

    wait_for(ready, 60, "the desk is ready (gunicorn up, Redis queue reachable)")
    api = Client(base, {"Authorization": f"Bearer {token}"})

    # End to end through both kinds of process.
    order_no = _order(api, 1)
    _open_inquiry(api, order_no)
    wait_for(lambda: _documents_made(api, order_no), 60, "the job workers made the three documents")
    agent = Client(base)
    _, _, login = agent.get("/login")
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    status, _, queue = agent.post("/login", form={"username": "li.na", "password": PASSWORD, "csrf_token": csrf})
    assert status == 200 and "Work queue" in queue
    with engine.connect() as connection:
        number = connection.execute(sa.text("SELECT number FROM inquiries")).scalar_one()
    status, _, page = agent.get(f"/inquiries/{number}")
    assert status == 200 and f"{number}-delivery-record.pdf" in page and "being made" not in page
    with ThreadPoolExecutor(6) as pool:  # requests at once: each gunicorn worker takes some
        answers = list(pool.map(lambda _: anonymous.get("/readyz"), range(60)))
    assert all(status == 200 for status, _, _ in answers)
    served_by = set(re.findall(r" INFO (\d+) coverdesk\.requests \[\w+\] GET /readyz 200 ", processes.log("web")))
    assert len(served_by) == 2, served_by  # the request log names each line's process
    assert "job worker: 1 threads on redis" in processes.log("worker-1") + processes.log("worker-2")
    assert web.poll() is None and all(worker.poll() is None for worker in workers)

    # A job worker killed with -9 in the middle of its jobs.
    os.killpg(workers[1].pid, signal.SIGSTOP)  # the other one takes no part until it is started again
    order_no = _order(api, 2)
    _open_inquiry(api, order_no)

    def running():
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM job_runs WHERE state = 'running'")).scalar()

    wait_for(running, 30, "worker-1 holds a job", interval=0.01)
    os.killpg(workers[0].pid, signal.SIGKILL)
    workers[0].wait()
    with engine.connect() as connection:
        held = connection.execute(sa.text("SELECT count(*) FROM job_runs WHERE state = 'running'")).scalar()
        done_before = connection.execute(
            sa.text("SELECT count(*) FROM evidence_documents WHERE source = 'generated'")
        ).scalar()
    assert held == 1  # killed mid-job: its row says running, its effect was never committed
    time.sleep(LEASE + 1)  # the dead worker's lease runs out
    os.killpg(workers[1].pid, signal.SIGCONT)
    _start_worker(processes, "worker-3")  # started again, as a service manager would
    wait_for(lambda: _documents_made(api, order_no), 90, "another worker finished the dead one's jobs")
    with engine.connect() as connection:
        # The inquiries' document jobs (a schedule's minute may also have come round meanwhile).
        states = dict(
            connection.execute(
                sa.text("SELECT state, count(*) FROM job_runs WHERE kind = 'inquiry-document' GROUP BY state")
            ).all()
        )
        per_item = connection.execute(
            sa.text("SELECT item_id, count(*) FROM evidence_documents WHERE source = 'generated' GROUP BY item_id")
        ).all()
    assert states == {"done": 6}
    assert len(per_item) == 6 and all(count == 1 for _, count in per_item)  # no job made two versions
    assert done_before < 6
    _store_matches_rows(engine, tmp_path / "shared-evidence")


@pytest.mark.slow
def test_the_database_away_for_a_few_seconds_gives_a_try_again_page_and_the_desk_recovers(desk):
    processes, engine, base, token, tmp_path, proxy = desk
    _start_web(processes)
    agent = Client(base)
    wait_for(lambda: agent.get("/readyz")[0] == 200, 60, "the desk is ready")
    _, _, login = agent.get("/login")
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    status, _, _ = agent.post("/login", form={"username": "li.na", "password": PASSWORD, "csrf_token": csrf})
    assert status == 200

    proxy.cut()  # the database goes away
    for _ in range(4):  # each gunicorn worker, its pooled connections broken and new ones refused
        status, headers, page = agent.get("/queue")
        assert status == 503, page
        assert headers["Retry-After"] and "Please try again" in page and "Traceback" not in page
    probe = Client(base)  # a probe has no session to look up
    status, _, body = probe.get("/readyz")
    assert status == 503 and json.loads(body)["checks"]["database"]["ok"] is False
    assert probe.get("/healthz")[0] == 200  # the process itself is alive: no restart needed
    time.sleep(3)

    proxy.restore()  # back: the next requests are served again, nothing restarted
    status, _, page = agent.get("/queue")
    assert status == 200 and "Work queue" in page
    assert wait_for(lambda: probe.get("/readyz")[0] == 200, 10, "ready again")
    assert "database unavailable" in processes.log("web")  # and said so in the log


def _evidence_state(engine, evidence_dir) -> tuple[int, set[str], list[str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT count(*) FROM evidence_documents WHERE source <> 'generated'")
        ).scalar()
    root = FileStore(evidence_dir).root
    stored = {p.name for p in root.glob("*/*/*")} if root.is_dir() else set()
    return (
        rows,
        {name for name in stored if not name.startswith(".incoming-")},
        sorted(name for name in stored if name.startswith(".incoming-")),
    )


@pytest.mark.slow
def test_web_workers_killed_during_an_upload_leave_nothing_half_written(desk):
    processes, engine, base, token, tmp_path, _ = desk
    web = _start_web(processes)
    _start_worker(processes, "worker-1")
    anonymous = Client(base)
    wait_for(lambda: anonymous.get("/readyz")[0] == 200, 60, "the desk is ready")
    api = Client(base, {"Authorization": f"Bearer {token}"})
    order_no = _order(api, 3)
    _open_inquiry(api, order_no)
    wait_for(lambda: _documents_made(api, order_no), 60, "the documents")
    evidence = tmp_path / "shared-evidence"
    before = _evidence_state(engine, evidence)

    # A seller's photo, sent slowly: half of it is on the wire when every web worker is killed.
    photo = io.BytesIO()
    Image.effect_noise((1200, 900), 80).convert("RGB").save(photo, "PNG")
    data = photo.getvalue()
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ndispute_screenshots\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="box.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as connection:
        connection.sendall(
            (
                f"POST /api/v1/orders/{order_no}/inquiry/evidence HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            + body[: len(body) // 2]
        )
        time.sleep(0.5)
        workers = [int(pid) for pid in Path(f"/proc/{web.pid}/task/{web.pid}/children").read_text().split()]
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            connection.sendall(body[len(body) // 2 :])
            connection.recv(1024)  # the connection is gone with its worker; no answer comes
    assert _evidence_state(engine, evidence) == before  # no row, no stored file, no temporary file

    # gunicorn's master starts new workers; the seller sends it again and it is stored once.
    wait_for(lambda: anonymous.get("/readyz")[0] == 200, 60, "new web workers")
    status, _, answer = api.request(
        "POST",
        f"/api/v1/orders/{order_no}/inquiry/evidence",
        raw=(body, f"multipart/form-data; boundary={boundary}"),
    )
    assert status == 201, answer
    rows, stored, temporary = _evidence_state(engine, evidence)
    assert rows == before[0] + 1 and stored == before[1] | {hashlib.sha256(data).hexdigest()} and temporary == []
    _store_matches_rows(engine, evidence)
