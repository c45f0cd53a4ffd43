"""A case finishes by itself once the insurer has decided and the money is settled, and leaves the
queue; until then it stays open, whichever step comes last."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.advances import ledger
from portal.advances import services as advances
from portal.audit.models import AuditEvent
from portal.claims import services as claims
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.queue.models import QueueItem
from tests.factories import AGENT, SUPERVISOR, TEST_ACTOR

ACCEPTED_ON = date(2026, 6, 1)  # a year the calendar knows
SUBMITTED = datetime(2026, 5, 29, 8, 0, tzinfo=UTC)


def _accepted(plugins, claim):
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR, SUBMITTED)
    claims.accept(plugins, claim, reference="INS-77", accepted_on=ACCEPTED_ON, actor=TEST_ACTOR)


def _paid(claim, amount="1850.00", **options):
    claims.pay(claim, amount=Decimal(amount), paid_on=date(2026, 6, 5), reference="PAY-1", actor=TEST_ACTOR, **options)


def _paid_advance(plugins, claim, amount):
    advance = advances.request_advance(plugins, claim, Decimal(amount), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    return advance


def _queue_kinds(claim) -> set[str]:
    db.session.flush()
    return set(db.session.scalars(select(QueueItem.kind).where(QueueItem.order_id == claim.order_id)))


def _finished_events(claim) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "inquiry.finished", AuditEvent.entity_id == str(claim.inquiry_id))
    ).all()


def test_a_paid_claim_without_an_advance_finishes_the_case_and_leaves_the_queue(plugins, claim):
    _accepted(plugins, claim)
    assert "inquiry" in _queue_kinds(claim)
    _paid(claim)
    db.session.commit()
    inquiry = claim.inquiry
    assert (inquiry.state, inquiry.closed_reason) == ("closed", "claim_paid")
    assert _queue_kinds(claim) == set()  # nor does the parcel come back as stalled
    (event,) = _finished_events(claim)
    assert event.before == {"state": "ready_for_claim"}
    assert event.after == {"state": "closed", "closed_reason": "claim_paid"}
    assert "claim paid and advance settled" in event.summary


def test_an_advanced_case_waits_for_the_settlement(plugins, claim):
    _paid_advance(plugins, claim, "1000.00")
    _accepted(plugins, claim)
    _paid(claim, "700.00", accept_difference=True)  # the settlement is booked with the payment
    assert claim.inquiry.is_open  # a shortfall of 300.00 is still open
    advances.recover(claim, Decimal("100.00"), SUPERVISOR)
    assert claim.inquiry.is_open and "inquiry" in _queue_kinds(claim)
    advances.write_off(claim, Decimal("200.00"), "Seller closed", SUPERVISOR)
    db.session.commit()
    assert (claim.inquiry.state, claim.inquiry.closed_reason) == ("closed", "claim_paid")
    assert _queue_kinds(claim) == set()
    assert len(_finished_events(claim)) == 1


def test_a_rejected_claim_finishes_once_the_recovery_is_closed(plugins, claim):
    _paid_advance(plugins, claim, "500.00")
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR, SUBMITTED)
    claims.reject(claim, reason="Excluded", actor=TEST_ACTOR)
    assert claim.inquiry.is_open  # 500.00 to recover from the seller
    advances.recover(claim, Decimal("500.00"), SUPERVISOR, reference="SELLER-BACK")
    db.session.commit()
    assert (claim.inquiry.state, claim.inquiry.closed_reason) == ("closed", "claim_rejected")
    (event,) = _finished_events(claim)
    assert event.actor_label == SUPERVISOR.actor.label  # who booked the last step


def test_a_rejected_claim_without_an_advance_finishes_at_once(plugins, claim):
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR, SUBMITTED)
    claims.reject(claim, reason="Excluded", actor=TEST_ACTOR)
    db.session.commit()
    assert claim.inquiry.closed_reason == "claim_rejected"
    assert _queue_kinds(claim) == set()


def test_an_undecided_advance_keeps_the_case_open_until_declined(plugins, claim):
    advance = advances.request_advance(plugins, claim, Decimal("300.00"), "USD", AGENT)
    _accepted(plugins, claim)
    db.session.commit()
    # The insurer's payment waits for a supervisor's decision on the advance: refused, and undone.
    with pytest.raises(advances.AdvanceRefused, match="decline the advance"):
        _paid(claim)
    db.session.rollback()
    assert claim.inquiry.is_open and claim.state == "accepted"
    advances.decline(advance, "The insurer paid first", SUPERVISOR)
    assert claim.inquiry.is_open
    _paid(claim)
    db.session.commit()
    assert claim.inquiry.closed_reason == "claim_paid"
    (event,) = _finished_events(claim)
    assert event.actor_label == TEST_ACTOR.label


def _stage_everywhere(auth_client, api, claim) -> dict[str, str]:
    """The stage the queue, the order page, the orders list and the API give the claim's case."""
    order_no = claim.inquiry.order.order_no
    found = {}
    queue = auth_client.get("/queue").get_data(as_text=True)
    found["queue"] = _first_stage(queue, order_no) if order_no in queue else None
    found["page"] = _first_stage(auth_client.get(f"/orders/{order_no}").get_data(as_text=True))
    found["list"] = _first_stage(auth_client.get("/orders/", query_string={"q": order_no}).get_data(as_text=True))
    found["api"] = api.get(f"/api/v1/orders/{order_no}").get_json()["case"]["stage"]
    return found


def _first_stage(html: str, near: str = "") -> str:
    start = html.rindex('data-stage="', 0, html.index(near)) if near else html.index('data-stage="')
    start += len('data-stage="')
    return html[start : html.index('"', start)]


def test_every_page_and_the_api_give_the_same_stage_until_the_case_finishes(auth, client, api, plugins, claim):
    auth.login("li.na", "agent")

    def stage() -> str:
        found = _stage_everywhere(client, api, claim)
        assert len(set(found.values())) == 1, found
        return found["queue"]

    assert stage() == "claim"
    assert "Make the submission pack" in client.get("/queue").get_data(as_text=True)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    db.session.commit()
    assert stage() == "pack_to_send"
    advance = advances.request_advance(plugins, claim, Decimal("1000.00"), "USD", AGENT)
    db.session.commit()
    assert stage() == "advance_to_approve"
    advances.approve(advance, SUPERVISOR)
    db.session.commit()
    assert stage() == "advance_to_pay"
    advances.pay(advance, "BANK-1", SUPERVISOR)
    claims.submit(claim, TEST_ACTOR, SUBMITTED)
    db.session.commit()
    assert stage() == "awaiting_insurer"
    claims.accept(plugins, claim, reference="INS-77", accepted_on=ACCEPTED_ON, actor=TEST_ACTOR)
    db.session.commit()
    assert stage() == "payout_overdue"  # due a few working days after 1 June 2026, long past
    _paid(claim, "1850.00")  # books the advance's settlement in the same step: nothing left to settle
    db.session.commit()
    found = _stage_everywhere(client, api, claim)
    assert found == {"queue": None, "page": "finished", "list": "finished", "api": "finished"}
    page = client.get(f"/orders/{claim.inquiry.order.order_no}").get_data(as_text=True)
    for number in (claim.inquiry.number, claim.number, advance.number):
        assert number in page
    assert api.get(f"/api/v1/orders/{claim.inquiry.order.order_no}").get_json()["case"]["advance"] == {
        "number": advance.number,
        "state": "paid",
    }
    inquiry_page = client.get(f"/inquiries/{claim.inquiry.number}").get_data(as_text=True)
    assert "<dt>Closed</dt><dd>Claim paid and advance settled ·" in inquiry_page  # its name, not its code


def test_a_reversed_settlement_reopens_the_finished_case_until_it_is_settled_again(plugins, claim):
    _paid_advance(plugins, claim, "1000.00")
    _accepted(plugins, claim)
    _paid(claim, "800.00", accept_difference=True)
    write_off = advances.write_off(claim, Decimal("200.00"), "Seller closed", SUPERVISOR)
    db.session.commit()
    assert claim.inquiry.closed_reason == "claim_paid"

    ledger.reverse(write_off, actor=SUPERVISOR.actor, memo="Seller reopened: recover instead")
    db.session.commit()
    inquiry = claim.inquiry
    assert (inquiry.state, inquiry.closed_reason, inquiry.closed_at) == ("ready_for_claim", None, None)
    assert "inquiry" in _queue_kinds(claim)
    (reopened,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "inquiry.reopened", AuditEvent.entity_id == str(inquiry.id))
    ).all()
    assert reopened.before == {"state": "closed", "closed_reason": "claim_paid"}
    assert reopened.actor_label == SUPERVISOR.actor.label

    advances.recover(claim, Decimal("200.00"), SUPERVISOR, reference="SELLER-BACK")
    db.session.commit()
    assert claim.inquiry.closed_reason == "claim_paid" and _queue_kinds(claim) == set()
    assert len(_finished_events(claim)) == 2


def test_only_a_finished_case_is_reopened_never_one_an_agent_closed(claim):
    inquiries.close(claim.inquiry, "withdrawn", TEST_ACTOR)
    db.session.commit()
    assert not inquiries.reopen(claim.inquiry, "money open again", TEST_ACTOR)
    assert (claim.inquiry.state, claim.inquiry.closed_reason) == ("closed", "withdrawn")
