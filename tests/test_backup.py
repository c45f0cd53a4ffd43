"""Backups on both databases: an archive taken while uploads and payments run restores into an
empty instance with every row, every file's hash and every ledger balance; a damaged archive is
named by ``verify``; a restore into a desk that holds anything is refused."""

from __future__ import annotations

import hashlib
import io
import tarfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import current_app
from PIL import Image
from sqlalchemy import select

from portal import PROJECT_ROOT
from portal.advances import ledger
from portal.advances import services as advances
from portal.app import create_app
from portal.audit.chain import verify as verify_chain
from portal.backup import services as backups
from portal.claims.models import Claim, ClaimPack
from portal.clock import utcnow
from portal.extensions import db
from portal.inquiries import services as inquiries
from portal.inquiries.models import EvidenceDocument
from portal.jobs.queue import configure_queue
from portal.storage import FileStore
from tests.factories import AGENT, POSTGRES_URL, SUPERVISOR

#: Tables that only ever grow: a snapshot taken mid-write holds a prefix of each, row for row.
APPEND_ONLY = ("audit_events", "ledger_entries", "ledger_lines", "evidence_documents", "job_runs")


def _png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256)).save(buffer, "PNG")
    return buffer.getvalue()


def _rows(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    tables = {}
    with engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            tables[table.name] = [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
    return tables


def _writer(app, claim_id: int, stop: threading.Event, counts: dict) -> None:
    """Uploads and insurer payments, each committed on its own, until told to stop."""
    with app.app_context():
        try:
            while not stop.is_set() or counts["uploads"] < 3:
                n = counts["uploads"] + counts["payments"]
                claim = db.session.get(Claim, claim_id)
                inquiry = claim.inquiry
                kind = next(item.kind for item in inquiry.items if not item.generated)
                data = _png(n + 1)
                file = inquiries.IncomingFile(data, hashlib.sha256(data).hexdigest(), "image/png", f"photo-{n}.png")
                inquiries.attach(inquiry, kind, file, AGENT.actor, source="upload")
                db.session.commit()
                counts["uploads"] += 1
                advances.book_settlement(claim, Decimal("12.34"), "USD", SUPERVISOR, reference=f"PAY-{n}")
                db.session.commit()
                counts["payments"] += 1
        except Exception as exc:  # the test fails on it below
            counts["error"] = exc
        finally:
            db.session.remove()


@pytest.fixture
def paid_claim(plugins, claim):  # noqa: F811
    advance = advances.request_advance(plugins, claim, Decimal("1200.00"), "USD", AGENT)
    advances.approve(advance, SUPERVISOR)
    advances.pay(advance, "BANK-1", advances.Staff(3, SUPERVISOR.actor, True))
    db.session.commit()
    return claim


@pytest.fixture
def empty_instance(app_config, backend, tmp_path):
    """A second, empty desk on the same kind of database, for the archive to be restored into."""
    made = []

    def make():
        folder = tmp_path / f"restored-{len(made)}"
        if backend == "sqlite":
            url = f"sqlite:///{folder / 'coverdesk.db'}"
        else:
            name = f"coverdesk_restore_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = sa.engine.make_url(app_config["SQLALCHEMY_DATABASE_URI"]).set(database=name)
            url = url.render_as_string(hide_password=False)
        restored = create_app(
            {
                **app_config,
                "SQLALCHEMY_DATABASE_URI": url,
                "INSTANCE_PATH": str(folder),
                "EVIDENCE_DIR": str(folder / "evidence"),
            }
        )
        made.append((restored, url))
        return restored

    yield make
    for restored, url in made:
        with restored.app_context():
            db.engine.dispose()
        if backend == "postgresql":
            admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(
                    sa.text(f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')
                )
            admin.dispose()
    configure_queue(current_app._get_current_object())  # the test's app gets its own queue back


def _restore(make_instance, archive: Path):
    restored = make_instance()
    with restored.app_context():
        backups.restore(archive)
        db.session.remove()
    return restored


def _check_restored(restored, archive: Path) -> dict[str, list[tuple]]:
    """What must hold in any restored desk: the audit chain intact, every file a row names
    present with its hash, every ledger entry balanced."""
    with restored.app_context():
        verdict = verify_chain(db.session)
        assert verdict.ok, verdict.broken
        store = FileStore(restored.config["EVIDENCE_DIR"])
        named = set(db.session.scalars(select(EvidenceDocument.sha256))) | set(
            db.session.scalars(select(ClaimPack.sha256))
        )
        assert named
        for sha256 in named:
            assert hashlib.sha256(store.read(sha256)).hexdigest() == sha256
        for entry_id, total in db.session.execute(
            select(ledger.LedgerLine.entry_id, sa.func.sum(ledger.LedgerLine.amount)).group_by(
                ledger.LedgerLine.entry_id
            )
        ):
            assert Decimal(str(total)) == 0, f"ledger entry {entry_id} does not balance"
        balances = dict(ledger.balances())
        rows = _rows(db.engine)
        db.session.remove()
    return {"rows": rows, "balances": balances}


def test_a_backup_taken_while_uploads_and_payments_run_restores_everything(
    app, paid_claim, backend, tmp_path, empty_instance
):
    stop, counts = threading.Event(), {"uploads": 0, "payments": 0}
    writer = threading.Thread(target=_writer, args=(app, paid_claim.id, stop, counts))
    writer.start()
    while counts["payments"] < 2 and "error" not in counts and writer.is_alive():
        threading.Event().wait(0.01)
    busy_archive = backups.create_backup(tmp_path / "backups", utcnow())
    during = dict(counts)
    stop.set()
    writer.join(timeout=60)
    assert "error" not in counts, counts.get("error")
    assert counts["payments"] > during["payments"] or counts["uploads"] > during["uploads"]  # writes went on
    assert backups.verify(busy_archive).ok

    source_rows = _rows(db.engine)
    source_balances = dict(ledger.balances())
    busy = _check_restored(_restore(empty_instance, busy_archive), busy_archive)
    # A consistent snapshot: each append-only table is a prefix of the source's, row for row.
    for table in APPEND_ONLY:
        restored = busy["rows"][table]
        assert restored == source_rows[table][: len(restored)], table
    assert len(busy["rows"]["ledger_entries"]) >= 3  # the advance's payout and payments made before it

    # Taken when all is quiet, the archive restores the desk exactly: every row, every balance.
    time.sleep(1)  # a new second: the archive's name is its time
    quiet_archive = backups.create_backup(tmp_path / "backups", utcnow())
    quiet = _check_restored(_restore(empty_instance, quiet_archive), quiet_archive)
    assert quiet["rows"] == source_rows
    assert quiet["balances"] == source_balances
    assert source_balances[("bank", "USD")] == Decimal("12.34") * counts["payments"] - Decimal("1200.00")


def test_verify_names_a_damaged_or_incomplete_archive(app, paid_claim, tmp_path):
    archive = backups.create_backup(tmp_path, utcnow())
    good = backups.verify(archive)
    assert good.ok and any(name.startswith("evidence/") for name in good.manifest["files"])
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as target:
        victim = next(m for m in source.getmembers() if m.name.startswith("evidence/"))
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == victim.name:
                data = data[:-1] + bytes([data[-1] ^ 1])
            if member.name.startswith("database/"):
                continue  # and one file missing
            target.addfile(member, io.BytesIO(data))
    problems = backups.verify(damaged).problems
    assert f"{victim.name}: SHA-256 or size differs from the manifest" in problems
    assert any(p.startswith("database/") and p.endswith("in the manifest but missing") for p in problems)


def test_restore_refuses_a_desk_that_is_not_empty_and_an_archive_that_does_not_verify(app, paid_claim, tmp_path):
    archive = backups.create_backup(tmp_path, utcnow())
    before = _rows(db.engine)
    with pytest.raises(backups.BackupError, match="restore only into an empty instance: the database holds rows"):
        backups.restore(archive)
    broken = tmp_path / "broken.tar"
    broken.write_bytes(archive.read_bytes()[:2048])
    with pytest.raises(backups.BackupError, match="broken.tar does not verify"):
        backups.restore(broken)
    assert _rows(db.engine) == before


def test_retention_keeps_the_newest(tmp_path):
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (tmp_path / f"coverdesk-backup-{stamp}.tar").write_bytes(b"x")
    removed = backups.prune(tmp_path, 2)
    assert [p.name for p in removed] == ["coverdesk-backup-20260101T000000Z.tar"]
    assert len(list(tmp_path.glob("*.tar"))) == 2


def test_the_commands(app, paid_claim, runner, monkeypatch, tmp_path):
    from portal.cli import cli

    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    result = runner.invoke(cli, ["backup", "create", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    (archive,) = (tmp_path / "b").glob("coverdesk-backup-*.tar")
    result = runner.invoke(cli, ["backup", "verify", str(archive)])
    assert result.exit_code == 0 and ": ok, " in result.output
    result = runner.invoke(cli, ["backup", "restore", str(archive)])
    assert result.exit_code == 1 and "restore only into an empty instance" in result.output
    assert not list(PROJECT_ROOT.glob("coverdesk-backup-*"))  # it went where it was told
