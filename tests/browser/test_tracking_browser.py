"""In Chromium: an agent adds a scan by hand on the order page and uploads a carrier's tracking
file, whose import the page follows until the report; an admin enters a year's working-day
calendar and the claim's pending payout date is worked out."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from portal.claims import services as claims
from portal.extensions import db
from portal.orders.services import create_order
from portal.plugin_engine import registry
from tests.factories import FOURPX_FIXTURES, PASSWORD, TEST_ACTOR, order_payload, ready_inquiry

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()  # let the login land first


def test_an_agent_adds_a_scan_by_hand_and_imports_a_tracking_file(page, make_user, job_worker):
    order = create_order(
        registry(),
        order_payload(tracking_no="4PX3001234567890CN"),
        TEST_ACTOR,
        "api",
        now=datetime(2026, 11, 1, 2, 0, tzinfo=UTC),
    ).order
    db.session.commit()
    make_user("li.na")
    log_in(page, "li.na")
    page.goto(f"/orders/{order.order_no}")
    page.get_by_text("Add a scan by hand").click()
    page.get_by_label("When (warehouse time)").fill("2026-10-30T18:30")  # before the order was entered
    page.get_by_label("Handover").select_option("pickup")
    page.get_by_label("Where").fill("Shenzhen, Longhua")
    page.get_by_label("What the scan says").fill("Picked up at the seller's door")
    page.get_by_label("Why it is added by hand").fill("The pickup manifest shows it; the feed missed it")
    page.get_by_role("button", name="Add the scan").click()
    expect(page.get_by_text(f"Order {order.order_no}: scan added by hand.")).to_be_visible()
    expect(page.locator("#timeline tbody tr")).to_have_count(1)
    expect(page.locator("#timeline .badge", has_text="manual")).to_be_visible()

    page.get_by_role("link", name="Upload a carrier's tracking file").click()
    page.get_by_label("Carrier", exact=True).select_option("fourpx")
    page.get_by_label("Carrier's tracking file").set_input_files(str(FOURPX_FIXTURES / "full_journey.csv"))
    page.get_by_role("button", name="Import the file").click()
    # The job worker imports it while the page polls: the progress gives way to the report.
    expect(page.locator("#import-report")).to_contain_text("events added to 1 orders, 0 already stored, 0 problems")
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()


def test_an_admin_enters_a_years_calendar_and_the_pending_due_date_is_worked_out(page, plugins, make_user, tmp_path):
    claim = claims.create_claim(plugins, ready_inquiry(plugins, insurer="jadeharbour"), TEST_ACTOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR)
    claims.accept(plugins, claim, reference="JH-9", accepted_on=date(2030, 12, 27), actor=TEST_ACTOR)
    db.session.commit()
    make_user("admin.one", "admin")
    log_in(page, "admin.one")
    page.goto(f"/claims/{claim.number}")
    expect(page.locator("#payout-due-pending")).to_have_text("pending")
    page.get_by_role("link", name="Calendars").click()
    page.get_by_label("Year").fill("2030")
    page.get_by_label("Official notice").fill("State Council notice on the 2030 holidays")
    page.get_by_label("Holidays (one date or range a line, then its name)").fill(
        "2030-01-01 New Year's Day\n2030-12-30..2030-12-31 Year-end closure"
    )
    page.get_by_role("button", name="Enter the calendar").click()
    expect(page.get_by_text("CN 2030:")).to_be_visible()
    expect(page.locator("#calendar-CN-2030")).to_contain_text("State Council notice on the 2030 holidays")
    page.goto(f"/claims/{claim.number}")
    # 27 Dec 2030 is a Friday: the 30th and 31st are entered as holidays, and 2031 is not known yet.
    expect(page.locator("#payout-due-pending")).to_be_visible()
    expect(page.get_by_text("does not know 2031 yet")).to_be_visible()
    # 2031 as a CSV file: New Year 1-3 January off, Saturday 4 January worked.
    csv_file = tmp_path / "cn-2031.csv"
    csv_file.write_text(
        "date,kind,name\n2031-01-01..2031-01-03,holiday,New Year's Day\n2031-01-04,workday,make-up day\n",
        encoding="utf-8",
    )
    page.goto("/admin/calendars")
    page.get_by_label("Year").fill("2031")
    page.get_by_label("Official notice").fill("State Council notice on the 2031 holidays")
    page.get_by_label("…or a CSV file (date,kind,name)").set_input_files(str(csv_file))
    page.get_by_role("button", name="Enter the calendar").click()
    expect(page.locator("#calendar-CN-2031")).to_contain_text("2031-01-04")
    page.goto(f"/claims/{claim.number}")
    # Saturday 4 January (worked), Monday 6 and Tuesday 7 January: due on the 7th.
    expect(page.locator("#payout-due-pending")).to_have_count(0)
    expect(page.get_by_role("strong").filter(has_text="2031-01-07")).to_be_visible()
