"""``coverdesk plugins``: what is loaded and what was skipped (``--strict`` fails on a skip), and
``coverdesk plugins new`` to start a carrier or insurer from a template that passes its own tests."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext


@click.group("plugins", invoke_without_command=True)
@click.option("--strict", is_flag=True, help="Exit 1 when any plugin was skipped (for deployments and CI).")
@click.option("--rules", is_flag=True, help="Also print each plugin's rules in readable form.")
@click.pass_context
def plugins(ctx, strict, rules):
    """Loaded plugins (origin, distribution, contract, failed calls) and the ones skipped, with the reason."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(plugins_list, strict=strict, rules=rules)


@with_appcontext
def plugins_list(strict: bool, rules: bool) -> None:
    from .clock import local_today
    from .plugin_engine import registry, rules_summary

    reg = registry()
    for kind, table in (("carrier", reg.carriers), ("insurer", reg.insurers)):
        for code, loaded in sorted(table.items()):
            plugin = loaded.raw
            origin = loaded.origin + (f" [{loaded.distribution}]" if loaded.distribution else "")
            line = f"{kind:<8} {code:<14} {plugin.name:<28} contract {plugin.contract:<5} {origin}"
            if loaded.failures:
                line += f" · {loaded.failures} failed calls, last: {loaded.last_failure}"
            click.echo(line)
            if rules:
                for rule in rules_summary(loaded, local_today()):
                    click.echo(f"    {rule}")
    for failure in reg.failures:
        click.echo(f"SKIPPED  {failure.origin}: {failure.message}", err=True)
    if strict and reg.failures:
        click.echo(f"{len(reg.failures)} plugin(s) skipped (--strict)", err=True)
        sys.exit(1)
