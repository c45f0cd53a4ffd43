"""Faults an unlucky operator meets: the database gone or locked, the disk full, files left by
killed uploads, a wrong method. Each gets a clear answer and leaves nothing half-written."""

from __future__ import annotations

import errno
import os
import time

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from portal.app import create_app
from portal.cli import cli
from portal.extensions import db
from portal.inquiries.models import EvidenceDocument
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
