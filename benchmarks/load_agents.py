"""Benchmark: a bounded load test of simulated agents working the desk, on loopback only.

    python benchmarks/load_agents.py [--agents 20] [--seconds 300] [--orders 10000] [--database-url URL]

A fresh database with ``--orders`` orders (``queue_and_stall.fill``: 60 % covered, 8 % stalled),
served as ``make run`` serves it: gunicorn (``gunicorn.conf.py``, 2 workers) and 2 job workers.
Each simulated agent logs in with its own account and, for ``--seconds``, works in a loop with
0.3-1.0 s pauses: the work queue (a random page), an order from it, now and then (one round in
five) opens an inquiry on a stalled parcel and uploads a screenshot to it, reads the inquiry and
its checklist. Reported: answers by status (0 server errors wanted), p50/p95 per page, and the
resident memory of every process at the start and the end.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

from harness import default_url, fresh_database, machine
from PIL import Image
from queue_and_stall import fill
from render_pack import ACTOR
from serve import ROOT
from sqlalchemy import select

from portal.auth.services import create_user
from portal.extensions import db
from portal.orders.models import Order

sys.path.insert(0, str(ROOT))
from tests.topology import Client, wait_for  # noqa: E402

PASSWORD = "load test agent password"
BIN = Path(sys.executable).parent


def png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (seed % 256, (seed * 7) % 256, (seed * 13) % 256)).save(buffer, "PNG")
    return buffer.getvalue()


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, media) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {media}\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[int, int] = defaultdict(int)
        self.errors: list[str] = []

    def add(self, page: str, status: int, seconds: float, path: str) -> None:
        with self.lock:
            self.times[page].append(seconds)
            self.statuses[status] += 1
            if status >= 500 or status == 0:
                self.errors.append(f"{status} {page} {path}")


def agent(n: int, base: str, stalled: list[str], deadline: float, results: Results) -> None:
    rng = random.Random(n)
    client = Client(base)
    _, _, page = client.get("/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    status, _, _ = client.post("/login", form={"username": f"agent.{n:02d}", "password": PASSWORD, "csrf_token": token})
    assert status == 200, status
    _, _, page = client.get(f"/orders/{stalled[0]}")  # the session's own form token, after login
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    def timed(page: str, method: str, path: str, **kwargs):
        began = time.perf_counter()
        status, headers, body = client.request(method, path, **kwargs)
        results.add(page, status, time.perf_counter() - began, path)
        return status, headers, body

    uploads = 0
    while time.monotonic() < deadline:
        status, _, body = timed("work queue", "GET", f"/queue?page={rng.randint(1, 5)}")
        links = re.findall(r'href="/orders/([^"/?]+)"', body)
        order_no = rng.choice(links) if links else rng.choice(stalled)
        time.sleep(rng.uniform(0.3, 1.0))
        timed("order page", "GET", f"/orders/{order_no}")
        time.sleep(rng.uniform(0.3, 1.0))
        if rng.random() < 0.2:
            order_no = rng.choice(stalled)
            status, _, body = timed(
                "open inquiry (+ page)",
                "POST",
                f"/orders/{order_no}/inquiries",
                form={"csrf_token": token, "kind": "not_arrived", "channel": "email", "message": "Where is it?"},
            )
            number = re.search(r"/inquiries/(INQ-\d{4}-\d{6})", body)
            if number:
                number = number.group(1)
                time.sleep(rng.uniform(0.3, 1.0))
                uploads += 1
                data, content_type = multipart(
                    {"csrf_token": token},
                    {"file": (f"screenshot-{n}-{uploads}.png", png(n * 1000 + uploads), "image/png")},
                )
                began = time.perf_counter()
                request = __import__("urllib.request").request.Request(
                    f"{base}/inquiries/{number}/evidence/dispute_screenshots",
                    data=data,
                    method="POST",
                    headers={"Content-Type": content_type, "HX-Request": "true"},
                )
                try:
                    with client.opener.open(request, timeout=30) as response:
                        status = response.status
                except Exception as exc:  # noqa: BLE001 - an HTTP error is counted by its status
                    status = getattr(exc, "code", 0)
                results.add("upload (htmx)", status, time.perf_counter() - began, number)
                time.sleep(rng.uniform(0.3, 1.0))
                timed("checklist (htmx)", "GET", f"/inquiries/{number}/checklist", timeout=30)
        time.sleep(rng.uniform(0.3, 1.0))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--database-url", default=default_url())
    parser.add_argument("--port", type=int, default=int(os.environ.get("COVERDESK_BENCH_PORT", 5180)))
    args = parser.parse_args()
    with fresh_database(args.database_url) as (app, folder):
        fill(args.orders)
        for n in range(args.agents):
            create_user(f"agent.{n:02d}", f"Agent {n}", "agent", PASSWORD, ACTOR)
        db.session.commit()
        stalled = list(db.session.scalars(select(Order.order_no).where(Order.stalled_from.is_not(None)).limit(5000)))
        print(machine(db.engine.dialect.name))
        db.session.remove()
        env = {
            **os.environ,
            "COVERDESK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "COVERDESK_INSTANCE_PATH": app.instance_path,
            "COVERDESK_SECRET_KEY": app.config["SECRET_KEY"],
            "COVERDESK_LOAD_ENTRY_POINTS": "0",
            "COVERDESK_WEB_BIND": f"127.0.0.1:{args.port}",
            "COVERDESK_WEB_WORKERS": "2",
        }
        logs = folder / "logs"
        logs.mkdir(exist_ok=True)
        processes = {}

        def start(name, *argv):
            with (logs / f"{name}.log").open("w") as log:
                processes[name] = subprocess.Popen(list(argv), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

        start("web", str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "portal.wsgi:app")
        for n in (1, 2):
            start(f"worker-{n}", str(BIN / "coverdesk"), "worker", "--threads", "1")
        results = Results()
        try:
            base = f"http://127.0.0.1:{args.port}"
            wait_for(lambda: Client(base).get("/readyz")[0] == 200, 60, "the desk is ready")

            def memory() -> dict[str, int]:
                pids = {"gunicorn master": processes["web"].pid}
                pids.update({f"gunicorn worker {i + 1}": p for i, p in enumerate(children(processes["web"].pid))})
                pids.update({name: p.pid for name, p in processes.items() if name.startswith("worker")})
                return {name: rss_kb(pid) for name, pid in pids.items()}

            at_start = memory()
            deadline = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=agent, args=(n, base, stalled, deadline, results)) for n in range(args.agents)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            at_end = memory()
        finally:
            for process in processes.values():
                process.terminate()
            for process in processes.values():
                process.wait(timeout=120)
        total = sum(results.statuses.values())
        print(
            f"{args.agents} agents for {args.seconds} s on {args.orders} orders: {total} requests, "
            f"statuses {dict(sorted(results.statuses.items()))}, server errors {len(results.errors)}"
        )
        for error in results.errors[:10]:
            print(f"  {error}")
        for page, times in sorted(results.times.items()):
            ms = [t * 1000 for t in times]
            print(
                f"  {page:<24} n {len(ms):>5}   p50 {percentile(ms, 0.5):7.1f}   p95 {percentile(ms, 0.95):7.1f}   "
                f"max {max(ms):7.1f} ms"
            )
        for name in at_start:
            print(
                f"  memory {name:<18} {at_start[name] / 1024:6.1f} MB at start, {at_end.get(name, 0) / 1024:6.1f} MB at end"
            )
    return 0 if not results.errors else 1


if __name__ == "__main__":
    sys.exit(main())
