"""The agent works an inquiry: opens it from the order page, uploads the seller's screenshot and
the carrier's letter (the checklist refreshes in place with htmx), accepts, and sees what the
letter got wrong."""

from __future__ import annotations

import io
import re
import sys

import pytest
from PIL import Image
from playwright.sync_api import expect

from portal.plugin_testing import render_pdf
from tests.conftest import PASSWORD
from tests.test_inquiries import dispatched_order

pytestmark = pytest.mark.browser


def test_an_agent_opens_an_inquiry_and_completes_its_evidence(page, plugins, make_user, tmp_path):
    order = dispatched_order(plugins)
    make_user("li.na")
    shot = tmp_path / "买家截图.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (240, 240, 240)).save(buffer, "PNG")
    shot.write_bytes(buffer.getvalue())
    carrier = plugins.carrier("fourpx")
    letters = sys.modules[type(carrier).__module__.rsplit(".", 1)[0] + ".letters"]
    letter = tmp_path / "4px-letter.pdf"
    letter.write_bytes(render_pdf(letters.sample_letter_html(tracking_no="4PX3000000000099CN")))

    page.goto("/login")
    page.get_by_label("User name").fill("li.na")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/orders/{order.order_no}")
    section = page.locator("#inquiry")
    section.get_by_label("The seller reports").select_option("not_arrived")
    section.get_by_label("Seller's message").fill("The buyer opened a case on Amazon.")
    section.get_by_role("button", name="Open inquiry").click()
    expect(page).to_have_url(re.compile(r"/inquiries/INQ-\d{4}-\d{6}$"))
    expect(page.locator("#evidence-delivery_record")).to_have_attribute("data-state", "received")

    # The upload swaps only the checklist: a marker set on the page survives it.
    page.evaluate("window.__still_here = true")
    row = page.locator("#evidence-dispute_screenshots")
    row.locator("input[type=file]").set_input_files(str(shot))
    row.get_by_role("button", name="Upload").click()
    expect(page.locator("#evidence-dispute_screenshots")).to_have_attribute("data-state", "received")
    expect(page.locator("#checklist")).to_contain_text("买家截图.png received")
    page.locator("#evidence-dispute_screenshots").get_by_role("button", name="Accept").click()
    expect(page.locator("#evidence-dispute_screenshots")).to_have_attribute("data-state", "accepted")
    assert page.evaluate("window.__still_here") is True

    page.locator("#evidence-loss_letter input[type=file]").set_input_files(str(letter))
    page.locator("#evidence-loss_letter").get_by_role("button", name="Upload").click()
    expect(page.locator("#evidence-loss_letter")).to_have_attribute("data-state", "received")
    page.reload()
    problems = page.locator("#loss-letter .problems")
    expect(problems).to_contain_text("the letter is about tracking number 4PX3000000000099CN, not 4PX3000000000001CN")
    expect(page.locator("#loss-letter").get_by_label("Carrier's case reference")).to_have_value("4PXCS20261103000123")
    download_link = page.locator("#evidence-delivery_record a").first
    with page.expect_download() as download:
        download_link.click()
    assert download.value.suggested_filename.endswith("-delivery-record.pdf")
