"""Text out of a PDF (carriers' letters), with pypdf; a clear error for what cannot be read."""

from __future__ import annotations

import io


class PdfUnreadable(ValueError):
    """The PDF is damaged, encrypted or not a PDF; the message says which."""


def extract_text(data: bytes) -> str:
    """The text of every page, pages separated by a blank line. A scanned letter (images only)
    gives an empty string: the caller asks for the fields by hand."""
    if not data.startswith(b"%PDF-"):
        raise PdfUnreadable("not a PDF file")
    from pypdf import PdfReader  # here, not at start-up: most commands read no PDF
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfUnreadable("the PDF is password-protected")
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
    except PdfUnreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise PdfUnreadable(f"the PDF is damaged and cannot be read ({exc})") from None
