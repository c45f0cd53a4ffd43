"""The evidence store's clean-up as a scheduled job."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..jobs.services import handler
from .services import sweep_evidence_store


@handler("clean-up", commits=True)
def clean_up(params: dict, now: datetime) -> str:
    # Compared with the files' own times: an upload in progress, or one whose row is still to be
    # committed (its worker killed in between, the client about to send it again), is younger.
    grace_hours = current_app.config["FILES_GRACE_HOURS"]
    report = sweep_evidence_store(now.timestamp(), grace_seconds=grace_hours * 3600)
    return (
        f"removed {len(report.temporary)} temporary and {len(report.orphans)} orphaned files "
        f"older than {grace_hours:g} h ({report.freed / 1024 / 1024:.1f} MB)"
    )
