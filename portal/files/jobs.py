"""The evidence store's clean-up as a scheduled job."""

from __future__ import annotations

import time
from datetime import datetime

from ..jobs.services import handler
from .services import sweep_evidence_store


@handler("clean-up", commits=True)
def clean_up(params: dict, now: datetime) -> str:
    # The store's own clock (file times), not the job's: an upload in progress is younger.
    report = sweep_evidence_store(time.time(), grace_seconds=24 * 3600)
    return f"removed {len(report.temporary)} temporary and {len(report.orphans)} orphaned files"
