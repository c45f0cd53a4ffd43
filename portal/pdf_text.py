"""Opening PDFs that others sent (uploads, carriers' letters, documents appended to a pack): the
one place that knows what pypdf raises for a file it cannot read, and text out of a PDF."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from .errors import Refused

if TYPE_CHECKING:
    from pypdf import PdfReader


class PdfUnreadable(ValueError):
    """The PDF is damaged, encrypted or not a PDF; ``problem`` says which (``not_pdf``,
    ``encrypted``, ``damaged``) and ``detail`` what pypdf said about the damage."""

    def __init__(self, problem: str, message: str, detail: str = ""):
        super().__init__(message)
        self.problem, self.detail = problem, detail


@contextmanager
def open_pdf(data: bytes) -> Iterator[PdfReader]:
    """A reader over ``data``. A damaged file surfaces as ``PdfUnreadable`` also when the damage
    shows only while the block reads it (pypdf parses lazily); the block's own refusals pass."""
    if not data.startswith(b"%PDF-"):
        raise PdfUnreadable("not_pdf", "not a PDF file")
    from pypdf import PdfReader  # here, not at start-up: most commands read no PDF
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfUnreadable("encrypted", "the PDF is password-protected")
        yield reader
    except (PdfUnreadable, Refused):
        raise
    # pypdf has no single base for a malformed file: these are what broken files raise.
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise PdfUnreadable("damaged", f"the PDF is damaged and cannot be read ({exc})", str(exc)) from None


def extract_text(data: bytes) -> str:
    """The text of every page, pages separated by a blank line. A scanned letter (images only)
    gives an empty string: the caller asks for the fields by hand."""
    with open_pdf(data) as reader:
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
