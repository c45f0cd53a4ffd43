"""``coverdesk advances`` and ``coverdesk settlements``: the bank's payment run, insurers' settlements."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..audit.services import Actor


def _cli_staff():
    from .services import Staff

    return Staff(None, Actor.cli(), True)


def _print_file_report(name: str, report) -> None:
    click.echo(
        f"{len(report.booked)} booked, {len(report.unchanged)} already booked, {len(report.unmatched)} "
        f"unmatched, {len(report.mismatched)} mismatched"
    )
    for line, what in report.booked + report.unchanged:
        click.echo(f"line {line}: {what}")
    for kind, lines in (("unmatched", report.unmatched), ("mismatched", report.mismatched)):
        for line, what in lines:
            click.echo(f"{name}: line {line}: {kind}: {what}")


@click.group()
def advances():
    """Advances to sellers: the bank's payment run."""


@advances.command("export")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), required=True, help="CSV to write.")
@with_appcontext
def advances_export(output):
    """Write the approved, unpaid advances as the bank run's payment file."""
    from .files import approved_unpaid, payment_file

    waiting = approved_unpaid()
    output.write(payment_file(waiting))
    click.echo(f"{len(waiting)} advances to pay written to {output.name}")


@advances.command("import-payments")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def advances_import_payments(csv_file):
    """Mark advances paid from the bank's confirmations (advance, bank_reference, amount, currency)."""
    from .files import import_payments

    report = import_payments(csv_file, _cli_staff())
    _print_file_report(csv_file.name, report)
    if report.unmatched or report.mismatched:
        sys.exit(1)


@click.group()
def settlements():
    """Insurers' settlements of claims with an advance."""


@settlements.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def settlements_import(csv_file):
    """Book an insurer's payment report (claim_reference, amount, currency, date); lines that do not
    match are listed, not booked."""
    from .files import import_settlements

    report = import_settlements(csv_file, _cli_staff())
    _print_file_report(csv_file.name, report)
    if report.unmatched or report.mismatched:
        sys.exit(1)
