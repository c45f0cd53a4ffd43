"""Steps the browser tests share (builders of data are in ``tests.factories``)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect


def upload_evidence(page: Page, kind: str, path: str, t: Callable[[str], str] = str) -> None:
    """Upload the file at ``path`` in the checklist row of ``kind`` and wait until it is received
    (``t`` gives the page's words in its language: ``tests.factories.translator``)."""
    row = page.locator(f"#evidence-{kind}")
    row.locator("input[type=file]").set_input_files(path)
    row.get_by_role("button", name=t("Upload")).click()
    expect(page.locator(f"#evidence-{kind}")).to_have_attribute("data-state", "received")
