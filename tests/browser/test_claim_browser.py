"""The agent drafts the claim of a complete inquiry, makes the insurer's pack and downloads it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.factories import PASSWORD, ready_inquiry

pytestmark = pytest.mark.browser


def test_an_agent_files_a_claim_and_downloads_its_pack(page, job_worker, plugins, make_user, tmp_path):
    inquiry = ready_inquiry(plugins)
    make_user("li.na")
    page.goto("/login")
    page.get_by_label("User name").fill("li.na")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()  # let the login land first
    page.goto(f"/inquiries/{inquiry.number}")
    page.get_by_role("button", name="Draft the claim").click()
    expect(page).to_have_url(re.compile(r"/claims/CLM-\d{4}-\d{6}$"))
    expect(page.locator(".page-head .badge")).to_have_text("draft")
    page.get_by_role("button", name="Make the pack").click()
    expect(page.locator("#packs tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.locator("#packs").get_by_role("link", name="Download").click()
    saved = tmp_path / "pack.pdf"
    download.value.save_as(saved)
    reader = PdfReader(saved)
    assert len(reader.pages) >= 4 and "LANTERNFISH MUTUAL" in reader.pages[0].extract_text()
    page.get_by_role("button", name="Submitted to the insurer").click()
    expect(page.locator(".page-head .badge").first).to_have_text("submitted")
