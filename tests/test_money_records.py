"""Money records the database itself protects: the ledger and the audit trail refuse UPDATE and
DELETE (triggers on both databases), the audit trail is a hash chain that ``coverdesk audit verify``
proves, and two writers appending at once never fork it."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DatabaseError

from portal.audit.chain import verify
from portal.audit.models import AuditEvent
from portal.audit.services import event_row, record, record_many
from portal.cli import cli
from portal.extensions import db
from tests.factories import AGENT, SUPERVISOR, TEST_ACTOR


@pytest.fixture
def claim_with_payout(plugins, claim):  # noqa: F811
    from decimal import Decimal

    from portal.advances import services as advances

    advance = advances.request_advance(plugins, claim, Decimal("900.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", SUPERVISOR)
    db.session.commit()
    return claim


def _events(count: int, prefix: str = "test") -> None:
    for n in range(count):
        record(TEST_ACTOR, f"{prefix}.event", "test", n, after={"n": n, "ä": [1, 2]}, summary=f"{prefix} {n}")
    db.session.commit()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET summary = 'rewritten'",
        "DELETE FROM audit_events",
        "UPDATE ledger_entries SET memo = 'rewritten'",
        "DELETE FROM ledger_lines",
        "UPDATE ledger_lines SET amount = 0",
        "DELETE FROM ledger_entries",
    ],
)
def test_ledger_and_audit_rows_refuse_update_and_delete(app, claim_with_payout, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(sa.text(statement))
    db.session.rollback()


def test_an_approved_advances_payee_and_amount_cannot_be_changed(app, claim_with_payout):
    for statement, message in (
        ("UPDATE advances SET payee_name = 'Mallory'", "frozen"),
        ("UPDATE advances SET amount = 1", "never change"),
        ("DELETE FROM advances", "never deleted"),
    ):
        with pytest.raises(DatabaseError, match=message):
            db.session.execute(sa.text(statement))
        db.session.rollback()


def test_the_chain_verifies_and_names_the_first_broken_event(app, runner, backend):
    _events(5)
    record_many([event_row(TEST_ACTOR, "bulk.event", "test", n, after={"n": n}) for n in range(3)])
    db.session.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact: 8 events" in result.output

    target = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.chain_seq)).all()[3]
    with _triggers_off(backend):
        db.session.execute(sa.text("UPDATE audit_events SET summary = 'forged' WHERE id = :id"), {"id": target.id})
        db.session.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {target.id} (test.event" in result.output and "does not match its content" in result.output

    with _triggers_off(backend):
        db.session.execute(sa.text("UPDATE audit_events SET summary = 'test 3' WHERE id = :id"), {"id": target.id})
        last = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        db.session.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": last})
        db.session.commit()
    verdict = verify(db.session)
    assert verdict.checked == 7 and "events at the end are missing" in verdict.broken


def test_two_writers_appending_at_once_never_fork_the_chain(app):
    barrier = threading.Barrier(4)
    failures = []

    def writer(index: int):
        with app.app_context():
            try:
                barrier.wait()
                for n in range(10):
                    record(TEST_ACTOR, "race.event", "test", f"{index}-{n}")
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - counted below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    verdict = verify(db.session)
    assert verdict.ok, verdict.broken
    assert verdict.checked == 40


class _triggers_off:
    """Tamper as an attacker with the owner's rights would (tests only)."""

    def __init__(self, backend: str):
        self.backend = backend

    def __enter__(self):
        if self.backend == "postgresql":
            db.session.execute(sa.text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
        else:
            for action in ("update", "delete"):
                db.session.execute(sa.text(f"DROP TRIGGER audit_events_no_{action}"))
        db.session.commit()

    def __exit__(self, *exc):
        db.session.rollback()
        if self.backend == "postgresql":
            db.session.execute(sa.text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            for action in ("update", "delete"):
                db.session.execute(
                    sa.text(
                        f"CREATE TRIGGER audit_events_no_{action} BEFORE {action.upper()} ON audit_events "
                        f"BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: {action.upper()} refused'); END"
                    )
                )
        db.session.commit()
