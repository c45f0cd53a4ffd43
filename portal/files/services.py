"""Sweeping the evidence store: temporary files of killed uploads and stored files no record names."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..storage import SweepReport, file_store, sweep


def _columns_naming_files() -> list:
    """Every column that names a stored file: a file one of them names is never swept."""
    from ..claims.models import ClaimPack
    from ..inquiries.models import EvidenceDocument
    from ..jobs.models import JobRun
    from ..orders.models import OrderImport
    from ..tracking.models import TrackingImport

    return [EvidenceDocument.sha256, ClaimPack.sha256, JobRun.result_sha256, OrderImport.sha256, TrackingImport.sha256]


def referenced_files() -> set[str]:
    named: set[str] = set()
    for column in _columns_naming_files():
        named.update(db.session.scalars(select(column).where(column.is_not(None)).distinct()))
    return named


def sweep_evidence_store(now_ts: float, *, grace_seconds: float, dry_run: bool = False) -> SweepReport:
    """Anything younger than ``grace_seconds`` (by the files' own times) is left alone: a file
    stored by a request whose row is not committed yet, or whose worker was killed between the
    two (the client's resend finds it stored and commits the row), waits out the grace period."""
    return sweep(file_store(), referenced_files(), now_ts, grace_seconds=grace_seconds, dry_run=dry_run)
