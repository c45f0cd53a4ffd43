"""Background jobs on both databases: a job asked for twice is one job, a job delivered twice (a
retry, two workers, a worker that died) makes one effect, failures are retried with back-off and
shown with their reason and a retry button, and the schedules make one run per slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.clock import utcnow
from portal.extensions import db
from portal.inquiries.models import EvidenceDocument, EvidenceItem
from portal.jobs import services as jobs
from portal.jobs.models import JobRun
from portal.jobs.schedules import next_run
from portal.tracking.jobs import _carriers_to_sync
from tests.factories import csrf_from as _csrf_from
from tests.factories import dispatched_order, opened
from tests.jobs_support import drain, waiting

# Jobs make new versions of the generated documents, which must differ: rendered for real.
pytestmark = pytest.mark.documents

NOW = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def _delivery_record(plugins) -> EvidenceItem:
    inquiry = opened(plugins, dispatched_order(plugins))
    return next(item for item in inquiry.items if item.kind == "delivery_record")


def _versions(item_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(EvidenceDocument).where(EvidenceDocument.item_id == item_id)
    )


def _ask_for_document(item: EvidenceItem, key: str) -> JobRun:
    run = jobs.request_job("inquiry-document", key, {"item_id": item.id}, NOW, subject=f"inquiry:{item.inquiry_id}")
    db.session.commit()
    return run


def test_a_job_asked_for_twice_is_one_job_and_runs_once(plugins):
    item = _delivery_record(plugins)
    before = _versions(item.id)
    first = _ask_for_document(item, "doc:twice")
    second = _ask_for_document(item, "doc:twice")
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(JobRun)) == 1
    assert waiting() == 1  # sent to the queue when the transaction committed, once
    assert drain() == 1
    db.session.expire_all()
    run = db.session.get(JobRun, first.id)
    assert (run.state, run.attempts) == ("done", 1)
    assert "delivery record" in run.outcome
    assert _versions(item.id) == before + 1
    # The same message delivered again (Huey's retry, another worker) finds nothing to do.
    assert jobs.execute_run(run.id, NOW) == "skipped"
    assert _versions(item.id) == before + 1


def test_a_worker_that_lost_its_lease_cannot_commit_its_effect(app, plugins):
    item = _delivery_record(plugins)
    before = _versions(item.id)
    run = _ask_for_document(item, "doc:lease")
    slow = jobs.claim(run.id, NOW)  # this worker stalls (or is killed) holding the job
    assert slow is not None
    assert jobs.claim(run.id, NOW + timedelta(seconds=10)) is None  # held: nobody else takes it
    lease = app.config["JOB_LEASE_SECONDS"]
    later = NOW + timedelta(seconds=lease + 1)
    other = jobs.claim(run.id, later)  # the lease ran out: another worker takes over
    assert other is not None and other != slow
    assert jobs.run_claimed(run.id, other, later) == "done"
    assert jobs.run_claimed(run.id, slow, NOW) == "skipped"  # its effect is rolled back
    db.session.expire_all()
    assert _versions(item.id) == before + 1
    assert db.session.get(JobRun, run.id).attempts == 2


def test_a_job_held_by_a_dead_worker_is_sent_again_and_finished(app, plugins):
    item = _delivery_record(plugins)
    before = _versions(item.id)
    run = _ask_for_document(item, "doc:dead")
    drain_sent = waiting()
    assert drain_sent == 1
    from portal.jobs.queue import instance

    huey = instance()

    huey.dequeue()  # the worker took the message ...
    assert jobs.claim(run.id, NOW) is not None  # ... claimed the job, and died
    assert jobs.resend_stale(NOW + timedelta(seconds=5)) == 0  # still within its lease
    lease = app.config["JOB_LEASE_SECONDS"]
    assert jobs.resend_stale(NOW + timedelta(seconds=lease + 1)) == 1
    # The message sent again is run by a worker whose clock has passed the lease.
    assert jobs.execute_run(run.id, NOW + timedelta(seconds=lease + 2)) == "done"
    huey.dequeue()
    db.session.expire_all()
    assert _versions(item.id) == before + 1


def _failing_backup(app, tmp_path) -> JobRun:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backups should go")
    app.config["BACKUP_DIR"] = str(blocker)
    run = jobs.request_job("daily-backup", "daily-backup@test", {}, NOW, subject="schedule:daily-backup")
    db.session.commit()
    return run


def test_a_failing_job_is_retried_with_back_off_then_given_up_with_its_reason(app, tmp_path):
    app.config.update(JOB_ATTEMPTS=3, JOB_RETRY_SECONDS=30)
    run = _failing_backup(app, tmp_path)
    waits = []
    for attempt in (1, 2):
        assert jobs.execute_run(run.id, NOW) == "retrying"
        db.session.expire_all()
        current = db.session.get(JobRun, run.id)
        assert current.attempts == attempt
        waits.append((current.next_try_at - NOW).total_seconds())
        assert "FileExistsError" in current.outcome or "NotADirectoryError" in current.outcome
    assert waits == [30, 60]  # the wait doubles
    assert jobs.execute_run(run.id, NOW) == "failed"
    db.session.expire_all()
    failed = db.session.get(JobRun, run.id)
    assert failed.state == "failed" and failed.attempts == 3 and "Traceback" in failed.error
    assert jobs.execute_run(run.id, NOW) == "skipped"  # a given-up job waits for staff


def test_staff_see_a_failed_job_with_its_reason_and_retry_it(app, auth, client, tmp_path):
    app.config.update(JOB_ATTEMPTS=1)
    run = _failing_backup(app, tmp_path)
    assert drain() == 1
    auth.login("root.admin", "admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert f'id="job-{run.id}"' in page and "not-a-folder" in page and ">Retry</button>" in page
    assert 'id="schedule-daily-backup"' in page
    # The cause is mended; staff retry it from the page.
    app.config["BACKUP_DIR"] = str(tmp_path / "backups")
    response = client.post(f"/admin/jobs/{run.id}/retry", data={"csrf_token": _csrf_from(page)})
    assert response.status_code == 303
    assert drain() == 1
    db.session.expire_all()
    done = db.session.get(JobRun, run.id)
    assert done.state == "done" and done.outcome.startswith("coverdesk-backup-")
    assert len(list((tmp_path / "backups").glob("coverdesk-backup-*.tar"))) == 1
    retried = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "job.retried")).all()
    assert [event.actor_label for event in retried] == ["root.admin"]
    # A job that did not fail cannot be retried.
    again = client.post(f"/admin/jobs/{run.id}/retry", data={"csrf_token": _csrf_from(page)}, follow_redirects=True)
    assert "only a failed job can be retried" in again.get_data(as_text=True)


def test_two_workers_ticking_the_same_minute_make_one_run_per_due_schedule(app):
    app.config["CARRIER_ENDPOINTS"] = {"swiftwing": "http://127.0.0.1:9/track", "harbourpost": "http://127.0.0.1:9/t"}
    schedules = {
        "stalled-scan": "*/15 * * * *",
        "tracking-sync": "0 * * * *",
        "daily-backup": "30 19 * * *",
        "clean-up": "off",
    }
    at = datetime(2026, 3, 10, 8, 0, 20, tzinfo=UTC)
    first = jobs.tick(at, schedules)
    second = jobs.tick(at + timedelta(seconds=15), schedules)
    assert [run.id for run in first] == [run.id for run in second]
    keys = sorted(run.key for run in first)
    carriers = _carriers_to_sync(at)
    assert carriers  # the carriers with an online feed and an endpoint
    assert keys == sorted(
        ["stalled-scan@2026-03-10T08:00Z"] + [f"tracking-sync:{code}@2026-03-10T08:00Z" for code in carriers]
    )
    assert jobs.tick(at + timedelta(minutes=1), schedules) == []
    assert drain() == len(first)  # each run was sent once, when it was made
    stalled = db.session.scalar(select(JobRun).where(JobRun.kind == "stalled-scan"))
    assert stalled.state == "done" and stalled.outcome.endswith("stalled parcels")


def test_the_next_run_of_each_schedule():
    assert next_run("*/15 * * * *", NOW) == NOW + timedelta(minutes=15)
    assert next_run("30 19 * * *", NOW) == datetime(2026, 3, 10, 19, 30, tzinfo=UTC)
    assert next_run("5 * * * 0", NOW) == datetime(2026, 3, 15, 0, 5, tzinfo=UTC)  # Sunday
    assert next_run("off", NOW) is None


def test_a_bad_schedule_is_refused_at_start_naming_its_variable(monkeypatch, tmp_path):
    from portal.config import load_config

    monkeypatch.setenv("COVERDESK_SCHEDULE_DAILY_BACKUP", "every day")
    with pytest.raises(RuntimeError, match="COVERDESK_SCHEDULE_DAILY_BACKUP: 'every day' is not a crontab"):
        load_config(tmp_path)


def test_the_jobs_page_shows_each_schedule_with_its_last_and_next_run(app, auth, client):
    jobs.run_now("stalled-scan", jobs.Actor.system("test"), utcnow())
    db.session.commit()
    drain()
    auth.login("root.admin", "admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    row = page[page.index('id="schedule-stalled-scan"') : page.index('id="schedule-tracking-sync"')]
    assert "*/15 * * * *" in row and "done" in row and "stalled parcels" in row
    for name in app.config["JOB_SCHEDULES"]:
        assert f'id="schedule-{name}"' in page
    assert client.get("/admin/jobs").status_code == 200  # agents and supervisors: tests/test_access_matrix.py


def test_a_job_is_sent_only_when_its_transaction_commits(app):
    from portal.jobs.queue import instance

    huey = instance()

    jobs.request_job("stalled-scan", "stalled-scan@sent-on-commit", {}, NOW)
    jobs.request_job("clean-up", "clean-up@sent-on-commit", {}, NOW)  # its savepoint is released ...
    assert huey.pending_count() == 0  # ... but nothing is sent before the transaction commits
    db.session.commit()
    assert huey.pending_count() == 2
    jobs.request_job("stalled-scan", "stalled-scan@rolled-back", {}, NOW)
    db.session.rollback()
    db.session.commit()
    assert huey.pending_count() == 2  # a job rolled back is never sent
