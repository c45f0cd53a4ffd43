"""``coverdesk claims``: submission packs and insurers' responses."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..audit.services import Actor
from ..errors import Refused, fail, unit_of_work
from ..extensions import db


@click.group()
def claims():
    """Claims: submission packs and insurers' responses."""


@claims.command("pack")
@click.argument("claim_no")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True, help="Where to write the PDF."
)
@with_appcontext
def claims_pack(claim_no, output):
    """Make a claim's submission pack (kept as a new version) and write it to OUTPUT."""
    from pathlib import Path

    from ..plugin_engine import registry
    from ..storage import file_store
    from .services import find_by_number, make_pack

    claim = find_by_number(claim_no)
    if claim is None:
        fail(f"no claim {claim_no}")
    try:
        with unit_of_work():
            pack = make_pack(registry(), claim, Actor.cli())
    except Refused as exc:
        fail(f"{claim_no}: {exc}")
    Path(output).write_bytes(file_store().read(pack.sha256))
    click.echo(f"{output}: {claim_no} pack version {pack.version}, {pack.pages} pages, sha256 {pack.sha256}")


@claims.command("packs")
@click.argument("claim_nos", nargs=-1)
@click.option("--state", default=None, help="All claims in this state (e.g. draft, submitted).")
@click.option("-d", "--directory", type=click.Path(file_okay=False), required=True, help="Where to write the PDFs.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
def claims_packs(claim_nos, state, directory, quiet):
    """Make the packs of many claims: the ones named, or every claim in --state."""
    from pathlib import Path

    from sqlalchemy import select

    from ..plugin_engine import registry
    from ..storage import file_store
    from .models import Claim
    from .services import make_pack

    if not claim_nos and not state:
        fail("name claims or give --state")
    query = select(Claim).where(Claim.number.in_(claim_nos) if claim_nos else Claim.state == state)
    found = list(db.session.scalars(query.order_by(Claim.number)).unique())
    unknown = sorted(set(claim_nos) - {claim.number for claim in found})
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    failed = [f"{number}: no such claim" for number in unknown]
    plugins = registry()
    from tqdm import tqdm

    for claim in tqdm(found, unit="pack", disable=quiet, file=sys.stderr, desc="packs"):
        number = claim.number
        try:
            with unit_of_work():
                pack = make_pack(plugins, claim, Actor.cli())
        except Refused as exc:
            failed.append(f"{number}: {exc}")
            continue
        (folder / f"{number}.pdf").write_bytes(file_store().read(pack.sha256))
    click.echo(f"{len(found) - len(failed) + len(unknown)} packs written to {folder}, {len(failed)} failed")
    for line in failed:
        click.echo(line)
    if failed:
        sys.exit(1)


@claims.command("import-responses")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def claims_import_responses(csv_file):
    """Record an insurer's response file (claim, event, date, amount, reference, reason), line by line."""
    from ..plugin_engine import registry
    from .responses import import_responses

    report = import_responses(registry(), csv_file, Actor.cli())
    click.echo(
        f"{len(report.recorded)} recorded, {len(report.unchanged)} already recorded, {len(report.errors)} refused"
    )
    for line, what in report.recorded:
        click.echo(f"line {line}: {what}")
    for line, what in report.unchanged:
        click.echo(f"line {line}: {what}")
    for line, reason in report.errors:
        click.echo(f"{csv_file.name}: line {line}: {reason}")
    if report.errors:
        sys.exit(1)
