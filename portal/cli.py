"""The ``coverdesk`` command: Flask's CLI group (run, shell, db ...) plus the desk's own commands."""

from __future__ import annotations

import sys

import click
from flask import has_app_context
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from .app import create_app
from .audit.services import Actor
from .database import reset_write_intent, set_write_intent
from .extensions import db


class CoverdeskGroup(FlaskGroup):
    """Flask's group, with Flask-Migrate's ``db`` commands imported only when asked for: they
    import Alembic (~70 ms), which no other command needs (the app sets Flask-Migrate up on demand);
    other installed command plugins are loaded only for a command the desk does not have."""

    def get_command(self, ctx, name):
        if name == "db":
            from flask_migrate.cli import db as migration_commands

            return migration_commands
        # The desk's own commands without loading every installed "flask.commands" plugin first
        # (Flask-Limiter's imports rich, ~50 ms).
        return self.commands.get(name) or super().get_command(ctx, name)

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), "db"})


@click.group(cls=CoverdeskGroup, create_app=lambda: create_app())
@click.pass_context
def cli(ctx):
    """Coverdesk, the warehouse claims desk."""
    # The desk's commands write: their SQLite transactions take the write lock up front and wait
    # for it, instead of failing when a web request commits first (see portal.database).
    token = set_write_intent(True)

    def done():
        # A transaction left open after the command's last commit (an attribute read afterwards)
        # would keep SQLite's write lock: end it with the command.
        if has_app_context():
            db.session.rollback()
        reset_write_intent(token)

    ctx.call_on_close(done)


from .audit.cli import audit  # noqa: E402
from .backup.cli import backup  # noqa: E402
from .files.cli import files  # noqa: E402
from .health.cli import health  # noqa: E402
from .jobs.cli import jobs, worker  # noqa: E402
from .plugin_cli import plugins  # noqa: E402

cli.add_command(audit)
cli.add_command(backup)
cli.add_command(files)
cli.add_command(health)
cli.add_command(jobs)
cli.add_command(plugins)
cli.add_command(worker)


def _fail(message: str) -> None:
    raise click.ClickException(message)


# --- users ---------------------------------------------------------------------------------


@cli.group()
def users():
    """Staff accounts."""


@users.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["agent", "supervisor", "admin"]), default="agent", show_default=True)
@click.option("--name", "full_name", default="", help="Full name shown in the audit trail.")
@click.option("--email", default=None)
@click.password_option(help="At least 12 characters, not a common password; asked for when not given.")
@with_appcontext
def users_create(username, role, full_name, email, password):
    """Create a staff account."""
    from .auth.services import AccountError, create_user

    try:
        user = create_user(username, full_name or username, role, password, Actor.cli(), email=email)
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"created {user.role} {user.username}")


@users.command("list")
@with_appcontext
def users_list():
    """List staff accounts."""
    from .auth.models import User

    for user in db.session.scalars(select(User).order_by(User.username)):
        click.echo(f"{user.username:<20} {user.role:<11} {'active' if user.active else 'disabled':<9} {user.full_name}")


from .auth.cli import COMMANDS as _ACCOUNT_COMMANDS  # noqa: E402

for _command in _ACCOUNT_COMMANDS:
    users.add_command(_command)


# --- API tokens ----------------------------------------------------------------------------


@cli.group()
def tokens():
    """API tokens for the ordering system's integrations."""


@tokens.command("create")
@click.argument("name")
@with_appcontext
def tokens_create(name):
    """Create a token; it is printed once and only its hash is kept."""
    from .auth.services import AccountError, create_token

    try:
        _, secret = create_token(name, Actor.cli())
    except AccountError as exc:
        db.session.rollback()
        _fail(str(exc))
    db.session.commit()
    click.echo(f"token for {name} (shown only now; send it as 'Authorization: Bearer <token>'):")
    click.echo(secret)


@tokens.command("list")
@with_appcontext
def tokens_list():
    from .api.serializers import timestamp
    from .auth.models import ApiToken

    for token in db.session.scalars(select(ApiToken).order_by(ApiToken.name)):
        state = f"revoked {timestamp(token.revoked_at)}" if token.revoked_at else "active"
        click.echo(f"{token.name:<24} {token.prefix}…  {state}  last used {timestamp(token.last_used_at) or 'never'}")


@tokens.command("revoke")
@click.argument("name")
@with_appcontext
def tokens_revoke(name):
    from .auth.services import AccountError, revoke_token

    try:
        revoke_token(name, Actor.cli())
    except AccountError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"revoked {name}")


# --- orders --------------------------------------------------------------------------------


@cli.group()
def orders():
    """Orders and cover."""


#: From this many rows on, `orders import` checks rows in a second process (start-up costs ~1 s).
PARALLEL_FROM_ROWS = 20_000


@orders.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
def orders_import(csv_file, quiet):
    """Import orders from CSV_FILE (the API's fields, flattened). Bad rows are reported by line."""
    from .orders.importer import ImportFileError, import_orders, report_lines
    from .plugin_engine import registry

    with open(csv_file, "rb") as counter:
        total = max(sum(1 for _ in counter) - 1, 0)
    from tqdm import tqdm

    bar = tqdm(total=total, unit="row", disable=quiet, file=sys.stderr, desc="importing")
    try:
        with open(csv_file, encoding="utf-8-sig", newline="") as stream:
            # Big files: a second process checks rows while this one writes.
            report = import_orders(
                registry(), stream, Actor.cli(), progress=bar.update, processes=1 if total >= PARALLEL_FROM_ROWS else 0
            )
    except ImportFileError as exc:
        db.session.rollback()
        _fail(f"{csv_file}: {exc}")
    finally:
        bar.close()
    for line in report_lines(report):
        click.echo(line)
    if report.errors:
        sys.exit(1)


# --- tracking ------------------------------------------------------------------------------


@cli.group()
def tracking():
    """Tracking events."""


@tracking.command("import")
@click.argument("raw_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--carrier", "carrier_code", required=True, help="The carrier whose raw format the file is in.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
def tracking_import(raw_file, carrier_code, quiet):
    """Import a carrier's raw tracking file; unreadable or impossible records are listed."""
    from pathlib import Path

    from .plugin_engine import registry
    from .tracking.services import import_feed

    content = Path(raw_file).read_bytes()
    from tqdm import tqdm

    bar = tqdm(unit="event", disable=quiet, file=sys.stderr, desc="importing")
    try:
        report = import_feed(registry(), carrier_code, content, source="file", actor=Actor.cli(), progress=bar.update)
    except ValueError as exc:
        _fail(str(exc))
    finally:
        bar.close()
    click.echo(
        f"{report.added} events added to {report.orders} orders, {report.duplicates} already stored, "
        f"{len(report.problems)} problems"
    )
    for record, reason in report.problems:
        click.echo(f"{raw_file}: {record}: {reason}")
    if report.problems:
        sys.exit(1)


@tracking.command("scan-stalled")
@click.option("--limit", default=20, show_default=True, help="How many to list.")
@with_appcontext
def tracking_scan_stalled(limit):
    """List parcels stalled by their carrier's threshold, most insured value first."""
    from .clock import to_local, utcnow
    from .tracking.services import stalled_count, stalled_query

    now = utcnow()
    click.echo(f"{stalled_count(now)} stalled parcels")
    for order, insured in db.session.execute(stalled_query(now).limit(limit)):
        days = (now - order.stalled_from).days
        cover = f"{insured} {order.currency}" if insured is not None else "no cover"
        click.echo(
            f"{order.order_no:<20} {order.carrier_code:<12} {order.tracking_no:<22} {cover:<16} "
            f"stalled since {to_local(order.stalled_from):%Y-%m-%d} ({days} d)"
        )


@tracking.command("sync")
@click.option("--carrier", "carrier_code", default=None, help="Only this carrier.")
@click.option("--force", is_flag=True, help="Also carriers still waiting after a failure.")
@with_appcontext
def tracking_sync(carrier_code, force):
    """Fetch tracking news of open parcels from each carrier's online API (COVERDESK_CARRIER_ENDPOINTS)."""
    from flask import current_app

    from .clock import to_local, utcnow
    from .plugin_engine import registry
    from .tracking.sync import sync_all

    plugins = registry()
    if carrier_code is not None and plugins.carrier(carrier_code) is None:
        _fail(f"unknown carrier {carrier_code!r} (known: {', '.join(sorted(plugins.carriers))})")
    outcomes = sync_all(
        plugins, current_app.config["CARRIER_ENDPOINTS"], utcnow(), force=force, only=carrier_code, actor=Actor.cli()
    )
    for outcome in outcomes:
        code = outcome.carrier_code
        if outcome.state == "synced":
            click.echo(
                f"{code}: synced {outcome.added} events ({outcome.duplicates} already stored, "
                f"{outcome.parcels} parcels asked, {len(outcome.problems)} problems)"
            )
            for record, reason in outcome.problems:
                click.echo(f"{code}: {record}: {reason}")
        elif outcome.state == "skipped":
            click.echo(f"{code}: skipped (not due until {to_local(outcome.next_attempt_at):%Y-%m-%d %H:%M})")
        elif outcome.state == "no_endpoint":
            click.echo(f"{code}: no endpoint")
        elif outcome.state == "no_feed":
            click.echo(f"{code}: no online feed")
        else:
            click.echo(
                f"{code}: FAILED: {outcome.error} (next try at {to_local(outcome.next_attempt_at):%Y-%m-%d %H:%M})"
            )
    if any(outcome.state == "failed" for outcome in outcomes):
        sys.exit(1)


# --- demo data -----------------------------------------------------------------------------


@cli.group()
def demo():
    """Demo data telling the desk's story."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Only when the database has no orders yet.")
@with_appcontext
def demo_load(if_empty):
    """Fill the database with demo staff, sellers and orders, and print how to log in."""
    from flask import current_app

    from .clock import utcnow
    from .demo.seed import credentials_file, load_demo

    created = load_demo(utcnow(), if_empty=if_empty)
    if created:
        click.echo(f"demo data loaded: {created}")
    path = credentials_file(current_app.instance_path)
    if path.exists():
        click.echo("\nLog in with one of these demo accounts (kept in " + str(path) + "):")
        click.echo(path.read_text())


def main():  # pragma: no cover - console entry point
    cli()


# --- claims --------------------------------------------------------------------------------


@cli.group()
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

    from .claims.pack import PackError
    from .claims.services import ClaimRefused, find_by_number, make_pack
    from .plugin_engine import registry
    from .storage import file_store

    claim = find_by_number(claim_no)
    if claim is None:
        _fail(f"no claim {claim_no}")
    try:
        pack = make_pack(registry(), claim, Actor.cli())
    except (PackError, ClaimRefused) as exc:
        db.session.rollback()
        _fail(f"{claim_no}: {exc}")
    db.session.commit()
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

    from .claims.models import Claim
    from .claims.pack import PackError
    from .claims.services import ClaimRefused, make_pack
    from .plugin_engine import registry
    from .storage import file_store

    if not claim_nos and not state:
        _fail("name claims or give --state")
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
            pack = make_pack(plugins, claim, Actor.cli())
        except (PackError, ClaimRefused) as exc:
            db.session.rollback()
            failed.append(f"{number}: {exc}")
            continue
        db.session.commit()
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
    from .claims.responses import import_responses
    from .plugin_engine import registry

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


# --- advances and settlements --------------------------------------------------------------


def _cli_staff():
    from .advances.services import Staff

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


@cli.group()
def advances():
    """Advances to sellers: the bank's payment run."""


@advances.command("export")
@click.option("-o", "--output", type=click.File("w", encoding="utf-8"), required=True, help="CSV to write.")
@with_appcontext
def advances_export(output):
    """Write the approved, unpaid advances as the bank run's payment file."""
    from .advances.files import approved_unpaid, payment_file

    waiting = approved_unpaid()
    output.write(payment_file(waiting))
    click.echo(f"{len(waiting)} advances to pay written to {output.name}")


@advances.command("import-payments")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def advances_import_payments(csv_file):
    """Mark advances paid from the bank's confirmations (advance, bank_reference, amount, currency)."""
    from .advances.files import import_payments

    report = import_payments(csv_file, _cli_staff())
    _print_file_report(csv_file.name, report)
    if report.unmatched or report.mismatched:
        sys.exit(1)


@cli.group()
def settlements():
    """Insurers' settlements of claims with an advance."""


@settlements.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def settlements_import(csv_file):
    """Book an insurer's payment report (claim_reference, amount, currency, date); lines that do not
    match are listed, not booked."""
    from .advances.files import import_settlements

    report = import_settlements(csv_file, _cli_staff())
    _print_file_report(csv_file.name, report)
    if report.unmatched or report.mismatched:
        sys.exit(1)
