"""Inquiries: opening rules, the lifecycle, the evidence checklist with grace deadlines, the queue
and the ordering system's side of it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.audit.models import AuditEvent
from portal.clock import local_today, to_local, utcnow
from portal.extensions import db
from portal.inquiries import services
from portal.inquiries.models import Inquiry
from portal.queue.models import QueueItem
from portal.tracking.services import IncomingEvent, ingest
from tests.factories import TEST_ACTOR, dispatched_order, opened, query


def audit_actions(inquiry) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "inquiry", AuditEvent.entity_id == str(inquiry.id))
            .order_by(AuditEvent.id)
        )
    )


# --- opening -------------------------------------------------------------------------------


def test_opening_before_the_carriers_earliest_trace_day_is_refused_with_that_date(plugins, api):
    order = dispatched_order(plugins, days_ago=2)
    window = plugins.carrier("fourpx").trace_window("fourpx_c", "US")
    earliest = to_local(order.dispatched_at).date() + timedelta(days=window.earliest_day)
    response = api.post(f"/api/v1/orders/{order.order_no}/inquiries", json=query())
    assert response.status_code == 422
    body = response.get_json()
    assert body["available_on"] == earliest.isoformat() and earliest.isoformat() in body["error"]
    assert db.session.scalar(select(func.count()).select_from(Inquiry)) == 0


def test_one_open_inquiry_per_order_even_when_two_arrive_at_once(plugins, api):
    order = dispatched_order(plugins)
    first = api.post(f"/api/v1/orders/{order.order_no}/inquiries", json=query())
    assert first.status_code == 201, first.get_json()
    again = api.post(f"/api/v1/orders/{order.order_no}/inquiries", json=query(kind="damaged"))
    assert again.status_code == 409 and first.get_json()["number"] in again.get_json()["error"]
    # The database refuses a second open inquiry even when the service's check is bypassed.
    db.session.add(
        Inquiry(
            order_id=order.id, kind="damaged", channel="api", asked_on=date.today(), opened_by="race", state="opened"
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_bad_queries_name_the_field(plugins, api):
    order = dispatched_order(plugins)
    response = api.post(
        f"/api/v1/orders/{order.order_no}/inquiries",
        json={
            "kind": "vanished",
            "channel": "pigeon",
            "asked_on": "yesterday",
            "dispute": {"platform": "Amazon", "respond_by": "2026-13-01"},
        },
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"kind", "channel", "asked_on", "dispute.id", "dispute.respond_by"}
    assert api.post("/api/v1/orders/NOPE/inquiries", json=query()).status_code == 404
    uncovered = dispatched_order(plugins, order_no="PRG-2026-0002", tracking_no="4PX3000000000002CN", cover=False)
    refused = api.post(f"/api/v1/orders/{uncovered.order_no}/inquiries", json=query())
    assert refused.status_code == 422 and "no cover" in refused.get_json()["error"]


def test_a_delivered_parcel_can_be_reported_damaged_at_once(plugins):
    order = dispatched_order(plugins, days_ago=2)
    ingest(
        plugins,
        order,
        [IncomingEvent(utcnow() - timedelta(hours=3), None, status="delivered")],
        source="api",
        actor=TEST_ACTOR,
    )
    inquiry = opened(plugins, order, kind="damaged")
    kinds = [item.kind for item in inquiry.items]
    assert "damage_photos" in kinds and "loss_letter" not in kinds


# --- checklist -----------------------------------------------------------------------------


def test_the_checklist_comes_from_the_insurer_and_the_carrier(plugins):
    order = dispatched_order(plugins)
    inquiry = opened(plugins, order)
    insurer = plugins.insurer("lanternfish").evidence_required("not_arrived", local_today())
    carrier = plugins.carrier("fourpx").evidence_required("not_arrived", "fourpx_c")
    expected = list(dict.fromkeys([r.kind for r in insurer] + [r.kind for r in carrier]))
    assert [item.kind for item in inquiry.items] == expected
    assert {
        "delivery_record",
        "delivery_certificate",
        "proof_of_insured_value",
        "dispute_screenshots",
        "loss_letter",
        "recipient_statement",
    } <= set(expected)
    for item in inquiry.items:
        assert item.why
        if item.generated:
            # The portal's own documents are made at once and stored as PDFs.
            assert item.state == "received" and item.current.media_type == "application/pdf"
            assert item.current.source == "generated"
        else:
            assert item.state == "missing" and item.current is None


def test_grace_deadlines_follow_the_insurers_rule(plugins):
    order = dispatched_order(plugins)
    inquiry = opened(plugins, order)
    rules = {r.kind: r.grace for r in plugins.insurer("lanternfish").evidence_required("not_arrived", local_today())}
    deferred = {kind: grace for kind, grace in rules.items() if grace}
    assert {"dispute_screenshots", "loss_letter"} <= set(deferred)
    starts = {"inquiry_opened": inquiry.opened_at}
    for item in inquiry.items:
        grace = deferred.get(item.kind)
        if grace is None:
            assert item.due_on is None
        elif grace.counted_from in starts:
            assert item.due_on == to_local(starts[grace.counted_from]).date() + timedelta(days=grace.days)
    services.request_trace(inquiry, "4PXCS-TRACE-1", TEST_ACTOR)
    services.record_answer(inquiry, "lost", TEST_ACTOR)
    db.session.commit()
    for item in inquiry.items:
        if item.kind in deferred:
            assert item.due_on is not None, item.kind  # every start has happened by now


def test_deferring_needs_a_grace_period_and_stays_within_it(plugins):
    inquiry = opened(plugins, dispatched_order(plugins))
    with pytest.raises(services.InquiryRefused, match="no grace period"):
        services.review_item(inquiry, "recipient_statement", "defer", TEST_ACTOR)
    screenshots = services.item_of(inquiry, "dispute_screenshots")
    with pytest.raises(services.InquiryRefused, match="grace period ends"):
        services.review_item(
            inquiry, "dispute_screenshots", "defer", TEST_ACTOR, until=screenshots.due_on + timedelta(days=1)
        )
    services.review_item(inquiry, "dispute_screenshots", "defer", TEST_ACTOR)
    db.session.commit()
    assert screenshots.state == "deferred" and screenshots.changed_by == TEST_ACTOR.label
    with pytest.raises(services.InquiryRefused, match="nothing received"):
        services.review_item(inquiry, "recipient_statement", "accept", TEST_ACTOR)
    with pytest.raises(services.InquiryRefused, match="why"):
        services.review_item(inquiry, "delivery_record", "reject", TEST_ACTOR)
    services.review_item(inquiry, "delivery_record", "reject", TEST_ACTOR, reason="Wrong parcel")
    assert services.item_of(inquiry, "delivery_record").reason == "Wrong parcel"
    services.review_item(inquiry, "proof_of_insured_value", "accept", TEST_ACTOR)
    before = len(audit_actions(inquiry))
    services.review_item(inquiry, "proof_of_insured_value", "accept", TEST_ACTOR)  # the form posted twice
    assert len(audit_actions(inquiry)) == before


# --- lifecycle -----------------------------------------------------------------------------


def test_only_allowed_transitions_and_each_is_audited(plugins):
    inquiry = opened(plugins, dispatched_order(plugins))
    with pytest.raises(services.InquiryRefused, match="cannot record answer"):
        services.record_answer(inquiry, "lost", TEST_ACTOR)
    with pytest.raises(services.InquiryRefused, match="cannot mark ready"):
        services.mark_ready(inquiry, TEST_ACTOR)
    with pytest.raises(services.InquiryRefused, match="reference"):
        services.request_trace(inquiry, "  ", TEST_ACTOR)
    services.request_trace(inquiry, "4PXCS-1", TEST_ACTOR)
    with pytest.raises(services.InquiryRefused, match="not 'delivered'"):
        services.close(inquiry, "delivered", TEST_ACTOR)
    services.record_answer(inquiry, "lost", TEST_ACTOR)
    with pytest.raises(services.InquiryRefused, match="not ready for a claim"):
        services.mark_ready(inquiry, TEST_ACTOR)
    services.close(inquiry, "withdrawn", TEST_ACTOR)
    db.session.commit()
    assert inquiry.state == "closed" and inquiry.closed_reason == "withdrawn"
    with pytest.raises(services.InquiryRefused):
        services.request_trace(inquiry, "again", TEST_ACTOR)
    assert audit_actions(inquiry)[0] == "inquiry.opened"
    assert {"inquiry.trace_requested", "inquiry.carrier_answered", "inquiry.closed"} <= set(audit_actions(inquiry))
    # Closed, the order may get a new inquiry.
    assert opened(plugins, inquiry.order).number != inquiry.number


def test_a_found_parcel_closes_as_delivered(plugins):
    inquiry = opened(plugins, dispatched_order(plugins))
    services.request_trace(inquiry, "4PXCS-2", TEST_ACTOR)
    services.record_answer(inquiry, "delivered", TEST_ACTOR)
    services.close(inquiry, "delivered", TEST_ACTOR)
    db.session.commit()
    assert inquiry.closed_reason == "delivered"


# --- the queue and the API -----------------------------------------------------------------


def test_an_open_inquiry_replaces_the_stalled_item_and_ranks_by_its_deadline(plugins, api):
    quiet = dispatched_order(plugins)
    other = dispatched_order(
        plugins,
        order_no="PRG-2026-0003",
        tracking_no="4PX3000000000003CN",
        declared_value="3000.00",
        cover={"insurer": "lanternfish", "insured_value": "3000.00"},
    )
    # (Each parcel also has a "watch" item, from its first quiet week until its carrier stalled it.)
    kinds = lambda: {  # noqa: E731
        (row.order_id, row.kind) for row in db.session.scalars(select(QueueItem).where(QueueItem.kind != "watch"))
    }
    assert kinds() == {(quiet.id, "stalled"), (other.id, "stalled")}
    respond_by = local_today() + timedelta(days=2)
    inquiry = opened(plugins, quiet, dispute={"platform": "Amazon", "id": "A-1", "respond_by": respond_by.isoformat()})
    assert kinds() == {(quiet.id, "inquiry"), (other.id, "stalled")}
    items = db.session.scalars(
        select(QueueItem).order_by(QueueItem.tier, QueueItem.due_on, QueueItem.insured_value.desc())
    ).all()
    assert items[0].order_id == quiet.id and items[0].due_on == respond_by  # the deadline beats the bigger value
    body = api.get(f"/api/v1/orders/{quiet.order_no}").get_json()
    assert body["inquiry"]["number"] == inquiry.number and body["inquiry"]["state"] == "opened"
    assert body["inquiry"]["dispute"]["respond_by"] == respond_by.isoformat()
    assert {item["kind"] for item in body["inquiry"]["evidence"]} >= {"loss_letter", "dispute_screenshots"}
    services.close(inquiry, "withdrawn", TEST_ACTOR)
    db.session.commit()
    assert kinds() == {(quiet.id, "stalled"), (other.id, "stalled")}  # still quiet: back on the queue


def test_a_passed_grace_deadline_is_flagged_on_the_queue(plugins, auth, client):
    inquiry = opened(plugins, dispatched_order(plugins))
    item = services.item_of(inquiry, "dispute_screenshots")
    item.due_on = local_today() - timedelta(days=1)
    from portal.queue.items import refresh_inquiry

    refresh_inquiry(inquiry)
    db.session.commit()
    auth.login()
    html = client.get("/queue").get_data(as_text=True)
    assert inquiry.number in html and "grace deadline passed" in html
    page = client.get(f"/inquiries/{inquiry.number}").get_data(as_text=True)
    assert "grace deadline passed" in page
