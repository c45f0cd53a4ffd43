"""The trace request's PDF, the seller statement and the orders CSV from the browser are jobs, on
both databases: the page answers at once and polls while the job works; asking twice before it is
made is one job; a job delivered twice (a retry, a second worker after the first one's lease ran
out) makes one file or one set of rows; a failing one is retried with back-off, then shown to staff
with its reason and a Retry button, and made once the cause is mended."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.advances import services as advances
from portal.audit.models import AuditEvent
from portal.clock import utcnow
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.jobs import services as jobs
from portal.jobs.models import JobRun
from portal.orders import importer
from portal.orders.models import Order, OrderImport
from portal.pdf_text import extract_text
from portal.storage import file_store
from tests.factories import AGENT, SUPERVISOR, TEST_ACTOR, csrf_from, csv_row, csv_text, dispatched_order, opened
from tests.jobs_support import drain, waiting

# Real PDFs are rendered and read back.
pytestmark = pytest.mark.documents

POLLING = 'hx-trigger="every 2s"'
HTMX = {"HX-Request": "true"}


def _trace_link(number: str, html: str) -> str:
    return re.search(rf'href="(/inquiries/{number}/trace-request/\d+\.pdf)"', html).group(1)


def _download(client, url: str) -> bytes:
    response = client.get(url)
    body = response.get_data()
    response.close()
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return body


def test_the_trace_request_pdf_is_made_by_a_job_once_however_often_asked(plugins, auth, client):
    inquiry = opened(plugins, dispatched_order(plugins))
    auth.login()
    page = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    assert 'id="trace-pdf"' in page and ">Make the PDF</button>" in page and POLLING not in page
    for _ in range(2):  # a double click, answered at once with the section being made
        section = client.post(
            f"/inquiries/{inquiry.number}/trace-request", data={"csrf_token": csrf_from(page)}, headers=HTMX
        ).get_data(as_text=True)
        assert section.lstrip().startswith('<section class="card made-file" id="trace-pdf"')
        assert "being made" in section and POLLING in section and "Make the PDF" not in section
    assert waiting() == 1 and db.session.scalar(select(func.count()).select_from(JobRun)) == 1

    assert drain() == 1  # the worker
    polled = client.get(f"/inquiries/{inquiry.number}/trace-request", headers=HTMX).get_data(as_text=True)
    assert POLLING not in polled and "being made" not in polled  # polling stops with the swap
    assert f"{inquiry.number}-trace-request.pdf" in polled and "agent.one" in polled
    pdf = _download(client, _trace_link(inquiry.number, polled))
    text = " ".join(extract_text(pdf).split())
    assert pdf.startswith(b"%PDF-") and inquiry.order.tracking_no in text

    # The same message delivered again finds the job done: no second file.
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "trace-request"))
    assert jobs.execute_run(run.id, utcnow()) == "skipped"
    # Asked again once made: the next version, a job of its own.
    client.post(f"/inquiries/{inquiry.number}/trace-request", data={"csrf_token": csrf_from(page)})
    drain()
    keys = db.session.scalars(select(JobRun.key).where(JobRun.kind == "trace-request").order_by(JobRun.id)).all()
    assert keys == [f"trace-request:{inquiry.id}:v1", f"trace-request:{inquiry.id}:v2"]
    # Another inquiry's file is not served under this one.
    other = opened(plugins, dispatched_order(plugins, order_no="PRG-2026-0002", tracking_no="4PX3000000000002CN"))
    assert client.get(f"/inquiries/{other.number}/trace-request/{run.id}.pdf").status_code == 404


def test_two_workers_on_one_trace_request_make_one_file(app, plugins):
    inquiry = opened(plugins, dispatched_order(plugins))
    now = utcnow()
    run = inquiries.request_trace_pdf(inquiry, TEST_ACTOR, now)
    db.session.commit()
    slow = jobs.claim(run.id, now)  # this worker stalls holding the job
    later = now + timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 1)
    other = jobs.claim(run.id, later)  # its lease ran out: another takes over
    assert jobs.run_claimed(run.id, other, later) == "done"
    assert jobs.run_claimed(run.id, slow, now) == "skipped"  # its "done" cannot commit
    db.session.expire_all()
    done = db.session.scalars(select(JobRun).where(JobRun.result_sha256.is_not(None))).all()
    assert len(done) == 1 and done[0].attempts == 2
    # Both renders were dated as asked: the same bytes, one stored file.
    assert file_store().read(done[0].result_sha256).startswith(b"%PDF-")


def test_a_statement_that_cannot_be_stored_is_retried_with_back_off_then_shown_with_retry(
    app, plugins, auth, client, claim, tmp_path
):
    advance = advances.request_advance(plugins, claim, Decimal("1500.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    db.session.commit()
    app.config.update(JOB_ATTEMPTS=3, JOB_RETRY_SECONDS=30)
    store = app.config["EVIDENCE_DIR"]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the evidence store should be")
    auth.login("chen.wei", "supervisor")
    page = client.get("/sellers/PRG001/statement").get_data(as_text=True)
    assert ">Make the statement</button>" in page
    app.config["EVIDENCE_DIR"] = str(blocker)  # the store cannot be written
    client.post("/sellers/PRG001/statement", data={"csrf_token": csrf_from(page)})
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "seller-statement"))
    start = utcnow()
    waits = []
    for attempt in (1, 2):
        assert jobs.execute_run(run.id, start) == "retrying"
        db.session.expire_all()
        current = db.session.get(JobRun, run.id)
        waits.append((current.next_try_at - start).total_seconds())
        section = client.get("/sellers/PRG001/statement/status").get_data(as_text=True)
        assert "being made" in section and f"tried {attempt} times, trying again" in section and POLLING in section
    assert waits == [30, 60]  # the wait doubles
    assert jobs.execute_run(run.id, start) == "failed"
    section = client.get("/sellers/PRG001/statement/status").get_data(as_text=True)
    assert "could not be made" in section and "not-a-folder" in section and ">Retry</button>" in section
    assert POLLING not in section

    app.config["EVIDENCE_DIR"] = store  # mended; staff press Retry
    retried = client.post("/sellers/PRG001/statement", data={"csrf_token": csrf_from(page)}, headers=HTMX)
    assert "being made" in retried.get_data(as_text=True)
    drain()  # the retry is sent at once (the back-off's messages still wait in Huey's schedule)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1  # the same job, tried again
    section = client.get("/sellers/PRG001/statement/status").get_data(as_text=True)
    link = re.search(r'href="(/sellers/PRG001/statement/\d+\.pdf)"', section).group(1)
    text = " ".join(extract_text(_download(client, link)).split())
    assert "Statement of advances" in text and "Advance paid" in text


# --- the orders CSV from the browser --------------------------------------------------------------


def _upload(auth, client, content: bytes, filename="orders.csv"):
    auth.login()
    token = auth.csrf("/orders/import")
    return client.post(
        "/orders/import",
        data={"csrf_token": token, "file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


GOOD = [1, 2, 3, 4, 5, 6, 7]


def _file() -> bytes:
    return csv_text(*(csv_row(n) for n in GOOD), csv_row(8, seller_email="nope")).encode()


def test_an_orders_file_answers_at_once_and_the_page_follows_the_import(plugins, auth, client):
    response = _upload(auth, client, _file())
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0  # nothing imported yet
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting for a worker" in page and 'hx-trigger="every 1s"' in page and "<progress" in page
    row = db.session.scalar(select(OrderImport))
    assert drain() == 1
    status = client.get(f"/orders/import/{row.id}/status", headers=HTMX).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' not in status and 'id="import-report"' in status
    summary = re.sub(r"\s+", " ", re.sub(r"</?strong>", "", status))
    assert "7 orders created (7 with cover), 0 already present, 1 problems." in summary
    assert "<td>9</td><td>CSV-0008</td><td>seller_email</td>" in status
    db.session.expire_all()
    row = db.session.get(OrderImport, row.id)
    assert (row.state, row.total, row.processed) == ("done", 8, 8)
    assert file_store().exists(row.sha256)  # the file is kept (the sweep knows it)
    listed = client.get("/orders/import").get_data(as_text=True)
    assert f'href="/orders/import/{row.id}"' in listed


class WorkerKilled(BaseException):
    """kill -9 of the job worker: nothing in the worker catches it, nothing is cleaned up."""


def test_an_import_whose_worker_died_half_way_is_finished_by_another_with_one_set_of_rows(
    app, plugins, auth, client, monkeypatch
):
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)  # three batches: the worker dies after the first
    real_write = importer._write_batch
    written = []

    def write_then_die(batch, *args):
        if written:
            raise WorkerKilled
        real_write(batch, *args)
        written.append(len(batch))

    _upload(auth, client, _file())
    row_id = db.session.scalar(select(OrderImport.id))
    run = db.session.scalar(select(JobRun).where(JobRun.kind == "order-import"))
    now = utcnow()
    first = jobs.claim(run.id, now)
    monkeypatch.setattr(importer, "_write_batch", write_then_die)
    with pytest.raises(WorkerKilled):
        jobs.run_claimed(run.id, first, now)
    db.session.rollback()
    monkeypatch.setattr(importer, "_write_batch", real_write)
    assert written == [3] and db.session.scalar(select(func.count()).select_from(Order)) == 3
    page = client.get(f"/orders/import/{row_id}/status").get_data(as_text=True)
    assert "Importing" in page and "3 of 8 rows" in page  # the progress committed with the batch

    # The sweeper sends it again once the lease ran out; another worker finishes it.
    later = now + timedelta(seconds=app.config["JOB_LEASE_SECONDS"] + 1)
    assert jobs.resend_stale(later) == 1
    assert jobs.execute_run(run.id, later) == "done"
    # ... and the first message, delivered again, finds nothing to do.
    assert jobs.execute_run(run.id, later) == "skipped"
    db.session.expire_all()
    numbers = db.session.scalars(select(Order.order_no).order_by(Order.order_no)).all()
    assert numbers == [f"CSV-{n:04d}" for n in GOOD]  # one set of rows
    created = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "order.created")
    )
    assert created == len(GOOD)
    status = re.sub(
        r"\s+", " ", re.sub(r"</?strong>", "", client.get(f"/orders/import/{row_id}/status").get_data(as_text=True))
    )
    assert "4 orders created (4 with cover), 3 already present, 1 problems." in status
    assert "Tried 2 times: orders an earlier try created are counted as already present." in status


def test_an_import_that_gave_up_is_retried_from_its_page(app, plugins, auth, client, tmp_path):
    app.config.update(JOB_ATTEMPTS=1)
    response = _upload(auth, client, _file())
    row = db.session.scalar(select(OrderImport))
    store = app.config["EVIDENCE_DIR"]
    app.config["EVIDENCE_DIR"] = str(tmp_path / "gone")  # the store went away under the worker
    drain()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not imported" in page and "The import gave up: FileNotFoundError" in page and ">Retry</button>" in page
    assert 'hx-trigger="every 1s"' not in page
    app.config["EVIDENCE_DIR"] = store
    retried = client.post(f"/orders/import/{row.id}/retry", data={"csrf_token": csrf_from(page)})
    assert retried.status_code == 303
    drain()
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "7 orders created" in re.sub(r"</?strong>", "", done)
    assert db.session.scalar(select(func.count()).select_from(Order)) == len(GOOD)
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.retried"))
    assert audit.actor_label == "agent.one"
