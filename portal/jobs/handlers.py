"""What each kind of job does: a thin call into the service that owns the work."""

from __future__ import annotations

import logging
import time
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..audit.services import Actor
from ..clock import to_local
from ..extensions import db
from .services import FAN_OUT, GiveUp, handler

log = logging.getLogger("coverdesk.jobs")


def _asked_at(params: dict, now: datetime) -> datetime:
    return datetime.fromisoformat(params["at"]) if params.get("at") else now


def _actor(params: dict, default: str) -> Actor:
    who = params.get("actor")
    return Actor(*who) if who else Actor.system(default)


@handler("stalled-scan")
def stalled_scan(params: dict, now: datetime) -> str:
    from ..tracking.services import stalled_count

    return f"{stalled_count(now)} stalled parcels"


def _carriers_to_sync(now: datetime) -> list[str]:
    from ..plugin_engine import registry
    from ..tracking.sync import has_online_feed

    endpoints = current_app.config["CARRIER_ENDPOINTS"]
    return sorted(c.code for c in registry().all_carriers() if has_online_feed(c) and endpoints.get(c.code))


FAN_OUT["tracking-sync"] = _carriers_to_sync


@handler("tracking-sync", commits=True)
def tracking_sync(params: dict, now: datetime) -> str:
    from ..plugin_engine import registry
    from ..tracking.sync import sync_all

    code = params["part"]
    # Not forced: a carrier still in its back-off after failures is skipped, as it asks.
    (outcome,) = sync_all(
        registry(), current_app.config["CARRIER_ENDPOINTS"], now, only=code, actor=Actor.system("tracking sync")
    )
    if outcome.state == "synced":
        return f"{code}: {outcome.added} new events from {outcome.parcels} parcels, {len(outcome.problems)} problems"
    if outcome.state in ("skipped", "failed"):
        when = f"{to_local(outcome.next_attempt_at):%Y-%m-%d %H:%M}"
        if outcome.state == "skipped":
            return f"{code}: waiting after failures until {when}"
        # The carrier's own back-off is the retry: the job itself did its work.
        log.warning("tracking sync of %s failed: %s", code, outcome.error)
        return f"{code}: failed ({outcome.error}); next try at {when}"
    return f"{code}: {outcome.state.replace('_', ' ')}"


@handler("overdue-payouts")
def overdue_payouts(params: dict, now: datetime) -> str:
    from ..claims.services import overdue_claims

    lines = overdue_claims(to_local(now).date())
    if not lines:
        return "no overdue payouts"
    worst = ", ".join(f"{line.claim.number} ({line.days_late} d)" for line in lines[:5])
    log.warning("%d insurer payouts overdue: %s", len(lines), worst)
    return f"{len(lines)} overdue: {worst}{' ...' if len(lines) > 5 else ''}"


@handler("daily-backup", commits=True)
def daily_backup(params: dict, now: datetime) -> str:
    from ..backup.services import create_backup, prune

    target = Path(current_app.config["BACKUP_DIR"])
    archive = create_backup(target, now)
    removed = prune(target, current_app.config["BACKUP_KEEP"])
    return f"{archive.name} ({archive.stat().st_size / 1024 / 1024:.1f} MB); {len(removed)} old removed"


@handler("clean-up", commits=True)
def clean_up(params: dict, now: datetime) -> str:
    from ..claims.models import ClaimPack
    from ..inquiries.models import EvidenceDocument
    from ..storage import file_store, sweep

    referenced = set(db.session.scalars(select(EvidenceDocument.sha256))) | set(
        db.session.scalars(select(ClaimPack.sha256))
    )
    # The store's own clock (file times), not the job's: an upload in progress is younger.
    report = sweep(file_store(), referenced, time.time(), grace_seconds=24 * 3600)
    return f"removed {len(report.temporary)} temporary and {len(report.orphans)} orphaned files"


@handler("inquiry-document")
def inquiry_document(params: dict, now: datetime) -> str:
    from ..inquiries.models import EvidenceItem
    from ..inquiries.services import generate_document

    item = db.session.get(EvidenceItem, params["item_id"])
    if item is None:
        raise LookupError(f"evidence item {params['item_id']} no longer exists")
    document = generate_document(item, _actor(params, "documents"), _asked_at(params, now))
    return f"{item.inquiry.number}: {item.kind.replace('_', ' ')} ({document.size} bytes)"


@handler("claim-pack")
def claim_pack(params: dict, now: datetime) -> str:
    from ..claims.models import Claim
    from ..claims.pack import PackError
    from ..claims.services import ClaimRefused, make_pack
    from ..plugin_engine import registry

    claim = db.session.get(Claim, params["claim_id"])
    if claim is None:
        raise GiveUp(f"claim {params['claim_id']} no longer exists")
    try:
        pack = make_pack(registry(), claim, _actor(params, "documents"), _asked_at(params, now))
    except (PackError, ClaimRefused) as exc:
        raise GiveUp(f"{claim.number}: {exc}") from exc  # the same documents fail the same way
    return f"{claim.number}: pack version {pack.version}, {pack.pages} pages"
