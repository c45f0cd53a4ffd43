"""What a job is and how it runs exactly once.

A job is a ``job_runs`` row (its ``key`` unique) plus a Huey message carrying the row's id. The
message may arrive twice (a retry, two workers, the sweeper re-sending a job whose worker died):
the worker first *claims* the row with a conditional UPDATE (only one caller changes it), runs the
job, and marks it done with a second conditional UPDATE in the same transaction as the job's
effect. A worker whose lease ran out, and so lost the row to another, cannot commit its effect.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ..audit.services import Actor, record
from ..database import is_busy, writing
from ..errors import Refused
from ..extensions import db
from ..health.logs import current_id
from ..i18n import CONTRACT_LANGUAGE, LANGUAGES, current_language
from ..storage import file_store
from .models import JobRun
from .schedules import matches, next_run

log = logging.getLogger("coverdesk.jobs")

#: kind -> function(params, now) returning a one-line outcome (or a ``JobFile``); it writes its
#: effect into the session and does not commit (the run's "done" is committed with it).
Handler = Callable[[dict, datetime], "str | JobFile"]
HANDLERS: dict[str, Handler] = {}
#: Kinds whose handler commits on its own (a sync commits carrier by carrier; a backup writes
#: files): their effect is idempotent by itself, the run's row only says it happened.
SELF_COMMITTING: set[str] = set()
#: A queued job nobody took this long is sent again (its message may have been lost).
RESEND_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class JobFile:
    """What a job that makes a file returns: the file is stored (content-addressed, so a run made
    twice stores it once) and named on the run when it is marked done; the page offers it."""

    outcome: str
    content: bytes
    name: str


class JobError(Refused):
    """A job that cannot be asked for or retried, with the reason."""


class GiveUp(Exception):
    """Raised by a job that trying again cannot help (a document the pack cannot read): it is
    marked failed at once, with this reason, for staff to mend and retry."""


def asked_at(params: dict, now: datetime) -> datetime:
    """When the job was asked for (its ``at`` parameter), else the time it runs."""
    return datetime.fromisoformat(params["at"]) if params.get("at") else now


def actor_of(params: dict, default: str) -> Actor:
    """Who asked for the job (its ``actor`` parameter), else the system under ``default``."""
    who = params.get("actor")
    return Actor(*who) if who else Actor.system(default)


@contextmanager
def in_asker_language(params: dict) -> Iterator[None]:
    """Run a job's work in the language of the page that asked for it (its ``language``
    parameter), so that a report it stores for that page (an import's reasons, line by line)
    reads as the rest of the page; a job asked from the CLI or a schedule speaks English."""
    language = params.get("language")
    with force_locale(language if language in LANGUAGES else CONTRACT_LANGUAGE):
        yield


def handler(kind: str, *, commits: bool = False):
    def register(function: Handler) -> Handler:
        HANDLERS[kind] = function
        if commits:
            SELF_COMMITTING.add(kind)
        return function

    return register


# --- asking for a job ----------------------------------------------------------------------


def request_file_import(kind: str, model, filename: str, content: bytes, actor: Actor, now: datetime, **fields):
    """Keep an uploaded file, add its import row (``model``: a tracking or an orders import) and ask a
    job of ``kind`` to import it, keyed on the row (the page follows the row's progress)."""
    stored = file_store().put(content)
    row = model(
        filename=filename[:200],
        sha256=stored.sha256,
        size=stored.size,
        state="queued",
        problems=[],
        requested_at=now,
        requested_by=actor.label[:120],
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    key = f"{kind}:{row.id}"
    params = {
        "import_id": row.id,
        "actor": [actor.kind, actor.ref, actor.label],
        "at": now.isoformat(),
        # The report is read on the asker's page: it is written in that page's language.
        "language": current_language(),
    }
    request_job(kind, key, params, now, subject=key, requested_by=actor.label)
    return row


def request_job(
    kind: str, key: str, params: dict, now: datetime, *, subject: str = "", requested_by: str = ""
) -> JobRun:
    """The run for ``key``, created (and sent to a worker when the transaction commits) unless
    it exists already: asking twice for the same thing is one job."""
    if kind not in HANDLERS:
        raise JobError("kind", f"unknown job kind {kind!r}")
    existing = db.session.scalar(select(JobRun).where(JobRun.key == key))
    if existing is not None:
        if existing.state == "failed":  # asked for again after it gave up: it is tried again
            _requeue_failed(existing, now)
        return existing
    run = JobRun(
        key=key[:200],
        kind=kind,
        params=params,
        subject=subject[:80],
        state="queued",
        attempts=0,
        max_attempts=current_app.config["JOB_ATTEMPTS"],
        queued_at=now,
        requested_by=requested_by[:120],
        outcome="",
        error="",
    )
    try:
        with db.session.begin_nested():
            db.session.add(run)
    except IntegrityError:  # asked for at the same moment elsewhere: theirs is the one
        return db.session.scalar(select(JobRun).where(JobRun.key == key))
    _send_after_commit(run)
    return run


def _requeue_failed(run: JobRun, now: datetime) -> bool:
    changed = db.session.execute(
        update(JobRun)
        .where(JobRun.id == run.id, JobRun.state == "failed")
        .values(state="queued", attempts=0, queued_at=now, next_try_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(run)
    if changed == 1:
        _send_after_commit(run)
    return changed == 1


def _send_after_commit(run: JobRun) -> None:
    db.session.info.setdefault("coverdesk_jobs_to_send", []).append(run)


@event.listens_for(Session, "after_commit")
def _send_committed(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released (this event fires for those too): wait for the real commit
    for run in session.info.pop("coverdesk_jobs_to_send", []):
        send(run.id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    # Only the whole transaction's rollback: a run is listed after its own savepoint succeeded,
    # so a later savepoint's rollback leaves it standing.
    if session.get_nested_transaction() is None:
        session.info.pop("coverdesk_jobs_to_send", None)


def send(run_id: int, delay: float | None = None) -> None:
    from .tasks import execute

    if delay:
        execute.schedule((run_id,), delay=delay)
    else:
        execute(run_id)


# --- running one -------------------------------------------------------------------------


def execute_run(run_id: int, now: datetime) -> str:
    """Run the job if it is still to be done; returns its state afterwards (``skipped`` when
    another delivery already did it or holds it)."""
    token = claim(run_id, now)
    if token is None:
        state = db.session.scalar(select(JobRun.state).where(JobRun.id == run_id))
        db.session.rollback()
        log.info("job %s not run: it is %s (delivered again, or held by a live worker)", run_id, state)
        return "skipped"
    return run_claimed(run_id, token, now)


def claim(run_id: int, now: datetime) -> str | None:
    """Take the run for this worker (committed), or None when it is done, given up or held by a
    worker whose lease has not run out."""
    token = uuid.uuid4().hex
    lease = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    claimed = db.session.execute(
        update(JobRun)
        .where(
            JobRun.id == run_id,
            or_(
                JobRun.state.in_(("queued", "retrying")),
                (JobRun.state == "running") & (JobRun.lease_until < now),  # its worker died
            ),
        )
        .values(state="running", token=token, attempts=JobRun.attempts + 1, started_at=now, lease_until=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return token if claimed == 1 else None


def run_claimed(run_id: int, token: str, now: datetime) -> str:
    run = db.session.get(JobRun, run_id)
    db.session.refresh(run)
    id_token = current_id.set(f"job-{run.id}")
    started = time.perf_counter()
    kind, key, who = run.kind, run.key, run.requested_by or "-"
    db.session.rollback()  # end this read: the job's own transaction starts afresh (see _run)
    try:
        state = _run(run, token, now)
        log.info("%s %s %s %.1fms user=%s", kind, key, state, (time.perf_counter() - started) * 1000, who)
        return state
    finally:
        current_id.reset(id_token)


def _run(run: JobRun, token: str, now: datetime) -> str:
    kind, params, run_id, key = run.kind, dict(run.params or {}), run.id, run.key
    db.session.rollback()
    try:
        try:
            # Optimistic first: on SQLite the job's reads take no lock, so a slow render does not
            # hold the desk's one write lock (pages would wait for it); only its writes do.
            return _attempt(kind, params, run_id, token, now, lock_first=False)
        except DBAPIError as exc:
            if not is_busy(exc):
                raise
            # Another writer committed while this one rendered (SQLite cannot upgrade a stale
            # read): again, holding the write lock from the start this time.
            db.session.rollback()
            return _attempt(kind, params, run_id, token, now, lock_first=True)
    except Exception as exc:  # noqa: BLE001 - a failing job is recorded and retried, never lost
        db.session.rollback()
        log.error("job %s %s failed", kind, key, exc_info=exc)
        return _failed(run_id, token, now, exc)


def _attempt(kind: str, params: dict, run_id: int, token: str, now: datetime, *, lock_first: bool) -> str:
    with writing(lock_first):
        outcome = HANDLERS[kind](params, now)
        result = {}
        if isinstance(outcome, JobFile):
            # Written (fsync, rename) before the row naming it commits; the same bytes again are
            # the same file, so a run made twice leaves one.
            stored = file_store().put(outcome.content)
            result = {"result_sha256": stored.sha256, "result_name": outcome.name[:200]}
            outcome = outcome.outcome
        if kind in SELF_COMMITTING:
            db.session.commit()
        done = db.session.execute(
            update(JobRun)
            .where(JobRun.id == run_id, JobRun.token == token, JobRun.state == "running")
            .values(
                state="done", token=None, lease_until=None, finished_at=now, outcome=(outcome or "")[:500], **result
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if done != 1:  # our lease ran out and another worker took the job: its effect counts
            db.session.rollback()
            return "skipped"
        db.session.commit()
        return "done"


def _failed(run_id: int, token: str, now: datetime, exc: Exception) -> str:
    run = db.session.get(JobRun, run_id)
    give_up = isinstance(exc, GiveUp) or run.attempts >= run.max_attempts
    wait = current_app.config["JOB_RETRY_SECONDS"] * 2 ** max(run.attempts - 1, 0)
    reason = str(exc) if isinstance(exc, GiveUp) else f"{type(exc).__name__}: {exc}"
    db.session.execute(
        update(JobRun)
        .where(JobRun.id == run_id, JobRun.token == token)
        .values(
            state="failed" if give_up else "retrying",
            token=None,
            lease_until=None,
            finished_at=now,
            next_try_at=None if give_up else now + timedelta(seconds=wait),
            error=(reason + "\n\n" + "".join(traceback.format_exception(exc))[-4000:]),
            outcome=reason[:500],
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if give_up:
        return "failed"
    send(run_id, delay=wait)
    return "retrying"


# --- staff and the sweeper ---------------------------------------------------------------


def retry(run_id: int, actor: Actor, now: datetime) -> JobRun:
    """A job that gave up, queued again with fresh attempts (audited; the caller commits)."""
    run = db.session.get(JobRun, run_id)
    if run is None:
        raise JobError("run_id", f"job {run_id}: no such job")
    if not _requeue_failed(run, now):
        raise JobError("run_id", f"job {run_id}: it is {run.state}, only a failed job can be retried")
    record(
        actor,
        "job.retried",
        "job",
        run.key,
        before={"state": "failed", "error": run.outcome},
        after={"state": "queued"},
        summary=f"{run.label} queued again",
    )
    return run


def resend_stale(now: datetime) -> int:
    """Send again the jobs a dead worker held past their lease, and queued ones nobody took."""
    stale = db.session.scalars(
        select(JobRun.id).where(
            or_(
                (JobRun.state == "running") & (JobRun.lease_until < now),
                JobRun.state.in_(("queued",)) & (JobRun.queued_at < now - RESEND_AFTER),
                (JobRun.state == "retrying") & (JobRun.next_try_at < now - RESEND_AFTER),
            )
        )
    ).all()
    for run_id in stale:
        log.warning("job %s sent again: its worker died or its message was lost", run_id)
        send(run_id)
    return len(stale)


# --- schedules ---------------------------------------------------------------------------

#: Schedules that make one job per part (a carrier each): name -> function(now) -> parts.
FAN_OUT: dict[str, Callable[[datetime], list[str]]] = {}


def tick(now: datetime, schedules: dict[str, str]) -> list[JobRun]:
    """The runs due this minute: two workers ticking the same minute make one run each (key)."""
    slot = now.replace(second=0, microsecond=0)
    runs = []
    for name, expression in schedules.items():
        if expression == "off" or not matches(expression, slot):
            continue
        parts = FAN_OUT[name](now) if name in FAN_OUT else [""]
        for part in parts:
            key = f"{name}{':' + part if part else ''}@{slot:%Y-%m-%dT%H:%MZ}"
            params = {"slot": slot.isoformat(), **({"part": part} if part else {})}
            runs.append(request_job(name, key, params, now, subject=f"schedule:{name}", requested_by="schedule"))
    db.session.commit()
    return runs


def run_now(name: str, actor: Actor, now: datetime) -> list[JobRun]:
    """A schedule's job started by staff outside its times (audited; the caller commits)."""
    if name not in current_app.config["JOB_SCHEDULES"]:
        raise JobError("name", f"{name}: no such schedule")
    parts = FAN_OUT[name](now) if name in FAN_OUT else [""]
    runs = [
        request_job(
            name,
            f"{name}{':' + part if part else ''}@manual-{now.isoformat()}",
            {"slot": now.isoformat(), **({"part": part} if part else {})},
            now,
            subject=f"schedule:{name}",
            requested_by=actor.label,
        )
        for part in parts
    ]
    record(actor, "job.run_now", "schedule", name, summary=f"{name} started by hand")
    return runs


@dataclass(frozen=True)
class ScheduleRow:
    name: str
    expression: str
    last: JobRun | None
    next_at: datetime | None


def schedule_rows(now: datetime, schedules: dict[str, str]) -> list[ScheduleRow]:
    rows = []
    for name, expression in schedules.items():
        last = db.session.scalar(
            select(JobRun).where(JobRun.kind == name).order_by(JobRun.queued_at.desc(), JobRun.id.desc()).limit(1)
        )
        rows.append(ScheduleRow(name, expression, last, next_run(expression, now)))
    return rows


def failed_runs(limit: int = 100) -> list[JobRun]:
    return list(
        db.session.scalars(
            select(JobRun).where(JobRun.state == "failed").order_by(JobRun.finished_at.desc()).limit(limit)
        )
    )


def recent_runs(limit: int = 50) -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


def runs_for(subject: str) -> list[JobRun]:
    return list(db.session.scalars(select(JobRun).where(JobRun.subject == subject).order_by(JobRun.id)))


def latest_run(subject: str) -> JobRun | None:
    """The newest job about ``subject`` (a page polls it), or None."""
    return db.session.scalar(select(JobRun).where(JobRun.subject == subject).order_by(JobRun.id.desc()).limit(1))


def latest_made(subject: str) -> JobRun | None:
    """The newest run about ``subject`` that made a file, or None."""
    return db.session.scalar(
        select(JobRun)
        .where(JobRun.subject == subject, JobRun.state == "done", JobRun.result_sha256.is_not(None))
        .order_by(JobRun.id.desc())
        .limit(1)
    )


def next_version_key(subject: str) -> str:
    """``subject:vN``, N one more than the files made so far: asking again before the next one is
    made is the same job (one version, whatever the clicks or workers); asking after it is a new one."""
    made = db.session.scalar(
        select(func.count()).select_from(JobRun).where(JobRun.subject == subject, JobRun.state == "done")
    )
    return f"{subject}:v{made + 1}"


def result_of(subject: str, run_id: int) -> JobRun | None:
    """A made file's run, if it is about ``subject`` (a page serves only its own files)."""
    run = db.session.get(JobRun, run_id)
    if run is None or run.subject != subject or run.state != "done" or not run.result_sha256:
        return None
    return run
