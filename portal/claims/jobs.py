"""Claims' jobs: the overdue-payout check and the submission pack."""

from __future__ import annotations

import logging
from datetime import datetime

from ..clock import to_local
from ..extensions import db
from ..jobs.services import GiveUp, actor_of, asked_at, handler

log = logging.getLogger("coverdesk.jobs")


@handler("overdue-payouts")
def overdue_payouts(params: dict, now: datetime) -> str:
    from ..audit.services import Actor
    from ..plugin_engine import registry
    from .services import fill_pending_due_dates, overdue_claims

    # A calendar library updated with a new year lets the due dates waiting on it be worked out.
    filled = fill_pending_due_dates(registry(), Actor.system("calendar"))
    found = f"{len(filled)} pending due dates worked out; " if filled else ""
    lines = overdue_claims(to_local(now).date())
    if not lines:
        return f"{found}no overdue payouts"
    worst = ", ".join(f"{line.claim.number} ({line.days_late} d)" for line in lines[:5])
    log.warning("%d insurer payouts overdue: %s", len(lines), worst)
    return f"{found}{len(lines)} overdue: {worst}{' ...' if len(lines) > 5 else ''}"


@handler("claim-pack")
def claim_pack(params: dict, now: datetime) -> str:
    from ..plugin_engine import registry
    from .models import Claim
    from .pack import PackError
    from .services import ClaimRefused, make_pack

    claim = db.session.get(Claim, params["claim_id"])
    if claim is None:
        raise GiveUp(f"claim {params['claim_id']} no longer exists")
    try:
        pack = make_pack(registry(), claim, actor_of(params, "documents"), asked_at(params, now))
    except (PackError, ClaimRefused) as exc:
        raise GiveUp(f"{claim.number}: {exc}") from exc  # the same documents fail the same way
    return f"{claim.number}: pack version {pack.version}, {pack.pages} pages"
