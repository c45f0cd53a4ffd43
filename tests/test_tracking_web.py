"""Tracking in the browser: a scan added by hand (manual, audited with who and why), a carrier's
file uploaded and imported by a job with the CLI's report, dates before the order's entry taken,
and a dispatch scan dated before the cover was bought flagged on the order and the claim."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from portal.audit.models import AuditEvent
from portal.claims import services as claims
from portal.extensions import db
from portal.orders.models import Order
from portal.orders.services import create_order
from portal.tracking.models import TrackingEvent, TrackingImport
from portal.tracking.services import IncomingEvent, ingest
from tests.factories import FOURPX_FIXTURES, TEST_ACTOR, csrf_from, order_payload, ready_inquiry
from tests.jobs_support import drain

#: The order is entered on 1 November 2026, 10:00 in Shanghai.
ENTERED = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def entered_order(plugins, **overrides) -> Order:
    order = create_order(plugins, order_payload(**overrides), TEST_ACTOR, "api", now=ENTERED).order
    db.session.commit()
    return order


def add_scan(auth, client, order, **data) -> str:
    page = client.get(f"/orders/{order.order_no}").get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "occurred_at": "2026-10-30T18:30",
        "status": "in_transit",
        "handover": "pickup",
        "location": "Shenzhen, Longhua",
        "description": "Picked up at the seller's door",
        "why": "The pickup partner's paper manifest shows it; the feed missed the scan",
        **data,
    }
    return client.post(f"/orders/{order.order_no}/scans", data=form, follow_redirects=True).get_data(as_text=True)


def test_a_scan_added_by_hand_is_marked_manual_and_audited_even_before_the_order_was_entered(plugins, auth, client):
    order = entered_order(plugins)
    auth.login("li.na", "agent")
    page = add_scan(auth, client, order)
    assert f"Order {order.order_no}: scan added by hand." in page
    event = db.session.scalar(select(TrackingEvent))
    # 18:30 in Shanghai, two days before the order was entered: taken, in UTC.
    assert (event.source, event.handover, event.occurred_at) == (
        "manual",
        "pickup",
        datetime(2026, 10, 30, 10, 30, tzinfo=UTC),
    )
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "tracking.manual_scan"))
    assert (
        audit.actor_label == "li.na"
        and "paper manifest" in audit.summary
        and audit.after["why"].startswith("The pickup")
    )
    timeline = page.split('id="timeline"')[1]
    assert '<span class="badge warn">manual</span>' in timeline and "Picked up at the seller" in timeline


def test_a_scan_by_hand_is_refused_with_its_reason_and_nothing_stored(plugins, auth, client):
    order = entered_order(plugins)
    auth.login("li.na", "agent")
    assert "say why the scan is added by hand" in add_scan(auth, client, order, why="  ")
    assert "lies in the future" in add_scan(auth, client, order, occurred_at="2099-01-01T09:00")
    absurd = add_scan(auth, client, order, occurred_at="2025-12-01T09:00")
    assert f"more than 183 days before order {order.order_no} was entered (2026-11-01 10:00)" in absurd
    assert db.session.scalar(select(func.count()).select_from(TrackingEvent)) == 0
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "tracking.manual_scan")
        )
        == 0
    )


def test_a_dispatch_scan_before_the_cover_was_bought_is_flagged_on_the_order_and_the_claim(plugins, auth, client):
    claim = claims.create_claim(plugins, ready_inquiry(plugins), TEST_ACTOR)
    order = claim.inquiry.order
    db.session.commit()
    auth.login("li.na", "agent")
    assert 'id="cover-doubt"' not in client.get(f"/orders/{order.order_no}").get_data(as_text=True)
    # The carrier's feed brings a dispatch scan from two days before the cover was bought.
    earlier = order.cover.bought_at - timedelta(days=2)
    ingest(
        plugins,
        order,
        [IncomingEvent(earlier, "DEP", "in_transit", None, "Departed", "Shenzhen", "dispatch")],
        source="file",
        actor=TEST_ACTOR,
        now=order.cover.bought_at + timedelta(days=40),
    )
    db.session.commit()
    db.session.refresh(order)
    assert order.dispatched_at == earlier
    flag = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cover.bought_after_dispatch"))
    assert flag.entity_id == str(order.id) and f"cover {order.cover.certificate_no} was bought" in flag.summary
    for path in (f"/orders/{order.order_no}", f"/claims/{claim.number}"):
        page = client.get(path).get_data(as_text=True)
        assert 'id="cover-doubt"' in page and "Cover bought after dispatch." in page, path


def upload(auth, client, name: str, data: bytes):
    token = csrf_from(client.get("/tracking/imports").get_data(as_text=True))
    return client.post(
        "/tracking/imports",
        data={"csrf_token": token, "carrier": "fourpx", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_tracking_file_uploaded_in_the_browser_is_imported_by_a_job_with_the_clis_report(
    plugins, auth, client, runner
):
    from portal.cli import cli

    order = entered_order(plugins, tracking_no="4PX3001234567890CN")
    auth.login("li.na", "agent")
    response = upload(auth, client, "full_journey.csv", (FOURPX_FIXTURES / "full_journey.csv").read_bytes())
    assert response.status_code == 303
    status_url = response.headers["Location"] + "/status"
    waiting = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Waiting for a worker" in waiting and 'hx-trigger="every 1s"' in waiting and "<progress" in waiting

    assert drain() == 1  # the worker
    done = client.get(status_url).get_data(as_text=True)
    row = db.session.scalar(select(TrackingImport))
    assert row.state == "done" and row.processed == row.total == row.added > 0 and "hx-trigger" not in done
    assert f"{row.added} events added to 1 orders, 0 already stored, 0 problems" in done
    db.session.refresh(order)
    assert order.tracking_status == "delivered"

    # A broken file: the page's report says line for line what `coverdesk tracking import` says.
    broken = FOURPX_FIXTURES / "broken.csv"
    response = upload(auth, client, "broken.csv", broken.read_bytes())
    drain()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    report = page.split('id="import-report">')[1].split("</pre>")[0]
    cli_lines = runner.invoke(cli, ["tracking", "import", str(broken), "--carrier", "fourpx", "--quiet"]).output
    problems = [line.replace(str(broken), "broken.csv") for line in cli_lines.splitlines()[1:]]
    import html

    assert problems and html.unescape(report).splitlines()[1:] == problems


def test_an_import_whose_job_gives_up_stops_polling_and_says_why(app, plugins, auth, client, monkeypatch):
    from portal.tracking import services

    app.config["JOB_ATTEMPTS"] = 1  # gives up at the first failure
    entered_order(plugins, tracking_no="4PX3001234567890CN")
    auth.login("li.na", "agent")

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "store_feed", broken)
    response = upload(auth, client, "full_journey.csv", (FOURPX_FIXTURES / "full_journey.csv").read_bytes())
    drain()
    page = client.get(response.headers["Location"] + "/status").get_data(as_text=True)
    assert "Not imported" in page and "RuntimeError: the disk is full" in page and "hx-trigger" not in page
