"""Faults an unlucky operator meets: the database gone or locked, the disk full, files left by
killed uploads, a wrong method. Each gets a clear answer and leaves nothing half-written."""

from __future__ import annotations

import errno
import hashlib
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.app import create_app
from portal.cli import cli
from portal.clock import utcnow
from portal.extensions import db
from portal.inquiries.models import EvidenceDocument
from portal.jobs import services as jobs
from portal.jobs.models import JobRun
from portal.storage import file_store
from tests.factories import TEST_ACTOR, Auth, dispatched_order, order_payload, png, send

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-folder/coverdesk.db",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:1/test?connect_timeout=2",
}


def test_with_the_database_gone_logged_in_staff_get_the_styled_page(app, app_config, auth, client, backend):
    auth.login("li.na")
    cookie = client.get_cookie("session").value
    gone = create_app({**app_config, "SQLALCHEMY_DATABASE_URI": UNREACHABLE[backend]})
    browser = gone.test_client()
    browser.set_cookie("session", cookie)
    with gone.app_context():
        page = browser.get("/queue")
        api = browser.get("/api/v1/insurers", headers={"Authorization": "Bearer cdk_x"})
        db.session.remove()
        db.engine.dispose()
    text = page.get_data(as_text=True)
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Database unavailable" in text and 'href="/static/css/coverdesk.css' in text and "Werkzeug" not in text
    assert page.headers["Retry-After"]
    assert api.status_code == 503 and "cannot be reached" in api.get_json()["error"]


def test_a_held_lock_answers_busy_within_seconds(app_config, backend, api_token):
    """Another connection holds the lock the order needs: 503 "busy" with Retry-After, in about a
    second (the configured lock or busy timeout), not a page that waits for ever or a 500."""
    config = {**app_config, "SQLITE_BUSY_TIMEOUT": 0.5, "DB_LOCK_TIMEOUT": 0.5}
    busy = create_app(config)
    with busy.app_context():
        from portal.auth.services import create_token

        _, secret = create_token("lock-test", TEST_ACTOR)
        db.session.commit()
        holder = db.engine.connect()
        if backend == "postgresql":
            holder.execute(sa.text("BEGIN"))
            holder.execute(sa.text("LOCK TABLE sellers IN ACCESS EXCLUSIVE MODE"))
        else:
            holder.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            response = busy.test_client().post(
                "/api/v1/orders", json=order_payload(), headers={"Authorization": f"Bearer {secret}"}
            )
            waited = time.monotonic() - started
        finally:
            holder.rollback()
            holder.close()
        assert response.status_code == 503, response.get_json()
        assert "busy" in response.get_json()["error"] and response.headers["Retry-After"] == "2"
        assert waited < 5
        db.session.remove()
        db.engine.dispose()


def test_a_full_disk_is_named_and_leaves_nothing_half_written(plugins, api, monkeypatch):
    order = dispatched_order(plugins)
    api.post(f"/api/v1/orders/{order.order_no}/inquiries", json={"kind": "not_arrived", "message": "where"})
    real_fsync = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    response = send(api, order.order_no, "dispute_screenshots", png(), "shot.png")
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert response.status_code == 507 and "disk is full" in response.get_json()["error"]
    assert list(file_store().root.rglob(".incoming-*")) == []
    before = db.session.scalar(select(func.count()).select_from(EvidenceDocument))
    assert send(api, order.order_no, "dispute_screenshots", png(), "shot.png").status_code == 201
    assert db.session.scalar(select(func.count()).select_from(EvidenceDocument)) == before + 1


def test_the_sweep_removes_temporary_and_orphaned_files_only(plugins, api, runner, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    order = dispatched_order(plugins)
    api.post(f"/api/v1/orders/{order.order_no}/inquiries", json={"kind": "not_arrived", "message": "where"})
    assert send(api, order.order_no, "dispute_screenshots", png(), "kept.png").status_code == 201
    store = file_store()
    kept = store.path(db.session.scalar(select(EvidenceDocument.sha256)))
    orphan = store.put(png((1, 2, 3))).path  # stored, but its row was never committed
    killed = orphan.parent / ".incoming-abc123"
    killed.write_bytes(b"half a file")
    fresh = store.put(png((4, 5, 6))).path  # an upload that may still be committing
    old = time.time() - 2 * 86400
    for path in (kept, orphan, killed):
        os.utime(path, (old, old))
    dry = runner.invoke(cli, ["files", "sweep", "--dry-run"])
    assert "would remove 1 temporary and 1 orphaned files" in dry.output and orphan.exists()
    result = runner.invoke(cli, ["files", "sweep"])
    assert result.exit_code == 0 and "removed 1 temporary and 1 orphaned files" in result.output
    assert kept.exists() and fresh.exists() and not orphan.exists() and not killed.exists()


class WorkerKilled(BaseException):
    """kill -9 of the web worker: nothing in it catches this, nothing after it runs."""


def _clean_up(now: datetime) -> str:
    """The clean-up schedule's job, run by a worker at ``now``; its outcome."""
    run = jobs.request_job("clean-up", f"clean-up@{now.isoformat()}", {}, now, subject="schedule:clean-up")
    db.session.commit()
    assert jobs.execute_run(run.id, now) == "done"
    db.session.expire_all()
    return db.session.get(JobRun, run.id).outcome


def test_a_web_worker_killed_between_storing_an_upload_and_committing_its_row_leaves_no_orphan(app, plugins, api):
    order = dispatched_order(plugins)
    api.post(f"/api/v1/orders/{order.order_no}/inquiries", json={"kind": "not_arrived", "message": "where"})
    store = file_store()
    shot, lost = png((7, 8, 9)), png((9, 8, 7))
    shot_path, lost_path = (store.path(hashlib.sha256(data).hexdigest()) for data in (shot, lost))

    def killed_at_commit(session, *_):
        # The exact point: the file is stored (put returned), the row naming it is not committed.
        if any(isinstance(item, EvidenceDocument) for item in session.new):
            raise WorkerKilled

    for data in (shot, lost):
        sa.event.listen(Session, "before_flush", killed_at_commit)
        try:
            with pytest.raises(WorkerKilled):
                send(api, order.order_no, "dispute_screenshots", data, "shot.png")
        finally:
            sa.event.remove(Session, "before_flush", killed_at_commit)
        db.session.rollback()
    assert shot_path.is_file() and lost_path.is_file()
    assert (
        db.session.scalar(
            select(func.count()).select_from(EvidenceDocument).where(EvidenceDocument.media_type == "image/png")
        )
        == 0
    )

    # The store's clock is the files' own: both were stored "now"; an hour on, the clean-up leaves
    # them alone (within the grace period the client may still send them again).
    stored_at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    for path in (shot_path, lost_path):
        os.utime(path, (stored_at.timestamp(), stored_at.timestamp()))
    assert _clean_up(stored_at + timedelta(hours=1)).startswith("removed 0 temporary and 0 orphaned files")
    assert shot_path.is_file() and lost_path.is_file()

    # The client sends the first again: it is found stored (one file) and its row commits.
    assert send(api, order.order_no, "dispute_screenshots", shot, "shot.png").status_code == 201
    assert [path.name for path in store.root.rglob(shot_path.name)] == [shot_path.name]
    os.utime(shot_path, (stored_at.timestamp(), stored_at.timestamp()))

    # A day later the other, which nobody sent again, is removed; the one a row names stays.
    outcome = _clean_up(stored_at + timedelta(hours=app.config["FILES_GRACE_HOURS"], minutes=1))
    assert outcome.startswith("removed 0 temporary and 1 orphaned files older than 24 h")
    assert shot_path.is_file() and not lost_path.is_file()


def test_the_clean_up_keeps_every_file_a_record_names(app, plugins, auth, client):
    """Imports' files and files made by jobs are named by their rows: the sweep never takes them."""
    from portal.orders.importer import request_import
    from portal.tracking.services import request_import as request_tracking_import
    from tests.factories import csv_row, csv_text

    orders_file = request_import("orders.csv", csv_text(csv_row(1)).encode(), TEST_ACTOR, utcnow())
    tracking_file = request_tracking_import("fourpx", "4px.csv", b"not read before the job runs", TEST_ACTOR, utcnow())
    made = jobs.request_job("trace-request", "made", {}, utcnow(), subject="x")
    db.session.commit()
    result = file_store().put(b"%PDF-1.7 a made file")
    db.session.execute(sa.update(JobRun).where(JobRun.id == made.id).values(state="done", result_sha256=result.sha256))
    db.session.commit()
    paths = [file_store().path(sha) for sha in (orders_file.sha256, tracking_file.sha256, result.sha256)]
    old = datetime(2026, 3, 1, tzinfo=UTC).timestamp()
    for path in paths:
        os.utime(path, (old, old))
    assert _clean_up(datetime(2026, 3, 10, tzinfo=UTC)).startswith("removed 0 temporary and 0 orphaned files")
    assert all(path.is_file() for path in paths)


@pytest.mark.parametrize(
    ("path", "allow"), [("/logout", "POST"), ("/api/v1/orders", "POST"), ("/orders/new", "GET, POST")]
)
def test_405_keeps_allow(app, make_user, path, allow):
    login = Auth(app.test_client(), make_user)
    login.login()
    response = login.client.open(path, method="DELETE")
    assert response.status_code == 405
    assert sorted(response.headers["Allow"].replace(" ", "").split(",")) == sorted(
        allow.replace(" ", "").split(",") + ["HEAD", "OPTIONS"] * ("GET" in allow) + ["OPTIONS"] * ("GET" not in allow)
    )
