"""The ceiling a pack is measured against: WeasyPrint renders the pack's own HTML and pypdf
appends the same PDF files, nothing else (no stamps, no database, no index).

    python benchmarks/bare_pack.py PACK.html OUT.pdf APPENDED.pdf ...   # what a cold run costs
"""

from __future__ import annotations

import io
import sys
from pathlib import Path


def bare_pack(html: str, appended: list[bytes], base_url: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    readers = [PdfReader(io.BytesIO(data)) for data in appended]
    stamp_pages = sum(len(reader.pages) for reader in readers)  # the pack's HTML lays them out too
    document = HTML(string=html, base_url=base_url).render()
    main = PdfReader(io.BytesIO(document.write_pdf()))
    writer = PdfWriter()
    for page in main.pages[: len(main.pages) - stamp_pages]:
        writer.add_page(page)
    for reader in readers:
        for page in reader.pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


if __name__ == "__main__":
    source, output, *files = sys.argv[1:]
    root = str(Path(__file__).resolve().parent.parent)
    Path(output).write_bytes(bare_pack(Path(source).read_text(), [Path(f).read_bytes() for f in files], root))
