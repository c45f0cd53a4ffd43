"""Insurers' response files: `coverdesk claims import-responses FILE.csv`.

Columns: ``claim`` (our claim number or the insurer's reference), ``event`` (accepted, paid,
rejected, more_documents), ``date``, ``amount``, ``reference``, ``reason``. Each line goes
through the same service as the claim page, in its own savepoint: a bad line is reported with its
number and reason and changes nothing; the others are recorded. A line whose event is already
recorded is reported as such, so a file sent twice changes nothing the second time.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TextIO

from ..audit.services import Actor
from ..errors import Refused, unit_of_work
from ..money import MoneyError, parse_amount
from ..plugin_engine import PluginRegistry
from . import services

COLUMNS = ("claim", "event", "date", "amount", "reference", "reason")
EVENTS = ("accepted", "paid", "rejected", "more_documents")


@dataclass
class ResponseReport:
    recorded: list[tuple[int, str]] = field(default_factory=list)  # (line, what)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _already(claim, event: str, values: dict) -> bool:
    return (
        (event == "accepted" and claim.state in ("accepted", "paid") and claim.insurer_reference == values["reference"])
        or (event == "paid" and claim.state == "paid")
        or (event == "rejected" and claim.state == "rejected")
        or (event == "more_documents" and claim.state == "more_documents")
    )


def import_responses(plugins: PluginRegistry, stream: TextIO, actor: Actor) -> ResponseReport:
    report = ResponseReport()
    reader = csv.DictReader(stream)
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in ("claim", "event", "date") if name not in header]
    if missing:
        report.errors.append((1, f"the header must name {', '.join(COLUMNS)}; missing {', '.join(missing)}"))
        return report
    for row in reader:
        line = reader.line_num
        values = {name.strip().lower(): (value or "").strip() for name, value in row.items() if name}
        try:
            with unit_of_work():  # each line on its own: a refused line leaves the others recorded
                what = _apply(plugins, values, actor)
        except Refused as exc:
            report.errors.append((line, str(exc)))
            continue
        if what is None:
            report.unchanged.append((line, f"{values['claim']}: {values['event']} already recorded"))
        else:
            report.recorded.append((line, what))
    return report


def _apply(plugins: PluginRegistry, values: dict, actor: Actor) -> str | None:
    claim = services.find_by_reference(values.get("claim", ""))
    if claim is None:
        raise services.ClaimRefused("claim", f"claim: no claim numbered or referenced {values.get('claim')!r}")
    event = values.get("event", "").lower().replace("-", "_").replace(" ", "_")
    if event not in EVENTS:
        raise services.ClaimRefused("event", f"event: {values.get('event')!r} is not one of {', '.join(EVENTS)}")
    try:
        on = date.fromisoformat(values.get("date", ""))
    except ValueError:
        raise services.ClaimRefused("date", f"date: {values.get('date')!r} is not a date like 2026-11-24") from None
    if event == "paid" and (payment := services.payment_of(claim)):
        # The same payment again changes nothing; a different one is shown, never taken as the same.
        if str(payment.amount) == values.get("amount", "").replace(",", "") and payment.paid_on == on:
            return None
        raise services.ClaimRefused("amount", services.already_paid(claim, payment), conflict=True)
    if _already(claim, event, values):
        return None
    if event == "accepted":
        services.accept(plugins, claim, reference=values.get("reference", ""), accepted_on=on, actor=actor)
        return f"{claim.number} accepted ({claim.insurer_reference}); payout due {claim.payout_due_on or 'pending'}"
    if event == "paid":
        try:
            amount = Decimal(parse_amount(values.get("amount", ""), claim.currency))
        except MoneyError as exc:
            raise services.ClaimRefused("amount", f"amount: {exc}") from None
        services.pay(
            claim,
            amount=amount,
            paid_on=on,
            reference=values.get("reference", ""),
            actor=actor,
            source="insurer's response file",
        )
        return f"{claim.number} paid {amount} {claim.currency} on {on}"
    if event == "rejected":
        services.reject(claim, reason=values.get("reason", ""), actor=actor)
        return f"{claim.number} rejected"
    services.request_documents(claim, what=values.get("reason", ""), actor=actor)
    return f"{claim.number}: more documents requested"
