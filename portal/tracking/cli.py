"""``coverdesk tracking``: carriers' raw files, the stalled scan, the online sync."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..audit.services import Actor
from ..errors import Refused, fail
from ..extensions import db


@click.group()
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

    from ..plugin_engine import registry
    from .services import import_feed, report_lines

    content = Path(raw_file).read_bytes()
    from tqdm import tqdm

    bar = tqdm(unit="event", disable=quiet, file=sys.stderr, desc="importing")
    try:
        report = import_feed(registry(), carrier_code, content, source="file", actor=Actor.cli(), progress=bar.update)
    except Refused as exc:
        fail(str(exc))
    finally:
        bar.close()
    for line in report_lines(report, raw_file):
        click.echo(line)
    if report.problems:
        sys.exit(1)


@tracking.command("scan-stalled")
@click.option("--limit", default=20, show_default=True, help="How many to list.")
@with_appcontext
def tracking_scan_stalled(limit):
    """List parcels stalled by their carrier's threshold, most insured value first."""
    from ..clock import to_local, utcnow
    from .services import stalled_count, stalled_query

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

    from ..clock import to_local, utcnow
    from ..plugin_engine import registry
    from .sync import sync_all

    plugins = registry()
    if carrier_code is not None and plugins.carrier(carrier_code) is None:
        fail(f"unknown carrier {carrier_code!r} (known: {', '.join(sorted(plugins.carriers))})")
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
