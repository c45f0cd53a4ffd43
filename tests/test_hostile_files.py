"""A corpus of hostile files: PDFs with active content, page bombs, polyglots, names with bidi and
control characters, formula cells and non-tender currencies. Each is refused with the reason, or
made harmless where that is the rule."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from portal.claims import services as claims
from portal.claims.pack import PackError, render_pack
from portal.clock import utcnow
from portal.money import MoneyError, check_currency
from portal.uploads import UploadRefused, check_upload, download_name
from tests.factories import TEST_ACTOR, order_payload, ready_inquiry

MB = 1024 * 1024


def _pdf(pages: int = 1, change=None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    if change:
        change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **extra) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action"), NameObject("/S"): NameObject(kind)})
    action.update({NameObject(key): value for key, value in extra.items()})
    return action


def _open_action_js(writer):
    writer._root_object[NameObject("/OpenAction")] = _action("/JavaScript", **{"/JS": TextStringObject("app.alert(1)")})


def _names_js(writer):
    """Document-level JavaScript in the names tree, run when the file opens."""
    script = _action("/JavaScript", **{"/JS": TextStringObject("app.alert('x')")})
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {NameObject("/Names"): ArrayObject([TextStringObject("x"), writer._add_object(script)])}
            )
        }
    )


def _page_aa_launch(writer):
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _action("/Launch", **{"/F": TextStringObject("calc.exe")})}
    )


def _xfa(writer):
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): TextStringObject("<xdp/>")}
    )


def _page_bomb(count: int) -> bytes:
    """One page listed ``count`` times in the page tree: small file, huge page count."""
    kids = " ".join(["3 0 R"] * count)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.7\n")
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_names_js, "JavaScript"),
        (_open_action_js, "JavaScript"),
        (_page_aa_launch, "a launch action"),
        (lambda w: w.add_attachment("payload.exe", b"MZ\x90\x00"), "embedded files"),
        (_xfa, "an XFA form"),
    ],
)
def test_pdfs_with_active_content_are_refused_with_the_reason(change, reason):
    with pytest.raises(UploadRefused, match=f"letter.pdf: the PDF carries active content \\(.*{reason}"):
        check_upload(_pdf(change=change), "letter.pdf", 20 * MB)


def test_a_plain_pdf_with_a_link_and_an_open_action_to_page_one_is_accepted():
    def goto(writer):
        writer._root_object[NameObject("/OpenAction")] = ArrayObject([writer.pages[0].indirect_reference])
        writer.add_uri(0, "https://example.com", [10, 10, 50, 50])

    assert check_upload(_pdf(change=goto), "letter.pdf", 20 * MB).pages == 1


def test_page_bombs_are_refused_by_the_page_limit():
    bomb = _page_bomb(20_000)
    assert len(bomb) < 200_000
    with pytest.raises(UploadRefused, match="bomb.pdf: the PDF has 20,000 pages; at most 100 are accepted"):
        check_upload(bomb, "bomb.pdf", 20 * MB)
    with pytest.raises(UploadRefused, match="has 101 pages; at most 100"):
        check_upload(_pdf(pages=101), "long.pdf", 20 * MB)
    assert check_upload(_pdf(pages=3), "short.pdf", 20 * MB, max_pages=3).pages == 3


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>", "the PDF is damaged"),
        (b"<html><body><script>alert(1)</script>%PDF-1.4", "text/html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "an SVG image"),
        (b"PK\x03\x04" + b"\x00" * 60, "application/zip"),
    ],
)
def test_polyglots_and_disguised_files_are_refused(data, reason):
    with pytest.raises(UploadRefused, match=reason):
        check_upload(data, "invoice.pdf", 20 * MB)


@pytest.mark.parametrize(
    ("sent", "extension", "served"),
    [
        ("invoice\u202efdp.exe", "pdf", "invoicefdp.pdf"),  # shows as "invoiceexe.pdf" with the override
        ("photo.exe", "png", "photo.png"),
        ("scan\x00.pdf\x07", "pdf", "scan.pdf"),
        ("照片\u2066.jpeg", "jpg", "照片.jpg"),
        ("..", "pdf", "document.pdf"),
    ],
)
def test_download_names_lose_bidi_and_control_characters_and_take_the_detected_type(sent, extension, served):
    assert download_name(sent, extension) == served


def test_downloads_are_served_under_the_clean_name(plugins, auth, client):
    from portal.extensions import db
    from portal.inquiries import services as inquiries
    from portal.inquiries.services import IncomingFile

    inquiry = ready_inquiry(plugins)
    data = _pdf()
    checked = check_upload(data, "invoice\u202efdp.exe", 20 * MB)
    document = inquiries.attach(
        inquiry,
        "commercial_invoice",
        IncomingFile(data, checked.sha256, checked.media_type, "invoice\u202efdp.exe"),
        TEST_ACTOR,
        source="upload",
        plugins=plugins,
    )
    db.session.commit()
    auth.login()
    response = client.get(f"/inquiries/{inquiry.number}/documents/{document.id}")
    response.close()
    disposition = response.headers["Content-Disposition"]
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert disposition.startswith("attachment;") and "invoicefdp.pdf" in disposition and "\u202e" not in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_pack_page_limit_stops_a_pack_before_it_is_made(app, plugins):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    app.config["MAX_PACK_PAGES"] = 1
    with pytest.raises(PackError, match="pages; a pack holds at most 1 "):
        render_pack(plugins, claim, generated_at=utcnow())


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("XXX", "no currency"),
        ("XTS", "testing"),
        ("XAU", "precious metal"),
        ("XAG", "precious metal"),
        ("XPT", "precious metal"),
        ("XPD", "precious metal"),
        ("XDR", "special drawing right"),
        ("XBA", "bond-market"),
        ("XSU", "unit of account"),
        ("XUA", "unit of account"),
        ("USN", "fund code"),
    ],
)
def test_non_tender_currencies_are_refused_with_the_reason(code, reason):
    with pytest.raises(MoneyError, match=reason):
        check_currency(code)


def test_an_order_in_no_currency_is_refused(api):
    response = api.post("/api/v1/orders", json=order_payload(currency="XXX"))
    assert response.status_code == 422
    assert "no currency" in response.get_json()["errors"]["currency"]
    assert check_currency("XOF") == "XOF"  # the West African CFA franc is real money
