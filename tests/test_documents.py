"""Every PDF is laid out by ``portal.documents``: what a document may load, read back from real PDFs."""

from __future__ import annotations

import base64
import io

from pypdf import PdfReader

from portal import PROJECT_ROOT
from portal.documents import allowed_url, render_pdf


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def stylesheet_saying(word: str) -> str:
    return f'body::after {{ content: "{word}"; }}'


def test_a_data_url_is_loaded():
    css = base64.b64encode(stylesheet_saying("EMBEDDED").encode()).decode()
    pdf = render_pdf(f'<link rel="stylesheet" href="data:text/css;base64,{css}"><p>Letter</p>')

    assert "EMBEDDED" in text_of(pdf) and "Letter" in text_of(pdf)


def test_a_file_outside_the_static_folder_is_not_read(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text(stylesheet_saying("LEAKED"))

    pdf = render_pdf(f'<link rel="stylesheet" href="{secret.as_uri()}"><p>Letter</p>')

    assert "Letter" in text_of(pdf) and "LEAKED" not in text_of(pdf)


def test_a_path_that_climbs_out_of_the_static_folder_is_refused(tmp_path):
    climbing = (PROJECT_ROOT / "static").as_uri() + "/../pyproject.toml"

    assert not allowed_url(climbing)
    assert not allowed_url("file:///etc/passwd")
    assert not allowed_url("file://evil.example/static/x.css")


def test_remote_urls_are_refused_without_a_request():
    # An address nothing listens on: a fetch would fail too, so the test asserts the refusal itself.
    for url in ("http://127.0.0.1:9/x.css", "https://example.com/x.png", "ftp://example.com/x"):
        assert not allowed_url(url)
    pdf = render_pdf('<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p>Letter</p>')
    assert "Letter" in text_of(pdf)


def test_the_static_folder_and_data_urls_are_allowed():
    assert allowed_url((PROJECT_ROOT / "static" / "css" / "coverdesk.css").as_uri())
    assert allowed_url("data:image/png;base64,iVBORw0KGgo=")


def test_the_same_html_gives_the_same_bytes():
    html = "<h1>Trace request</h1><p>Parcel LX123</p>"

    assert render_pdf(html) == render_pdf(html)
