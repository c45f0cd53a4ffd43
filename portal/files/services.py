"""Sweeping the evidence store: temporary files of killed uploads and stored files no record names."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..storage import SweepReport, file_store, sweep


def sweep_evidence_store(now_ts: float, *, grace_seconds: float, dry_run: bool = False) -> SweepReport:
    """Anything younger than ``grace_seconds`` (by the files' own times) is left alone."""
    from ..claims.models import ClaimPack
    from ..inquiries.models import EvidenceDocument

    referenced = set(db.session.scalars(select(EvidenceDocument.sha256))) | set(
        db.session.scalars(select(ClaimPack.sha256))
    )
    return sweep(file_store(), referenced, now_ts, grace_seconds=grace_seconds, dry_run=dry_run)
