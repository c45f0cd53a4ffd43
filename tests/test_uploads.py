"""Upload checks and the content-addressed store, with real files of each kind."""

from __future__ import annotations

import io
import threading
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from portal.plugin_testing import render_pdf
from portal.storage import FileStore
from portal.uploads import UploadRefused, check_upload, display_name

MB = 1024 * 1024


def image_bytes(kind: str, size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, kind)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return render_pdf("<p>Carrier letter</p>")


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A real PNG whose header is rewritten to claim ``width`` x ``height`` (CRC fixed): a bomb."""
    import struct
    import zlib

    data = bytearray(image_bytes("PNG", (1, 1)))
    header = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


@pytest.mark.parametrize("kind, media_type, extension", [
    ("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")])
def test_images_are_recognised_by_content_whatever_their_name(kind, media_type, extension):
    checked = check_upload(image_bytes(kind), "screenshot.pdf", 20 * MB)
    assert (checked.media_type, checked.extension, checked.width, checked.height) == (media_type, extension, 40, 30)
    assert checked.display_name == "screenshot.pdf" and len(checked.sha256) == 64


def test_a_pdf_is_recognised_and_its_pages_counted():
    checked = check_upload(pdf_bytes(), "letter", 20 * MB)
    assert checked.media_type == "application/pdf" and checked.pages == 1


@pytest.mark.parametrize("make, name, reason", [
    (lambda: b"", "empty.png", "empty.png: the file is empty"),
    (lambda: image_bytes("GIF"), "anim.gif", "looks like image/gif (gif); evidence must be PDF, PNG, JPEG or WebP"),
    (lambda: _zip(), "letter.pdf", "letter.pdf: it looks like application/zip"),
    (lambda: b"<html><script>alert(1)</script></html>", "photo.png", "photo.png: its type is not recognised"),
    (lambda: encrypted_pdf(), "locked.pdf", "password-protected"),
    (lambda: pdf_bytes()[:400], "cut.pdf", "the PDF is damaged"),
    (lambda: image_bytes("JPEG", (400, 300))[:600], "cut.jpg", "damaged or truncated"),
    (lambda: png_claiming(100_000, 100_000), "bomb.png", "more than the 50,000,000 pixels allowed"),
    (lambda: png_claiming(8_000, 8_000), "big.png", "8000 × 8000 pixels is more than the 50,000,000 pixels allowed"),
])
def test_refused_files_say_why(make, name, reason):
    with pytest.raises(UploadRefused) as refused:
        check_upload(make(), name, 20 * MB)
    assert reason in str(refused.value)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "hello")
    return buffer.getvalue()


def test_the_size_limit_names_the_limit():
    with pytest.raises(UploadRefused, match=r"big.pdf: 2.0 MB is over the limit of 1 MB"):
        check_upload(pdf_bytes() + b"\0" * (2 * MB), "big.pdf", 1 * MB)


@pytest.mark.parametrize("given, shown", [
    ("../../etc/passwd.png", "passwd.png"), ("C:\\Users\\li\\照片.png", "照片.png"), ("bad\x00name\n.pdf", "badname.pdf"),
    ("", "document"), (".hidden", "hidden"), ("x" * 300 + ".pdf", "x" * 110 + ".pdf")])
def test_display_names_are_never_paths(given, shown):
    assert display_name(given) == shown


def test_the_store_is_content_addressed_and_atomic(tmp_path):
    store = FileStore(tmp_path / "files")
    first = store.put(b"letter")
    again = store.put(b"letter")
    assert not first.existed and again.existed and first.path == again.path
    assert first.path.relative_to(tmp_path / "files").parts == (first.sha256[:2], first.sha256[2:4], first.sha256)
    assert store.read(first.sha256) == b"letter" and store.exists(first.sha256)
    for bad in ("../x", first.sha256.upper(), "a" * 63, "/etc/passwd"):
        with pytest.raises(ValueError):
            store.path(bad)


def test_concurrent_puts_of_the_same_content_leave_one_whole_file(tmp_path):
    store, data = FileStore(tmp_path), b"x" * (2 * MB)
    threads = [threading.Thread(target=store.put, args=(data,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].read_bytes() == data


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    store = FileStore(tmp_path)

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr("portal.storage.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.put(b"half")
    assert [p for p in Path(tmp_path).rglob("*") if p.is_file()] == []


def test_letter_text_comes_out_of_a_pdf_or_the_reason_why_not():
    from portal.pdf_text import PdfUnreadable, extract_text
    from portal.plugin_testing import scanned_pdf

    assert "Carrier letter" in extract_text(pdf_bytes())
    assert extract_text(scanned_pdf()) == ""  # a scan: the agent types the fields
    for data, reason in ((encrypted_pdf(), "password-protected"), (b"hello", "not a PDF"),
                         (pdf_bytes()[:300], "damaged")):
        with pytest.raises(PdfUnreadable, match=reason):
            extract_text(data)
