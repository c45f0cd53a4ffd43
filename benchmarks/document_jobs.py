"""Benchmark: documents as jobs, served as users get them.

    python benchmarks/document_jobs.py [--claims 100] [--pages 40] [--database-url URL]

Fills a fresh database with ``--claims`` ready claims (the damage claim of ``render_pack``: about
10 pages, 4 photos, 3 appended PDFs) and ``--pages`` dispatched, quiet orders; then, in one run:

1. the same packs rendered one after another in this process (the ceiling a web request had when
   the pack was made inside it);
2. gunicorn (2 sync workers, ``gunicorn.conf.py``) and 2 job workers (``coverdesk worker``, one
   thread each), the embedded SQLite queue or Redis with ``COVERDESK_REDIS_URL``: an agent opens
   ``--pages`` inquiries and asks for ``--pages`` packs through the pages, one after another, each
   answer timed at the client (target: p95 <= 300 ms; the documents follow through the queue);
3. ``--claims`` packs asked for at once, made by the 2 job workers: wall time from the request to
   the last pack stored, and each job's own time from the workers' log lines;
4. the other documents and the import as jobs: the ``--pages`` inquiries' trace request PDFs and
   ``--pages`` seller statements (a supervisor) asked for through the pages, and an orders CSV of
   ``--import-rows`` rows uploaded on the import page: each answer timed, each job's own time from
   the workers' log lines, and the same work done in this process beforehand (what a request did
   when it made the PDF or ran the import itself).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path

from harness import default_url, fresh_database, machine
from render_pack import ACTOR, build_claim
from serve import ROOT, USER_AGENT
from sqlalchemy import func, select

from portal.advances.reports import statement_pdf
from portal.auth.services import create_user
from portal.claims import services as claims
from portal.claims.models import Claim, ClaimPack
from portal.claims.pack import render_pack
from portal.clock import utcnow
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.inquiries.models import Inquiry
from portal.inquiries.validation import InquiryInput
from portal.jobs.models import JobRun
from portal.orders.importer import COLUMNS, import_text
from portal.orders.models import OrderImport
from portal.orders.services import create_order
from portal.plugin_engine import registry
from portal.sellers.models import Seller
from portal.tracking.services import IncomingEvent, ingest

PASSWORD = "benchmark agent password"
BIN = Path(sys.executable).parent


def quiet_order(plugins, n: int):
    bought = utcnow() - timedelta(days=30)
    order = create_order(
        plugins,
        {
            "order_no": f"BENCH-OPEN-{n}",
            "seller": {"code": "PRG001", "name": "Pearl River Gadgets 珠江电子", "email": "ops@prg.example"},
            "carrier": "fourpx",
            "service": "fourpx_c",
            "tracking_no": f"4PX4{n:012d}CN",
            "destination_country": "US",
            "declared_value": "1850.00",
            "currency": "USD",
            "contents": "无人机 Drone with 4K camera",
            "category": "electronics",
            "cover": {"insurer": "lanternfish", "insured_value": "1850.00"},
        },
        ACTOR,
        "api",
        now=bought,
    ).order
    ingest(
        plugins,
        order,
        [
            IncomingEvent(
                bought + timedelta(hours=2), None, status="in_transit", location="Shenzhen", handover="dispatch"
            )
        ],
        source="api",
        actor=ACTOR,
    )
    return order


def orders_csv(rows: int, prefix: str, first: int) -> str:
    """A CSV of ``rows`` new orders with cover, as sellers upload them."""
    lines = [",".join(COLUMNS)]
    for n in range(rows):
        values = {
            "order_no": f"{prefix}-{n:07d}",
            "seller_code": f"S{n % 50:03d}",
            "seller_name": f"Seller {n % 50}",
            "seller_email": f"s{n % 50}@sellers.example",
            "carrier": "fourpx",
            "service": "fourpx_c",
            "tracking_no": f"4PX6{first + n:012d}CN",
            "destination_country": "US",
            "declared_value": "120.00",
            "currency": "USD",
            "contents": "Phone case",
            "category": "electronics",
            "dispatched_at": "",
            "cover_insurer": "lanternfish",
            "cover_insured_value": "120.00",
        }
        lines.append(",".join(values[column] for column in COLUMNS))
    return "\n".join(lines) + "\n"


def multipart(token: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = io.BytesIO()
    body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode())
    body.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
    )
    body.write(content + f"\r\n--{boundary}--\r\n".encode())
    return body.getvalue(), f"multipart/form-data; boundary={boundary}"


def job_times(logs: Path, kind: str) -> list[float]:
    return [
        float(ms) / 1000
        for log in logs.glob("worker-*.log")
        for ms in re.findall(rf"{kind} \S+ done ([\d.]+)ms", log.read_text())
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def describe(times: list[float]) -> str:
    ms = [t * 1000 for t in times]
    return f"n {len(ms)}   p50 {percentile(ms, 0.5):6.1f}   p95 {percentile(ms, 0.95):6.1f}   max {max(ms):6.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=100)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=default_url())
    parser.add_argument("--port", type=int, default=int(os.environ.get("COVERDESK_BENCH_PORT", 5170)))
    args = parser.parse_args()
    with fresh_database(args.database_url) as (app, folder):
        plugins = registry()
        started = time.perf_counter()
        claim_ids = [build_claim(n + 1)[1].id for n in range(args.claims)]
        orders = [quiet_order(plugins, n).order_no for n in range(args.pages)]
        create_user("bench.agent", "Bench Agent", "agent", PASSWORD, ACTOR)
        create_user("bench.supervisor", "Bench Supervisor", "supervisor", PASSWORD, ACTOR)
        db.session.commit()
        print(f"filled {args.claims} claims and {args.pages} orders in {time.perf_counter() - started:.0f} s")
        print(machine(db.engine.dialect.name))

        # 1. In this process, one after another: what a request did when it made the pack itself.
        in_process = []
        for claim_id in claim_ids:
            claim = db.session.get(Claim, claim_id)
            began = time.perf_counter()
            render_pack(plugins, claim, generated_at=utcnow())
            in_process.append(time.perf_counter() - began)
        # And opening an inquiry with its three documents made in the request, as before.
        opened_inline = []
        for n in range(3):
            order = quiet_order(plugins, 10_000 + n)
            began = time.perf_counter()
            inquiries.open_inquiry(plugins, order, InquiryInput("not_arrived", "email", date.today(), "?"), ACTOR)
            opened_inline.append(time.perf_counter() - began)
        db.session.rollback()
        # The trace request's PDF and a seller statement made in the request, and an import run
        # in it, as before (the same sizes as the jobs below).
        trace_inline, statement_inline = [], []
        for n in range(5):
            order = quiet_order(plugins, 20_000 + n)
            inquiry = inquiries.open_inquiry(
                plugins, order, InquiryInput("not_arrived", "email", date.today(), "?"), ACTOR, make_documents=False
            )
            began = time.perf_counter()
            letter = inquiries.trace_request(
                plugins, inquiry, sender_name="Bench", sender_email="b@x.example", today=date.today()
            )
            inquiries.trace_request_pdf(letter)
            trace_inline.append(time.perf_counter() - began)
        seller = db.session.scalar(select(Seller).where(Seller.code == "PRG001"))
        with app.test_request_context():
            for n in range(5):
                began = time.perf_counter()
                statement_pdf(seller, date.today() - timedelta(days=90 + n), date.today(), date.today())
                statement_inline.append(time.perf_counter() - began)
        db.session.rollback()
        began = time.perf_counter()
        inline_report = import_text(plugins, orders_csv(args.import_rows, "BENCH-INLINE", 0), ACTOR, source="csv")
        import_inline = time.perf_counter() - began
        db.session.remove()

        env = {
            **os.environ,
            "COVERDESK_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "COVERDESK_INSTANCE_PATH": app.instance_path,
            "COVERDESK_SECRET_KEY": app.config["SECRET_KEY"],
            "COVERDESK_LOAD_ENTRY_POINTS": "0",
            "COVERDESK_WEB_BIND": f"127.0.0.1:{args.port}",
            "COVERDESK_WEB_WORKERS": "2",
            "COVERDESK_LOGIN_LIMIT": "1000 per minute",
            "COVERDESK_SCHEDULE_STALLED_SCAN": "off",
            "COVERDESK_SCHEDULE_CLEAN_UP": "off",
            "COVERDESK_SCHEDULE_OVERDUE_PAYOUTS": "off",
            "COVERDESK_SCHEDULE_DAILY_BACKUP": "off",
            "COVERDESK_SCHEDULE_TRACKING_SYNC": "off",
        }
        logs = folder / "logs"
        logs.mkdir(exist_ok=True)
        processes = []

        def start(name, *argv):
            with (logs / f"{name}.log").open("w") as log:
                processes.append(subprocess.Popen(list(argv), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT))

        start("web", str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "portal.wsgi:app")
        for n in (1, 2):
            start(f"worker-{n}", str(BIN / "coverdesk"), "worker", "--threads", "1")
        try:
            sys.path.insert(0, str(ROOT))
            from tests.topology import Client, wait_for

            base = f"http://127.0.0.1:{args.port}"
            agent = Client(base, {"User-Agent": USER_AGENT})
            wait_for(lambda: agent.get("/readyz")[0] == 200, 60, "the desk is ready")
            _, _, page = agent.get("/login")
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            status, _, _ = agent.post(
                "/login", form={"username": "bench.agent", "password": PASSWORD, "csrf_token": token}
            )
            assert status == 200

            # 2. The pages: open inquiries, ask for packs; each answer timed.
            _, _, page = agent.get(f"/orders/{orders[0]}")
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            # The form's answer (303 to the inquiry), and that plus the inquiry page the browser
            # then shows, each timed.
            poster = Client(base, {"User-Agent": USER_AGENT}, follow=False)
            poster.jar = agent.jar
            poster.opener.add_handler(urllib.request.HTTPCookieProcessor(agent.jar))
            open_times, open_pages, pack_times = [], [], []
            for order_no in orders:
                began = time.perf_counter()
                status, headers, body = poster.post(
                    f"/orders/{order_no}/inquiries",
                    form={"csrf_token": token, "kind": "not_arrived", "channel": "email", "message": "?"},
                )
                open_times.append(time.perf_counter() - began)
                assert status == 303, (status, body[:300])
                status, _, body = agent.get(headers["Location"])
                open_pages.append(time.perf_counter() - began)
                assert status == 200 and "opened." in body, body[:300]
            numbers = [db.session.get(Claim, claim_id).number for claim_id in claim_ids[: args.pages]]
            db.session.remove()
            for number in numbers:
                began = time.perf_counter()
                status, _, body = poster.post(f"/claims/{number}/pack", form={"csrf_token": token})
                pack_times.append(time.perf_counter() - began)
                assert status == 303, (status, body[:300])

            def settled():
                db.session.remove()
                return not db.session.scalar(
                    select(func.count()).select_from(JobRun).where(JobRun.state.in_(("queued", "running", "retrying")))
                )

            wait_for(settled, 3600, "the documents the pages asked for", interval=0.5)

            # 3. All packs at once, made by the two job workers.
            for log in logs.glob("worker-*.log"):
                log.write_text("")  # the per-job lines of this step only (the workers append)
            began = time.perf_counter()
            now = utcnow()
            for claim_id in claim_ids:
                claims.request_pack(db.session.get(Claim, claim_id), ACTOR, now)
            db.session.commit()
            wait_for(settled, 3600, "the packs", interval=0.2)
            wall = time.perf_counter() - began
            states = dict(db.session.execute(select(JobRun.state, func.count()).group_by(JobRun.state)).all())
            stored = db.session.scalar(select(func.count()).select_from(ClaimPack))
            per_job = job_times(logs, "claim-pack")

            # 4. The trace request PDFs, statements and an orders CSV, through the pages.
            for log in logs.glob("worker-*.log"):
                log.write_text("")
            numbers = db.session.scalars(select(Inquiry.number).order_by(Inquiry.id)).all()[: args.pages]
            db.session.remove()
            trace_times, statement_times = [], []
            for number in numbers:
                began = time.perf_counter()
                status, _, body = poster.post(f"/inquiries/{number}/trace-request", form={"csrf_token": token})
                trace_times.append(time.perf_counter() - began)
                assert status == 303, (status, body[:300])
            supervisor = Client(base, {"User-Agent": USER_AGENT}, follow=False)
            _, _, page = supervisor.get("/login")
            boss_token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            status, _, _ = supervisor.post(
                "/login", form={"username": "bench.supervisor", "password": PASSWORD, "csrf_token": boss_token}
            )
            assert status in (302, 303), status
            _, _, page = supervisor.get("/sellers/PRG001/statement")
            boss_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
            for n in range(args.pages):
                period = f"from={date.today() - timedelta(days=90 + n)}&to={date.today()}"
                began = time.perf_counter()
                status, _, body = supervisor.post(
                    f"/sellers/PRG001/statement?{period}", form={"csrf_token": boss_token}
                )
                statement_times.append(time.perf_counter() - began)
                assert status == 303, (status, body[:300])
            wait_for(settled, 3600, "the trace requests and statements", interval=0.2)
            content = orders_csv(args.import_rows, "BENCH-PAGE", 10_000_000).encode()
            began = time.perf_counter()
            status, headers, body = poster.post("/orders/import", raw=multipart(token, "orders.csv", content))
            import_answer = time.perf_counter() - began
            assert status == 303, (status, body[:300])
            wait_for(settled, 3600, "the import", interval=0.2)
            import_wall = time.perf_counter() - began
            imported = db.session.scalar(select(OrderImport))
            made = db.session.scalar(
                select(func.count())
                .select_from(JobRun)
                .where(JobRun.kind.in_(("trace-request", "seller-statement")), JobRun.result_sha256.is_not(None))
            )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)
        trace_jobs, statement_jobs = job_times(logs, "trace-request"), job_times(logs, "seller-statement")
        import_jobs = job_times(logs, "order-import")
        print(f"opening an inquiry, documents made in the request (before): {describe(opened_inline)}")
        print(
            f"opening an inquiry under gunicorn, documents as jobs:        {describe(open_times)}   target p95 <= 300 ms"
        )
        print(f"  the same, with the inquiry page it leads to:               {describe(open_pages)}")
        print(
            f"asking for a pack under gunicorn, the pack as a job:         {describe(pack_times)}   target p95 <= 300 ms"
        )
        print(
            f"{args.claims} packs in this process, one after another: {sum(in_process):.1f} s "
            f"({statistics.median(in_process):.2f} s a pack, p50)"
        )
        print(
            f"{args.claims} packs by 2 job workers: {wall:.1f} s wall ({wall / args.claims:.2f} s a pack); "
            f"each job {statistics.median(per_job):.2f} s p50, {max(per_job):.2f} s max; "
            f"{len(per_job)} job lines, job states {states}, {stored} pack versions stored"
        )
        print(f"trace request PDF made in the request (before):              {describe(trace_inline)}")
        print(f"asking for the trace request PDF, as a job:                 {describe(trace_times)}")
        print(f"  each trace-request job:                                    {describe(trace_jobs)}")
        print(f"seller statement PDF made in the request (before):           {describe(statement_inline)}")
        print(f"asking for a seller statement, as a job:                    {describe(statement_times)}")
        print(f"  each seller-statement job:                                 {describe(statement_jobs)}")
        print(f"{made} trace request and statement PDFs stored")
        print(
            f"orders CSV of {args.import_rows} rows imported in this process (before): {import_inline:.2f} s "
            f"({inline_report.created} created)"
        )
        print(
            f"the same size uploaded on the import page: answer {import_answer * 1000:.0f} ms; imported by a job "
            f"{import_wall:.2f} s after the upload (job {import_jobs[0] if import_jobs else float('nan'):.2f} s); "
            f"{imported.created} created, {imported.problem_count} problems, state {imported.state}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
