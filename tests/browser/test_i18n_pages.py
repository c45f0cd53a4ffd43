"""Every page is translated: a pseudo-locale run (each marked string shown as ⟦string⟧) over every
staff page in Chromium reports any visible text that is neither marked nor data; the Chinese pages
speak Chinese from the top bar down."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pycountry
import pytest
import sqlalchemy as sa
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal import PROJECT_ROOT
from portal.auth.access import ACCESS
from portal.demo.seed import load_demo
from portal.extensions import db
from portal.i18n import LANGUAGES, TRANSLATIONS
from tests.browser.pages import NOW, log_in, staff_pages
from tests.factories import ONE_DATABASE

pytestmark = pytest.mark.browser

OPEN, CLOSE = "⟦", "⟧"
WRAPPED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
#: Codes, numbers, amounts, times, identifiers, hashes and links: not words to translate
#: (PRG-2026-0917, USD 1,850.00, 14:30, UTC+08:00, order_no, stalled-scan, 8c800e7d…, otpauth://…).
CODE = re.compile(
    r"^(?:[A-Z0-9][A-Z0-9 ,.:/+\-_#×%\u00a0\u202f]*|[a-z0-9]+(?:[_-][a-z0-9]+)+|[0-9a-f]{8,}…?|[a-z]+://\S+)$"
)
PIECES = re.compile(r"\n|\t| · | \| | — | – |: |, | / |\(|\)|\[|\]| {2,}")
PRODUCT = {"Coverdesk"}

#: Documents shown on a page (``data-document``: a carrier's trace request) keep their plugin's
#: language; the rest of the page is the desk's.
VISIBLE_TEXT = """() => {
  let page = document.body.innerText;
  for (const element of document.querySelectorAll('[data-document]')) page = page.replace(element.innerText, ' ');
  const texts = [page];
  for (const element of document.querySelectorAll('[title], [placeholder], [aria-label], [alt]')) {
    for (const name of ['title', 'placeholder', 'aria-label', 'alt']) {
      const value = element.getAttribute(name);
      if (value && value.trim()) texts.push(value);
    }
  }
  for (const option of document.querySelectorAll('option')) texts.push(option.textContent);
  return texts.join('\\n');
}"""


def pseudo_catalog(folder: Path) -> Path:
    """English with every marked string wrapped in ⟦ ⟧ (placeholders kept), compiled where
    Flask-Babel looks for the ``en`` catalog."""
    with (TRANSLATIONS / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale="en")
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            catalog.add(message.id, tuple(f"{OPEN}{form}{CLOSE}" for form in message.id))
        else:
            catalog.add(message.id, f"{OPEN}{message.id}{CLOSE}")
    target = folder / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return folder


def literals(folder: Path) -> set[str]:
    """Every string written in plugins' code and the plugin contract: what plugins show is theirs
    to translate (tests/test_plugin_texts.py holds them to both languages), not the catalog's."""
    found = set()
    for path in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value.strip())
    return found


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value.strip()]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [text for item in value for text in strings_in(item)]
    return []


def data_strings() -> set[str]:
    """Every text held in the database (orders, sellers, scans, files, names, reports...): data, not UI."""
    found = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, sa.String | sa.Text | sa.JSON)]
        if not columns:
            continue
        for row in db.session.execute(sa.select(*columns)):
            found.update(text for value in row for text in strings_in(value))
    return found


def pieces(text: str) -> list[str]:
    return [piece.strip() for piece in PIECES.split(text) if piece and piece.strip()]


def words(piece: str, allowed: set[str]) -> bool:
    """Whether ``piece`` holds words that are neither data nor codes (data may share a line:
    "Pearl River Gadgets PRG001" is a seller's name and code side by side)."""
    if not LETTERS.search(piece) or CODE.match(piece) or piece in allowed:
        return False
    for known in sorted((text for text in allowed if len(text) > 2 and text in piece), key=len, reverse=True):
        piece = piece.replace(known, " ")
    return any(LETTERS.search(rest) and not CODE.match(rest) for rest in piece.split())


def unwrapped(text: str, allowed: set[str]) -> list[str]:
    """The visible pieces of ``text`` that are neither inside ⟦ ⟧, nor data, nor codes."""
    while WRAPPED.search(text):
        text = WRAPPED.sub(" ", text)
    return [piece for piece in pieces(text) if words(piece, allowed)]


@pytest.fixture
def app_config(app_config, tmp_path):
    folder = pseudo_catalog(tmp_path / "pseudo")
    return {**app_config, "BABEL_TRANSLATION_DIRECTORIES": f"{folder};{TRANSLATIONS}"}


def test_the_check_sees_unwrapped_words_and_lets_wrapped_text_data_and_codes_pass():
    text = (
        f"{OPEN}Order {OPEN}stalled{CLOSE} since 3 d{CLOSE}\nPRG-2026-0917 · USD 1,850.00\nPearl River Gadgets · Take"
    )

    assert unwrapped(text, {"Pearl River Gadgets"}) == ["Take"]
    assert unwrapped("Pearl River Gadgets PRG001 · stalled-scan · Seller", {"Pearl River Gadgets"}) == ["Seller"]


@ONE_DATABASE
def test_every_staff_page_shows_only_marked_text_and_data(app, strict_context, make_user):
    app.config["CLOCK"] = lambda: NOW
    load_demo(NOW)
    db.session.commit()
    pages = staff_pages(app)
    english = Locale.parse("en")
    allowed = {
        *data_strings(),
        *literals(PROJECT_ROOT / "plugins"),
        *literals(PROJECT_ROOT / "portal" / "plugin_api"),
        *english.territories.values(),  # country names: Babel's, in each language
        *english.currencies.values(),
        *(country.name for country in pycountry.countries),
        *LANGUAGES.values(),  # the language switch names each language in itself
        *PRODUCT,
    }
    allowed |= {piece for text in list(allowed) for piece in pieces(text)}
    problems: dict[str, list[str]] = {}

    anonymous = strict_context().new_page()
    anonymous.goto("/login")
    if found := unwrapped(anonymous.evaluate(VISIBLE_TEXT), allowed):
        problems["/login"] = found
    for role in ("agent", "supervisor", "admin"):
        user = make_user(f"{role}.pseudo", role)
        allowed |= {user.username, user.full_name}
        page = strict_context().new_page()
        log_in(page, f"{role}.pseudo")
        for endpoint, urls in sorted(pages.items()):
            if role not in ACCESS[endpoint]:
                continue
            for url in urls:
                page.goto(url)
                if found := unwrapped(page.evaluate(VISIBLE_TEXT), allowed):
                    problems.setdefault(url, [])
                    problems[url] += [text for text in found if text not in problems[url]]
        page.context.close()

    assert not problems, "visible text not marked for translation:\n" + "\n".join(
        f"{url}: {texts}" for url, texts in sorted(problems.items())
    )
