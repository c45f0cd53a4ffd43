"""Checks every uploaded document passes before it is stored: size, type by content, image safety.

The type is read from the bytes (the ``filetype`` library's signatures, plus a look for HTML, SVG,
XML and plain text, which it does not know), never from the file name or the browser's content
type. A PDF must start with ``%PDF-`` and open with pypdf, unencrypted. An image is opened with
Pillow, restricted to the format its bytes claim, and refused over the pixel limit from its header
alone, before a pixel is decoded (a decompression bomb); then it is decoded in full, so a truncated
or damaged image is refused too.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, BinaryIO

from flask_babel import gettext as _

from .errors import Refused
from .pdf_text import PdfUnreadable, open_pdf

if TYPE_CHECKING:
    from pypdf import PdfReader

# filetype, Pillow and pypdf are imported where a file is checked: a CLI command that checks no
# upload should not pay for them at start-up.

#: What evidence may be: media type -> extension kept with the file.
ACCEPTED = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
ACCEPTED_NAMES = "PDF, PNG, JPEG or WebP"
DEFAULT_MAX_PIXELS = 50_000_000
#: Pages one uploaded PDF may have (a 20,000-page "page bomb" of 2.5 MB would hold a worker for
#: half an hour when the pack appends it).
DEFAULT_MAX_PAGES = 100
#: PDF objects walked looking for active content; a document with more is refused as too complex.
MAX_PDF_OBJECTS = 200_000
DISPLAY_NAME_LENGTH = 120

#: Pillow's format for each accepted image type: the decoder must agree with the signature.
_PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}

#: How refused types are named to people; others are named by media type and extension.
_LOOKS_LIKE = {
    "application/zip": "a ZIP archive",
    "application/x-rar-compressed": "a RAR archive",
    "application/x-7z-compressed": "a 7-Zip archive",
    "application/gzip": "a gzip archive",
    "application/x-tar": "a tar archive",
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "an ELF program",
    "application/msword": "a Word .doc document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word .docx document",
    "application/vnd.ms-excel": "an Excel .xls workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "an Excel .xlsx workbook",
    "application/rtf": "an RTF document",
    "application/postscript": "a PostScript file",
    "image/gif": "a GIF image",
    "image/apng": "an animated PNG",
    "image/bmp": "a BMP image",
    "image/tiff": "a TIFF image",
    "image/heic": "an iPhone HEIC photo",
    "image/avif": "an AVIF image",
    "image/x-icon": "an icon file",
    "image/vnd.adobe.photoshop": "a Photoshop file",
    "video/mp4": "an MP4 video",
    "video/quicktime": "a QuickTime video",
}


class UploadRefused(Refused):
    """The file cannot be taken; the message names the file and the reason."""

    def __init__(self, reason: str, field: str = "file"):
        super().__init__(field, reason)


@dataclass(frozen=True)
class CheckedUpload:
    sha256: str
    size: int
    media_type: str
    extension: str  # from the content, never from the name
    display_name: str  # the sender's name for it, cleaned, for people only: never a path
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    content: bytes = field(default=b"", repr=False, compare=False)  # the checked bytes, ready to store


def display_name(filename: str, fallback: str = "document") -> str:
    """The file's own name without folders or control characters (e.g. 照片.png stays),
    at most ``DISPLAY_NAME_LENGTH`` characters with its extension kept."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    name = name.lstrip(".").strip() or fallback
    if len(name) > DISPLAY_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        keep = DISPLAY_NAME_LENGTH - 10
        name = (stem[:keep] + dot + ext) if dot and stem and len(ext) <= 9 else name[:DISPLAY_NAME_LENGTH]
    return name


def megabytes(size: int) -> str:
    """``20 MB``, ``1.5 MB``, ``0.25 MB``: a limit as people say it (MB of 1024 × 1024 bytes)."""
    value = size / 1024 / 1024
    return f"{value:.2f}".rstrip("0").rstrip(".") + " MB"


def download_name(name: str, extension: str) -> str:
    """The name a stored document is downloaded under: the sender's name without control or bidi
    characters (a right-to-left override cannot make ``gpj.exe`` look like ``exe.jpg``), ending in
    the extension of the type found in its bytes, never the one it came with."""
    name = display_name(name)
    stem, dot, _ext = name.rpartition(".")
    return f"{(stem if dot and stem else name).rstrip('. ') or 'document'}.{extension}"


def check_upload(
    data: bytes | bytearray | memoryview | BinaryIO,
    filename: str,
    max_bytes: int,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> CheckedUpload:
    """Check ``data`` (bytes, or a binary file object read from where it stands) as evidence.

    Returns the facts and the bytes to store; raises ``UploadRefused`` naming the file and the
    reason. A file object is read no further than one byte past ``max_bytes``."""
    name = display_name(filename)
    data = _read(data, name, max_bytes)
    if not data:
        raise UploadRefused(_("%(name)s: the file is empty", name=name))
    if len(data) > max_bytes:
        raise UploadRefused(
            _(
                "%(name)s: %(size)s is over the limit of %(limit)s",
                name=name,
                size=megabytes(len(data)),
                limit=megabytes(max_bytes),
            )
        )
    import filetype

    kind = filetype.guess(data)
    media_type = kind.mime if kind else None
    if media_type not in ACCEPTED:
        raise UploadRefused(
            _(
                "%(name)s: %(looks)s; evidence must be %(accepted)s",
                name=name,
                looks=_looks_like(data, kind),
                accepted=ACCEPTED_NAMES,
            )
        )
    if media_type == "application/pdf":
        facts = _check_pdf(data, name, max_pages)
    else:
        facts = _check_image(data, name, media_type, max_pixels)
    return CheckedUpload(
        hashlib.sha256(data).hexdigest(), len(data), media_type, ACCEPTED[media_type], name, content=data, **facts
    )


def _read(data, name: str, max_bytes: int) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if not hasattr(data, "read"):
        raise TypeError(f"check_upload takes bytes or a binary file object, not {type(data).__name__}")
    parts, taken = [], 0
    while taken <= max_bytes:  # a raw stream may return less than asked before its end
        part = data.read(max_bytes + 1 - taken)
        if not isinstance(part, bytes):
            raise TypeError("check_upload needs a file opened in binary mode")
        if not part:
            break
        parts.append(part)
        taken += len(part)
    content = b"".join(parts)
    if len(content) > max_bytes:
        raise UploadRefused(
            _("%(name)s: the file is over the limit of %(limit)s", name=name, limit=megabytes(max_bytes))
        )
    return content


def _looks_like(data: bytes, kind) -> str:
    """What a refused file seems to be, e.g. ``it looks like application/zip (a ZIP archive)``."""
    if kind is not None:
        return _(
            "it looks like %(type)s (%(what)s)", type=kind.mime, what=_LOOKS_LIKE.get(kind.mime, "." + kind.extension)
        )
    head = data[:1024].lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html")) or any(tag in head for tag in (b"<script", b"<body", b"<head")):
        return _("it looks like text/html (an HTML page)")
    if b"<svg" in head:
        return _("it looks like image/svg+xml (an SVG image)")
    if head.startswith(b"<?xml"):
        return _("it looks like application/xml (an XML document)")
    sample = data[:4096]
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 3:  # not merely a character cut at the end of the sample
            return _("its type is not recognised")
    return _("it looks like text/plain (a text file)") if b"\0" not in sample else _("its type is not recognised")


def _check_pdf(data: bytes, name: str, max_pages: int = DEFAULT_MAX_PAGES) -> dict:
    try:
        with open_pdf(data) as reader:
            declared = reader.trailer["/Root"]["/Pages"].get("/Count", 0)
            if isinstance(declared, int) and declared > max_pages:  # before walking a page bomb's tree
                raise UploadRefused(
                    _(
                        "%(name)s: the PDF has %(pages)s pages; at most %(limit)s are accepted",
                        name=name,
                        pages=format(declared, ","),
                        limit=format(max_pages, ","),
                    )
                )
            pages = len(reader.pages)
            active = active_content(reader)
    except PdfUnreadable as exc:
        reason = {
            "not_pdf": _("the PDF is damaged: it does not start with %(marker)s", marker="%PDF-"),
            "encrypted": _("the PDF is password-protected; ask for an unprotected copy"),
        }.get(exc.problem, str(exc))
        raise UploadRefused(f"{name}: {reason}") from None
    if pages == 0:
        raise UploadRefused(_("%(name)s: the PDF has no pages", name=name))
    if pages > max_pages:
        raise UploadRefused(
            _(
                "%(name)s: the PDF has %(pages)s pages; at most %(limit)s are accepted",
                name=name,
                pages=format(pages, ","),
                limit=format(max_pages, ","),
            )
        )
    if active:
        raise UploadRefused(
            _(
                "%(name)s: the PDF carries active content (%(what)s), which evidence may not; "
                "print it to a new PDF or scan it, and upload that",
                name=name,
                what=", ".join(active),
            )
        )
    return {"pages": pages}


#: Action types that run something, and what they are called in a refusal.
_ACTIVE_ACTIONS = {
    "/JavaScript": "JavaScript",
    "/Launch": "a launch action (starts a program)",
    "/ImportData": "an import-data action",
    "/SubmitForm": "a form that submits itself to an address",
    "/Rendition": "a media rendition action",
    "/RichMediaExecute": "rich media (Flash)",
}


def active_content(reader: PdfReader) -> list[str]:
    """What in the PDF can run or carry other files: JavaScript anywhere (document names, an
    /OpenAction, /AA additional actions of the document, pages, annotations or form fields),
    launch and similar actions, embedded files and file attachments, XFA forms, rich media.

    Decision: such a PDF is refused, not sanitised. Evidence is a record the insurer reads as
    sent; a rewritten copy would no longer be the sender's document (and its hash would differ
    from the one they keep), and no carrier letter, invoice or screenshot needs any of it. Plain
    form fields and links stay allowed."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    found: dict[str, None] = {}
    seen: set[int] = set()
    stack = [reader.trailer["/Root"]]
    walked = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            item = item.get_object()
        walked += 1
        if walked > MAX_PDF_OBJECTS:
            found["too many objects to check"] = None
            break
        if isinstance(item, DictionaryObject):
            kind = item.get("/S")
            if isinstance(kind, NameObject) and kind in _ACTIVE_ACTIONS:
                found[_ACTIVE_ACTIONS[kind]] = None
            if "/JS" in item or "/JavaScript" in item:
                found["JavaScript"] = None
            if (
                "/EmbeddedFiles" in item
                or item.get("/Type") == "/EmbeddedFile"
                or item.get("/Subtype")
                in (
                    "/FileAttachment",
                    "/EmbeddedFile",
                )
            ):
                found["embedded files"] = None
            if "/XFA" in item:
                found["an XFA form"] = None
            if item.get("/Subtype") in ("/RichMedia", "/Movie", "/Sound", "/Screen"):
                found["rich media"] = None
            # Skip what cannot hold actions: a page's parent (already walked), fonts and images.
            stack.extend(value for key, value in item.items() if key not in ("/Parent", "/Font", "/XObject"))
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return list(found)


class _WatchedStream(io.BytesIO):
    """Notes a read that finds nothing left while pixels are being decoded: the file ended early.

    WeasyPrint sets Pillow's process-wide ``ImageFile.LOAD_TRUNCATED_IMAGES`` on import, after
    which Pillow fills a cut-off image with grey instead of failing; this check does not depend
    on that setting (nor changes it)."""

    decoding = False
    ran_out = False

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        if self.decoding and not chunk and size != 0:
            self.ran_out = True
        return chunk


_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the whole IEND chunk, CRC included


def _check_image(data: bytes, name: str, media_type: str, max_pixels: int) -> dict:
    bomb = _(
        "%(name)s: the image would decode to more than the %(limit)s pixels allowed (a decompression bomb?)",
        name=name,
        limit=format(max_pixels, ","),
    )
    truncated = _("%(name)s: the image is damaged or truncated and cannot be decoded", name=name)
    from PIL import Image, UnidentifiedImageError

    try:
        # Pillow warns (and over twice its own limit raises) while opening a large image: here
        # that warning is an error, in this check only, not for the whole process.
        with warnings.catch_warnings(), _WatchedStream(data) as stream:
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream, formats=[_PILLOW_FORMATS[media_type]]) as image:
                # The header gives the size: refuse a bomb before a single pixel is decoded.
                width, height = image.size
                if width * height > max_pixels:
                    raise UploadRefused(
                        _(
                            "%(name)s: %(width)s × %(height)s pixels is more than the %(limit)s pixels allowed "
                            "(a decompression bomb?)",
                            name=name,
                            width=width,
                            height=height,
                            limit=format(max_pixels, ","),
                        )
                    )
                stream.decoding = True
                image.load()  # decodes every pixel: a damaged image fails here
            if stream.ran_out:
                raise UploadRefused(_("%(problem)s (the file ends before the picture does)", problem=truncated))
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(bomb) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UploadRefused(f"{truncated} ({exc})") from None
    if media_type == "image/png" and _PNG_END not in data:
        raise UploadRefused(_("%(problem)s (the PNG's end marker is missing)", problem=truncated))
    if media_type == "image/jpeg" and not _jpeg_has_end(data):
        raise UploadRefused(_("%(problem)s (the JPEG's end marker is missing)", problem=truncated))
    return {"width": width, "height": height}


def _jpeg_has_end(data: bytes) -> bool:
    """Walk the JPEG's segments and scans to its end-of-image marker (FF D9).

    libjpeg decodes the last pixels without needing that marker, so a file cut in it passes the
    decoder. Walking the structure, rather than looking at the last bytes, allows what phones
    append after the image (a "motion photo" video) and skips an EXIF thumbnail's own marker."""
    size, at = len(data), 2  # after SOI
    while at + 2 <= size:
        if data[at] != 0xFF:
            return False
        marker = data[at + 1]
        if marker == 0xD9:
            return True
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            at += 2
            continue
        if at + 4 > size:
            return False
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
        if marker == 0xDA:  # a scan: entropy-coded data runs to the next marker that is not FF00 or RSTn
            while True:
                at = data.find(b"\xff", at)
                if at < 0 or at + 1 >= size:
                    return False
                following = data[at + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    at += 2
                elif following == 0xFF:
                    at += 1
                else:
                    break
    return False
