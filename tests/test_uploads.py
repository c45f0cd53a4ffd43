"""Upload checks with real files of each kind (Pillow, WeasyPrint, pypdf, zipfile), the upload
settings, and the 413 answer to a request over the limit."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import time
import warnings
import zipfile
import zlib

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter

from portal.config import load_config
from portal.plugin_testing import render_pdf
from portal.uploads import DEFAULT_MAX_PIXELS, UploadRefused, check_upload, display_name, megabytes

MB = 1024 * 1024


def image_bytes(kind: str, size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    with Image.new("RGB", size, (200, 30, 30)) as image:
        image.save(buffer, kind)
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    return render_pdf("<p>Carrier letter</p>")  # weasyprint.HTML(string=...).write_pdf()


def encrypted_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes())))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose header is rewritten to claim ``width`` × ``height`` (CRC fixed): a bomb."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    header = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("letter.pdf", "not really")
    return buffer.getvalue()


# --- accepted -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, media_type, extension",
    [("PNG", "image/png", "png"), ("JPEG", "image/jpeg", "jpg"), ("WEBP", "image/webp", "webp")],
)
def test_images_are_recognised_by_content_whatever_their_name(kind, media_type, extension):
    data = image_bytes(kind)
    checked = check_upload(data, "screenshot.pdf", 20 * MB)
    assert (checked.media_type, checked.extension, checked.width, checked.height) == (media_type, extension, 40, 30)
    assert checked.display_name == "screenshot.pdf"
    assert checked.sha256 == hashlib.sha256(data).hexdigest() and checked.size == len(data)
    assert checked.content == data and checked.pages is None


def test_a_pdf_is_recognised_and_its_pages_counted():
    data = render_pdf('<p>Page one</p><p style="break-before: page">Page two</p>')
    checked = check_upload(data, "letter", 20 * MB)
    assert (checked.media_type, checked.extension, checked.pages, checked.width) == ("application/pdf", "pdf", 2, None)
    assert checked.display_name == "letter"


def test_a_file_object_is_read_as_well_as_bytes(tmp_path):
    data = image_bytes("PNG")
    path = tmp_path / "photo.png"
    path.write_bytes(data)
    with path.open("rb") as stream:
        from_file = check_upload(stream, "photo.png", 20 * MB)
    assert from_file == check_upload(io.BytesIO(data), "photo.png", 20 * MB) == check_upload(data, "photo.png", 20 * MB)
    assert from_file.content == data


def test_a_large_stream_is_read_no_further_than_just_past_the_limit():
    class Counting(io.BytesIO):
        taken = 0

        def read(self, size=-1):
            chunk = super().read(size)
            self.taken += len(chunk)
            return chunk

    stream = Counting(b"\0" * (3 * MB))
    with pytest.raises(UploadRefused, match=r"^huge.png: the file is over the limit of 1 MB$"):
        check_upload(stream, "huge.png", 1 * MB)
    assert stream.taken == 1 * MB + 1


def test_the_check_itself_makes_pillows_bomb_warning_an_error_and_only_for_itself():
    """10,000 × 10,000 is over Pillow's own warning limit (89.5 MP) but not over its error limit:
    Pillow only warns. Allowed 200 MP here, the check must still refuse it, whatever the
    process's warning filters are, and leave those filters as they were."""
    bomb = png_claiming(10_000, 10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = list(warnings.filters)
        with pytest.raises(UploadRefused, match="more than the 200,000,000 pixels allowed"):
            check_upload(bomb, "bomb.png", 20 * MB, max_pixels=200_000_000)
        assert warnings.filters == before


def test_a_bomb_is_refused_from_its_header_without_decoding():
    bomb = png_claiming(100_000, 100_000)  # 10^10 pixels: 30 GB as RGB if it were decoded
    started = time.perf_counter()
    with pytest.raises(
        UploadRefused, match=r"^bomb.png: .*more than the 50,000,000 pixels allowed \(a decompression bomb\?\)$"
    ):
        check_upload(bomb, "bomb.png", 20 * MB)
    # Pillow's own hard limit also holds when the configured limit is above it.
    with pytest.raises(UploadRefused, match="decompression bomb"):
        check_upload(bomb, "bomb.png", 20 * MB, max_pixels=10**12)
    assert time.perf_counter() - started < 1  # nothing was decoded (or allocated: it would not fit)


def test_the_pixel_limit_is_inclusive_and_configurable():
    exactly = image_bytes("PNG", (100, 50))
    assert check_upload(exactly, "a.png", MB, max_pixels=5_000).width == 100
    with pytest.raises(UploadRefused, match=r"100 × 50 pixels is more than the 4,999 pixels allowed"):
        check_upload(exactly, "a.png", MB, max_pixels=4_999)


# --- refused --------------------------------------------------------------------------------

ACCEPTED = "; evidence must be PDF, PNG, JPEG or WebP"


@pytest.mark.parametrize(
    "make, name, reason",
    [
        (lambda: b"", "empty.png", "empty.png: the file is empty"),
        (lambda: image_bytes("GIF"), "anim.gif", "anim.gif: it looks like image/gif (a GIF image)" + ACCEPTED),
        (lambda: image_bytes("BMP"), "scan.jpg", "scan.jpg: it looks like image/bmp (a BMP image)" + ACCEPTED),
        (zip_bytes, "letter.pdf", "letter.pdf: it looks like application/zip (a ZIP archive)" + ACCEPTED),
        (
            lambda: b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "photo.png",
            "photo.png: it looks like text/html (an HTML page)" + ACCEPTED,
        ),
        (
            lambda: b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "logo.png",
            "logo.png: it looks like image/svg+xml (an SVG image)" + ACCEPTED,
        ),
        (
            lambda: "订单号 4PX3000000000001CN\n".encode(),
            "note.pdf",
            "note.pdf: it looks like text/plain (a text file)" + ACCEPTED,
        ),
        (
            lambda: b"\x7fELF" + bytes(range(1, 256)) * 4,
            "tool.png",
            "tool.png: it looks like application/x-executable (an ELF program)" + ACCEPTED,
        ),
        (lambda: bytes(range(1, 256)) * 4, "blob.webp", "blob.webp: its type is not recognised" + ACCEPTED),
        (encrypted_pdf, "locked.pdf", "locked.pdf: the PDF is password-protected"),
        (lambda: pdf_bytes()[:400], "cut.pdf", "cut.pdf: the PDF is damaged and cannot be read"),
        (lambda: b"\xef\xbb\xbf" + pdf_bytes(), "bom.pdf", "bom.pdf: the PDF is damaged: it does not start with %PDF-"),
        (lambda: b"%PDF-1.7\n" + b"\0" * 200, "fake.pdf", "fake.pdf: the PDF is damaged and cannot be read"),
        (lambda: image_bytes("JPEG", (400, 300))[:600], "cut.jpg", "cut.jpg: the image is damaged or truncated"),
        (lambda: image_bytes("PNG", (400, 300))[:-40], "cut.png", "cut.png: the image is damaged or truncated"),
        (lambda: image_bytes("PNG")[:8] + b"\0" * 100, "head.png", "head.png: the image is damaged or truncated"),
        (lambda: png_claiming(8_000, 8_000), "big.png", "big.png: 8000 × 8000 pixels is more than the 50,000,000"),
    ],
)
def test_refused_files_say_which_and_why(make, name, reason):
    with pytest.raises(UploadRefused) as refused:
        check_upload(make(), name, 20 * MB)
    assert reason in str(refused.value)


def noisy_image(kind: str) -> bytes:
    """A photo-like image (random pixels), so the picture data is most of the file."""
    buffer = io.BytesIO()
    with Image.frombytes("RGB", (300, 200), os.urandom(300 * 200 * 3)) as image:
        image.save(buffer, kind)
    return buffer.getvalue()


def test_weasyprint_makes_pillow_accept_truncated_images_process_wide():
    """Why the check watches for the end of the file itself (see the next test)."""
    import weasyprint  # noqa: F401
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


@pytest.mark.parametrize("load_truncated", [False, True], ids=["pillow-default", "after-weasyprint"])
@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_an_image_cut_short_anywhere_is_refused_whatever_pillows_global_setting(kind, load_truncated, monkeypatch):
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", load_truncated)
    data = noisy_image(kind)
    assert check_upload(data, "photo", 20 * MB).size == len(data)
    # Bytes after the end are allowed: phones append a video to a "motion photo" JPEG.
    assert check_upload(data + b"\0\0\0\x18ftypmp42" * 50, "motion", 20 * MB).width == 300
    for cut in (len(data) // 2, len(data) * 9 // 10, len(data) - 2, len(data) - 1):
        with pytest.raises(UploadRefused, match=r"^photo: the image is damaged or truncated"):
            check_upload(data[:cut], "photo", 20 * MB)


def test_a_thumbnails_end_marker_does_not_count_as_the_photos():
    """Cameras put a whole small JPEG (with its own end marker) in the EXIF segment."""
    thumbnail, photo = image_bytes("JPEG", (16, 16)), noisy_image("JPEG")
    exif = b"Exif\0\0" + thumbnail
    data = photo[:2] + b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif + photo[2:]
    assert check_upload(data, "camera.jpg", 20 * MB).width == 300
    with pytest.raises(UploadRefused, match="^camera.jpg: the image is damaged or truncated"):
        check_upload(data[:-2], "camera.jpg", 20 * MB)


def test_a_file_whose_signature_and_body_disagree_is_refused():
    """PNG's signature in front of a JPEG: the decoder must be the one the signature names."""
    with pytest.raises(UploadRefused, match="damaged or truncated"):
        check_upload(image_bytes("PNG")[:16] + image_bytes("JPEG"), "odd.png", 20 * MB)


@pytest.mark.parametrize(
    "size, limit, message",
    [
        (2 * MB, 1 * MB, "big.pdf: 2 MB is over the limit of 1 MB"),
        (MB * 3 // 2 + 1, 3 * MB // 2, "big.pdf: 1.5 MB is over the limit of 1.5 MB"),
        (21 * MB, 20 * MB, "big.pdf: 21 MB is over the limit of 20 MB"),
    ],
)
def test_the_size_limit_is_said_in_megabytes(size, limit, message):
    data = pdf_bytes()
    data += b"\0" * (size - len(data))
    with pytest.raises(UploadRefused) as refused:
        check_upload(data, "big.pdf", limit)
    assert str(refused.value) == message
    assert check_upload(data, "big.pdf", size).size == size  # exactly at the limit is allowed


def test_megabytes():
    assert [megabytes(n) for n in (20 * MB, 3 * MB // 2, MB // 4, 1000)] == ["20 MB", "1.5 MB", "0.25 MB", "0 MB"]


@pytest.mark.parametrize(
    "given, shown",
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("C:\\Users\\li\\照片.png", "照片.png"),
        ("照片.png", "照片.png"),
        ("bad\x00name\n.pdf", "badname.pdf"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),  # a right-to-left override would show "exe.png"
        ("", "document"),
        (".hidden", "hidden"),
        ("..", "document"),
        ("dir/", "dir"),
        ("  a b.pdf  ", "a b.pdf"),
        ("x" * 300 + ".pdf", "x" * 110 + ".pdf"),
        ("y" * 300, "y" * 120),
    ],
)
def test_display_names_are_never_paths(given, shown):
    assert display_name(given) == shown


def test_the_display_name_travels_with_the_check_and_nothing_else_uses_it():
    checked = check_upload(image_bytes("PNG"), "../../etc/passwd.png", 20 * MB)
    assert checked.display_name == "passwd.png" and checked.extension == "png"


# --- settings and the 413 answer ------------------------------------------------------------


def test_upload_settings_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("COVERDESK_MAX_UPLOAD_MB", raising=False)
    monkeypatch.delenv("COVERDESK_MAX_UPLOAD_PIXELS", raising=False)
    monkeypatch.delenv("COVERDESK_EVIDENCE_DIR", raising=False)
    config = load_config(tmp_path)
    assert config["UPLOAD_MAX_BYTES"] == 20 * MB and config["MAX_UPLOAD_MB"] == 20
    assert config["UPLOAD_MAX_PIXELS"] == DEFAULT_MAX_PIXELS
    assert config["MAX_CONTENT_LENGTH"] > config["UPLOAD_MAX_BYTES"]  # room for the form's other fields
    assert config["EVIDENCE_DIR"] == str((tmp_path / "evidence").resolve())
    monkeypatch.setenv("COVERDESK_MAX_UPLOAD_MB", "5")
    monkeypatch.setenv("COVERDESK_MAX_UPLOAD_PIXELS", "1000000")
    config = load_config(tmp_path)
    assert (config["UPLOAD_MAX_BYTES"], config["UPLOAD_MAX_PIXELS"]) == (5 * MB, 1_000_000)
    assert 5 * MB < config["MAX_CONTENT_LENGTH"] <= 6 * MB


def test_an_api_request_over_the_limit_gets_json_413_naming_it(app, api):
    body = b"{" + b" " * app.config["MAX_CONTENT_LENGTH"] + b"}"
    response = api.post("/api/v1/orders", data=body, content_type="application/json")
    assert response.status_code == 413 and response.is_json
    assert "upload limit of 20 MB" in response.get_json()["error"]


def test_a_request_just_under_the_limit_is_read(app, api):
    from portal.inputs import MAX_JSON_BYTES  # JSON has its own, smaller limit

    body = b"[" + b" " * (MAX_JSON_BYTES - 2) + b"]"
    response = api.post("/api/v1/orders", data=body, content_type="application/json")
    assert response.status_code == 422 and "must be a JSON object" in response.get_json()["error"]
    response = api.post("/api/v1/orders", data=body + b" ", content_type="application/json")
    assert response.status_code == 413


def test_a_page_request_over_the_limit_gets_the_error_page_naming_it(app, client):
    response = client.post("/login", data={"username": "x" * app.config["MAX_CONTENT_LENGTH"], "password": "y"})
    assert response.status_code == 413 and response.mimetype == "text/html"
    assert "upload limit of 20 MB" in response.get_data(as_text=True)


def test_letter_text_comes_out_of_a_pdf_or_the_reason_why_not():
    from portal.pdf_text import PdfUnreadable, extract_text
    from portal.plugin_testing import scanned_pdf

    assert "Carrier letter" in extract_text(pdf_bytes())
    assert extract_text(scanned_pdf()) == ""  # a scan: the agent types the fields
    for data, reason in (
        (encrypted_pdf(), "password-protected"),
        (b"hello", "not a PDF"),
        (pdf_bytes()[:300], "damaged"),
    ):
        with pytest.raises(PdfUnreadable, match=reason):
            extract_text(data)


def test_a_stream_that_returns_short_reads_is_read_to_its_end():
    class Trickle(io.BytesIO):
        def read(self, size=-1):
            return super().read(min(size, 1000) if size and size > 0 else size)

    data = noisy_image("PNG")
    assert len(data) > 100_000 and check_upload(Trickle(data), "slow.png", 20 * MB).content == data
    with pytest.raises(UploadRefused, match="over the limit of 0.01 MB"):
        check_upload(Trickle(b"\0" * 20_000), "slow.png", 10_486)
