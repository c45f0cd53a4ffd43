"""Advances: four eyes, exactly once under concurrency on both databases, and a ledger that always
balances (hypothesis drives random sequences of bookings)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.advances import ledger
from portal.advances import services as advances
from portal.advances.models import Advance, LedgerEntry, LedgerLine
from portal.audit.services import Actor
from portal.claims import services as claims
from portal.extensions import db
from tests.factories import AGENT, SUPERVISOR, TEST_ACTOR

OTHER_SUPERVISOR = advances.Staff(3, Actor("user", "3", "wang.fang"), True)


def approved(plugins, claim, amount="1200.00") -> Advance:
    advance = advances.request_advance(plugins, claim, Decimal(amount), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    db.session.commit()
    return advance


@pytest.mark.parametrize(
    "amount, currency, message",
    [
        ("2000.00", "USD", "more than the amount claimed, USD\u00a01,850.00"),
        ("0", "USD", "more than zero"),
        ("-5", "USD", "more than zero"),
        ("100.00", "EUR", "in the claim's currency, USD, not EUR"),
    ],
)
def test_bad_requests_change_nothing(plugins, claim, amount, currency, message):
    with pytest.raises(advances.AdvanceRefused, match=message):
        advances.request_advance(plugins, claim, Decimal(amount), currency, AGENT)
    assert db.session.scalar(select(func.count()).select_from(Advance)) == 0


def test_four_eyes_one_advance_per_claim_and_only_approved_ones_are_paid(plugins, claim):
    advance = advances.request_advance(plugins, claim, Decimal("1200.00"), "USD", AGENT)
    with pytest.raises(advances.AdvanceRefused, match="already has advance"):
        advances.request_advance(plugins, claim, Decimal("10.00"), "USD", AGENT)
    with pytest.raises(advances.AdvanceRefused, match="only an approved advance is paid"):
        advances.pay(advance, "BANK-1", SUPERVISOR)
    with pytest.raises(advances.AdvanceRefused, match="only a supervisor"):
        advances.approve(advance, AGENT)
    own = advances.Staff(1, Actor("user", "1", "li.na"), True)  # even a supervisor cannot approve their own
    with pytest.raises(advances.AdvanceRefused, match="another supervisor decides"):
        advances.approve(advance, own)
    advances.approve(advance, SUPERVISOR)
    with pytest.raises(advances.AdvanceRefused, match="already approved"):
        advances.decline(advance, "changed my mind", OTHER_SUPERVISOR)
    assert advances.pay(advance, "BANK-1", SUPERVISOR) is True
    assert advances.pay(advance, "BANK-1", SUPERVISOR) is False  # the same payment posted twice
    with pytest.raises(advances.AdvanceRefused, match="already paid"):
        advances.pay(advance, "BANK-2", SUPERVISOR)
    db.session.commit()
    assert advances.exposure(claim) == Decimal("1200.00")


def test_the_materials_must_be_complete_and_sufficient(plugins, claim):
    item = next(item for item in claim.inquiry.items if item.kind == "dispute_screenshots")
    item.state = "rejected"
    with pytest.raises(advances.AdvanceRefused, match="Marketplace dispute or refund screenshots is rejected"):
        advances.request_advance(plugins, claim, Decimal("100.00"), "USD", AGENT)


def test_the_database_allows_one_live_advance_and_one_payout_whatever_the_code_does(plugins, claim):
    advance = approved(plugins, claim)
    db.session.add(
        Advance(
            claim_id=claim.id,
            seller_id=advance.seller_id,
            insurer_code="lanternfish",
            amount=Decimal("1.00"),
            currency="USD",
            state="requested",
            requested_by="race",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    advances.pay(advance, "BANK-9", SUPERVISOR)
    with pytest.raises(IntegrityError):
        ledger.book(
            "advance_paid",
            claim=claim,
            advance=advance,
            currency="USD",
            actor=TEST_ACTOR,
            lines={"advances": Decimal("1200.00"), "bank": Decimal("-1200.00")},
        )
    db.session.rollback()


def _race(app, worker, count: int) -> list:
    """Run ``worker(index)`` in ``count`` threads at once, each with its own app context,
    session and connection; returns what each returned or raised."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(index):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = worker(index)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the test counts what each thread met
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_approvals_and_payments_pay_exactly_once(app, plugins, claim, round_):
    advance_id, claim_id = advances.request_advance(plugins, claim, Decimal("900.00"), "USD", AGENT).id, claim.id
    db.session.commit()
    db.session.remove()
    supervisors = [advances.Staff(2 + i % 2, Actor("user", str(2 + i % 2), f"sup{i}"), True) for i in range(8)]
    decided = _race(app, lambda i: advances.approve(db.session.get(Advance, advance_id), supervisors[i]), 8)
    assert sum(result is None for result in decided) == 1
    assert all(isinstance(r, advances.AdvanceRefused) for r in decided if r is not None)
    paid = _race(
        app, lambda i: advances.pay(db.session.get(Advance, advance_id), f"BANK-{round_}-{i}", supervisors[i]), 8
    )
    assert sum(result is True for result in paid) == 1, paid
    assert all(isinstance(r, advances.AdvanceRefused) for r in paid if r is not True)
    payouts = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "advance_paid")).all()
    assert len(payouts) == 1 and db.session.get(Advance, advance_id).state == "paid"
    assert ledger.balance("advances", claim_id=claim_id, currency="USD") == Decimal("900.00")


def test_settlement_shortfall_recovery_and_write_off(plugins, claim):
    advance = approved(plugins, claim, "1000.00")
    advances.pay(advance, "BANK-1", SUPERVISOR)
    advances.book_settlement(claim, Decimal("700.00"), "USD", SUPERVISOR, reference="INS-1")
    assert advances.exposure(claim) == Decimal("300.00")
    advances.recover(claim, Decimal("100.00"), SUPERVISOR)
    with pytest.raises(advances.AdvanceRefused, match="only a supervisor"):
        advances.write_off(claim, Decimal("200.00"), "small", AGENT)
    advances.write_off(claim, Decimal("200.00"), "Seller closed", SUPERVISOR)
    assert advances.exposure(claim) == 0
    # More than the advance: the rest is owed to the seller.
    advances.book_settlement(claim, Decimal("50.00"), "USD", SUPERVISOR)
    assert ledger.balance("seller_payable", claim_id=claim.id, currency="USD") == Decimal("-50.00")


def test_a_rejected_claim_after_an_advance_becomes_a_recovery_case(plugins, claim):
    advance = approved(plugins, claim, "500.00")
    advances.pay(advance, "BANK-1", SUPERVISOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR)
    claims.reject(claim, reason="Excluded", actor=TEST_ACTOR)
    assert advances.exposure(claim) == 0
    assert ledger.balance("seller_receivable", claim_id=claim.id, currency="USD") == Decimal("500.00")


def test_a_correction_is_a_reversing_entry_never_an_edit(plugins, claim):
    advance = approved(plugins, claim, "500.00")
    advances.pay(advance, "BANK-1", SUPERVISOR)
    wrong = advances.book_settlement(claim, Decimal("400.00"), "USD", SUPERVISOR)
    reversal = ledger.reverse(wrong, actor=TEST_ACTOR, memo="booked on the wrong claim")
    assert {line.account: line.amount for line in reversal.lines} == {
        line.account: -line.amount for line in wrong.lines
    }
    with pytest.raises(ledger.LedgerRefused, match="already reversed"):
        ledger.reverse(wrong, actor=TEST_ACTOR, memo="again")
    assert advances.exposure(claim) == Decimal("500.00")


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["settle", "recover", "write_off", "reverse", "reject"]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("900.00"), places=2),
    ),
    max_size=8,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_ledger_always_balances(plugins, claim, operations):
    """Whatever happens after a payout, every entry balances, the whole ledger balances per
    currency, and exposure plus recovery cases equal what was advanced less what came back."""
    nested = db.session.begin_nested()  # each example starts from the same claim
    try:
        advance = advances.request_advance(plugins, claim, Decimal("800.00"), "USD", AGENT)
        advances.approve(advance, SUPERVISOR)
        advances.pay(advance, "BANK-H", SUPERVISOR)
        for operation, amount in operations:
            try:
                if operation == "settle":
                    advances.book_settlement(claim, amount, "USD", SUPERVISOR)
                elif operation == "recover":
                    advances.recover(claim, amount, SUPERVISOR)
                elif operation == "write_off":
                    advances.write_off(claim, amount, "test", SUPERVISOR)
                elif operation == "reject":
                    advances.on_claim_rejected(claim, TEST_ACTOR)
                else:
                    last = db.session.scalar(
                        select(LedgerEntry)
                        .where(LedgerEntry.kind != "reversal", LedgerEntry.kind != "advance_paid")
                        .order_by(LedgerEntry.id.desc())
                    )
                    if last is not None:
                        ledger.reverse(last, actor=TEST_ACTOR, memo="test")
            except (advances.AdvanceRefused, ledger.LedgerRefused):
                pass  # refused operations change nothing
            sums = db.session.execute(
                select(LedgerLine.entry_id, func.sum(LedgerLine.amount)).group_by(LedgerLine.entry_id)
            ).all()
            assert all(Decimal(str(total)) == 0 for _, total in sums)
            totals = ledger.balances(claim_id=claim.id, currency="USD")
            assert sum(totals.values(), Decimal(0)) == 0
            open_amount = totals[("advances", "USD")] + totals[("seller_receivable", "USD")]
            back = totals[("bank", "USD")] + Decimal("800.00")  # what came back in
            paid_to_seller_later = -totals[("seller_payable", "USD")]
            assert open_amount == Decimal("800.00") - back + paid_to_seller_later - totals[("write_offs", "USD")]
    finally:
        nested.rollback()
