"""The insurer's submission pack: the insurer plugin's layout rendered with WeasyPrint, the
screenshots and photos embedded, the uploaded PDFs appended in index order (pypdf).

Every page carries the claim number and "Page x of y", the appended ones too: each appended page
is scaled into the box between the stamp's header and footer bands, so its own header and footer
never lie under the stamp. The same inputs give the same bytes: the PDF dates come from ``generated_at`` and no
random file identifier is written. A document the index lists as received or accepted that
cannot be read stops the pack with its name: a pack never leaves out silently what it lists.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, replace
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from jinja2 import TemplateError
from markupsafe import Markup, escape

from .. import documents
from ..errors import Refused
from ..i18n import HTML_LANG, N_
from ..money import Money
from ..pdf_text import PdfUnreadable, open_pdf
from ..plugin_api import (
    EVIDENCE_KINDS,
    INQUIRY_KINDS,
    PackClaim,
    PackContext,
    PackCover,
    PackEvent,
    PackImage,
    PackIndexEntry,
    PackInquiry,
    PackOrder,
    PackSeller,
    render_pack_body,
    zone_label,
)
from ..plugin_engine import PluginRegistry
from ..storage import file_store
from ..templating import localtime
from ..tracking.services import timeline
from .models import Claim


class PackError(Refused):
    """The pack cannot be made; the message names the document and the reason."""

    def __init__(self, reason: str, field: str = "pack"):
        super().__init__(field, reason)


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
    html: str = ""  # what WeasyPrint laid out (the benchmark renders the same HTML bare)


def _pdf_pages(name: str, data: bytes):
    try:
        with open_pdf(data) as reader:
            len(reader.pages)
    except PdfUnreadable as exc:
        if exc.problem == "encrypted":
            raise PackError(f"{name}: the PDF is password-protected; replace it with an unprotected copy") from None
        raise PackError(
            f"{name}: the PDF cannot be read ({exc.detail or exc}); replace it before making the pack"
        ) from None
    return reader


def _image_src(name: str, data: bytes, media_type: str) -> str:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except Exception as exc:  # Pillow raises many kinds for a broken image
        raise PackError(f"{name}: the image does not decode ({exc}); replace it before making the pack") from None
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


def render_pack(plugins: PluginRegistry, claim: Claim, *, generated_at: datetime) -> Pack:
    """The pack in the language its insurer asks for (``document_languages``), whoever asks."""
    insurer = plugins.insurer(claim.insurer_code)
    if insurer is None:
        raise PackError(f"insurer {claim.insurer_code!r} is not installed")
    languages = tuple(insurer.document_languages)
    with documents.in_language(languages):
        return _render_pack(plugins, claim, insurer, generated_at, languages)


def _render_pack(plugins: PluginRegistry, claim: Claim, insurer, generated_at: datetime, languages) -> Pack:
    inquiry = claim.inquiry
    store = file_store()
    images, appended, entries = [], [], []
    for item in inquiry.items:
        label = EVIDENCE_KINDS.get(item.kind, item.kind)
        document = item.current
        state_text = item.state + (
            ": " + _("due by %(day)s", day=item.due_on)
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
            images.append(PackImage(Markup(_image_src(name, data, document.media_type)), name))
            entries.append((label, item.state, state_text, "image", len(images)))
    appended_pages = sum(len(reader.pages) for reader in appended)
    limit = current_app.config["MAX_PACK_PAGES"]
    if appended_pages > limit:  # checked before any page is rendered or appended
        raise PackError(
            f"the documents to append have {appended_pages:,} pages; a pack holds at most {limit:,} "
            "(COVERDESK_MAX_PACK_PAGES)"
        )

    def index_for(main_pages: int | None) -> list[IndexEntry]:
        """The index; with ``main_pages`` None, the appended documents' page numbers are left to
        the layout (CSS ``target-counter`` on the pages that will carry their stamps)."""
        result, next_page, document = [], (main_pages or 0) + 1, 0
        for label, state, state_text, kind, count in entries:
            if kind == "pdf":
                document += 1
                if main_pages is None:
                    first, last = (
                        Markup(f'<span class="pack-ref" id="pack-ref-{document}-{end}"></span>') for end in "fl"
                    )
                    where = (
                        Markup.escape(_("appended, page %(page)s", page="\x00")).replace("\x00", first)
                        if count == 1
                        else Markup.escape(_("appended, pages %(first)s-%(last)s", first="\x00", last="\x01"))
                        .replace("\x00", first)
                        .replace("\x01", last)
                    )
                elif count == 1:
                    where = _("appended, page %(page)s", page=next_page)
                else:
                    where = _("appended, pages %(first)s-%(last)s", first=next_page, last=next_page + count - 1)
                next_page += count
            elif kind == "image":
                where = _("image %(number)s", number=count)
            else:
                where = _("not included")
            result.append(IndexEntry(label, state, state_text, where))
        return result

    layout = insurer.pack_layout()
    context = pack_context(plugins, claim, generated_at, images)
    kinds = [item.kind for item in inquiry.items]
    view_index = tuple(
        PackIndexEntry(e.label, kind, e.state, e.state_text, e.where)
        for e, kind in zip(index_for(None), kinds, strict=True)
    )
    try:
        body = render_pack_body(layout, replace(context, index=view_index), localtime=localtime)
    except TemplateError as exc:  # a misspelt name or a broken filter call in the insurer's layout
        raise PackError(f"{insurer.name}'s pack template: {exc}") from None
    # The appended PDFs' pages are laid out too, as empty pages of their own sizes at the end of
    # the document: their running header and "Page x of y" (the stamps) come out of the same single
    # layout as the pack's own pages, "y" is the layout's own page count and the index reads the
    # appended documents' page numbers off those pages. One render and one set of font subsets,
    # where each stamp used to be a document of its own and the pack was laid out twice.
    for reader in appended:  # a page turned by /Rotate is turned in its content, so sizes read true
        for page in reader.pages:
            if page.rotation % 360:
                page.transfer_rotation_to_content()
    sizes = [(float(page.mediabox.width), float(page.mediabox.height)) for reader in appended for page in reader.pages]
    source = (
        f'<!doctype html><html lang="{HTML_LANG.get(languages[0], "en")}"><head><meta charset="utf-8">'
        f"<title>{escape(_('Claim %(number)s', number=claim.number))}</title>"
        f'<meta name="dcterms.created" content="{generated_at.isoformat()}">'
        f'<meta name="dcterms.modified" content="{generated_at.isoformat()}">'
        f"<style>{_page_css(claim.number, context.timezone, languages)}{layout.stylesheet}{_stamp_css(entries, sizes)}</style></head>"
        f"<body>{body}{_stamp_pages(entries, sizes)}</body></html>"
    )
    document = documents.layout(source)
    main_pages = len(document.pages) - len(sizes)
    laid_out = documents.write(document, source)
    return Pack(_merge(laid_out, appended, main_pages), main_pages + len(sizes), index_for(main_pages), source)


def pack_context(plugins: PluginRegistry, claim: Claim, generated_at: datetime, images: list) -> PackContext:
    """The claim as the insurer's template sees it: plain values and Money (portal.plugin_api.pack),
    never rows, so a template can only use what the contract documents."""
    inquiry, order = claim.inquiry, claim.inquiry.order
    cover, seller = order.cover, order.seller
    carrier = plugins.carrier(order.carrier_code)
    insurer = plugins.insurer(claim.insurer_code)
    liability = (
        Money(inquiry.letter_liability, inquiry.letter_liability_currency)
        if inquiry.letter_liability is not None
        else None
    )
    kind_label = INQUIRY_KINDS.get(inquiry.kind, inquiry.kind)
    carrier_name = carrier.name if carrier else order.carrier_code
    service = carrier.service(order.service_code) if carrier else None
    return PackContext(
        claim=PackClaim(
            claim.number, Money(claim.claimed_amount, claim.currency), claim.amount_rule, inquiry.kind, kind_label
        ),
        order=PackOrder(
            order.order_no,
            order.tracking_no,
            order.carrier_code,
            carrier_name,
            order.service_code,
            order.destination_country,
            order.contents,
            order.category,
            Money(order.declared_value, order.currency),
            order.dispatched_at,
            service.name if service else order.service_code,
            order.recipient_name or "",
            order.recipient_address or "",
        ),
        cover=PackCover(
            cover.certificate_no,
            Money(cover.insured_value, cover.currency),
            Money(cover.premium, cover.currency),
            cover.bought_at,
        ),
        seller=PackSeller(seller.code, seller.name, seller.email or "", seller.address or "", seller.phone or ""),
        inquiry=PackInquiry(
            inquiry.number,
            inquiry.kind,
            inquiry.asked_on,
            inquiry.opened_at,
            inquiry.trace_reference or "",
            inquiry.carrier_outcome,
            inquiry.letter_reference or "",
            liability,
        ),
        timeline=tuple(
            PackEvent(e.occurred_at, e.status, e.reason, e.code, e.description or "", e.location or "", e.handover)
            for e in timeline(order)
        ),
        index=(),
        images=tuple(images),
        generated_at=generated_at,
        insurer_name=insurer.name if insurer else claim.insurer_code,
        carrier_name=carrier_name,
        warehouse=current_app.config["WAREHOUSE_NAME"],
        inquiry_kind=kind_label,
        carrier_liability=liability,
        timezone=zone_label(current_app.config["TIMEZONE"], generated_at),
    )


#: The bands an appended page's stamp lives in, in points: the running header in the top band,
#: "Page x of y" in the bottom one. The appended page itself is scaled into the box between them,
#: so its own header and footer (a carrier's letter has both) can never lie under the stamp.
STAMP_TOP_BAND = 13.5 * 72 / 25.4
STAMP_BOTTOM_BAND = 12.5 * 72 / 25.4


def appended_page_box(width: float, height: float) -> tuple[float, float, float]:
    """Where an appended page of ``width`` × ``height`` points goes on its stamp page of the same
    size: ``(scale, x, y)``, the page scaled evenly into the box between the stamp's bands and
    centred across."""
    scale = (height - STAMP_TOP_BAND - STAMP_BOTTOM_BAND) / height
    return scale, (width - width * scale) / 2, STAMP_BOTTOM_BAND


def _merge(laid_out: bytes, appended: list, main_pages: int) -> bytes:
    """The pack's own pages, then each appended page scaled into its stamp page's content box."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(laid_out)))
    stamps = list(writer.pages[main_pages:])
    pages = (page for reader in appended for page in reader.pages)
    for n, (page, stamp) in enumerate(zip(pages, stamps, strict=True)):
        box = page.mediabox
        scale, x, y = appended_page_box(float(box.width), float(box.height))
        moved = Transformation().translate(-float(box.left), -float(box.bottom)).scale(scale).translate(x, y)
        _draw_under(writer, stamp, page, moved, f"/CoverdeskAppended{n}")
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _draw_under(writer, stamp, page, moved, name: str) -> None:
    """Draw ``page`` under ``stamp``, moved, as a form XObject: its content stream is copied as it
    is and keeps its own resources. pypdf's ``merge_transformed_page`` parsed every operator of
    the appended page to rename clashing resource names and insert the transformation (WeasyPrint
    names its fonts alike in every document): half of a warm pack's time. Annotations (links,
    filled-in form fields) move with the page, as the merge moved them."""
    from pypdf.generic import ArrayObject, ContentStream, DecodedStreamObject, DictionaryObject, NameObject

    contents = page.get("/Contents")
    contents = contents.get_object() if contents is not None else None
    if isinstance(contents, ArrayObject):
        data = b"\n".join(part.get_object().get_data() for part in contents)
    else:
        data = contents.get_data() if contents is not None else b""
    form = DecodedStreamObject()
    form.set_data(data)
    resources = page.get("/Resources")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(page.mediabox),
            NameObject("/Resources"): resources.clone(writer) if resources is not None else DictionaryObject(),
        }
    )
    reference = writer._add_object(form.flate_encode())  # pypdf's writer has no public "add object"
    # The stamp page's own resources may be shared with other pages: it gets its own copy.
    own = DictionaryObject(stamp.get("/Resources", DictionaryObject()).get_object())
    xobjects = DictionaryObject(own.get("/XObject", DictionaryObject()).get_object())
    xobjects[NameObject(name)] = reference
    own[NameObject("/XObject")] = xobjects
    stamp[NameObject("/Resources")] = own
    stamp_contents = stamp.get_contents()
    drawn = ContentStream(None, writer)
    # Moved by a "cm" around the form, drawn first so the stamp's header and footer lie over it.
    matrix = " ".join(f"{number:g}" for number in _pdf_numbers(moved.ctm))
    drawn.set_data(
        f"q {matrix} cm {name} Do Q\n".encode() + (stamp_contents.get_data() if stamp_contents is not None else b"")
    )
    stamp.replace_contents(drawn)
    for annotation in page.get("/Annots", ArrayObject()) or ():
        _move_annotation(writer, stamp, annotation.get_object(), moved)


def _move_annotation(writer, stamp, annotation, moved) -> None:
    """A copy of ``annotation`` on ``stamp``, its rectangle (and quad points) moved as its page was;
    the viewer fits its appearance into the new rectangle."""
    from pypdf.generic import ArrayObject, NameObject

    copy = annotation.clone(writer, ignore_fields=("/P", "/StructParent", "/Parent"), force_duplicate=True)
    left, bottom, right, top = (float(v) for v in annotation["/Rect"])
    (x1, y1), (x2, y2) = moved.apply_on((left, bottom)), moved.apply_on((right, top))
    copy[NameObject("/Rect")] = ArrayObject(_pdf_numbers((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))))
    if "/QuadPoints" in annotation:
        points = [float(v) for v in annotation["/QuadPoints"]]
        moved_points = [value for i in range(0, len(points), 2) for value in moved.apply_on((points[i], points[i + 1]))]
        copy[NameObject("/QuadPoints")] = ArrayObject(_pdf_numbers(moved_points))
    copy[NameObject("/P")] = stamp.indirect_reference
    if "/Annots" not in stamp:
        stamp[NameObject("/Annots")] = ArrayObject()
    stamp["/Annots"].get_object().append(copy.indirect_reference or writer._add_object(copy))


def _pdf_numbers(values) -> list:
    """PDF coordinates and matrix entries (points, not money), rounded to what a PDF needs."""
    from pypdf.generic import FloatObject

    return [FloatObject(round(float(value), 6)) for value in values]


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _page_css(claim_number: str, zone: str, languages: tuple[str, ...] = ("en",)) -> str:
    """Every page's running header (the claim) and footer ("Page x of y" and the zone its times
    are in), the appended pages' stamps too; in each of the pack's languages."""
    header = documents.document_words(languages, N_("Claim %(number)s"), number=claim_number)
    footer = documents.document_words(
        languages, N_("Page %(page)s of %(pages)s · times in %(zone)s"), page="\x01", pages="\x02", zone=zone
    )
    footer = _css_string(footer).replace("\x01", '" counter(page) "').replace("\x02", '" counter(pages) "')
    return (
        f"@page {{ size: A4; margin: 20mm 16mm 18mm; "
        f"@top-right {{ content: {_css_string(header)}; font-size: 8pt; color: #444; }} "
        f"@bottom-center {{ content: {footer}; "
        f"font-size: 8pt; color: #444; }} }}"
    )


def _stamp_css(entries: list, sizes: list[tuple[float, float]]) -> str:
    """A named page per appended page size, and the index's page numbers read off the stamp pages."""
    # Where the separate stamp documents used to put them: the header's top 8 mm from the top edge
    # and 12 mm from the right, the footer's bottom 7 mm from the bottom edge; in the pack's own
    # header font, so no font is embedded for the stamps alone.
    rules = [
        f"@page pack-appended-{n} {{ size: {width}pt {height}pt; margin: 11.5mm 12mm 10.5mm; "
        f"@top-right {{ vertical-align: bottom; }} @bottom-center {{ vertical-align: top; }} }}"
        for n, (width, height) in enumerate(dict.fromkeys(sizes))
    ]
    rules.append(".pack-stamp { break-before: page; height: 1pt; margin: 0; padding: 0; border: 0; }")
    document = 0
    for *_rest, kind, _count in entries:
        if kind == "pdf":
            document += 1
            for end in "fl":
                rules.append(
                    f"#pack-ref-{document}-{end}::after {{ content: target-counter(url(#pack-doc-{document}-{end}), page); }}"
                )
    return "".join(rules)


def _stamp_pages(entries: list, sizes: list[tuple[float, float]]) -> str:
    """One empty page per appended page, of that page's size; the first and last of each document
    carry ids for the index. What they show is the @page header and footer: the stamp."""
    names = {size: n for n, size in enumerate(dict.fromkeys(sizes))}
    pages, position, document = [], 0, 0
    for *_rest, kind, count in entries:
        if kind != "pdf":
            continue
        document += 1
        for n in range(count):
            ids = [f"pack-doc-{document}-f"] * (n == 0) + [f"pack-doc-{document}-l"] * (n == count - 1)
            # An element holds one id: the last page of a one-page document nests a second element.
            inner = f'<div id="{ids[1]}"></div>' if len(ids) == 2 else ""
            id_attr = f' id="{ids[0]}"' if ids else ""
            pages.append(
                f'<div class="pack-stamp" style="page: pack-appended-{names[sizes[position]]}"{id_attr}>{inner}</div>'
            )
            position += 1
    return "".join(pages)
