"""``coverdesk plugins``: what is loaded and what was skipped (``--strict`` fails on a skip), and
``coverdesk plugins new`` to start a carrier or insurer from a template that passes its own tests."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext


@click.group("plugins", invoke_without_command=True)
@click.option("--strict", is_flag=True, help="Exit 1 when any plugin was skipped (for deployments and CI).")
@click.option("--rules", is_flag=True, help="Also print each plugin's rules in readable form.")
@click.pass_context
def plugins(ctx, strict, rules):
    """Loaded plugins (origin, distribution, contract, languages, failed calls) and the ones skipped, with the reason."""
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
            languages = ", ".join(loaded.languages) + (" (one language)" if len(loaded.languages) == 1 else "")
            line = f"{kind:<8} {code:<14} {plugin.name:<28} languages {languages:<17} contract {plugin.contract:<5} {origin}"
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


@plugins.command("new")
@click.argument("kind", type=click.Choice(["carrier", "insurer"]))
@click.argument("code")
@click.option("--name", default="", help="The name shown to people (default: from the code).")
@click.option(
    "--dist",
    "dist_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write it as its own distribution coverdesk-CODE in this folder, instead of into the plugins folder.",
)
@with_appcontext
def plugins_new(kind, code, name, dist_dir):
    """Write a new carrier or insurer plugin that loads and passes its own tests."""
    from flask import current_app

    from .plugin_scaffold import ScaffoldError, scaffold

    try:
        written = scaffold(
            kind, code, plugins_dir=Path(current_app.config["PLUGINS_DIR"]), dist_dir=dist_dir, name=name
        )
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written.files:
        click.echo(f"wrote {path}")
    if dist_dir:
        click.echo(
            f"next: pip install -e {written.root}  (then `coverdesk plugins` lists it) and pytest {written.root}"
        )
    else:
        click.echo(f"next: pytest {written.root}; restart the portal and `coverdesk plugins` lists it")
