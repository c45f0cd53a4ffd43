"""Recycling, for real, on the embedded desk that `make run` starts (SQLite file, SQLite job queue):
a job worker told to leave after 2 jobs finishes them and exits with status 75, and
scripts/run-worker.sh starts a fresh one that takes the next; gunicorn replaces a web worker after
COVERDESK_WEB_MAX_REQUESTS requests."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import uuid
from pathlib import Path

import pytest

from portal.jobs.recycle import Recycler
from tests.topology import BIN, PROJECT_ROOT, Client, Processes, free_port, wait_for

ENQUEUE = """
from portal.app import create_app
from portal.clock import utcnow
from portal.extensions import db
from portal.jobs.services import request_job

with create_app().app_context():
    for n in range({count}):
        request_job("stalled-scan", f"recycle-{{n}}", {{}}, utcnow(), subject="recycle")
    db.session.commit()
"""


@pytest.fixture
def embedded(tmp_path):
    instance = tmp_path / "instance"
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "COVERDESK_INSTANCE_PATH": str(instance),
        "COVERDESK_SECRET_KEY": uuid.uuid4().hex,
        "COVERDESK_LOAD_ENTRY_POINTS": "0",
        "COVERDESK_LANGUAGE": "en",
    }
    processes = Processes(env, tmp_path / "logs")
    (tmp_path / "logs").mkdir()
    processes.run("db", "upgrade")
    yield processes, instance
    processes.stop_all()


def _states(instance: Path) -> list[str]:
    with sqlite3.connect(instance / "coverdesk.db") as connection:
        return [
            row[0] for row in connection.execute("SELECT state FROM job_runs WHERE subject = 'recycle' ORDER BY id")
        ]


def test_a_worker_told_to_recycle_after_2_jobs_finishes_them_and_a_fresh_one_takes_the_next(embedded):
    processes, instance = embedded
    enqueue = subprocess.run(
        [str(BIN / "python"), "-c", ENQUEUE.format(count=3)],
        env=processes.env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert enqueue.returncode == 0, enqueue.stderr
    assert _states(instance) == ["queued"] * 3

    # One worker alone, told to leave after 2 jobs: it exits 75 with the third still queued.
    alone = processes.start(
        "alone", str(BIN / "coverdesk"), "worker", "--threads", "1", "--no-schedules", COVERDESK_WORKER_MAX_JOBS="2"
    )
    assert alone.wait(timeout=120) == 75
    assert "recycled after 2 jobs" in processes.log("alone")
    assert "leaving to be recycled (2 jobs done)" in processes.log("alone")
    assert _states(instance) == ["done", "done", "queued"]

    # Under the supervisor `make run` uses, a fresh worker takes the next.
    supervised = processes.start(
        "supervised",
        str(PROJECT_ROOT / "scripts" / "run-worker.sh"),
        str(BIN / "coverdesk"),
        "worker",
        "--threads",
        "1",
        "--no-schedules",
        "--max-jobs",
        "1",
    )
    wait_for(lambda: _states(instance) == ["done"] * 3, 120, "the third job done by a fresh worker")
    # It too leaves after its one job, and the supervisor starts another process.
    wait_for(lambda: processes.log("supervised").count("job worker: 1 threads on sqlite") == 2, 60, "a restart")
    assert processes.log("supervised").count("job worker recycled; starting a fresh one") == 1
    processes.stop_all()
    assert supervised.returncode == 0  # TERM stops the supervisor and its worker


def test_a_worker_leaves_once_its_memory_is_above_the_limit():
    tiny = Recycler(max_rss_mb=1)  # any Python process is above 1 MB
    assert tiny.finished_one() and tiny.leaving and "above 1 MB after 1 jobs" in tiny.reason
    assert not tiny.finished_one()  # told once
    roomy = Recycler(max_jobs=3, max_rss_mb=1024 * 1024)
    assert [roomy.finished_one() for _ in range(3)] == [False, False, True]


def test_gunicorn_replaces_a_web_worker_after_its_max_requests(embedded):
    processes, _ = embedded
    port = free_port()
    processes.start(
        "web",
        str(BIN / "gunicorn"),
        "--config",
        "gunicorn.conf.py",
        "portal.wsgi:app",
        COVERDESK_WEB_BIND=f"127.0.0.1:{port}",
        COVERDESK_WEB_WORKERS="1",
        COVERDESK_WEB_MAX_REQUESTS="3",
        COVERDESK_WEB_MAX_REQUESTS_JITTER="0",
    )
    client = Client(f"http://127.0.0.1:{port}")

    def answers():
        try:
            return client.get("/healthz")[0] == 200
        except OSError:
            return False

    wait_for(answers, 60, "gunicorn answering")
    for _ in range(7):
        wait_for(answers, 30, "an answer while workers are replaced")

    def booted() -> set[str]:
        return set(re.findall(r"Booting worker with pid: (\d+)", processes.log("web")))

    wait_for(lambda: len(booted()) >= 3, 30, "a worker replaced after each 3 requests")  # 8 requests in all
    assert "Autorestarting worker after current request" in processes.log("web")


def test_the_app_gunicorn_forks_its_workers_from_holds_no_database_connection(database_url, tmp_path):
    # gunicorn.conf.py preloads portal.wsgi in the master: a connection left in its pool would be
    # shared by every forked worker (two processes talking on one socket or one SQLite handle).
    report = subprocess.run(
        [
            str(BIN / "python"),
            "-c",
            "import portal.wsgi as w; from portal.extensions import db\n"
            "with w.app.app_context():\n"
            "    print(sorted((e.pool.checkedin(), e.pool.checkedout()) for e in db.engines.values()))\n",
        ],
        env={
            "PATH": f"{BIN}:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "COVERDESK_INSTANCE_PATH": str(tmp_path / "instance"),
            "COVERDESK_DATABASE_URL": database_url,
            "COVERDESK_SECRET_KEY": uuid.uuid4().hex,
            "COVERDESK_LOAD_ENTRY_POINTS": "0",
        },
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stderr
    assert report.stdout.strip() == "[(0, 0)]", report.stdout


def test_gunicorn_is_told_to_fork_its_workers_from_one_loaded_app():
    settings: dict = {}
    exec((PROJECT_ROOT / "gunicorn.conf.py").read_text(), settings)
    assert settings["preload_app"] is True
