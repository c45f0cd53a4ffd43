from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db_types import UTCDateTime
from ..extensions import db


class JobRun(db.Model):
    """One job: what to do (``kind`` + ``params``), and where it stands.

    ``key`` is unique: the same document request, or the same schedule slot enqueued by two
    workers, is one row. A worker claims a run by setting ``token`` with a conditional UPDATE and
    marks it done with another one in the transaction that holds the job's effect, so a second
    delivery finds nothing to do and a worker that lost its lease cannot commit.
    """

    __tablename__ = "job_runs"
    __table_args__ = (
        Index("ix_job_runs_state_lease", "state", "lease_until"),
        Index("ix_job_runs_kind_queued", "kind", "queued_at"),
        Index("ix_job_runs_subject", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    subject: Mapped[str] = mapped_column(String(80), default="")  # e.g. inquiry:12, for pages to poll
    state: Mapped[str] = mapped_column(String(12))  # queued, running, retrying, done, failed
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=4)
    token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requested_by: Mapped[str] = mapped_column(String(120), default="")
    outcome: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    # A job that makes a file (a PDF to download): it is in the evidence store, stored before the
    # run is marked done in the same transaction as this name of it.
    result_sha256: Mapped[str | None] = mapped_column(String(64))
    result_name: Mapped[str] = mapped_column(String(200), default="")

    @property
    def in_hand(self) -> bool:
        """Still to be done: queued, running or waiting to try again."""
        return self.state in ("queued", "running", "retrying")

    @property
    def label(self) -> str:
        return self.kind.replace("-", " ")
