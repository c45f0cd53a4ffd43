"""The advances ledger: append-only double entry, per currency, ``Decimal`` only.

Every entry's lines sum to zero, so the ledger always balances; the balance of ``advances`` is
the company's exposure (paid to sellers, not yet covered by the insurer). Nothing here updates or
deletes a booking: a correction is a reversing entry, and an entry can be reversed once.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from ..audit.services import Actor
from ..claims.models import Claim
from ..errors import Refused
from ..extensions import db
from .models import ACCOUNTS, Advance, LedgerEntry, LedgerLine
from .signals import ledger_booked

ZERO = Decimal("0.00")


class LedgerRefused(Refused):
    """A booking the rules do not allow; nothing was written."""

    def __init__(self, reason: str, field: str = "amount"):
        super().__init__(field, reason)


def book(
    kind: str,
    *,
    claim,
    currency: str,
    lines: dict[str, Decimal],
    actor: Actor,
    memo: str = "",
    advance=None,
    external_reference: str | None = None,
    reverses: LedgerEntry | None = None,
) -> LedgerEntry:
    """Write one balanced entry. ``lines`` maps accounts to signed amounts (debit +, credit -)."""
    lines = {account: amount for account, amount in lines.items() if amount != 0}
    unknown = sorted(set(lines) - set(ACCOUNTS))
    if unknown:
        raise LedgerRefused(f"unknown account(s) {', '.join(unknown)}")
    if not lines or sum(lines.values(), ZERO) != 0:
        raise LedgerRefused(f"an entry must balance: {lines}")
    if any(not isinstance(amount, Decimal) for amount in lines.values()):
        raise LedgerRefused("ledger amounts are Decimal")
    entry = LedgerEntry(
        kind=kind,
        claim_id=claim.id,
        advance_id=advance.id if advance else None,
        seller_id=claim.inquiry.order.seller_id,
        currency=currency,
        booked_by=actor.label[:120],
        memo=memo[:300],
        external_reference=external_reference,
        reverses_id=reverses.id if reverses else None,
    )
    entry.lines = [LedgerLine(account=account, amount=amount) for account, amount in sorted(lines.items())]
    db.session.add(entry)
    db.session.flush()
    ledger_booked.send(claim, actor=actor)
    return entry


def reverse(entry: LedgerEntry, *, actor: Actor, memo: str) -> LedgerEntry:
    """Cancel an entry with its mirror image; the original stays as it was."""
    if entry.kind == "reversal":
        raise LedgerRefused("a reversal is not reversed; book the correct entry instead")
    if db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == entry.id)) is not None:
        raise LedgerRefused(f"entry {entry.id} is already reversed")

    claim = db.session.get(Claim, entry.claim_id)
    return book(
        "reversal",
        claim=claim,
        currency=entry.currency,
        actor=actor,
        memo=memo or f"reverses {entry.id}",
        lines={line.account: -line.amount for line in entry.lines},
        reverses=entry,
        advance=entry.advance_id and _advance(entry.advance_id),
    )


def _advance(advance_id: int):

    return db.session.get(Advance, advance_id)


def balances(*, claim_id: int | None = None, currency: str | None = None) -> dict[tuple[str, str], Decimal]:
    """Balance per (account, currency), for one claim or the whole ledger."""
    stmt = (
        select(LedgerLine.account, LedgerEntry.currency, func.sum(LedgerLine.amount))
        .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
        .group_by(LedgerLine.account, LedgerEntry.currency)
    )
    if claim_id is not None:
        stmt = stmt.where(LedgerEntry.claim_id == claim_id)
    if currency is not None:
        stmt = stmt.where(LedgerEntry.currency == currency)
    result: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for account, cur, total in db.session.execute(stmt):
        result[(account, cur)] = Decimal(str(total)).quantize(Decimal("0.01"))
    return result


def balances_by_claim(claim_ids: list[int]) -> dict[tuple[int, str, str], Decimal]:
    """Balance per (claim, account, currency) for many claims in one query (reports)."""
    result: dict[tuple[int, str, str], Decimal] = defaultdict(lambda: ZERO)
    for start in range(0, len(claim_ids), 1000):
        rows = db.session.execute(
            select(LedgerEntry.claim_id, LedgerLine.account, LedgerEntry.currency, func.sum(LedgerLine.amount))
            .join(LedgerEntry, LedgerEntry.id == LedgerLine.entry_id)
            .where(LedgerEntry.claim_id.in_(claim_ids[start : start + 1000]))
            .group_by(LedgerEntry.claim_id, LedgerLine.account, LedgerEntry.currency)
        )
        for claim_id, account, currency, total in rows:
            result[(claim_id, account, currency)] = Decimal(str(total)).quantize(Decimal("0.01"))
    return result


def balance(account: str, *, claim_id: int, currency: str) -> Decimal:
    return balances(claim_id=claim_id, currency=currency)[(account, currency)]
