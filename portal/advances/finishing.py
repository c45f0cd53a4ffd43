"""When a case is over: the claim decided by the insurer and the money settled.

Lives with the advances because only here are the claim, its advance and the ledger all known.
Checked after every step that could end a case (a claim paid or rejected, a ledger booking, an
advance declined); the check is idempotent, so it does not matter which of them comes last.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..audit.services import Actor
from ..claims.models import Claim
from ..inquiries.services import finish, reopen
from . import ledger
from .services import advance_of

ZERO = Decimal("0.00")
#: Advances still waiting for a decision or a payment keep their case open.
UNDECIDED = ("requested", "approved")


def open_money(claim: Claim) -> dict[str, Decimal]:
    """What is still open on the claim: advanced and not yet got back, and owed by the seller."""
    balances = ledger.balances(claim_id=claim.id, currency=claim.currency)
    return {account: balances.get((account, claim.currency), ZERO) for account in ("advances", "seller_receivable")}


def is_settled(claim: Claim) -> bool:
    """Paid and its advance (if any) reconciled, or rejected and the recovery closed."""
    if claim.state not in ("paid", "rejected"):
        return False
    advance = advance_of(claim)
    if advance is not None and advance.state in UNDECIDED:
        return False
    return all(amount == 0 for amount in open_money(claim).values())


def finish_if_settled(claim: Claim, actor: Actor | None = None, now: datetime | None = None) -> bool:
    """Close the claim's inquiry if its case is over (audited); ``True`` when it was closed now.
    A finished case whose money is open again (a settlement reversed) is reopened instead."""
    if not claim.inquiry.is_open:
        if not is_settled(claim):
            reopen(
                claim.inquiry,
                f"money open again on claim {claim.number or claim.id}",
                actor or Actor.system("case reopened"),
            )
        return False
    if not is_settled(claim):
        return False
    reason = "claim_paid" if claim.state == "paid" else "claim_rejected"
    return finish(claim.inquiry, reason, actor or Actor.system("case settled"), now)
