"""The agent's queue at 1366 px: each row's stage and next action, a quiet parcel to watch with its
carrier's stall date, sorting by "quiet for", taking a case and filtering "mine"/"unassigned"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.clock import utcnow
from portal.extensions import db
from portal.orders.services import create_order
from portal.tracking.services import IncomingEvent, ingest
from tests.factories import PASSWORD, TEST_ACTOR, order_payload

pytestmark = pytest.mark.browser


def quiet_parcel(plugins, number, value, quiet_days):
    last_news = utcnow() - timedelta(days=quiet_days)
    bought = last_news - timedelta(days=10)
    order = create_order(
        plugins,
        order_payload(
            order_no=number,
            declared_value=value,
            tracking_no=f"4PX3000000000{number[-3:]}CN",
            cover={"insurer": "lanternfish", "insured_value": value},
        ),
        TEST_ACTOR,
        "api",
        now=bought,
    ).order
    events = [
        IncomingEvent(bought + timedelta(hours=5), None, status="in_transit", handover="dispatch"),
        IncomingEvent(last_news, None, status="in_transit", location="Los Angeles, US"),
    ]
    ingest(plugins, order, events, source="api", actor=TEST_ACTOR)
    db.session.commit()
    return order


def test_the_agent_works_the_queue(new_context, plugins, claim):
    watched = quiet_parcel(plugins, "PRG-2026-0801", "640.00", quiet_days=8)
    quiet_parcel(plugins, "PRG-2026-0802", "90.00", quiet_days=45)  # stalled by the carrier long ago
    page = new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto("/login")
    page.get_by_label("User name").fill("li.na")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/queue$"))

    rows = page.locator("#queue-rows tbody tr")
    expect(rows).to_have_count(3)
    case_row = rows.filter(has_text=claim.inquiry.number)
    expect(case_row.locator(".stage")).to_have_text("Claim")
    expect(case_row).to_contain_text("Make the submission pack")
    expect(case_row).to_contain_text("unassigned")
    watch_row = rows.filter(has_text=watched.order_no)
    expect(watch_row.locator(".stage")).to_have_text("Watch")
    expect(watch_row).to_contain_text("quiet 8 d")
    expect(watch_row).to_contain_text(re.compile(r"carrier's stall date \d{4}-\d{2}-\d{2}"))
    expect(rows.last).to_contain_text(watched.order_no)  # watched parcels come after the rest

    # Quietest first.
    page.get_by_role("link", name="Quiet for").click()
    expect(page).to_have_url(re.compile(r"sort=quiet"))
    expect(page.locator("#queue-rows tbody tr").first).to_contain_text("PRG-2026-0802")

    # Take the case, then see it under "Mine" and no longer under "Unassigned".
    page.goto("/queue")
    page.locator("#queue-rows tbody tr").filter(has_text=claim.inquiry.number).get_by_role(
        "button", name="Take"
    ).click()
    expect(page.get_by_text(f"You have taken {claim.inquiry.number}.")).to_be_visible()
    expect(page.locator("#queue-rows tbody tr").filter(has_text=claim.inquiry.number)).to_contain_text("li.na")
    page.get_by_label("Assigned to").select_option("mine")
    expect(page.locator("#queue-rows tbody tr")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"assigned=mine"))
    page.get_by_label("Assigned to").select_option("unassigned")
    expect(page.locator("#queue-rows tbody tr")).to_have_count(2)
    expect(page.locator("#queue-rows")).not_to_contain_text(claim.inquiry.number)
    # The page fits the screen: only a table may scroll, inside its own box.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
