"""The staff pages every page-wide browser test visits: each GET page of the portal with real
records in its URL, and how a test logs in (in the page's own language)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from portal.claims.models import Claim
from portal.extensions import db
from portal.inquiries.models import Inquiry
from portal.orders import importer
from portal.orders.models import Order
from portal.plugin_engine import registry
from portal.tracking.services import request_import, run_import
from tests.factories import FOURPX_FIXTURES, PASSWORD, TEST_ACTOR, csv_row, csv_text

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


def log_in(page, username: str) -> None:
    """Log in through the login page, in whichever language it is."""
    page.goto("/login")
    form = page.locator("form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/queue")
