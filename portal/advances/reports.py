"""Supervisors' reports: exposure (what is advanced and not yet back) and seller statements."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from ..claims.models import Claim
from ..clock import to_local
from ..csv_safety import safe_row
from ..extensions import db
from ..i18n import N_
from ..sellers.models import Seller
from . import ledger
from .models import Advance, LedgerEntry

#: Age of an outstanding advance, in days since it was paid (the label is the CSV's value too; pages
#: translate it where they show it).
AGE_BUCKETS = (
    (0, 7, N_("0-7 days")),
    (8, 30, N_("8-30 days")),
    (31, 60, N_("31-60 days")),
    (61, None, N_("over 60 days")),
)
#: A ledger entry's kind as the seller's statement names it.
STATEMENT_KINDS = {
    "advance_paid": N_("Advance paid"),
    "settlement": N_("Insurer settlement"),
    "recovery": N_("Recovered from you"),
    "rejected": N_("Claim rejected: to recover"),
    "write_off": N_("Written off"),
    "reversal": N_("Correction"),
}


@dataclass(frozen=True)
class ExposureLine:
    advance: Advance
    outstanding: Decimal
    age_days: int
    bucket: str


def bucket_of(days: int) -> str:
    return next(label for low, high, label in AGE_BUCKETS if days >= low and (high is None or days <= high))


def exposure_lines(today: date) -> list[ExposureLine]:
    """Every paid advance with money still out (advances or a recovery case), oldest first."""
    lines = []
    paid = list(db.session.scalars(select(Advance).where(Advance.state == "paid").order_by(Advance.paid_at)).unique())
    totals = ledger.balances_by_claim([advance.claim_id for advance in paid])
    for advance in paid:
        outstanding = (
            totals[(advance.claim_id, "advances", advance.currency)]
            + totals[(advance.claim_id, "seller_receivable", advance.currency)]
        )
        if outstanding > 0:
            days = (today - to_local(advance.paid_at).date()).days
            lines.append(ExposureLine(advance, outstanding, days, bucket_of(days)))
    return lines


def totals_by(lines: list[ExposureLine], key) -> dict[tuple[str, str], Decimal]:
    """Outstanding per (group, currency): amounts in different currencies are never added up."""
    result: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        result[(key(line), line.advance.currency)] += line.outstanding
    return dict(sorted(result.items()))


def exposure_csv(lines: list[ExposureLine], sellers: dict[int, Seller]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "advance",
            "claim",
            "seller_code",
            "seller_name",
            "insurer",
            "currency",
            "advanced",
            "outstanding",
            "paid_on",
            "age_days",
            "age_bucket",
        ]
    )
    for line in lines:
        advance, seller = line.advance, sellers[line.advance.seller_id]
        writer.writerow(
            safe_row(
                [
                    advance.number,
                    advance.claim.number,
                    seller.code,
                    seller.name,
                    advance.insurer_code,
                    advance.currency,
                    advance.amount,
                    line.outstanding,
                    to_local(advance.paid_at).date(),
                    line.age_days,
                    line.bucket,
                ]
            )
        )
    return out.getvalue()


def chart_bars(lines: list[ExposureLine]) -> list[dict]:
    """Bars of the exposure chart per age bucket and currency, scaled within each currency."""
    by = totals_by(lines, lambda line: line.bucket)
    bars = []
    for currency in sorted({cur for _, cur in by}):
        largest = max(amount for (_, cur), amount in by.items() if cur == currency)
        for _, _, label in AGE_BUCKETS:
            amount = by.get((label, currency), Decimal(0))
            bars.append(
                {
                    "label": label,
                    "currency": currency,
                    "amount": amount,
                    # Percent of the largest bar (a drawing size, not money).
                    "width": (amount * 100 / largest).quantize(Decimal("0.1")) if largest else Decimal(0),
                }
            )
    return bars


@dataclass(frozen=True)
class StatementLine:
    booked_at: datetime
    kind: str
    claim_number: str
    memo: str
    currency: str
    to_seller: Decimal  # money the company paid the seller (+) or got back from them (-)


def statement_lines(seller_id: int, start: date, end: date) -> list[StatementLine]:
    """The seller's advances, settlements above the advance, recoveries and write-offs in a period."""

    entries = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.seller_id == seller_id).order_by(LedgerEntry.booked_at, LedgerEntry.id)
    ).unique()
    lines = []
    for entry in entries:
        day = to_local(entry.booked_at).date()
        if not start <= day <= end:
            continue
        amounts = {line.account: line.amount for line in entry.lines}
        to_seller = (
            -amounts.get("bank", Decimal(0))
            if entry.kind in ("advance_paid", "recovery")
            else (-amounts.get("seller_payable", Decimal(0)))
        )
        claim = db.session.get(Claim, entry.claim_id)
        lines.append(StatementLine(entry.booked_at, entry.kind, claim.number, entry.memo, entry.currency, to_seller))
    return lines


# --- the seller statement as a PDF, made by a job ----------------------------------------------


def statement_subject(seller_id: int, start: date, end: date) -> str:
    return f"statement:{seller_id}:{start}:{end}"


def statement_pdf(seller, start: date, end: date, issued: date) -> bytes:
    """The seller's statement for the period, as the PDF sent to them."""
    from flask import render_template

    from ..documents import both, render_pdf

    lines = statement_lines(seller.id, start, end)
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.to_seller
    html = render_template(
        "advances/statement.html",
        seller=seller,
        lines=lines,
        start=start,
        end=end,
        totals=totals,
        issued=issued,
        kinds=STATEMENT_KINDS,
        both=both,
    )
    return render_pdf(html)


def request_statement(seller, start: date, end: date, actor, now):
    """Ask the job workers for the seller's statement of the period: asking again before it is
    made, or retrying one that failed, is the same job and one file."""
    from ..jobs.services import next_version_key, request_job

    subject = statement_subject(seller.id, start, end)
    return request_job(
        "seller-statement",
        next_version_key(subject),
        # Issued as asked: a job run again renders the same statement, hence the same file.
        {
            "seller_id": seller.id,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "actor": [actor.kind, actor.ref, actor.label],
            "at": now.isoformat(),
        },
        now,
        subject=subject,
        requested_by=actor.label,
    )
