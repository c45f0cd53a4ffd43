"""Advances: requested by an agent, approved by another (a supervisor), paid exactly once; the
insurer's settlement, recoveries and write-offs booked in the ledger.

"Exactly once" rests on the database, not on the page: one live advance per claim (a partial
unique index), paying as a conditional UPDATE approved → paid whose row count decides who paid,
and one payout entry per advance in the ledger (another partial unique index).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ..audit.services import Actor, record
from ..claims.models import Claim
from ..clock import to_local, utcnow
from ..errors import Refused
from ..extensions import db
from ..i18n import N_
from ..inquiries.checklist import Checklist
from ..money import Money
from ..plugin_engine import PluginRegistry
from ..sellers.models import Seller
from . import ledger
from .models import Advance, LedgerEntry
from .signals import advance_changed

ZERO = Decimal("0.00")


class AdvanceRefused(Refused):
    """A step the rules do not allow on an advance; nothing changed."""


@dataclass(frozen=True)
class Staff:
    """Who acts, with the id the four-eyes rule compares."""

    user_id: int | None
    actor: Actor
    is_supervisor: bool


def _audit(staff: Staff, advance: Advance, action: str, summary: str, after: dict | None = None) -> None:
    record(staff.actor, f"advance.{action}", "advance", advance.id, after=after, summary=f"{advance.number}: {summary}")


def advance_of(claim: Claim) -> Advance | None:
    """The live advance of a claim (not declined), else the last declined one."""
    return db.session.scalar(
        select(Advance)
        .where(Advance.claim_id == claim.id)
        .order_by((Advance.state == "declined"), Advance.id.desc())
        .limit(1)
    )


def find_by_number(number: str) -> Advance | None:
    return db.session.scalar(select(Advance).where(Advance.number == number))


def refusal(plugins: PluginRegistry, claim: Claim, today) -> str | None:
    """Why the claim's materials are not complete and sufficient (the insurer plugin's rule)."""
    if claim.state in ("rejected", "paid"):
        return _("claim %(number)s is %(state)s", number=claim.number, state=claim.state_label)
    insurer = plugins.insurer(claim.insurer_code)
    if insurer is None:
        return _("insurer %(code)s is not installed", code=claim.insurer_code)
    return Checklist(claim.inquiry, today).before_advance(insurer)


def request_advance(
    plugins: PluginRegistry, claim: Claim, amount: Decimal, currency: str, staff: Staff, now: datetime | None = None
) -> Advance:
    now = now or utcnow()
    if currency != claim.currency:
        raise AdvanceRefused(
            "currency",
            _(
                "the advance is paid in the claim's currency, %(currency)s, not %(asked)s",
                currency=claim.currency,
                asked=currency,
            ),
        )
    if amount <= 0:
        raise AdvanceRefused("amount", _("the amount must be more than zero"))
    if amount > claim.claimed_amount:
        raise AdvanceRefused(
            "amount",
            _(
                "%(amount)s is more than the amount claimed, %(claimed)s",
                amount=Money(amount, currency).format(),
                claimed=claim.claimed.format(),
            ),
        )
    why_not = refusal(plugins, claim, to_local(now).date())
    if why_not:
        raise AdvanceRefused(
            "claim", _("the claim's materials are not complete and sufficient: %(why)s", why=why_not), conflict=True
        )
    existing = advance_of(claim)
    if existing is not None and existing.state != "declined":
        raise AdvanceRefused(
            "claim",
            _("claim %(claim)s already has advance %(advance)s", claim=claim.number, advance=existing.number),
            conflict=True,
        )
    try:
        with db.session.begin_nested():
            advance = Advance(
                claim=claim,
                seller_id=claim.inquiry.order.seller_id,
                insurer_code=claim.insurer_code,
                amount=amount,
                currency=currency,
                state="requested",
                requested_at=now,
                requested_by_id=staff.user_id,
                requested_by=staff.actor.label[:120],
            )
            db.session.add(advance)
            db.session.flush()
            advance.number = f"ADV-{to_local(now):%Y}-{advance.id:06d}"
            _audit(
                staff,
                advance,
                "requested",
                f"{Money(amount, currency).format()} requested for claim {claim.number}",
                after={"amount": amount, "currency": currency},
            )
    except IntegrityError:
        raise AdvanceRefused(
            "claim", _("claim %(number)s already has an advance", number=claim.number), conflict=True
        ) from None
    return advance


#: What the four-eyes rule says, per decision (whole sentences, for the translators).
FOUR_EYES = {
    "decide": (
        N_("only a supervisor approves or declines advances"),
        N_("%(name)s requested %(number)s: another supervisor decides"),
    ),
    "pay": (N_("only a supervisor pays advances"), N_("%(name)s requested %(number)s: another supervisor pays it")),
}


def _four_eyes(advance: Advance, staff: Staff, what: str) -> None:
    """A supervisor who did not request the advance decides and pays it (the CLI's bank file has
    no staff member: the bank's confirmation of a run exported from approved advances)."""
    if not staff.is_supervisor:
        raise AdvanceRefused("user", _(FOUR_EYES[what][0]))
    if staff.user_id is not None and staff.user_id == advance.requested_by_id:
        raise AdvanceRefused("user", _(FOUR_EYES[what][1], name=staff.actor.label, number=advance.number))


def _decide(advance: Advance, staff: Staff, target: str, reason: str | None, now: datetime) -> None:
    _four_eyes(advance, staff, "decide")
    payee = {}
    if target == "approved":
        # The payee as approved: later orders may change the seller, never whom this advance pays.

        seller = db.session.get(Seller, advance.seller_id)
        payee = {"payee_code": seller.code, "payee_name": seller.name, "payee_email": seller.email}
    result = db.session.execute(
        update(Advance)
        .where(Advance.id == advance.id, Advance.state == "requested")
        .values(
            state=target,
            decided_at=now,
            decided_by_id=staff.user_id,
            decided_by=staff.actor.label[:120],
            decline_reason=reason,
            **payee,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(advance)
        raise AdvanceRefused(
            "state",
            _("%(number)s is already %(state)s", number=advance.number, state=advance.state_label),
            conflict=True,
        )
    db.session.refresh(advance)


def approve(advance: Advance, staff: Staff, now: datetime | None = None) -> None:
    _decide(advance, staff, "approved", None, now or utcnow())
    _audit(
        staff,
        advance,
        "approved",
        f"approved; pays {advance.payee_name} <{advance.payee_email}>",
        after={"payee_code": advance.payee_code, "payee_name": advance.payee_name, "payee_email": advance.payee_email},
    )


def decline(advance: Advance, reason: str, staff: Staff, now: datetime | None = None) -> None:
    if not reason.strip():
        raise AdvanceRefused("reason", _("say why the advance is declined"))
    _decide(advance, staff, "declined", reason.strip(), now or utcnow())
    _audit(staff, advance, "declined", f"declined: {reason.strip()}")
    advance_changed.send(advance, actor=staff.actor)


def pay(advance: Advance, reference: str, staff: Staff, now: datetime | None = None) -> bool:
    """Mark the advance paid and book the payout, once. Returns False when it was already paid
    with this reference (a form posted twice, a bank file imported again)."""
    now, reference = now or utcnow(), reference.strip()
    _four_eyes(advance, staff, "pay")
    if not reference:
        raise AdvanceRefused("reference", _("the payment reference is required"))
    try:
        with db.session.begin_nested():
            result = db.session.execute(
                update(Advance)
                .where(Advance.id == advance.id, Advance.state == "approved")
                .values(state="paid", paid_at=now, payment_reference=reference)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise _NotApproved()
            claim = db.session.get(Claim, advance.claim_id)
            ledger.book(
                "advance_paid",
                claim=claim,
                advance=advance,
                currency=advance.currency,
                actor=staff.actor,
                external_reference=reference,
                memo=f"advance {advance.number} to the seller",
                lines={"advances": advance.amount, "bank": -advance.amount},
            )
            record(
                staff.actor,
                "advance.paid",
                "advance",
                advance.id,
                after={"payment_reference": reference},
                summary=f"{advance.number}: paid, reference {reference}",
            )
    except _NotApproved:
        db.session.refresh(advance)
        if advance.state == "paid" and advance.payment_reference == reference:
            return False
        if advance.state == "paid":
            why = _(
                "%(number)s is already paid (reference %(reference)s): only an approved advance is paid",
                number=advance.number,
                reference=advance.payment_reference,
            )
        else:
            why = _(
                "%(number)s is %(state)s: only an approved advance is paid",
                number=advance.number,
                state=advance.state_label,
            )
        raise AdvanceRefused("state", why, conflict=True) from None
    except IntegrityError:
        db.session.refresh(advance)
        raise AdvanceRefused(
            "reference",
            _(
                "%(number)s: payment reference %(reference)s is already used, or "
                "the advance was paid at the same moment",
                number=advance.number,
                reference=reference,
            ),
            conflict=True,
        ) from None
    db.session.refresh(advance)
    return True


class _NotApproved(Exception):
    pass


# --- after the payout: settlement, recovery, write-off ---------------------------------------


def exposure(claim: Claim) -> Decimal:
    """What the company has advanced on this claim and not yet got back."""
    return ledger.balance("advances", claim_id=claim.id, currency=claim.currency)


def book_settlement(
    claim: Claim, amount: Decimal, currency: str, staff: Staff, *, reference: str = "", memo: str = ""
) -> LedgerEntry:
    """The insurer's payment for a claim with an advance: it covers the exposure first; above it,
    the rest is owed to the seller; below it, the shortfall stays open to recover or write off."""
    return _settlement(claim, amount, currency, staff.actor, reference=reference, memo=memo)


def _settlement(claim: Claim, amount: Decimal, currency: str, actor: Actor, *, reference: str = "", memo: str = ""):
    if currency != claim.currency:
        raise AdvanceRefused(
            "currency",
            _(
                "claim %(number)s is in %(currency)s, not %(other)s",
                number=claim.number,
                currency=claim.currency,
                other=currency,
            ),
        )
    if amount <= 0:
        raise AdvanceRefused("amount", _("a settlement is more than zero"))
    open_amount = max(exposure(claim), ZERO)
    covered = min(amount, open_amount)
    return ledger.book(
        "settlement",
        claim=claim,
        currency=currency,
        actor=actor,
        external_reference=reference or None,
        memo=memo or f"settlement from the insurer for {claim.number}",
        lines={"bank": amount, "advances": -covered, "seller_payable": -(amount - covered)},
    )


def settle_insurer_payment(claim: Claim, payment, actor: Actor, *, accept_difference: bool) -> LedgerEntry | None:
    """The insurer's payment just recorded on ``claim``, booked against its advance in the same
    step; checked against the advance first, so a payment that does not fit it is never booked."""
    advance = advance_of(claim)
    if advance is None or advance.state == "declined":
        return None  # nothing was advanced: the claim's payment is the whole story
    if advance.state != "paid":
        raise AdvanceRefused(
            "advance",
            _(
                "advance %(number)s is %(state)s, not paid: the insurer has paid the claim itself, "
                "so decline the advance (or pay it) before recording the insurer's payment",
                number=advance.number,
                state=advance.state_label,
            ),
            conflict=True,
        )
    open_amount = exposure(claim)
    if payment.amount < open_amount and not accept_difference:
        raise AdvanceRefused(
            "amount",
            _(
                "%(paid)s leaves %(left)s of advance %(number)s to "
                "recover from the seller or write off: confirm the difference to record it",
                paid=Money(payment.amount, payment.currency).format(),
                left=Money(open_amount - payment.amount, claim.currency).format(),
                number=advance.number,
            ),
        )
    return _settlement(
        claim,
        payment.amount,
        payment.currency,
        actor,
        reference=payment.reference or "",
        memo=f"insurer's payment of {payment.paid_on} for {claim.number} ({payment.source})",
    )


def on_claim_rejected(claim: Claim, actor: Actor) -> None:
    """A rejected claim after an advance: the exposure becomes a recovery case against the seller."""
    open_amount = exposure(claim)
    if open_amount > 0:
        ledger.book(
            "rejected",
            claim=claim,
            currency=claim.currency,
            actor=actor,
            memo=f"claim {claim.number} rejected: recover the advance from the seller",
            lines={"seller_receivable": open_amount, "advances": -open_amount},
        )


def recover(claim: Claim, amount: Decimal, staff: Staff, *, reference: str = "") -> LedgerEntry:
    """Money back from the seller: first against a recovery case, then against the exposure."""
    if amount <= 0:
        raise AdvanceRefused("amount", _("a recovery is more than zero"))
    receivable = ledger.balance("seller_receivable", claim_id=claim.id, currency=claim.currency)
    exposed = exposure(claim)
    if amount > receivable + exposed:
        raise AdvanceRefused(
            "amount",
            _(
                "%(amount)s is more than is open on %(number)s (%(open)s)",
                amount=Money(amount, claim.currency).format(),
                number=claim.number,
                open=Money(receivable + exposed, claim.currency).format(),
            ),
        )
    from_receivable = min(amount, receivable)
    return ledger.book(
        "recovery",
        claim=claim,
        currency=claim.currency,
        actor=staff.actor,
        external_reference=reference or None,
        memo=f"recovered from the seller for {claim.number}",
        lines={"bank": amount, "seller_receivable": -from_receivable, "advances": -(amount - from_receivable)},
    )


def write_off(claim: Claim, amount: Decimal, reason: str, staff: Staff) -> LedgerEntry:
    receivable = check_write_off(claim, amount, reason, staff)
    from_receivable = min(amount, receivable)
    return ledger.book(
        "write_off",
        claim=claim,
        currency=claim.currency,
        actor=staff.actor,
        memo=reason.strip(),
        lines={"write_offs": amount, "seller_receivable": -from_receivable, "advances": -(amount - from_receivable)},
    )


def check_write_off(claim: Claim, amount: Decimal, reason: str, staff: Staff) -> Decimal:
    """``AdvanceRefused`` unless ``staff`` may write ``amount`` off (before the page asks to confirm
    it); the seller's receivable on the claim otherwise."""
    if not staff.is_supervisor:
        raise AdvanceRefused("user", _("only a supervisor writes off"))
    if not reason.strip():
        raise AdvanceRefused("reason", _("say why it is written off"))
    receivable = ledger.balance("seller_receivable", claim_id=claim.id, currency=claim.currency)
    exposed = exposure(claim)
    if amount <= 0 or amount > receivable + exposed:
        raise AdvanceRefused(
            "amount",
            _(
                "write off more than zero and at most what is open (%(open)s)",
                open=Money(receivable + exposed, claim.currency).format(),
            ),
        )
    return receivable
