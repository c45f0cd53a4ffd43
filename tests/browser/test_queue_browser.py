"""The agent's path: tracking events come in, the parcel goes quiet, it shows on the work queue,
the agent opens it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.audit.services import Actor
from portal.clock import to_local, utcnow
from portal.extensions import db
from portal.orders.services import create_order
from portal.tracking.services import import_feed
from tests.factories import PASSWORD, TEST_ACTOR, order_payload

pytestmark = pytest.mark.browser

TRACKING_NO = "4PX3001234567891CN"


def fourpx_csv(rows: list[tuple]) -> bytes:
    """A file in 4PX's own tracking format (times in China time, text statuses)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tracking_no", "event_time", "status_text", "location", "remark"])
    writer.writerows(
        [TRACKING_NO, f"{to_local(when):%Y-%m-%d %H:%M:%S}", text, place, ""] for when, text, place in rows
    )
    return out.getvalue().encode()


def test_a_parcel_that_goes_quiet_shows_on_the_queue_and_opens(page, plugins, make_user):
    bought = utcnow() - timedelta(days=40)
    create_order(
        plugins,
        order_payload(
            order_no="PRG-2026-0917",
            tracking_no=TRACKING_NO,
            declared_value="1850.00",
            cover={"insurer": "lanternfish", "insured_value": "1850.00"},
        ),
        TEST_ACTOR,
        "api",
        now=bought,
    )
    db.session.commit()
    make_user("li.na")

    page.goto("/login")
    page.get_by_label("User name").fill("li.na")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(
        page.get_by_text("Nothing to work on: no covered parcel has stalled and no inquiry is open.")
    ).to_be_visible()

    # 4PX's file arrives: picked up, through the processing centre, dispatched, abroad... then silence.
    report = import_feed(
        plugins,
        "fourpx",
        fourpx_csv(
            [
                (bought + timedelta(hours=4), "已揽收 / Picked up from seller", "Shenzhen"),
                (bought + timedelta(hours=9), "已到达处理中心 / Received at processing centre", "Shenzhen"),
                (bought + timedelta(days=1), "已交干线运输 / Handed to line-haul", "Shenzhen"),
                (bought + timedelta(days=4), "已到达目的国 / Arrived at destination country", "Los Angeles, US"),
            ]
        ),
        source="file",
        actor=Actor.system("4PX file"),
    )
    assert report.added == 4 and not report.problems

    page.reload()
    row = page.locator("#queue-rows tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("PRG-2026-0917")
    expect(row).to_contain_text("USD\u00a01,850.00")
    expect(row.locator(".badge")).to_contain_text(re.compile(r"stalled \d+ d"))

    row.get_by_role("link", name="PRG-2026-0917").click()
    expect(page).to_have_url(re.compile(r"/orders/PRG-2026-0917$"))
    timeline = page.locator("#timeline")
    expect(timeline.get_by_text("stalled since")).to_be_visible()
    expect(timeline.get_by_text("dispatched to carrier")).to_be_visible()
    expect(timeline.get_by_text("processing-centre intake")).to_be_visible()
    expect(timeline).to_contain_text("Los Angeles, US")
