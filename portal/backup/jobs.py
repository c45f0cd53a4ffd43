"""The daily backup as a scheduled job."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask import current_app

from ..jobs.services import handler


@handler("daily-backup", commits=True)
def daily_backup(params: dict, now: datetime) -> str:
    from .services import create_backup, prune

    target = Path(current_app.config["BACKUP_DIR"])
    archive = create_backup(target, now)
    removed = prune(target, current_app.config["BACKUP_KEEP"])
    return f"{archive.name} ({archive.stat().st_size / 1024 / 1024:.1f} MB); {len(removed)} old removed"
