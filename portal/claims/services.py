"""Claims: filing a complete inquiry with its insurer, the claim's lifecycle, packs and the payout SLA.

Every step is checked here, audited in the same transaction, and shared by the claim page, the
CLI and the insurers' response files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ..audit.services import Actor, record
from ..calendars import CalendarUnknown, working_days_after
from ..clock import to_local, utcnow
from ..errors import Refused
from ..extensions import db
from ..i18n import N_
from ..inquiries.checklist import CLAIMABLE_OUTCOMES, Checklist
from ..inquiries.models import Inquiry
from ..money import Money
from ..plugin_api import ClaimAmountRequest
from ..plugin_engine import PluginRegistry, PluginUnavailable
from ..storage import file_store
from .models import Claim, ClaimPack, ClaimSupplement, InsurerPayment
from .pack import render_pack
from .signals import claim_changed, claim_paid, claim_rejected


class ClaimRefused(Refused):
    """A step the rules do not allow on a claim; ``conflict`` marks a clash with the claim's state."""


#: Which states each step leads from and to.
TRANSITIONS = {
    "submit": ({"draft", "more_documents"}, "submitted"),
    "accept": ({"submitted"}, "accepted"),
    "pay": ({"accepted"}, "paid"),
    "reject": ({"submitted", "accepted"}, "rejected"),
    "request_documents": ({"submitted"}, "more_documents"),
}


#: Each step as a refusal names it ("cannot pay").
STEP_LABELS = {
    "submit": N_("submit"),
    "accept": N_("accept"),
    "pay": N_("pay"),
    "reject": N_("reject"),
    "request_documents": N_("request documents"),
}


def _step(claim: Claim, step: str) -> str:
    sources, target = TRANSITIONS[step]
    if claim.state not in sources:
        raise ClaimRefused(
            "state",
            _(
                "claim %(number)s is %(state)s: cannot %(step)s",
                number=claim.number,
                state=claim.state_label,
                step=_(STEP_LABELS[step]) if step in STEP_LABELS else step.replace("_", " "),
            ),
            conflict=True,
        )
    return target


def _audit(actor: Actor, claim: Claim, action: str, summary: str, after: dict | None = None) -> None:
    record(actor, f"claim.{action}", "claim", claim.id, after=after, summary=f"{claim.number}: {summary}")


def find_by_number(number: str) -> Claim | None:
    return db.session.scalar(select(Claim).where(Claim.number == number))


def find_by_reference(reference: str) -> Claim | None:
    """A claim by its number or by the insurer's case reference."""
    return find_by_number(reference) or db.session.scalar(select(Claim).where(Claim.insurer_reference == reference))


def claim_of(inquiry: Inquiry) -> Claim | None:
    return db.session.scalar(select(Claim).where(Claim.inquiry_id == inquiry.id))


# --- filing --------------------------------------------------------------------------------


def filing_dates(plugins: PluginRegistry, inquiry: Inquiry) -> tuple[date, date]:
    """The first and last day the insurer accepts this claim (counted from dispatch)."""
    order = inquiry.order
    window = plugins.require_insurer(order.cover.insurer_code).filing_window(inquiry.kind)
    dispatched = to_local(order.dispatched_at).date()
    return dispatched + timedelta(days=window.earliest_day), dispatched + timedelta(days=window.latest_day)


def claim_amount(plugins: PluginRegistry, inquiry: Inquiry, lost_share: Decimal, on: date):
    order = inquiry.order
    insurer = plugins.require_insurer(order.cover.insurer_code)
    return insurer.claim_amount(
        ClaimAmountRequest(
            inquiry.kind,
            order.cover.insured,
            order.declared,
            order.category,
            lost_share,
            on,
        )
    )


def create_claim(
    plugins: PluginRegistry,
    inquiry: Inquiry,
    actor: Actor,
    *,
    lost_share: Decimal = Decimal(1),
    now: datetime | None = None,
) -> Claim:
    """A draft claim from an inquiry whose evidence is complete (deferred items within grace)."""
    now = now or utcnow()
    today = to_local(now).date()
    if claim_of(inquiry) is not None:
        raise ClaimRefused(
            "inquiry",
            _(
                "inquiry %(inquiry)s already has claim %(claim)s",
                inquiry=inquiry.number,
                claim=claim_of(inquiry).number,
            ),
            conflict=True,
        )
    if inquiry.state != "ready_for_claim" or inquiry.carrier_outcome not in CLAIMABLE_OUTCOMES:
        raise ClaimRefused(
            "inquiry",
            _(
                "inquiry %(number)s is %(state)s: mark it ready for a claim first",
                number=inquiry.number,
                state=inquiry.state_label,
            ),
            conflict=True,
        )
    missing = Checklist(inquiry, today).missing
    if missing:
        raise ClaimRefused(
            "inquiry", _("the evidence is not complete: %(missing)s", missing="; ".join(missing)), conflict=True
        )
    if not Decimal(0) < lost_share <= Decimal(1):
        raise ClaimRefused(
            "lost_share", _("the share lost must be more than %(low)s and at most %(high)s", low="0 %", high="100 %")
        )
    if inquiry.kind == "not_arrived" and lost_share != 1:
        raise ClaimRefused("lost_share", _("a parcel that did not arrive is a whole loss (%(share)s)", share="100 %"))
    earliest, latest = filing_dates(plugins, inquiry)
    if not earliest <= today <= latest:
        insurer = plugins.require_insurer(inquiry.order.cover.insurer_code)
        raise ClaimRefused(
            "inquiry",
            _(
                "%(insurer)s accepts this claim from %(earliest)s to %(latest)s (today is %(today)s)",
                insurer=insurer.name,
                earliest=earliest,
                latest=latest,
                today=today,
            ),
        )
    amount = claim_amount(plugins, inquiry, lost_share, today)
    try:
        with db.session.begin_nested():
            claim = Claim(
                inquiry=inquiry,
                order_id=inquiry.order_id,
                insurer_code=inquiry.order.cover.insurer_code,
                state="draft",
                claimed_amount=amount.amount.amount,
                currency=amount.amount.currency,
                amount_rule=amount.description[:300],
                lost_share=lost_share,
                created_at=now,
                created_by=actor.label[:120],
            )
            db.session.add(claim)
            db.session.flush()
            claim.number = f"CLM-{to_local(now):%Y}-{claim.id:06d}"
            _audit(
                actor,
                claim,
                "created",
                f"draft claim for {amount.amount.format()} ({amount.description})",
                after={"claimed_amount": amount.amount.amount, "currency": amount.amount.currency},
            )
    except IntegrityError:
        raise ClaimRefused(
            "inquiry", _("inquiry %(number)s already has a claim", number=inquiry.number), conflict=True
        ) from None
    return claim


# --- the lifecycle -------------------------------------------------------------------------


def submit(claim: Claim, actor: Actor, now: datetime | None = None) -> None:
    target = _step(claim, "submit")
    if not claim.packs:
        raise ClaimRefused(
            "state", _("claim %(number)s: make the submission pack first", number=claim.number), conflict=True
        )
    missing = Checklist(claim.inquiry, to_local(now or utcnow()).date()).missing
    if missing:
        raise ClaimRefused(
            "state", _("the evidence is not complete: %(missing)s", missing="; ".join(missing)), conflict=True
        )
    claim.state, claim.submitted_at = target, now or utcnow()
    claim.inquiry.state = "ready_for_claim"
    _audit(actor, claim, "submitted", f"submitted to the insurer with pack version {claim.packs[0].version}")


def payout_due(plugins: PluginRegistry, claim: Claim, accepted_on: date) -> date:
    """The insurer's payout due date; ``CalendarUnknown`` when its calendar does not know the year yet."""
    insurer = plugins.require_insurer(claim.insurer_code)
    return working_days_after(accepted_on, insurer.payout_working_days, insurer.calendar)


def accept(plugins: PluginRegistry, claim: Claim, *, reference: str, accepted_on: date, actor: Actor) -> None:
    reference = reference.strip()
    if not reference:
        raise ClaimRefused("reference", _("the insurer's case reference is required"))
    if claim.submitted_at and accepted_on < to_local(claim.submitted_at).date():
        raise ClaimRefused("accepted_on", _("%(day)s is before the claim was submitted", day=accepted_on))
    target = _step(claim, "accept")
    # An unknown year never blocks the acceptance: the due date waits for the year's calendar.
    try:
        due, pending = payout_due(plugins, claim, accepted_on), None
    except CalendarUnknown as exc:
        due, pending = None, f"the due date cannot be worked out yet: {exc}"
    claim.state, claim.insurer_reference, claim.accepted_on, claim.payout_due_on = target, reference, accepted_on, due
    claim.payout_due_pending = pending
    _audit(
        actor,
        claim,
        "accepted",
        f"accepted by the insurer ({reference}) on {accepted_on}; payout due {due or 'pending: ' + pending}",
        after={
            "insurer_reference": reference,
            "accepted_on": accepted_on,
            "payout_due_on": due,
            "payout_due_pending": pending,
        },
    )
    claim_changed.send(claim)


def fill_pending_due_dates(plugins: PluginRegistry, actor: Actor) -> list[Claim]:
    """Work out the due dates that waited for a calendar, now that it may be known (audited)."""
    waiting = db.session.scalars(
        select(Claim).where(
            Claim.state == "accepted", Claim.payout_due_on.is_(None), Claim.payout_due_pending.is_not(None)
        )
    ).all()
    filled = []
    for claim in waiting:
        try:
            due = payout_due(plugins, claim, claim.accepted_on)
        except CalendarUnknown as exc:
            claim.payout_due_pending = f"the due date cannot be worked out yet: {exc}"
            continue
        except PluginUnavailable:  # its calendar is unknown while the insurer is not loaded
            continue
        claim.payout_due_on, claim.payout_due_pending = due, None
        _audit(actor, claim, "payout_due", f"payout due date worked out: {due}", after={"payout_due_on": due})
        claim_changed.send(claim)
        filled.append(claim)
    return filled


def payment_of(claim: Claim) -> InsurerPayment | None:
    return db.session.scalar(select(InsurerPayment).where(InsurerPayment.claim_id == claim.id))


def pay(
    claim: Claim,
    *,
    amount: Decimal,
    paid_on: date,
    reference: str,
    actor: Actor,
    currency: str | None = None,
    source: str = "claim page",
    accept_difference: bool = False,
) -> InsurerPayment:
    """Record the insurer's payment, once: the claim is paid and, through ``claim_paid``, the
    advance's settlement is booked in the same step. An amount other than the one claimed is
    refused unless the difference is confirmed; a second payment is refused by the database."""
    currency = currency or claim.currency
    if amount <= 0:
        raise ClaimRefused("amount", _("the amount paid must be more than zero"))
    if currency != claim.currency:
        raise ClaimRefused(
            "currency",
            _(
                "claim %(number)s is in %(currency)s, the payment in %(paid)s",
                number=claim.number,
                currency=claim.currency,
                paid=currency,
            ),
        )
    if claim.accepted_on and paid_on < claim.accepted_on:
        raise ClaimRefused(
            "paid_on",
            _("%(day)s is before the claim was accepted (%(accepted)s)", day=paid_on, accepted=claim.accepted_on),
        )
    if existing := payment_of(claim):
        raise ClaimRefused("state", already_paid(claim, existing), conflict=True)
    target = _step(claim, "pay")
    difference = amount - claim.claimed_amount
    if difference and not accept_difference:
        raise ClaimRefused(
            "amount",
            (
                _(
                    "%(amount)s is %(difference)s less than claimed (%(claimed)s): check the "
                    "insurer's statement, then confirm the difference to record it",
                    amount=Money(amount, currency).format(),
                    difference=Money(abs(difference), currency).format(),
                    claimed=claim.claimed.format(),
                )
                if difference < 0
                else _(
                    "%(amount)s is %(difference)s more than claimed (%(claimed)s): check the "
                    "insurer's statement, then confirm the difference to record it",
                    amount=Money(amount, currency).format(),
                    difference=Money(abs(difference), currency).format(),
                    claimed=claim.claimed.format(),
                )
            ),
            difference=str(difference),
        )
    reference = reference.strip() or None
    payment = InsurerPayment(
        claim_id=claim.id,
        amount=amount,
        currency=currency,
        paid_on=paid_on,
        reference=reference,
        source=source,
        difference=difference,
        recorded_by=actor.label[:120],
    )
    db.session.add(payment)
    number = claim.number  # read before the flush: a failed flush leaves the session unreadable
    try:
        db.session.flush()  # the unique claim: a payment recorded meanwhile elsewhere (the caller rolls back)
    except IntegrityError:
        raise ClaimRefused(
            "state", _("claim %(number)s: the insurer's payment is already recorded", number=number), conflict=True
        ) from None
    claim.state, claim.paid_amount, claim.paid_on, claim.payment_reference = target, amount, paid_on, reference
    late = (
        f", {(paid_on - claim.payout_due_on).days} days after the due date"
        if (claim.payout_due_on and paid_on > claim.payout_due_on)
        else ""
    )
    differs = f", {Money(difference, currency).format()} against the amount claimed" if difference else ""
    _audit(
        actor,
        claim,
        "paid",
        f"paid {Money(amount, currency).format()} on {paid_on}{late}{differs} ({source})",
        after={"paid_amount": amount, "paid_on": paid_on, "payment_reference": reference, "difference": difference},
    )
    claim_paid.send(claim, payment=payment, actor=actor, accept_difference=accept_difference)
    claim_changed.send(claim, actor=actor)  # a case that this payment finishes names who recorded it
    return payment


def already_paid(claim: Claim, payment: InsurerPayment) -> str:
    return (
        f"claim {claim.number} was already paid: {Money(payment.amount, payment.currency).format()} on "
        f"{payment.paid_on}{f' ({payment.reference})' if payment.reference else ''}, recorded from the {payment.source}"
    )


def reject(claim: Claim, *, reason: str, actor: Actor) -> None:
    if not reason.strip():
        raise ClaimRefused("reason", _("say why the insurer rejected the claim"))
    claim.state = _step(claim, "reject")
    claim.rejected_reason = reason.strip()
    _audit(actor, claim, "rejected", f"rejected: {claim.rejected_reason}", after={"reason": claim.rejected_reason})
    claim_changed.send(claim, actor=actor)
    claim_rejected.send(claim, actor=actor)


def request_documents(claim: Claim, *, what: str, actor: Actor) -> None:
    """The insurer wants more: the claim waits and the inquiry goes back to its checklist."""
    if not what.strip():
        raise ClaimRefused("reason", _("say which documents the insurer asked for"))
    claim.state = _step(claim, "request_documents")
    claim.documents_requested = what.strip()
    claim.inquiry.state = "carrier_answered"
    _audit(
        actor,
        claim,
        "more_documents",
        f"the insurer asked for more documents: {claim.documents_requested}",
        after={"documents_requested": claim.documents_requested},
    )


def note_supplements(inquiry: Inquiry) -> None:
    """A deferred item accepted after the claim went in is to be sent as a supplement."""
    claim = claim_of(inquiry)
    if claim is None or claim.state not in ("submitted", "accepted"):
        return
    known = {supplement.document_id for supplement in claim.supplements}
    for item in inquiry.items:
        document = item.current
        if (
            item.state == "accepted"
            and document is not None
            and document.id not in known
            and (claim.submitted_at and document.added_at > claim.submitted_at)
        ):
            claim.supplements.append(ClaimSupplement(document_id=document.id))


# --- packs ---------------------------------------------------------------------------------


def make_pack(plugins: PluginRegistry, claim: Claim, actor: Actor, now: datetime | None = None) -> ClaimPack:
    """Render the pack and keep it as a new version (the same bytes as the last: no new version)."""

    now = now or utcnow()
    pack = render_pack(plugins, claim, generated_at=now)
    sha256 = hashlib.sha256(pack.pdf).hexdigest()
    if claim.packs and claim.packs[0].sha256 == sha256:
        return claim.packs[0]
    file_store().put(pack.pdf)
    version = ClaimPack(
        claim=claim,
        version=(claim.packs[0].version + 1) if claim.packs else 1,
        sha256=sha256,
        size=len(pack.pdf),
        pages=pack.pages,
        generated_at=now,
        generated_by=actor.label[:120],
    )
    db.session.add(version)
    _audit(
        actor,
        claim,
        "pack_generated",
        f"submission pack version {version.version}: {pack.pages} pages",
        after={"version": version.version, "sha256": sha256, "pages": pack.pages},
    )
    return version


def request_pack(claim: Claim, actor: Actor, now: datetime):
    """Ask the job workers for the next pack version; asking again before it is made is the same
    job (one version, whatever the number of clicks or workers)."""
    from ..jobs.services import request_job

    return request_job(
        "claim-pack",
        f"claim-pack:{claim.id}:v{len(claim.packs) + 1}",
        # Made as of the request: a job run again makes the same bytes (the pack is deterministic).
        {"claim_id": claim.id, "actor": [actor.kind, actor.ref, actor.label], "at": now.isoformat()},
        now,
        subject=f"claim:{claim.id}",
        requested_by=actor.label,
    )


def pack_job(claim: Claim):
    """The latest pack job of the claim, or None."""
    from ..jobs.services import runs_for

    runs = runs_for(f"claim:{claim.id}")
    return runs[-1] if runs else None


# --- the payout SLA ------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaLine:
    claim: Claim
    days_late: int


def overdue_claims(today: date) -> list[SlaLine]:
    """Accepted claims whose payout due date has passed, the longest overdue first."""
    claims = db.session.scalars(
        select(Claim).where(Claim.state == "accepted", Claim.payout_due_on < today).order_by(Claim.payout_due_on)
    ).unique()
    return [SlaLine(claim, (today - claim.payout_due_on).days) for claim in claims]


def awaiting_payment(today: date) -> list[Claim]:
    """Accepted claims not yet due, the nearest due date first."""
    return list(
        db.session.scalars(
            select(Claim)
            .where(Claim.state == "accepted", or_(Claim.payout_due_on >= today, Claim.payout_due_on.is_(None)))
            .order_by(Claim.payout_due_on.is_(None), Claim.payout_due_on)
        ).unique()
    )
