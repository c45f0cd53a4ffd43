"""Every staff page at 390 px wide (a phone) and at 1366 px (a laptop), as an agent, a supervisor
and an admin, on the demo data: the document never scrolls sideways, only tables do, each inside
its own scrolling box. A screenshot of each page is saved (see the ``artefacts`` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal.auth.access import ACCESS
from portal.claims.models import Claim
from portal.demo.seed import load_demo
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.orders import importer
from portal.orders.models import Order
from portal.plugin_engine import registry
from portal.tracking.services import request_import, run_import
from tests.factories import FOURPX_FIXTURES, PASSWORD, TEST_ACTOR, csv_row, csv_text

pytestmark = pytest.mark.browser

NOW = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)  # in 4PX's peak season, as the demo must handle

#: GET endpoints that are not pages a person reads: files, htmx fragments, probes, redirects.
NOT_PAGES = {
    "static": "a file",
    "home": "redirects to the queue",
    "auth.login": "checked signed out, below",
    "auth.second_factor": "only half-way through a login with a second factor",
    "orders.quote_preview": "an htmx fragment of the new-order form",
    "inquiries.checklist": "an htmx fragment of the inquiry page",
    "inquiries.document": "a PDF",
    "inquiries.trace_request_pdf": "a PDF",
    "claims.pack": "a PDF",
    "advances.statement_pdf": "a PDF",
    "advances.statement_status": "an htmx fragment of the statement page",
    "inquiries.trace_request_status": "an htmx fragment of the inquiry page",
    "orders.import_status": "an htmx fragment of the import page",
    "tracking.import_status": "an htmx fragment of the import page",
    "claims.packs": "an htmx fragment of the claim page",
}

#: What the document may measure beyond its viewport: nothing (a rounding pixel at most).
SLACK_PX = 1

LAYOUT = """() => {
  const doc = document.documentElement;
  const wide = [];
  for (const table of document.querySelectorAll('main table')) {
    const box = table.parentElement;
    const scrolls = box && box.classList.contains('table-scroll') && getComputedStyle(box).overflowX === 'auto';
    if (!scrolls) wide.push(table.outerHTML.slice(0, 80));
  }
  const overflowing = [];
  for (const element of document.querySelectorAll('body *')) {
    if (element.closest('.table-scroll')) continue;
    const right = element.getBoundingClientRect().right;
    if (right > doc.clientWidth + 1) overflowing.push(`${element.tagName.toLowerCase()}${element.id ? '#' + element.id : ''}.${element.className} (${Math.round(right)} px)`);
  }
  return {scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, unboxed: wide, overflowing: overflowing.slice(0, 8)};
}"""


def staff_pages(app) -> dict[str, list[str]]:
    """Every GET page of the portal with real records in its URL, by endpoint; a new page that
    is neither here nor in ``NOT_PAGES`` fails the test until it is measured too."""
    order = db.session.scalar(select(Order).where(Order.order_no == "PRG-2026-0917"))
    inquiry = db.session.scalar(select(Inquiry).order_by(Inquiry.id))
    claim = db.session.scalar(select(Claim).order_by(Claim.id))
    tracking_import = request_import(
        "fourpx", "full_journey.csv", (FOURPX_FIXTURES / "full_journey.csv").read_bytes(), TEST_ACTOR, NOW
    )
    run_import(registry(), tracking_import, TEST_ACTOR, NOW)
    orders_import = importer.request_import("orders.csv", csv_text(csv_row(1)).encode(), TEST_ACTOR, NOW)
    db.session.commit()
    values = {
        "order_no": order.order_no,
        "number": None,  # inquiry or claim, by blueprint
        "import_id": None,  # a tracking file or an orders file, by blueprint
        "code": order.seller.code,
    }
    pages: dict[str, list[str]] = {}
    with app.test_request_context():
        from flask import url_for

        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint.startswith(("api.", "health.")):
                continue
            if rule.endpoint in NOT_PAGES:
                continue
            arguments = {}
            for name in rule.arguments:
                if name == "number":
                    arguments[name] = inquiry.number if rule.endpoint.startswith("inquiries.") else claim.number
                elif name == "import_id":
                    arguments[name] = orders_import.id if rule.endpoint.startswith("orders.") else tracking_import.id
                else:
                    assert name in values, f"{rule.endpoint}: no record for <{name}>; add one to staff_pages"
                    arguments[name] = values[name]
            pages[rule.endpoint] = [url_for(rule.endpoint, **arguments)]
    pages["orders.index"].append(f"/orders/?q={order.order_no[:6]}")
    pages["queue.index"].append("/queue?kind=inquiry")
    return pages


def log_in(page, username):
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/queue")


def check_layout(page, url: str, width: int, problems: list[str]) -> None:
    layout = page.evaluate(LAYOUT)
    if layout["scrollWidth"] > layout["clientWidth"] + SLACK_PX:
        problems.append(
            f"{url} at {width} px scrolls sideways ({layout['scrollWidth']} > {layout['clientWidth']}): "
            f"{layout['overflowing']}"
        )
    if layout["unboxed"]:
        problems.append(f"{url} at {width} px: tables outside a scrolling box: {layout['unboxed']}")


@pytest.mark.parametrize("width", [390, 1366])
def test_every_staff_page_fits_the_screen(width, app, strict_context, make_user, artefacts):
    app.config["CLOCK"] = lambda: NOW
    load_demo(NOW)
    db.session.commit()
    pages = staff_pages(app)
    viewport = {"width": width, "height": 844 if width < 500 else 900}
    problems: list[str] = []
    visited = 0

    anonymous = strict_context(viewport=viewport).new_page()
    anonymous.goto("/login")
    check_layout(anonymous, "/login", width, problems)
    anonymous.screenshot(path=artefacts / f"{width}-login.png", full_page=True, caret="initial")

    for role in ("agent", "supervisor", "admin"):
        make_user(f"{role}.narrow", role)
        page = strict_context(viewport=viewport).new_page()
        log_in(page, f"{role}.narrow")
        for endpoint, urls in sorted(pages.items()):
            if role not in ACCESS[endpoint]:
                continue
            for n, url in enumerate(urls):
                page.goto(url)
                check_layout(page, url, width, problems)
                page.screenshot(path=artefacts / f"{width}-{role}-{endpoint}-{n}.png", full_page=True, caret="initial")
                visited += 1
        page.context.close()

    assert not problems, "\n".join(problems)
    # Agents open 14 pages, supervisors those and the advances' two, admins those and four more.
    assert visited >= 14 + 16 + 20, visited
