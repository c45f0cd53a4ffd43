"""The insurer's submission pack: the insurer plugin's layout rendered with WeasyPrint, the
screenshots and photos embedded, the uploaded PDFs appended in index order (pypdf).

Every page carries the claim number and "Page x of y", the appended ones too (stamped with an
overlay). The same inputs give the same bytes: the PDF dates come from ``generated_at`` and no
random file identifier is written. A document the index lists as received or accepted that
cannot be read stops the pack with its name: a pack never leaves out silently what it lists.
"""

from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from weasyprint import HTML

from .. import PROJECT_ROOT
from ..plugin_api import EVIDENCE_KINDS, INQUIRY_KINDS
from ..plugin_engine import PluginRegistry
from ..storage import file_store
from ..templating import localtime, money
from ..tracking.services import timeline
from .models import Claim


class PackError(ValueError):
    """The pack cannot be made; the message names the document and the reason."""


@dataclass(frozen=True)
class IndexEntry:
    label: str
    state: str
    state_text: str  # e.g. "accepted", "deferred: due by 2026-12-01"
    where: str  # "appended, pages 4-5", "image 2", "not included"


@dataclass(frozen=True)
class Pack:
    pdf: bytes
    pages: int
    index: list[IndexEntry]


def _env() -> SandboxedEnvironment:
    """Insurers' templates run sandboxed, escaped, with the portal's money and time filters."""
    env = SandboxedEnvironment(autoescape=True)
    env.filters["money"] = money
    env.filters["localtime"] = localtime
    return env


def _pdf_pages(name: str, data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PackError(f"{name}: the PDF is password-protected; replace it with an unprotected copy")
        len(reader.pages)
        return reader
    except PackError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        raise PackError(f"{name}: the PDF cannot be read ({exc}); replace it before making the pack") from None


def _image_src(name: str, data: bytes, media_type: str) -> str:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Exception as exc:  # Pillow raises many kinds for a broken image
        raise PackError(f"{name}: the image does not decode ({exc}); replace it before making the pack") from None
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def render_pack(plugins: PluginRegistry, claim: Claim, *, generated_at: datetime) -> Pack:
    inquiry, order = claim.inquiry, claim.inquiry.order
    insurer = plugins.insurer(claim.insurer_code)
    carrier = plugins.carrier(order.carrier_code)
    if insurer is None:
        raise PackError(f"insurer {claim.insurer_code!r} is not installed")
    store = file_store()
    images, appended, entries = [], [], []
    for item in inquiry.items:
        label = EVIDENCE_KINDS.get(item.kind, item.kind)
        document = item.current
        state_text = item.state + (
            f": due by {item.due_on}"
            if item.state in ("deferred", "missing") and item.due_on
            else f": {item.reason}"
            if item.reason
            else ""
        )
        if document is None or item.state not in ("received", "accepted"):
            entries.append((label, item.state, state_text, None, None))
            continue
        name = f"{label} ({document.original_name})"
        if not store.exists(document.sha256):
            raise PackError(f"{name}: the stored file is missing")
        data = store.read(document.sha256)
        if document.media_type == "application/pdf":
            reader = _pdf_pages(name, data)
            appended.append(reader)
            entries.append((label, item.state, state_text, "pdf", len(reader.pages)))
        else:
            images.append({"src": Markup(_image_src(name, data, document.media_type)), "caption": name})
            entries.append((label, item.state, state_text, "image", len(images)))
    appended_pages = sum(len(reader.pages) for reader in appended)
    limit = current_app.config["MAX_PACK_PAGES"]
    if appended_pages > limit:  # checked before any page is rendered or appended
        raise PackError(
            f"the documents to append have {appended_pages:,} pages; a pack holds at most {limit:,} "
            "(COVERDESK_MAX_PACK_PAGES)"
        )

    def index_for(main_pages: int) -> list[IndexEntry]:
        result, next_page = [], main_pages + 1
        for label, state, state_text, kind, count in entries:
            if kind == "pdf":
                where = (
                    f"appended, page {next_page}"
                    if count == 1
                    else f"appended, pages {next_page}-{next_page + count - 1}"
                )
                next_page += count
            elif kind == "image":
                where = f"image {count}"
            else:
                where = "not included"
            result.append(IndexEntry(label, state, state_text, where))
        return result

    layout = insurer.pack_layout()
    liability = (
        f"{inquiry.letter_liability_currency} {inquiry.letter_liability:,.2f}"
        if inquiry.letter_liability is not None
        else ""
    )
    context = {
        "claim": claim,
        "order": order,
        "cover": order.cover,
        "seller": order.seller,
        "inquiry": inquiry,
        "inquiry_kind": INQUIRY_KINDS.get(inquiry.kind, inquiry.kind),
        "timeline": timeline(order),
        "images": images,
        "generated_at": generated_at,
        "insurer_name": insurer.name,
        "carrier_name": carrier.name if carrier else order.carrier_code,
        "carrier_liability": liability,
        "warehouse": current_app.config["WAREHOUSE_NAME"],
    }
    body_template = _env().from_string(layout.template)

    def html(total: str, main_pages: int) -> str:
        body = body_template.render(index=index_for(main_pages), **context)
        return (
            f'<!doctype html><html><head><meta charset="utf-8"><title>Claim {claim.number}</title>'
            f'<meta name="dcterms.created" content="{generated_at.isoformat()}">'
            f'<meta name="dcterms.modified" content="{generated_at.isoformat()}">'
            f"<style>{_page_css(claim.number, total)}{layout.stylesheet}</style></head><body>{body}</body></html>"
        )

    # Twice: the first pass counts the pack's own pages, which "Page x of y" and the index need.
    first = HTML(string=html("?", 0), base_url=str(PROJECT_ROOT)).render()
    main_pages = len(first.pages)
    total = main_pages + appended_pages
    source = html(str(total), main_pages)
    main = HTML(string=source, base_url=str(PROJECT_ROOT)).render()
    if len(main.pages) != main_pages:  # the index's page numbers moved a page break: count again
        main_pages = len(main.pages)
        total = main_pages + appended_pages
        source = html(str(total), main_pages)
        main = HTML(string=source, base_url=str(PROJECT_ROOT)).render()
    main_pdf = main.write_pdf(pdf_identifier=hashlib.md5(source.encode()).hexdigest().encode())
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(main_pdf)))
    number = main_pages
    for reader in appended:
        for page in reader.pages:
            number += 1
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            stamp = PdfReader(
                io.BytesIO(
                    HTML(string=_stamp_html(claim.number, number, total, width, height)).write_pdf(
                        pdf_identifier=b"stamp"
                    )
                )
            ).pages[0]
            writer.add_page(page).merge_page(stamp)
    out = io.BytesIO()
    writer.write(out)
    return Pack(out.getvalue(), total, index_for(main_pages))


def _page_css(claim_number: str, total: str) -> str:
    return (
        f"@page {{ size: A4; margin: 20mm 16mm 18mm; "
        f'@top-right {{ content: "Claim {claim_number}"; font-size: 8pt; color: #444; }} '
        f'@bottom-center {{ content: "Page " counter(page) " of {total}"; font-size: 8pt; color: #444; }} }}'
    )


def _stamp_html(claim_number: str, number: int, total: int, width: float, height: float) -> str:
    """A transparent page with the running header and the page number, laid over an appended page."""
    return (
        f"<html><head><style>@page {{ size: {width}pt {height}pt; margin: 0; }} "
        f'body {{ margin: 0; font-family: "Noto Sans CJK SC", sans-serif; font-size: 8pt; color: #444; }} '
        f".head {{ position: absolute; top: 8mm; right: 12mm; }} "
        f".foot {{ position: absolute; bottom: 7mm; width: 100%; text-align: center; }}</style></head>"
        f'<body><div class="head">Claim {claim_number}</div><div class="foot">Page {number} of {total}</div>'
        f"</body></html>"
    )
