"""Checks every uploaded document passes before it is stored: size, type by content, image safety.

The type is read from the bytes (the ``filetype`` library's signatures), never from the file name
or the browser's content type. Images are opened with Pillow under a pixel limit, so a small file
that would decode to gigabytes (a decompression bomb) is refused before its pixels are decoded.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

import filetype
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

#: What evidence may be: media type -> extension kept with the file.
ACCEPTED = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
ACCEPTED_NAMES = "PDF, PNG, JPEG or WebP"
DEFAULT_MAX_PIXELS = 50_000_000


class UploadRefused(ValueError):
    """The file cannot be taken; the message names the file and the reason."""


@dataclass(frozen=True)
class CheckedUpload:
    sha256: str
    size: int
    media_type: str
    extension: str
    display_name: str  # for people only; never a path
    width: int | None = None
    height: int | None = None
    pages: int | None = None


def display_name(filename: str, fallback: str = "document") -> str:
    """The file's own name without folders or control characters (e.g. 照片.png stays)."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    name = name.lstrip(".") or fallback
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:110] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:120]
    return name


def check_upload(data: bytes, filename: str, max_bytes: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> CheckedUpload:
    """Check ``data`` as evidence; raise ``UploadRefused`` with the reason."""
    name = display_name(filename)
    if not data:
        raise UploadRefused(f"{name}: the file is empty")
    if len(data) > max_bytes:
        raise UploadRefused(f"{name}: {len(data) / 1024 / 1024:.1f} MB is over the limit of "
                            f"{max_bytes / 1024 / 1024:.0f} MB")
    kind = filetype.guess(data)
    media_type = kind.mime if kind else None
    if media_type not in ACCEPTED:
        looks = f"it looks like {kind.mime} ({kind.extension})" if kind else "its type is not recognised"
        raise UploadRefused(f"{name}: {looks}; evidence must be {ACCEPTED_NAMES}")
    facts = _check_pdf(data, name) if media_type == "application/pdf" else _check_image(data, name, max_pixels)
    return CheckedUpload(hashlib.sha256(data).hexdigest(), len(data), media_type, ACCEPTED[media_type], name, **facts)


def _check_pdf(data: bytes, name: str) -> dict:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UploadRefused(f"{name}: the PDF is password-protected; ask for an unprotected copy")
        pages = len(reader.pages)
    except UploadRefused:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise UploadRefused(f"{name}: the PDF is damaged and cannot be read ({exc})") from None
    if pages == 0:
        raise UploadRefused(f"{name}: the PDF has no pages")
    return {"pages": pages}


def _check_image(data: bytes, name: str, max_pixels: int) -> dict:
    try:
        with Image.open(io.BytesIO(data)) as image:
            # The header gives the size: refuse a bomb before a single pixel is decoded.
            width, height = image.size
            if width * height > max_pixels:
                raise UploadRefused(f"{name}: {width} × {height} pixels is more than the {max_pixels:,} pixels "
                                    "allowed (a decompression bomb?)")
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image.load()
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(f"{name}: the image would decode to more than the {max_pixels:,} pixels allowed "
                            "(a decompression bomb?)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadRefused(f"{name}: the image is damaged or truncated and cannot be decoded ({exc})") from None
    return {"width": width, "height": height}
