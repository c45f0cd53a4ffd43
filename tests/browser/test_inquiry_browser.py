"""The agent works an inquiry: from the work queue to the order, opens the inquiry, prints and
sends the trace request, uploads the seller's screenshot and the carrier's letter, confirms the
letter's fields and accepts each document; the checklist turns complete without a page reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal.plugin_api import EVIDENCE_KINDS
from tests.browser.support import upload_evidence
from tests.factories import PASSWORD, dispatched_order, loss_letter_pdf, pdf, png_file

pytestmark = pytest.mark.browser


def test_an_agent_works_an_inquiry_until_its_evidence_is_complete(page, job_worker, plugins, make_user, tmp_path):
    order = dispatched_order(plugins)  # covered by Lanternfish
    make_user("li.na")
    letter = tmp_path / "4px-letter.pdf"
    letter.write_bytes(loss_letter_pdf(plugins, tracking_no="4PX3000000000099CN"))

    page.goto("/login")
    page.get_by_label("User name").fill("li.na")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.locator("#queue-rows").get_by_role("link", name=order.order_no).click()
    section = page.locator("#inquiry")
    section.get_by_label("The seller reports").select_option("not_arrived")
    section.get_by_label("Seller's message").fill("The buyer opened a case on Amazon.")
    section.get_by_role("button", name="Open inquiry").click()
    expect(page).to_have_url(re.compile(r"/inquiries/INQ-\d{4}-\d{6}$"))
    # The page answered at once; the job worker makes the three documents and htmx swaps them in.
    for kind in ("delivery_record", "delivery_certificate", "proof_of_insured_value"):
        expect(page.locator(f"#evidence-{kind}")).to_have_attribute("data-state", "received")
    expect(page.locator("#checklist")).not_to_have_attribute("aria-busy", "true")

    # The trace request: printed in 4PX's own form (made by the job worker while the section
    # polls), then recorded with 4PX's reference.
    section = page.locator("#trace-pdf")
    section.get_by_role("button", name="Make the PDF").click()
    with page.expect_download() as download:
        section.get_by_role("link", name=re.compile(r"-trace-request\.pdf$")).click()
    assert download.value.suggested_filename.endswith("-trace-request.pdf")
    expect(page.locator("#trace-pdf")).not_to_have_attribute("aria-busy", "true")
    page.get_by_label("Carrier's trace reference").fill("4PX-TRACE-55120")
    page.get_by_role("button", name="Trace requested").click()
    expect(page.locator("#inquiry-state")).to_have_text("trace requested")
    expect(page.locator("#checklist-status")).to_contain_text("still needed")
    page.get_by_label("The carrier says").select_option("lost")
    page.get_by_role("button", name="Record the carrier's answer").click()
    expect(page.locator("#inquiry-state")).to_have_text("carrier answered")
    # Not ready for a claim yet: the button is disabled and says why beside it.
    ready = page.get_by_role("button", name="Ready for claim")
    expect(ready).to_be_disabled()
    expect(page.locator("#ready-why")).to_contain_text("still needed")
    expect(ready).to_have_attribute("aria-describedby", "ready-why")

    # From here on the checklist changes in place: a marker on the page must survive.
    page.evaluate("window.__still_here = true")

    upload_evidence(page, "dispute_screenshots", png_file(tmp_path / "买家截图.png", (240, 240, 240)))
    # The confirmation is in the page's one status region; the history follows in the same answer.
    expect(page.locator("#flashes")).to_contain_text("买家截图.png received")
    expect(page.locator("#flashes")).to_have_attribute("role", "status")
    expect(page.locator("#history li").first).to_contain_text("买家截图.png")
    upload_evidence(page, "recipient_statement", png_file(tmp_path / "post-office.png", (200, 220, 240)))
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(pdf("<h1>Invoice 2026-0917</h1><p>Drone, USD 1,850.00</p>"))
    upload_evidence(page, "commercial_invoice", str(invoice))
    upload_evidence(page, "loss_letter", str(letter))
    letter_box = page.locator("#loss-letter")
    expect(letter_box.locator(".problems")).to_contain_text(
        "the letter is about tracking number 4PX3000000000099CN, not 4PX3000000000001CN"
    )
    expect(letter_box.get_by_label("Carrier's case reference")).to_have_value("4PXCS20261103000123")
    letter_box.get_by_label("Tracking number in the letter").fill(order.tracking_no)  # the agent corrects it
    letter_box.get_by_role("button", name="Confirm the letter").click()
    expect(page.locator("#loss-letter")).to_contain_text("Confirmed by")

    # Generating a document again asks first (hx-confirm), then the new version is made in place.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("#evidence-delivery_record").get_by_role("button", name="Generate again").click()
    expect(page.locator("#flashes")).to_contain_text("a new version is being made")
    # (Made within the minute from the same data, it is the same file: no second version is added.)
    expect(page.locator("#checklist")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("#evidence-delivery_record")).to_have_attribute("data-state", "received")
    assert asked and asked[0].startswith("Generate the delivery record")

    for kind in (
        "delivery_record",
        "delivery_certificate",
        "proof_of_insured_value",
        "commercial_invoice",
        "dispute_screenshots",
        "recipient_statement",
        "loss_letter",
    ):
        page.locator(f"#evidence-{kind}").get_by_role("button", name="Accept").click()
        expect(page.locator(f"#evidence-{kind}")).to_have_attribute("data-state", "accepted")
        expect(page.locator("#flashes")).to_contain_text(f"{EVIDENCE_KINDS[kind]}: accepted.")
        expect(page.locator("#history li").first).to_contain_text(f"{EVIDENCE_KINDS[kind]} accepted")
    expect(page.locator("#checklist")).not_to_contain_text("Still needed")
    expect(page.locator("#checklist-status")).to_have_text("complete")
    # The next step followed the checklist in the same answer: ready for a claim, no reload.
    expect(ready).to_be_enabled()
    expect(page.locator("#ready-why")).to_have_count(0)
    assert page.evaluate("window.__still_here") is True
    ready.click()
    expect(page.locator("#inquiry-state")).to_have_text("ready for claim")

    with page.expect_download() as download:
        page.locator("#evidence-delivery_record a").first.click()
    assert download.value.suggested_filename.endswith("-delivery-record.pdf")
