"""Every PDF the desk makes is laid out here, by WeasyPrint, and nowhere else.

Documents are built from our templates and insurers' or carriers' templates filled with data that
sellers sent, so what a document may load is narrow: ``data:`` URLs (pictures of evidence are
embedded that way) and files in the project's static folder. ``file:`` URLs elsewhere and every
remote URL are refused, so a document can neither read the server's files nor call out.
The PDF's identifier is derived from the HTML: the same document gives the same bytes.

The documents the desk makes for insurers and sellers are bilingual, Chinese then English, whatever
the language of the person who asked for them: their labels are written ``{{ both('Order') }}``,
a msgid of the one catalog rendered in each language (so translators see one string, not two, and
the PDF's bytes do not depend on who made it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from flask_babel import force_locale, gettext

from . import PROJECT_ROOT

if TYPE_CHECKING:
    from weasyprint import Document

STATIC = (PROJECT_ROOT / "static").resolve()


#: Bilingual documents give each label in these languages, in this order.
DOCUMENT_LANGUAGES = ("zh_CN", "en")


def both(text: str, sep: str = " / ", **values) -> str:
    """``text`` (a msgid, with named placeholders) in Chinese and in English: ``交寄证明 / Delivery
    certificate``; once when the two read the same (a code, a name). A sentence is given ``sep="\n"``
    (one line each) rather than two languages run together."""
    said: list[str] = []
    for language in DOCUMENT_LANGUAGES:
        with force_locale(language):
            line = gettext(text, **values)
        if line not in said:
            said.append(line)
    return sep.join(said)


def both_names(value: object, sep: str = " / ") -> str:
    """A plugin's name or other text (contract ``Text``) in Chinese and in English, once when the
    two are the same: what a bilingual document prints, whoever makes it."""
    from .plugin_api.text import in_languages

    return in_languages(value, DOCUMENT_LANGUAGES, sep)


def allowed_url(url: str) -> bool:
    """Whether a document may load ``url``: a ``data:`` URL or a file under the static folder."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return True
    if scheme != "file" or parts.netloc not in ("", "localhost"):
        return False
    return Path(unquote(parts.path)).resolve().is_relative_to(STATIC)


@cache
def _fetcher():
    # WeasyPrint is imported here, not at start-up: most requests and commands make no PDF.
    from weasyprint.urls import URLFetcher

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not allowed_url(url):
                raise ValueError(f"{url[:80]}: a document may load data: URLs and the static folder only")
            return super().fetch(url, headers)

    return Fetcher(allowed_protocols=("data", "file"), allow_redirects=False)


def layout(html: str) -> Document:
    """The laid-out document (pages counted, then written with ``write``)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(STATIC), url_fetcher=_fetcher()).render()


def write(document: Document, html: str) -> bytes:
    """The PDF of a laid-out document, its identifier derived from the HTML it came from."""
    return document.write_pdf(pdf_identifier=hashlib.md5(html.encode()).hexdigest().encode())


def render_pdf(html: str) -> bytes:
    """HTML to PDF in one step."""
    return write(layout(html), html)


# --- a document's own language -------------------------------------------------------------


@contextmanager
def in_language(languages: Sequence[str]) -> Iterator[None]:
    """Render a document in the first of ``languages`` (its plugin's ``document_languages``),
    whatever the language of the agent who asked: the portal's words on it (gettext) and the
    plugins' texts (``Text``) both follow."""
    with force_locale(languages[0] if languages else "en"):
        yield


def document_words(languages: Sequence[str], message: str, **values) -> str:
    """One of the portal's phrases on a document, in each of the document's languages, joined by
    " / " (a bilingual document says it twice). Mark ``message`` with ``N_`` where it is written."""
    parts = []
    for language in languages or ("en",):
        with force_locale(language):
            parts.append(gettext(message, **values))
    return " / ".join(dict.fromkeys(parts))
