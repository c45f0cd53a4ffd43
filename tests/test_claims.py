"""Claims: filing rules, the lifecycle, the payout SLA in working days, the submission pack read
back from the PDF, the CLI and the insurers' response files."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.calendars import working_days_after
from portal.claims import services as claims
from portal.claims.pack import PackError, render_pack
from portal.clock import local_today, utcnow
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.money import Money
from portal.queue.models import QueueItem
from portal.storage import file_store
from tests.factories import TEST_ACTOR, attach, dispatched_order, opened, png, ready_inquiry

#: Claims submitted before the fixed acceptance dates the calendar tests use (Thanksgiving 2026).
SUBMITTED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def test_the_claim_amount_follows_the_insurers_rule(plugins):
    lanternfish = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    assert (lanternfish.claimed_amount, lanternfish.currency) == (Decimal("1850.00"), "USD")
    assert "insured value USD" in lanternfish.amount_rule and lanternfish.number.startswith("CLM-")
    amount = claims.claim_amount(plugins, lanternfish.inquiry, Decimal("0.5"), local_today())
    assert amount.amount == Money(Decimal("925.00"), "USD") and "50% lost" in amount.description
    # Jade Harbour takes 20 % off electronics (modelled on 4PX's insured-order deductible, C1).
    jade = claims.claim_amount(plugins, lanternfish.inquiry, Decimal(1), local_today())
    jade_insurer = plugins.insurer("jadeharbour")
    from portal.plugin_api import ClaimAmountRequest

    request = ClaimAmountRequest(
        "damaged",
        Money(Decimal("1850.00"), "USD"),
        Money(Decimal("1000.00"), "USD"),
        "electronics",
        Decimal("0.5"),
        local_today(),
    )
    result = jade_insurer.claim_amount(request)
    assert result.amount == Money(Decimal("400.00"), "USD")  # declared 1000 (lower) × 50 % − 20 %
    assert "declared value (lower)" in result.description and "deductible" in result.description
    assert jade.amount == Money(Decimal("1850.00"), "USD")


def test_a_claim_needs_a_ready_inquiry_and_the_insurers_filing_window(plugins):
    inquiry = opened(plugins, dispatched_order(plugins))
    with pytest.raises(claims.ClaimRefused, match="mark it ready for a claim first"):
        claims.create_claim(plugins, inquiry, TEST_ACTOR)
    db.session.rollback()
    early = ready_inquiry(plugins, days_ago=10)  # 4PX allows a trace from day 9; Lanternfish a claim from day 14
    earliest, latest = claims.filing_dates(plugins, early)
    with pytest.raises(claims.ClaimRefused, match=f"Lanternfish Mutual accepts this claim from {earliest} to {latest}"):
        claims.create_claim(plugins, early, TEST_ACTOR)


def test_the_lifecycle_with_the_payout_due_in_working_days(plugins):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    with pytest.raises(claims.ClaimRefused, match="make the submission pack first"):
        claims.submit(claim, TEST_ACTOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR, now=SUBMITTED)
    with pytest.raises(claims.ClaimRefused, match="cannot pay"):
        claims.pay(claim, amount=Decimal("1"), paid_on=local_today(), reference="x", actor=TEST_ACTOR)
    accepted_on = date(2026, 11, 25)  # the day before Thanksgiving: Lanternfish keeps US working days
    claims.accept(plugins, claim, reference="LFM-C-991", accepted_on=accepted_on, actor=TEST_ACTOR)
    assert claim.payout_due_on == working_days_after(accepted_on, 3, "US") == date(2026, 12, 1)
    claims.pay(claim, amount=Decimal("1850.00"), paid_on=date(2026, 12, 1), reference="WIRE-1", actor=TEST_ACTOR)
    db.session.commit()
    assert claim.state == "paid" and claim.paid_amount == Decimal("1850.00")


def test_chinese_working_days_and_an_unknown_year_leave_the_due_date_pending(plugins):
    # National Day 2026: the holiday runs into October; the first working days come after it.
    assert working_days_after(date(2026, 9, 30), 3, "CN") > date(2026, 10, 8)
    claim = claims.create_claim(plugins, ready_inquiry(plugins, insurer="jadeharbour"), TEST_ACTOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR)
    # The acceptance is recorded; the due date is never guessed.
    claims.accept(plugins, claim, reference="JH-1", accepted_on=date(2030, 12, 30), actor=TEST_ACTOR)
    db.session.commit()
    assert claim.state == "accepted" and claim.payout_due_on is None
    assert "does not know 2030 yet" in claim.payout_due_pending and "Admin → Calendars" in claim.payout_due_pending
    assert claims.awaiting_payment(date(2030, 12, 30)) == [claim] and claims.overdue_claims(date(2031, 6, 1)) == []


def test_more_documents_sends_the_case_back_and_rejection_ends_it(plugins):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR)
    claims.request_documents(claim, what="A clearer photo of the label", actor=TEST_ACTOR)
    assert claim.state == "more_documents" and claim.inquiry.state == "carrier_answered"
    inquiries.mark_ready(claim.inquiry, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR)
    claims.reject(claim, reason="Excluded goods", actor=TEST_ACTOR)
    db.session.commit()
    assert claim.state == "rejected"


def test_an_overdue_payout_is_flagged_on_the_queue_and_in_the_sla_report(plugins, auth, client):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR)
    claims.accept(plugins, claim, reference="LFM-C-7", accepted_on=local_today(), actor=TEST_ACTOR)
    claim.payout_due_on = local_today() - timedelta(days=2)  # as if accepted a week ago
    from portal.queue.items import refresh_claim

    refresh_claim(claim)
    db.session.commit()
    assert db.session.scalar(select(QueueItem).where(QueueItem.kind == "payout")).due_on == claim.payout_due_on
    auth.login()
    assert claim.number in client.get("/claims/sla").get_data(as_text=True)
    queue = client.get("/queue").get_data(as_text=True)
    assert claim.number in queue and "payout overdue" in queue
    claims.pay(claim, amount=Decimal("1850.00"), paid_on=local_today(), reference="W", actor=TEST_ACTOR)
    db.session.commit()
    assert db.session.scalar(select(QueueItem).where(QueueItem.kind == "payout")) is None


def test_a_deferred_item_accepted_later_becomes_a_supplement(plugins):
    inquiry = ready_inquiry(plugins)
    claim = claims.create_claim(plugins, inquiry, TEST_ACTOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR)
    attach(plugins, inquiry, "dispute_screenshots", png((1, 2, 3)), "late.png", "image/png")
    inquiries.review_item(inquiry, "dispute_screenshots", "accept", TEST_ACTOR)
    db.session.commit()
    assert [s.document.original_name for s in claim.supplements] == ["late.png"]


# --- the pack ------------------------------------------------------------------------------


def test_the_pack_is_read_back_page_by_page(plugins):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    pack = render_pack(plugins, claim, generated_at=utcnow().replace(microsecond=0))
    reader = PdfReader(io.BytesIO(pack.pdf))
    pages = len(reader.pages)
    assert pages == pack.pages >= 4
    texts = [page.extract_text() for page in reader.pages]
    for number, text in enumerate(texts, start=1):
        assert f"Claim {claim.number}" in text and f"Page {number} of {pages}" in text, number
    whole = "\n".join(texts)
    for expected in (
        "LANTERNFISH MUTUAL",
        "USD 1,850.00",
        claim.inquiry.order.cover.certificate_no,
        "无人机",
        "Commercial invoice",
        "appended, pages",
        "Invoice",
        "Terms",
        "4PXCS20261103000123",
    ):
        assert expected in whole, expected
    assert sum(len(page.images) for page in reader.pages) >= 2  # the screenshot and the certificate
    index = {entry.label: entry for entry in pack.index}
    assert index["Commercial invoice or proof of purchase"].where.startswith("appended, pages")
    assert index["Marketplace dispute or refund screenshots"].where == "image 1"


def test_the_index_names_the_pages_the_appended_documents_landed_on(plugins):
    """The index's page numbers come from the one layout that also draws the appended pages'
    stamps: each appended document starts on the page the index names, stamped with its number."""
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    pack = render_pack(plugins, claim, generated_at=utcnow().replace(microsecond=0))
    texts = [page.extract_text() for page in PdfReader(io.BytesIO(pack.pdf)).pages]
    appended = [entry for entry in pack.index if entry.where.startswith("appended")]
    assert appended and all(entry.where in "\n".join(texts) for entry in appended)
    last = 0
    for entry in appended:
        first, _, end = entry.where.rsplit(" ", 1)[1].partition("-")
        first, end = int(first), int(end or first)
        assert first == last + 1 if last else first > 1  # in index order, one after another
        assert f"Page {first} of {pack.pages}" in texts[first - 1] and f"Page {end} of {pack.pages}" in texts[end - 1]
        last = end
    assert last == pack.pages  # the last appended page is the pack's last


#: A supplier's invoice with its own running header and footer at the very edges of the page,
#: where the pack's stamp used to overprint them.
EDGE_TO_EDGE_INVOICE = """<style>@page { size: A4; margin: 9mm 10mm 8mm;
  @top-right { content: "Supplier header Shenzhen Parts Co"; font-size: 9pt; vertical-align: top; }
  @bottom-center { content: "Invoice footer page " counter(page); font-size: 9pt; vertical-align: bottom; } }
</style><h1>Invoice</h1><p>Drone USD 1,850.00</p><p style="page-break-before: always">Terms</p>"""


@pytest.mark.parametrize(("insurer", "kind"), [("lanternfish", "not_arrived"), ("jadeharbour", "partly_missing")])
def test_an_appended_pages_own_header_and_footer_never_lie_under_the_stamp(plugins, insurer, kind):
    """Read back with positions (as a renderer lays the pages out): on every appended page the
    stamp's header lies above the appended page's own header and the stamp's "Page x of y" below
    its own footer, apart."""
    from portal.plugin_testing import render_pdf
    from tests.factories import text_boxes

    claim = claims.create_claim(
        plugins,
        ready_inquiry(plugins, insurer=insurer, kind=kind, invoice=render_pdf(EDGE_TO_EDGE_INVOICE)),
        TEST_ACTOR,
    )
    pack = render_pack(plugins, claim, generated_at=utcnow().replace(microsecond=0))
    pages = text_boxes(pack.pdf)
    invoice_pages = [n for n, page in enumerate(pages) if any("Invoice footer" in text for text, *_ in page)]
    assert len(invoice_pages) == 2 and invoice_pages[0] == invoice_pages[1] - 1
    height = float(PdfReader(io.BytesIO(pack.pdf)).pages[invoice_pages[0]].mediabox.height)
    from portal.claims.pack import STAMP_BOTTOM_BAND, STAMP_TOP_BAND

    for number in invoice_pages:

        def at(needle, page=pages[number]):
            (found,) = [(bottom, top) for text, bottom, top in page if needle in text]
            return found

        stamp_header = at(f"Claim {claim.number}")
        stamp_footer = at(f"Page {number + 1} of {pack.pages}")
        own_header = at("Supplier header")
        own_footer = at(f"Invoice footer page {number - invoice_pages[0] + 1}")
        assert stamp_header[0] > own_header[1] + 1, (stamp_header, own_header)
        assert own_footer[0] > stamp_footer[1] + 1, (own_footer, stamp_footer)
        assert stamp_header[1] < height and stamp_footer[0] > 0  # the stamp stays on the page
        # Everything of the invoice lies between the bands, the stamp outside them (poppler's line
        # boxes take the font's whole height: the invoice's footer box touches its page's edge).
        for text, bottom, top in pages[number]:
            inside = bottom >= STAMP_BOTTOM_BAND - 0.5 and top <= height - STAMP_TOP_BAND + 0.5
            assert inside != text.startswith(("Claim ", "Page ")), (text, bottom, top)


def test_an_appended_pages_links_move_with_it(plugins):
    """An appended page is drawn scaled into its stamp page: its annotations (a link here; filled-in
    form fields alike) are carried onto the pack's page and still cover their words."""
    from portal.plugin_testing import render_pdf
    from tests.factories import text_boxes

    invoice = render_pdf('<h1>Invoice</h1><p><a href="https://supplier.example/invoice/42">Invoice online</a></p>')
    claim = claims.create_claim(
        plugins, ready_inquiry(plugins, insurer="lanternfish", kind="not_arrived", invoice=invoice), TEST_ACTOR
    )
    pack = render_pack(plugins, claim, generated_at=utcnow().replace(microsecond=0))
    boxes = text_boxes(pack.pdf)
    (number,) = [n for n, page in enumerate(boxes) if any("Invoice online" in text for text, *_ in page)]
    annotations = [a.get_object() for a in PdfReader(io.BytesIO(pack.pdf)).pages[number].get("/Annots", [])]
    (link,) = [a for a in annotations if a.get("/A", {}).get("/URI") == "https://supplier.example/invoice/42"]
    left, bottom, right, top = (float(v) for v in link["/Rect"])
    ((words_bottom, words_top),) = [(b, t) for text, b, t in boxes[number] if "Invoice online" in text]
    assert abs(bottom - words_bottom) < 3 and abs(top - words_top) < 3, ((bottom, top), (words_bottom, words_top))


def test_the_same_inputs_give_the_same_pack_and_each_insurer_has_its_own_look(plugins):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    when = utcnow().replace(microsecond=0)
    first = render_pack(plugins, claim, generated_at=when).pdf
    assert render_pack(plugins, claim, generated_at=when).pdf == first
    version = claims.make_pack(plugins, claim, TEST_ACTOR)
    assert claims.make_pack(plugins, claim, TEST_ACTOR, now=version.generated_at).version == version.version
    other = claims.create_claim(plugins, ready_inquiry(plugins, insurer="jadeharbour"), TEST_ACTOR)
    jade = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(render_pack(plugins, other, generated_at=when).pdf)).pages
    )
    assert "JADE HARBOUR" in jade and "理赔编号" in jade and "LANTERNFISH" not in jade


def test_a_listed_document_that_cannot_be_read_stops_the_pack(plugins):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    invoice = inquiries.item_of(claim.inquiry, "commercial_invoice").current
    file_store().path(invoice.sha256).write_bytes(b"%PDF-1.7 garbage")
    with pytest.raises(
        PackError, match=r"Commercial invoice or proof of purchase \(invoice.pdf\): the PDF cannot be read"
    ):
        render_pack(plugins, claim, generated_at=utcnow())


# --- CLI and response files ----------------------------------------------------------------


def test_the_cli_writes_packs(plugins, runner, tmp_path):
    from portal.cli import cli

    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    db.session.commit()
    out = tmp_path / "pack.pdf"
    result = runner.invoke(cli, ["claims", "pack", claim.number, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert len(PdfReader(out).pages) >= 4 and f"{claim.number} pack version 1" in result.output
    many = runner.invoke(cli, ["claims", "packs", claim.number, "CLM-NOPE", "-d", str(tmp_path / "all"), "--quiet"])
    assert many.exit_code == 1 and "CLM-NOPE: no such claim" in many.output
    assert (tmp_path / "all" / f"{claim.number}.pdf").exists()


def test_insurer_responses_are_recorded_line_by_line(plugins, runner, tmp_path):
    from portal.cli import cli

    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR, now=SUBMITTED)
    db.session.commit()
    responses = tmp_path / "responses.csv"
    responses.write_text(
        "claim,event,date,amount,reference,reason\n"
        f"{claim.number},accepted,2026-11-25,,LFM-C-55,\n"
        "LFM-C-55,paid,2026-11-30,1850.00,WIRE-9,\n"
        "CLM-2026-999999,paid,2026-11-30,10.00,,\n"
        f"{claim.number},exploded,2026-11-30,,,\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["claims", "import-responses", str(responses)])
    assert result.exit_code == 1
    assert "2 recorded, 0 already recorded, 2 refused" in result.output
    assert "line 4: claim: no claim numbered or referenced 'CLM-2026-999999'" in result.output
    assert "line 5: event: 'exploded' is not one of" in result.output
    db.session.expire_all()
    claim = claims.find_by_number(claim.number)
    assert claim.state == "paid" and claim.payout_due_on == date(2026, 12, 1) and claim.payment_reference == "WIRE-9"
    again = runner.invoke(cli, ["claims", "import-responses", str(responses)])
    assert "0 recorded, 2 already recorded, 2 refused" in again.output


def test_the_api_tells_the_ordering_system_when_the_money_comes(plugins, api):
    from portal.api.openapi import openapi_document
    from tests.factories import assert_documented

    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR, now=SUBMITTED)
    claims.accept(plugins, claim, reference="LFM-C-8", accepted_on=date(2026, 11, 25), actor=TEST_ACTOR)
    db.session.commit()
    response = api.get(f"/api/v1/orders/{claim.inquiry.order.order_no}")
    assert_documented(openapi_document(), "/orders/{order_no}", "get", response)
    body = response.get_json()["claim"]
    assert body == {
        "number": claim.number,
        "state": "accepted",
        "claimed_amount": "1850.00",
        "currency": "USD",
        "accepted_on": "2026-11-25",
        "payout_due_on": "2026-12-01",
        "payout_due_pending": None,
        "paid_on": None,
        "paid_amount": None,
        "advance": None,
    }
