"""``coverdesk orders``: the CSV import."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..audit.services import Actor
from ..errors import fail, unit_of_work


@click.group()
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
    from ..plugin_engine import registry
    from .importer import ImportFileError, import_orders, report_lines

    with open(csv_file, "rb") as counter:
        total = max(sum(1 for _ in counter) - 1, 0)
    from tqdm import tqdm

    bar = tqdm(total=total, unit="row", disable=quiet, file=sys.stderr, desc="importing")
    try:
        with open(csv_file, encoding="utf-8-sig", newline="") as stream, unit_of_work():
            # Big files: a second process checks rows while this one writes.
            report = import_orders(
                registry(), stream, Actor.cli(), progress=bar.update, processes=1 if total >= PARALLEL_FROM_ROWS else 0
            )
    except ImportFileError as exc:
        fail(f"{csv_file}: {exc}")
    finally:
        bar.close()
    for line in report_lines(report):
        click.echo(line)
    if report.errors:
        sys.exit(1)
