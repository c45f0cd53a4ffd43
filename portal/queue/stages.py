"""Where a case stands and what to do next: one answer for the queue, the order page, the orders
list and the API.

Worked out from the case's own rows (inquiry, claim, pack, advance, ledger) for the few orders a
page shows, a query each, so it is always what those rows say and never a copy to keep in step.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..advances.ledger import balances_by_claim
from ..advances.models import Advance
from ..claims.models import Claim, ClaimPack
from ..i18n import N_
from ..inquiries.models import Inquiry
from .models import QueueItem

#: The stages, in the order a case goes through them, with their label.
STAGES = {
    "watch": N_("Watch"),
    "stalled": N_("Stalled"),
    "inquiry": N_("Inquiry"),
    "claim": N_("Claim"),
    "pack_to_send": N_("Pack to send"),
    "awaiting_insurer": N_("Awaiting insurer"),
    "payout_overdue": N_("Payout overdue"),
    "advance_to_approve": N_("Advance to approve"),
    "advance_to_pay": N_("Advance to pay"),
    "advance_to_settle": N_("Advance to settle"),
    "finished": N_("Finished"),
}
#: What to do next in an inquiry, by its state.
_INQUIRY_NEXT = {
    "opened": N_("Send the carrier a trace request"),
    "trace_requested": N_("Record the carrier's answer"),
    "carrier_answered": N_("Complete the evidence"),
    "ready_for_claim": N_("Draft the claim"),
}


@dataclass(frozen=True, slots=True)
class CaseLink:
    number: str
    state: str


@dataclass(frozen=True, slots=True)
class Case:
    """An order's case as staff see it: its stage, the next action and its parts' states."""

    stage: str
    next_action: str
    inquiry: CaseLink | None = None
    claim: CaseLink | None = None
    advance: CaseLink | None = None

    @property
    def label(self) -> str:
        return _(STAGES[self.stage])

    @property
    def urgent(self) -> bool:
        return self.stage in ("payout_overdue", "stalled")

    def as_json(self) -> dict:
        return {
            "stage": self.stage,
            "next_action": self.next_action,
            **{
                part: None if link is None else {"number": link.number, "state": link.state}
                for part, link in (("inquiry", self.inquiry), ("claim", self.claim), ("advance", self.advance))
            },
        }


def cases_of(session: Session, order_ids: Iterable[int], today: date, now: datetime | None = None) -> dict[int, Case]:
    """The case of each order that has one (its open inquiry, else its latest finished one); with
    ``now``, also the parcels without an inquiry that are on the queue as stalled or to watch."""
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    result = _parcels_on_the_queue(session, ids, now) if now is not None else {}
    inquiries: dict[int, Inquiry] = {}
    # Open first, then newest: the first seen per order is the one that counts.
    for inquiry in session.scalars(
        select(Inquiry).where(Inquiry.order_id.in_(ids)).order_by(Inquiry.state == "closed", Inquiry.id.desc())
    ):
        inquiries.setdefault(inquiry.order_id, inquiry)
    by_inquiry = {inquiry.id: inquiry for inquiry in inquiries.values()}
    claims = (
        {claim.inquiry_id: claim for claim in session.scalars(select(Claim).where(Claim.inquiry_id.in_(by_inquiry)))}
        if by_inquiry
        else {}
    )
    claim_ids = [claim.id for claim in claims.values()]
    packed = (
        set(session.scalars(select(ClaimPack.claim_id).where(ClaimPack.claim_id.in_(claim_ids)).distinct()))
        if claim_ids
        else set()
    )
    advances: dict[int, Advance] = {}
    if claim_ids:
        # The live advance of each claim (not declined), else the last declined one.
        for advance in session.scalars(
            select(Advance)
            .where(Advance.claim_id.in_(claim_ids))
            .order_by(Advance.state == "declined", Advance.id.desc())
        ):
            advances.setdefault(advance.claim_id, advance)
    decided = [claim.id for claim in claims.values() if claim.state in ("paid", "rejected")]
    money = balances_by_claim(decided) if decided else {}
    for order_id, inquiry in inquiries.items():
        claim = claims.get(inquiry.id)
        advance = advances.get(claim.id) if claim else None
        open_money = claim is not None and any(
            money.get((claim.id, account, claim.currency), 0) != 0 for account in ("advances", "seller_receivable")
        )
        stage, next_action = _stage(
            inquiry, claim, claim is not None and claim.id in packed, advance, open_money, today
        )
        result[order_id] = Case(
            stage,
            next_action,
            CaseLink(inquiry.number, inquiry.state),
            CaseLink(claim.number, claim.state) if claim else None,
            CaseLink(advance.number, advance.state) if advance else None,
        )
    return result


def _parcels_on_the_queue(session: Session, ids: list[int], now: datetime) -> dict[int, Case]:
    found: dict[int, Case] = {}
    stalled, watch = stalled_case(), watch_case()  # the same for every parcel: translated once
    for order_id, kind in session.execute(
        select(QueueItem.order_id, QueueItem.kind).where(
            QueueItem.order_id.in_(ids),
            QueueItem.kind.in_(("stalled", "watch")),
            QueueItem.since <= now,
            or_(QueueItem.until.is_(None), QueueItem.until > now),
        )
    ):
        if kind == "stalled" or order_id not in found:
            found[order_id] = stalled if kind == "stalled" else watch
    return found


def watch_case() -> Case:
    return Case("watch", _("Check the tracking with the carrier before it stalls"))


def stalled_case() -> Case:
    return Case("stalled", _("Open an inquiry with the seller's query"))


def _stage(inquiry, claim, packed: bool, advance, open_money: bool, today: date) -> tuple[str, str]:
    if not inquiry.is_open:
        return "finished", _("Nothing: the case is closed")
    if advance is not None and advance.state == "requested":
        return "advance_to_approve", _("A supervisor approves or declines the advance")
    if advance is not None and advance.state == "approved":
        return "advance_to_pay", _("Pay the advance to the seller")
    if claim is None:
        return "inquiry", _(_INQUIRY_NEXT.get(inquiry.state, N_("Work the inquiry")))
    if claim.state in ("paid", "rejected"):
        if claim.state == "paid" and open_money:
            return "advance_to_settle", _(
                "Book the insurer's settlement against the advance, then recover or write off"
            )
        if open_money:
            return "advance_to_settle", _("Recover the advance from the seller or write it off")
        return "advance_to_settle", _("Settle the advance")
    if claim.state == "draft":
        if packed:
            return "pack_to_send", _("Submit the pack to the insurer")
        return "claim", _("Make the submission pack")
    if claim.state == "more_documents":
        return "pack_to_send", _("Send the insurer the documents it asked for")
    if claim.state == "accepted" and claim.payout_overdue(today):
        return "payout_overdue", _("Chase the insurer: payout was due %(day)s", day=claim.payout_due_on)
    if claim.state == "accepted":
        if claim.payout_due_on:
            return "awaiting_insurer", _("Wait for the insurer's payment (payout due %(day)s)", day=claim.payout_due_on)
        return "awaiting_insurer", _("Wait for the insurer's payment (payout date pending)")
    return "awaiting_insurer", _("Wait for the insurer's decision")
