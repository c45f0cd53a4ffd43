"""The orders pages in a real browser: login, the new-order form with its premium preview, active
search with and without JavaScript, and form errors. See ``conftest.py`` for the harness."""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from portal.cover.models import Cover
from portal.cover.services import quote
from portal.extensions import db
from portal.money import Money
from portal.orders.models import Order
from portal.orders.services import create_order
from portal.plugin_api import Quote
from portal.plugin_engine import registry
from tests.factories import PASSWORD, TEST_ACTOR, order_payload

pytestmark = pytest.mark.browser

ORDER = order_payload()  # PRG-2026-0001, Pearl River Gadgets, 4PX-C to the US, USD 1,850.00 with cover
OTHER_ORDER = order_payload(
    order_no="KWT-2026-0002",
    seller={"code": "KWT001", "name": "Kowloon Widget Trading", "email": "desk@kowloon.example"},
    tracking_no="4PX3999999999999CN",
    cover=None,
)


SEARCH_LABEL = "Search any part of an order number, tracking number, seller code or name"


def log_in(page: Page, username: str) -> None:
    """Log in through the login form, as a person would, land on the work queue, open the orders."""
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/queue$"))
    expect(page.get_by_role("heading", name="Work queue", level=1)).to_be_visible()
    page.wait_for_load_state("load")  # under load, leaving before htmx.js arrived aborts it (a reported problem)
    page.locator("header.topbar").get_by_role("link", name="Orders").click()
    expect(page).to_have_url(re.compile(r"/orders/$"))
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    # The heading shows before the deferred htmx has run; keys typed then would send no search.
    page.wait_for_load_state("load")


def fill_order_form(page: Page, payload: dict) -> None:
    """Fill the New order form from an API-style payload, cover fields excepted."""
    seller = payload["seller"]
    page.get_by_label("Seller code").fill(seller["code"])
    page.get_by_label("Seller name").fill(seller["name"])
    page.get_by_label("Seller e-mail").fill(seller["email"])
    page.get_by_label("Order number").fill(payload["order_no"])
    page.get_by_label("Tracking number").fill(payload["tracking_no"])
    page.get_by_label("Carrier and service").select_option(f"{payload['carrier']}:{payload['service']}")
    page.get_by_label("Destination").select_option(payload["destination_country"])
    page.get_by_label("Declared value").fill(payload["declared_value"])
    page.get_by_label("Currency").select_option(payload["currency"])
    page.get_by_label("Goods category").select_option(payload["category"])
    page.get_by_label("Contents").fill(payload["contents"])


def choose_cover(page: Page, insurer: str, insured_value: str) -> None:
    """Pick the insurer, then type the insured value key by key (the preview listens for keyup)."""
    page.get_by_label("Insurer", exact=True).select_option(insurer)
    insured = page.get_by_label("Insured value")
    insured.fill("")
    insured.press_sequentially(insured_value)


def expected_premium(payload: dict) -> str:
    """The premium the service quotes today, formatted as the pages show money."""
    currency = payload["currency"]
    result = quote(
        registry(),
        insurer_code=payload["cover"]["insurer"],
        insured_value=Money.of(payload["cover"]["insured_value"], currency),
        declared_value=Money.of(payload["declared_value"], currency),
        destination_country=payload["destination_country"],
        category=payload["category"],
        carrier_code=payload["carrier"],
        service_code=payload["service"],
    )
    assert isinstance(result, Quote), result
    return result.premium.format()


def search_query(url: str) -> str | None:
    """The ``q`` parameter of ``url``, or None."""
    values = parse_qs(urlsplit(url).query).get("q")
    return values[0] if values else None


def create_orders(*payloads: dict) -> None:
    plugins = registry()
    for payload in payloads:
        create_order(plugins, payload, TEST_ACTOR, source="api")
    db.session.commit()


def screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("COVERDESK_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def assert_real_png(path: Path, width: int) -> None:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    png_width, png_height = struct.unpack(">II", data[16:24])
    assert png_width == width and png_height >= 600, (path, png_width, png_height)
    assert len(data) > 20_000, f"{path} is only {len(data)} bytes: a blank page?"


def test_log_in_and_see_the_orders_page(page, make_user):
    make_user("agent.one")
    page.goto("/login")
    page.get_by_label("User name").fill("agent.one")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/queue$"))
    expect(
        page.get_by_text("Nothing to work on: no covered parcel has stalled and no inquiry is open.")
    ).to_be_visible()
    page.locator("header.topbar").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", name="Orders", level=1)).to_be_visible()
    expect(page.locator("header.topbar")).to_contain_text("Agent One · agent")
    expect(page.get_by_text("No orders yet.")).to_be_visible()
    expect(page.get_by_role("searchbox", name=SEARCH_LABEL)).to_be_visible()


def test_wrong_password_is_refused_on_the_login_page(page, make_user, browser_problems):
    make_user("agent.one")
    browser_problems.allow(401, "/login")
    page.goto("/login")
    page.get_by_label("User name").fill("agent.one")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("Wrong user name or password, or the account is disabled.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("header.topbar")).to_have_count(0)


def test_new_order_needs_a_login_and_returns_to_it_afterwards(page, make_user):
    make_user("agent.one")
    response = page.goto("/orders/new")

    assert response is not None and response.request.redirected_from is not None
    assert response.request.redirected_from.url.endswith("/orders/new")
    expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)orders(/|%2F)new$"))
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.locator("header.topbar")).to_have_count(0)

    page.get_by_label("User name").fill("agent.one")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/orders/new$"))
    expect(page.get_by_role("heading", name="New order", level=1)).to_be_visible()


def test_create_an_order_with_cover_through_the_form(page, make_user, tmp_path):
    make_user("agent.one")
    log_in(page, "agent.one")
    shots = screenshot_dir(tmp_path)
    premium = expected_premium(ORDER)

    page.locator("header.topbar").get_by_role("link", name="New order").click()
    expect(page.get_by_role("heading", name="New order", level=1)).to_be_visible()
    # Carrier and service form one select, the services grouped under their carrier.
    expect(page.locator('select#shipping optgroup[label="4PX"] > option[value="fourpx:fourpx_c"]')).to_have_count(1)

    fill_order_form(page, ORDER)
    quote_box = page.locator("#quote")
    choose_cover(page, ORDER["cover"]["insurer"], ORDER["cover"]["insured_value"])
    expect(quote_box).to_contain_text(f"Premium {premium}")
    expect(quote_box.locator(".quoted")).to_be_visible()

    # Lanternfish does not cover Brazil: the preview says so, and a change back brings the premium back.
    page.get_by_label("Destination").select_option("BR")
    expect(quote_box.locator(".refused")).to_contain_text("Refused: Lanternfish Mutual does not cover parcels to BR")
    expect(quote_box).not_to_contain_text("Premium")
    page.get_by_label("Destination").select_option("US")
    expect(quote_box).to_contain_text(f"Premium {premium}")
    page.screenshot(path=shots / "new-order.png", full_page=True)

    page.get_by_role("button", name="Create order").click()

    expect(page).to_have_url(re.compile(r"/orders/PRG-2026-0001$"))
    expect(page.get_by_role("heading", name="Order PRG-2026-0001", level=1)).to_be_visible()
    certificate = page.locator("dt:text-is('Certificate') + dd")
    expect(certificate).to_have_text(re.compile(r"^LFM-\d{4}-\d{8}$"))
    expect(page.locator("dt:text-is('Premium') + dd")).to_contain_text(premium)
    expect(page.locator("dt:text-is('Insurer') + dd")).to_have_text("Lanternfish Mutual")
    expect(page.get_by_role("status")).to_contain_text(
        f"Order PRG-2026-0001 created with cover {certificate.inner_text()}."
    )
    page.screenshot(path=shots / "order-detail.png", full_page=True)

    stored = db.session.execute(
        sa.select(Order.order_no, Order.source, Cover.certificate_no, Cover.premium).join(
            Cover, Cover.order_id == Order.id
        )
    ).one()
    assert stored.order_no == "PRG-2026-0001" and stored.source == "web"
    assert stored.certificate_no == certificate.inner_text()
    assert Money(stored.premium, "USD").format() == premium

    page.locator("header.topbar").get_by_role("link", name="Orders").click()
    expect(page.get_by_role("link", name="PRG-2026-0001")).to_be_visible()
    page.screenshot(path=shots / "orders.png", full_page=True)

    for name in ("orders.png", "new-order.png", "order-detail.png"):
        assert_real_png(shots / name, width=1280)


def test_active_search_updates_the_table_without_a_reload(page, make_user):
    create_orders(ORDER, OTHER_ORDER)
    make_user("agent.one")
    log_in(page, "agent.one")
    rows = page.locator("#order-rows tbody tr")
    expect(rows).to_have_count(2)
    search = page.get_by_role("searchbox", name=SEARCH_LABEL)
    # A page load would drop this; htmx swapping the table in place keeps it.
    page.evaluate("window.__sameDocument = 'still here'")

    # The start of the order number, its middle, the tracking number (typed in lower case), part of
    # the seller's name.
    for query in ("PRG-2026", "2026-0001", "4px30000", "river gadg"):
        with page.expect_response(lambda r, q=query: search_query(r.url) == q) as searched:
            search.press_sequentially(query)
        assert searched.value.request.resource_type in ("xhr", "fetch")
        assert searched.value.request.header_value("hx-request") == "true"

        expect(rows).to_have_count(1)
        expect(rows.get_by_role("link", name="PRG-2026-0001")).to_have_attribute("href", "/orders/PRG-2026-0001")
        expect(page.locator("#order-rows")).not_to_contain_text("KWT-2026-0002")
        # hx-push-url: the address can be bookmarked and shared.
        expect(page).to_have_url(re.compile(r"/orders/\?q=" + re.escape(query).replace(r"\ ", r"(\+|%20)") + "$"))
        assert page.evaluate("window.__sameDocument") == "still here", f"the page was reloaded for {query!r}"

        search.fill("")
        expect(rows).to_have_count(2)

    search.press_sequentially("ZZZ-NOTHING")
    expect(page.locator("#order-rows")).to_have_text("No order matches “ZZZ-NOTHING”.")
    search.fill("PRG")
    expect(rows).to_have_count(1)
    assert page.evaluate("window.__sameDocument") == "still here"
    expect(page.get_by_role("heading", name="Orders", level=1)).to_have_count(1)  # swapped, not nested

    rows.get_by_role("link", name="PRG-2026-0001").click()
    expect(page).to_have_url(re.compile(r"/orders/PRG-2026-0001$"))
    expect(page.get_by_role("heading", name="Order PRG-2026-0001", level=1)).to_be_visible()


def test_search_works_without_javascript(new_context, make_user):
    create_orders(ORDER, OTHER_ORDER)
    make_user("agent.one")
    page = new_context(java_script_enabled=False).new_page()
    log_in(page, "agent.one")
    rows = page.locator("#order-rows tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_role("searchbox", name=SEARCH_LABEL).fill("Pearl River")
    with page.expect_response(lambda r: r.request.is_navigation_request() and search_query(r.url)) as searched:
        page.get_by_role("button", name="Search").click()
    response = searched.value
    assert response.status == 200 and search_query(response.url) == "Pearl River"
    assert response.request.resource_type == "document"
    assert response.request.header_value("hx-request") is None  # a plain form GET, no htmx

    expect(page).to_have_url(re.compile(r"/orders/\?q=Pearl\+River$"))
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link", name="PRG-2026-0001")).to_be_visible()
    expect(page.get_by_role("searchbox", name=SEARCH_LABEL)).to_have_value("Pearl River")


def test_form_error_is_shown_at_the_field_and_nothing_is_created(page, make_user, browser_problems):
    make_user("agent.one")
    log_in(page, "agent.one")
    browser_problems.allow(422, "/orders/new")
    page.goto("/orders/new")
    fill_order_form(page, ORDER)
    choose_cover(page, "lanternfish", "2000.00")
    # The preview already refuses it...
    expect(page.locator("#quote .refused")).to_contain_text("more than the declared value")

    # ...and the server refuses the order, with the reason next to the field.
    with page.expect_response(lambda r: r.request.method == "POST" and r.request.is_navigation_request()) as posted:
        page.get_by_role("button", name="Create order").click()
    assert posted.value.status == 422 and posted.value.url.endswith("/orders/new")

    insured = page.get_by_label("Insured value")
    expect(insured).to_have_attribute("aria-invalid", "true")
    expect(insured).to_have_value("2000.00")
    field = page.locator(".field.has-error", has=insured)
    expect(field.locator("p.error")).to_have_text("2000.00 USD is more than the declared value 1850.00 USD")
    expect(insured).to_have_attribute("aria-describedby", "cover_insured_value-error")
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.get_by_label("Order number")).to_have_value(ORDER["order_no"])

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    page.goto("/orders/")
    expect(page.get_by_text("No orders yet.")).to_be_visible()


def test_an_orders_file_is_imported_by_the_worker_while_the_page_shows_its_progress(
    page, make_user, job_worker, tmp_path
):
    from tests.factories import csv_row, csv_text

    make_user("li.na")
    log_in(page, "li.na")
    path = tmp_path / "订单.csv"
    path.write_text(csv_text(csv_row(1), csv_row(2), csv_row(3, seller_email="nope")), encoding="utf-8")
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    expect(page).to_have_url(re.compile(r"/orders/import/\d+$"))
    # The page answered at once; the worker imports while it polls, then the report is swapped in.
    expect(page.locator("#import-report")).to_contain_text(
        "2 orders created (2 with cover), 0 already present, 1 problems."
    )
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator("#import-report")).to_contain_text("seller_email")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Order)) == 2
