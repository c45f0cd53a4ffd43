"""``coverdesk i18n``: the translators' round trip. ``extract`` collects every marked string of the
portal's code and templates into ``messages.pot``; ``update`` merges it into each language's
``messages.po`` (new strings arrive untranslated, never guessed from a similar one); ``compile``
builds the ``.mo`` files the desk reads (``make install`` runs it: compiled catalogs are not
committed); ``check`` fails while a string lacks its translation."""

from __future__ import annotations

import contextlib
import sys

import click

from . import PROJECT_ROOT
from .i18n import CONTRACT_LANGUAGE, LANGUAGES, TRANSLATIONS

TEMPLATE = TRANSLATIONS / "messages.pot"
MAPPING = PROJECT_ROOT / "babel.cfg"
#: The languages with a catalog: English is the source language, its catalog stays empty.
TRANSLATED = tuple(code for code in LANGUAGES if code != CONTRACT_LANGUAGE)


def pybabel(*argv: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "--quiet", *argv])


def catalog_locale(language: str) -> str:
    """The folder a language's catalog is in: Babel's full name for it (``zh_Hans_CN`` for
    zh_CN), which is the name Flask-Babel looks it up by."""
    from babel import Locale

    return str(Locale.parse(language))


def catalog_path(language: str):
    return TRANSLATIONS / catalog_locale(language) / "LC_MESSAGES" / "messages.po"


@click.group("i18n")
def i18n():
    """Extract, update, compile and check the interface's translations (README: for translators)."""


@i18n.command("extract")
def extract() -> None:
    """Collect the marked strings into portal/translations/messages.pot."""
    with contextlib.chdir(PROJECT_ROOT):  # locations in the catalog relative to the project
        pybabel(
            "extract",
            f"--mapping-file={MAPPING}",
            "--keyword=_l",
            "--keyword=N_",
            "--keyword=both",  # a bilingual document's label (portal/documents.py)
            "--add-location=file",
            "--sort-by-file",
            "--no-wrap",
            "--omit-header",
            f"--output-file={TEMPLATE}",
            ".",  # babel.cfg names the folders within it
        )
    click.echo(f"extracted into {TEMPLATE.relative_to(PROJECT_ROOT)}")


@i18n.command("update")
def update() -> None:
    """Merge messages.pot into each language's catalog (a new language's is started)."""
    for language in TRANSLATED:
        if not catalog_path(language).exists():
            pybabel(
                "init",
                f"--input-file={TEMPLATE}",
                f"--output-dir={TRANSLATIONS}",
                f"--locale={catalog_locale(language)}",
                "--no-wrap",
            )
        pybabel(
            "update",
            f"--input-file={TEMPLATE}",
            f"--output-dir={TRANSLATIONS}",
            f"--locale={catalog_locale(language)}",
            "--no-fuzzy-matching",
            "--ignore-obsolete",
            "--no-wrap",
        )
        click.echo(f"updated {catalog_path(language).relative_to(PROJECT_ROOT)}")


@i18n.command("compile")
def compile_catalogs() -> None:
    """Build the .mo files the desk reads from each language's catalog."""
    for language in TRANSLATED:
        pybabel(
            "compile",
            f"--input-file={catalog_path(language)}",
            f"--output-file={catalog_path(language).with_suffix('.mo')}",
            f"--locale={catalog_locale(language)}",
        )
    click.echo(f"compiled {', '.join(TRANSLATED)}")


@i18n.command("check")
def check() -> None:
    """Exit 1 naming every string without its translation."""
    missing = untranslated()
    for language, ids in missing.items():
        for msgid in ids:
            click.echo(f"{language}: not translated: {msgid!r}")
    sys.exit(1 if any(missing.values()) else 0)


def untranslated() -> dict[str, list[str]]:
    """Per language, the catalog's strings that have no translation (or only a fuzzy one)."""
    from babel.messages.pofile import read_po

    missing = {}
    for language in TRANSLATED:
        with catalog_path(language).open("rb") as handle:
            catalog = read_po(handle)
        missing[language] = [
            message.id if isinstance(message.id, str) else message.id[0]
            for message in catalog
            if message.id
            and (message.fuzzy or not (message.string if isinstance(message.string, str) else all(message.string)))
        ]
    return missing
