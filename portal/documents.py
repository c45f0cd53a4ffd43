"""Every PDF the desk makes is laid out here, by WeasyPrint, and nowhere else.

Documents are built from our templates and insurers' or carriers' templates filled with data that
sellers sent, so what a document may load is narrow: ``data:`` URLs (pictures of evidence are
embedded that way) and files in the project's static folder. ``file:`` URLs elsewhere and every
remote URL are refused, so a document can neither read the server's files nor call out.
The PDF's identifier is derived from the HTML: the same document gives the same bytes.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from . import PROJECT_ROOT

if TYPE_CHECKING:
    from weasyprint import Document

STATIC = (PROJECT_ROOT / "static").resolve()


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
