"""Plugins in the browser: a plugin that fails while an agent works gets a named message (not an
error page) and is counted on the Plugins page; an inquiry whose carrier is no longer loaded
opens with a banner and refuses changes by name."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, dispatched_order, opened

pytestmark = pytest.mark.browser


def log_in(page, make_user, username: str, role: str) -> None:
    make_user(username, role)
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("load")  # the home page's scripts loaded before the test moves on


def test_a_failing_plugin_is_named_to_the_agent_and_counted_for_the_admin(
    page, new_context, plugins, make_user, monkeypatch
):
    inquiry = opened(plugins, dispatched_order(plugins))

    def broken(self, details):
        raise KeyError("form_id")

    monkeypatch.setattr(plugins.carriers["fourpx"].raw.__class__, "trace_request", broken)
    log_in(page, make_user, "li.na", "agent")
    page.goto(f"/inquiries/{inquiry.number}")
    trace = page.locator("#trace-request")
    expect(trace).to_contain_text("The carrier plugin 4PX (fourpx) failed in trace_request: KeyError: 'form_id'")
    expect(page.get_by_role("heading", name=f"Inquiry {inquiry.number}")).to_be_visible()

    admin = new_context().new_page()
    log_in(admin, make_user, "root.admin", "admin")
    admin.goto("/admin/plugins")
    row = admin.locator("#plugin-carrier-fourpx")
    expect(row.locator("[data-failures]")).to_contain_text("1")
    expect(row).to_contain_text("last: trace_request: KeyError: 'form_id'")
    expect(row.locator("td.mono").nth(1)).to_have_text(plugins.carrier("fourpx").contract)  # the one it was written for
    expect(row).to_contain_text("stalled after")
    expect(admin.locator("#plugin-insurer-lanternfish")).to_contain_text("rates: USD 1.39 per started USD 100")


def test_an_unloaded_carriers_inquiry_opens_read_only_with_a_banner(page, plugins, make_user):
    inquiry = opened(plugins, dispatched_order(plugins))
    del plugins.carriers["fourpx"]  # as if it failed to load at the last start

    log_in(page, make_user, "li.na", "agent")
    page.goto(f"/inquiries/{inquiry.number}")
    expect(page.locator(".plugin-banner")).to_contain_text("The carrier 'fourpx' is not loaded (see the Plugins page)")
    expect(page.get_by_role("heading", name=f"Inquiry {inquiry.number}")).to_be_visible()
    expect(page.locator("#trace-request")).to_contain_text("The carrier 'fourpx' is not loaded")
    # Read-only: no step is offered (the server refuses one anyway, see test_plugin_guard.py).
    expect(page.get_by_role("button", name="Close inquiry")).to_have_count(0)
    expect(page.locator("#next-step")).to_have_count(0)
    page.get_by_role("link", name=inquiry.order.order_no).click()
    expect(page.locator(".plugin-banner")).to_contain_text("The carrier 'fourpx' is not loaded")
