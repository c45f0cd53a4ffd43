"""One insurer payment, one entry: recording it on the claim books the advance's settlement in the
same step, a difference is shown and needs confirming, and the claim page and a settlement file
cannot record the same payment twice (the database refuses a second one, on both databases)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.exc import DatabaseError, IntegrityError

from portal.advances import ledger
from portal.advances import services as advances
from portal.advances.models import LedgerEntry
from portal.claims import services as claims
from portal.claims.models import Claim, InsurerPayment
from portal.database import writing
from portal.extensions import db
from tests.factories import AGENT, SUPERVISOR, TEST_ACTOR, csrf_from

SUBMITTED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ACCEPTED_ON = date(2026, 11, 25)  # Lanternfish keeps US working days: due 1 December


def accepted(plugins, claim, advance: str | None = "1500.00", pay_advance: bool = True) -> Claim:
    """The conftest claim (USD 1,850.00), accepted by the insurer, with an advance paid out."""
    if advance:
        request = advances.request_advance(plugins, claim, Decimal(advance), "USD", AGENT)
        advances.approve(request, SUPERVISOR)
        if pay_advance:
            advances.pay(request, "BANK-1", SUPERVISOR)
    claims.make_pack(plugins, claim, TEST_ACTOR)
    claims.submit(claim, TEST_ACTOR, now=SUBMITTED)
    claims.accept(plugins, claim, reference="LFM-C-55", accepted_on=ACCEPTED_ON, actor=TEST_ACTOR)
    db.session.commit()
    return claim


def settlements(claim) -> list[LedgerEntry]:
    return list(
        db.session.scalars(
            select(LedgerEntry).where(LedgerEntry.claim_id == claim.id, LedgerEntry.kind == "settlement")
        )
    )


def pay_on_page(auth, client, claim, **data) -> str:
    token = csrf_from(client.get(f"/claims/{claim.number}").get_data(as_text=True))
    form = {"csrf_token": token, "paid_on": "2026-11-30", "reference": "WIRE-9", **data}
    return client.post(f"/claims/{claim.number}/pay", data=form, follow_redirects=True).get_data(as_text=True)


def test_the_claim_page_records_the_payment_and_books_the_settlement_in_one_step(
    plugins, auth, client, claim, runner, tmp_path
):
    accepted(plugins, claim)
    auth.login("li.na", "agent")
    page = pay_on_page(auth, client, claim, amount="1850.00")
    assert f"Claim {claim.number}: paid." in page
    db.session.expire_all()
    assert claim.state == "paid" and claim.paid_amount == Decimal("1850.00")
    payment = claims.payment_of(claim)
    assert (payment.amount, payment.source, payment.difference, payment.reference) == (
        Decimal("1850.00"),
        "claim page",
        Decimal("0.00"),
        "WIRE-9",
    )
    [entry] = settlements(claim)
    assert {line.account: line.amount for line in entry.lines} == {
        "bank": Decimal("1850.00"),
        "advances": Decimal("-1500.00"),
        "seller_payable": Decimal("-350.00"),
    }
    assert entry.external_reference == "WIRE-9" and advances.exposure(claim) == 0

    # The insurer's settlement report then lists the same payment: nothing is booked again.
    from portal.cli import cli

    report = tmp_path / "settlements.csv"
    report.write_text(
        f"claim_reference,amount,currency,date\n{claim.number},1850.00,USD,2026-11-30\n"
        f"{claim.insurer_reference},1900.00,USD,2026-12-01\n",
        encoding="utf-8",
    )
    result = runner.invoke(cli, ["settlements", "import", str(report)])
    assert "0 booked, 1 already booked, 0 unmatched, 1 mismatched" in result.output, result.output
    assert (
        f"line 3: mismatched: claim {claim.number} was already paid: USD\u00a01,850.00 on 2026-11-30 (WIRE-9), "
        "recorded from the claim page" in result.output
    )
    db.session.expire_all()
    assert len(settlements(claim)) == 1
    assert db.session.scalar(select(func.count()).select_from(InsurerPayment)) == 1


def test_a_payment_that_differs_is_shown_and_only_recorded_when_confirmed(plugins, auth, client, claim):
    accepted(plugins, claim)
    auth.login("li.na", "agent")
    page = pay_on_page(auth, client, claim, amount="1000.00")
    assert "USD\u00a01,000.00 is USD\u00a0850.00 less than claimed (USD\u00a01,850.00)" in page
    db.session.expire_all()
    assert claim.state == "accepted" and claims.payment_of(claim) is None and settlements(claim) == []

    page = pay_on_page(auth, client, claim, amount="1000.00", accept_difference="y")
    assert f"Claim {claim.number}: paid." in page
    db.session.expire_all()
    assert claims.payment_of(claim).difference == Decimal("-850.00")
    # The advance (1,500) is covered by 1,000: 500 stays open to recover or write off.
    assert advances.exposure(claim) == Decimal("500.00") and len(settlements(claim)) == 1
    assert "USD\u00a0-850.00 against the amount claimed" in page or "-850.00" in page


def test_the_payment_is_checked_against_the_advance(plugins, claim):
    accepted(plugins, claim, advance="1500.00", pay_advance=False)
    with pytest.raises(advances.AdvanceRefused, match=r"advance ADV-\S+ is approved, not paid"):
        claims.pay(claim, amount=Decimal("1850.00"), paid_on=date(2026, 11, 30), reference="W", actor=TEST_ACTOR)
    db.session.rollback()
    assert db.session.get(Claim, claim.id).state == "accepted" and claims.payment_of(claim) is None
    with pytest.raises(claims.ClaimRefused, match="is in USD, the payment in EUR"):
        claims.pay(
            claim, amount=Decimal("1850.00"), currency="EUR", paid_on=date(2026, 11, 30), reference="", actor=TEST_ACTOR
        )


def test_a_settlement_file_records_a_claim_without_an_advance_once(plugins, claim, runner, tmp_path):
    from portal.cli import cli

    accepted(plugins, claim, advance=None)
    report = tmp_path / "settlements.csv"
    report.write_text(
        f"claim_reference,amount,currency,date,payment_reference\n{claim.number},1850.00,USD,2026-11-30,INS-PAY-1\n",
        encoding="utf-8",
    )
    first = runner.invoke(cli, ["settlements", "import", str(report)])
    again = runner.invoke(cli, ["settlements", "import", str(report)])
    assert "1 booked, 0 already booked" in first.output and "0 booked, 1 already booked" in again.output
    db.session.expire_all()
    payment = claims.payment_of(db.session.get(Claim, claim.id))
    assert (payment.source, payment.reference) == ("settlement file", "INS-PAY-1")
    assert settlements(claim) == []  # nothing was advanced: nothing to settle in the ledger
    with pytest.raises(claims.ClaimRefused, match="already paid") as refused:
        claims.pay(claim, amount=Decimal("1850.00"), paid_on=date(2026, 11, 30), reference="", actor=TEST_ACTOR)
    assert refused.value.conflict


def test_the_database_keeps_one_payment_per_claim_as_written(plugins, claim):
    accepted(plugins, claim)
    claims.pay(claim, amount=Decimal("1850.00"), paid_on=date(2026, 11, 30), reference="W-1", actor=TEST_ACTOR)
    db.session.commit()
    second = {"claim_id": claim.id, "amount": Decimal("1850.00"), "currency": "USD", "paid_on": date(2026, 11, 30)}
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.insert(InsurerPayment).values(
                **second, source="settlement file", difference=Decimal("0.00"), recorded_by="x"
            )
        )
    db.session.rollback()
    for statement in ("UPDATE insurer_payments SET amount = 1", "DELETE FROM insurer_payments"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()


@pytest.mark.parametrize("round_", range(2))
def test_the_page_and_a_file_at_once_record_the_payment_once(app, plugins, claim, round_):
    claim_id = accepted(plugins, claim).id
    db.session.remove()
    sources = ["claim page", "settlement file"] * 3
    barrier, results = threading.Barrier(len(sources)), [None] * len(sources)

    def run(index):
        with app.app_context(), writing():
            barrier.wait()
            try:
                results[index] = claims.pay(
                    db.session.get(Claim, claim_id),
                    amount=Decimal("1850.00"),
                    paid_on=date(2026, 11, 30),
                    reference=f"W-{index}",
                    actor=TEST_ACTOR,
                    source=sources[index],
                )
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - the test counts what each thread met
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(sources))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    recorded = [r for r in results if isinstance(r, InsurerPayment)]
    assert len(recorded) == 1, results
    assert all(isinstance(r, claims.ClaimRefused) and r.conflict for r in results if r not in recorded), results
    assert db.session.scalar(select(func.count()).select_from(InsurerPayment)) == 1
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "settlement")) == 1
    assert ledger.balance("advances", claim_id=claim_id, currency="USD") == 0
