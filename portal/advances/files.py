"""Files to and from the bank and the insurers: the payment run, the bank's confirmations and the
insurers' settlement reports. Every line is checked and reported; a bad line books nothing."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TextIO

from sqlalchemy import select

from ..claims import services as claims
from ..claims.services import find_by_reference
from ..csv_safety import safe_row
from ..errors import Refused, unit_of_work
from ..extensions import db
from ..money import MoneyError, parse_amount
from . import services
from .models import Advance

PAYMENT_COLUMNS = ("advance", "seller_code", "seller_name", "seller_email", "amount", "currency", "claim")


def payment_file(advances: list[Advance]) -> str:
    """The approved advances not yet paid, as the bank run's CSV (one line per advance), paying the
    payee frozen at approval, not the seller's details as they are today."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PAYMENT_COLUMNS)
    for advance in advances:
        writer.writerow(
            safe_row(
                [
                    advance.number,
                    advance.payee_code,
                    advance.payee_name,
                    advance.payee_email,
                    advance.amount,
                    advance.currency,
                    advance.claim.number,
                ]
            )
        )
    return out.getvalue()


def approved_unpaid() -> list[Advance]:
    return list(db.session.scalars(select(Advance).where(Advance.state == "approved").order_by(Advance.id)).unique())


@dataclass
class FileReport:
    booked: list[tuple[int, str]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    unmatched: list[tuple[int, str]] = field(default_factory=list)
    mismatched: list[tuple[int, str]] = field(default_factory=list)


def _rows(stream: TextIO, required: tuple[str, ...], report: FileReport):
    reader = csv.DictReader(stream)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    if missing:
        report.mismatched.append((1, f"the header must name {', '.join(required)}; missing {', '.join(missing)}"))
        return
    for row in reader:
        yield reader.line_num, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}


def import_payments(stream: TextIO, staff: services.Staff) -> FileReport:
    """The bank's confirmations (advance, bank_reference, amount, currency): each marks its advance
    paid once; a file imported twice changes nothing the second time."""
    report = FileReport()
    for line, row in _rows(stream, ("advance", "bank_reference", "amount", "currency"), report):
        advance = services.find_by_number(row["advance"])
        if advance is None:
            report.unmatched.append((line, f"no advance {row['advance']!r}"))
            continue
        try:
            amount = Decimal(parse_amount(row["amount"], row["currency"] or advance.currency))
        except MoneyError as exc:
            report.mismatched.append((line, f"{advance.number}: amount {exc}"))
            continue
        if (amount, row["currency"]) != (advance.amount, advance.currency):
            report.mismatched.append(
                (
                    line,
                    f"{advance.number}: {amount} {row['currency']} paid, {advance.amount} {advance.currency} approved",
                )
            )
            continue
        try:
            with unit_of_work():  # each payment on its own
                paid = services.pay(advance, row["bank_reference"], staff)
        except services.AdvanceRefused as exc:
            report.mismatched.append((line, str(exc)))
            continue
        (report.booked if paid else report.unchanged).append((line, f"{advance.number} paid ({row['bank_reference']})"))
    return report


def import_settlements(stream: TextIO, staff: services.Staff) -> FileReport:
    """An insurer's payment report (claim_reference, amount, currency, date, optionally
    payment_reference): each line is recorded as the claim's payment by the same service as the
    claim page, which books the advance's settlement in the same step. A payment already recorded
    (from the page or an earlier file) is never booked again; lines that do not fit are listed."""
    report = FileReport()
    for line, row in _rows(stream, ("claim_reference", "amount", "currency", "date"), report):
        claim = find_by_reference(row["claim_reference"])
        if claim is None:
            report.unmatched.append((line, f"no claim numbered or referenced {row['claim_reference']!r}"))
            continue
        try:
            on = date.fromisoformat(row["date"])
            amount = Decimal(parse_amount(row["amount"], row["currency"]))
        except (ValueError, MoneyError) as exc:
            report.mismatched.append((line, f"{claim.number}: {exc}"))
            continue
        if existing := claims.payment_of(claim):
            same = (existing.amount, existing.currency, existing.paid_on) == (amount, row["currency"], on)
            (report.unchanged if same else report.mismatched).append((line, claims.already_paid(claim, existing)))
            continue
        try:
            with unit_of_work():
                claims.pay(
                    claim,
                    amount=amount,
                    currency=row["currency"],
                    paid_on=on,
                    reference=row.get("payment_reference") or "",
                    actor=staff.actor,
                    source="settlement file",
                )
        except Refused as exc:
            report.mismatched.append((line, f"{claim.number}: {exc}"))
            continue
        report.booked.append((line, f"{claim.number}: {amount} {claim.currency} paid and settled"))
    return report
