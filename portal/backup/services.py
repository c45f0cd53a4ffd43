"""Create, verify and restore a backup archive (a tar file).

The database is copied first, consistently: SQLite through its online backup API (pages copied
while the desk keeps working), PostgreSQL with ``pg_dump`` (one snapshot transaction). The
evidence store is copied after it: files are written before the rows that name them and never
changed or removed, so every file the copied rows name is there. ``manifest.json`` lists every
file of the archive with its size and SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from ..database import POSTGRES_EXTENSIONS, ensure_extension
from ..extensions import db
from ..storage import SHA256, FileStore

FORMAT = 1
PREFIX = "coverdesk-backup-"
SQLITE_MEMBER = "database/coverdesk.sqlite"
PG_MEMBER = "database/coverdesk.pgdump"


class BackupError(Exception):
    """A backup that cannot be made, read or restored, with the reason (and the file it names)."""


@dataclass
class Verification:
    archive: Path
    manifest: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256_of(stream) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# --- create --------------------------------------------------------------------------------


def create_backup(target_dir: Path, now: datetime) -> Path:
    """Write ``coverdesk-backup-<UTC time>.tar`` into ``target_dir`` (atomically: a temporary
    name until it is complete and synced) and return its path."""
    target_dir.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{now:%Y%m%dT%H%M%S}Z.tar"
    final = target_dir / name
    if final.exists():
        raise BackupError(f"{final}: a backup of that second exists already")
    store = FileStore(current_app.config["EVIDENCE_DIR"])
    with tempfile.TemporaryDirectory(prefix=".backup-", dir=target_dir) as work:
        work = Path(work)
        dialect = db.engine.dialect.name
        if dialect == "sqlite":
            database_file, member = work / "db.sqlite", SQLITE_MEMBER
            _sqlite_snapshot(database_file)
        elif dialect == "postgresql":
            database_file, member = work / "db.pgdump", PG_MEMBER
            _pg_dump(database_file)
        else:
            raise BackupError(f"database {dialect}: backups support SQLite and PostgreSQL")
        revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        db.session.rollback()
        files: dict[str, dict] = {}
        partial = work / "archive.tar"
        with tarfile.open(partial, "w") as tar:
            with database_file.open("rb") as stream:
                sha, size = _sha256_of(stream)
            files[member] = {"sha256": sha, "size": size}
            tar.add(database_file, arcname=member)
            for path in sorted(store.root.glob("*/*/*")) if store.root.is_dir() else []:
                if not path.is_file() or not SHA256.fullmatch(path.name):
                    continue  # temporary files of writes in progress are not evidence
                with path.open("rb") as stream:
                    sha, size = _sha256_of(stream)
                if sha != path.name:
                    raise BackupError(f"evidence file {path.name}: its content does not match its name (damaged)")
                arcname = f"evidence/{path.relative_to(store.root).as_posix()}"
                files[arcname] = {"sha256": sha, "size": size}
                tar.add(path, arcname=arcname)
            manifest = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "database": dialect,
                "alembic_revision": revision,
                "files": files,
            }
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o640
            tar.addfile(info, io.BytesIO(data))
        with partial.open("rb") as stream:
            os.fsync(stream.fileno())
        os.replace(partial, final)
    directory = os.open(target_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return final


def _sqlite_snapshot(target: Path) -> None:
    source_path = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    source = sqlite3.connect(source_path, timeout=current_app.config["SQLITE_BUSY_TIMEOUT"])
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)  # the online backup API: a consistent copy while others write
    finally:
        destination.close()
        source.close()


def _pg_command(tool: str) -> tuple[list[str], dict]:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed (Debian: apt-get install postgresql-client)")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    args = [executable, "--no-owner", "--no-privileges", "--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
    if url.password:
        env["PGPASSWORD"] = url.password  # never on the command line, where ps shows it
    return args, env


def _current_schema() -> str:
    schema = db.session.scalar(text("SELECT current_schema()"))
    db.session.rollback()
    return schema


def _pg_dump(target: Path) -> None:
    args, env = _pg_command("pg_dump")
    args += ["--format=custom", "--schema", _current_schema(), "--file", str(target)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()[:500]}")


def prune(target_dir: Path, keep: int) -> list[Path]:
    """Remove the oldest backups beyond ``keep`` (their names sort by time)."""
    archives = sorted(target_dir.glob(f"{PREFIX}*.tar"))
    removed = archives[: max(len(archives) - keep, 0)]
    for archive in removed:
        archive.unlink()
    return removed


# --- verify --------------------------------------------------------------------------------


def verify(archive: Path) -> Verification:
    """Every file of the archive against the manifest (present, size, SHA-256), and nothing more."""
    result = Verification(archive)
    try:
        with tarfile.open(archive, "r") as tar:
            try:
                result.manifest = json.load(tar.extractfile("manifest.json"))
            except KeyError:
                result.problems.append("manifest.json: missing")
                return result
            listed = dict(result.manifest.get("files", {}))
            for member in tar:
                if member.name == "manifest.json":
                    continue
                expected = listed.pop(member.name, None)
                if expected is None:
                    result.problems.append(f"{member.name}: not in the manifest")
                    continue
                if not member.isfile():
                    result.problems.append(f"{member.name}: not a regular file")
                    continue
                sha, size = _sha256_of(tar.extractfile(member))
                if (sha, size) != (expected["sha256"], expected["size"]):
                    result.problems.append(f"{member.name}: SHA-256 or size differs from the manifest")
                elif member.name.startswith("evidence/") and Path(member.name).name != sha:
                    result.problems.append(f"{member.name}: content does not match its name")
            result.problems.extend(f"{name}: in the manifest but missing" for name in sorted(listed))
    except (tarfile.TarError, OSError, ValueError) as exc:
        result.problems.append(f"{archive.name}: not a readable backup ({exc})")
    if result.manifest and result.manifest.get("format") != FORMAT:
        result.problems.append(f"manifest.json: format {result.manifest.get('format')!r}, expected {FORMAT}")
    return result


# --- restore -------------------------------------------------------------------------------


def instance_problems() -> list[str]:
    """Why this instance is not empty (a restore would mix two desks)."""
    problems = []
    # Migrated but without a row is empty: ``coverdesk db upgrade`` may have run already.
    preparer = db.engine.dialect.identifier_preparer
    filled = [
        table
        for table in sorted(inspect(db.engine).get_table_names())
        if table != "alembic_version"
        and db.session.execute(text(f"SELECT 1 FROM {preparer.quote(table)} LIMIT 1")).first() is not None
    ]
    db.session.rollback()
    if filled:
        problems.append(f"the database holds rows in {len(filled)} tables ({', '.join(filled[:3])}, ...)")
    root = Path(current_app.config["EVIDENCE_DIR"])
    if root.is_dir() and any(root.iterdir()):
        problems.append(f"the evidence store {root} is not empty")
    return problems


def restore(archive: Path) -> Verification:
    """Restore into this empty instance: verified first, refused (nothing written) when the
    archive does not verify or the instance holds anything."""
    checked = verify(archive)
    if not checked.ok:
        raise BackupError(f"{archive.name} does not verify: " + "; ".join(checked.problems[:5]))
    problems = instance_problems()
    if problems:
        raise BackupError("restore only into an empty instance: " + "; ".join(problems))
    dialect = db.engine.dialect.name
    if checked.manifest["database"] != dialect:
        raise BackupError(f"the backup is of a {checked.manifest['database']} database, this desk uses {dialect}")
    store = FileStore(current_app.config["EVIDENCE_DIR"])
    with tempfile.TemporaryDirectory(prefix=".restore-") as work, tarfile.open(archive, "r") as tar:
        work = Path(work)
        member = SQLITE_MEMBER if dialect == "sqlite" else PG_MEMBER
        tar.extract(member, work, filter="data")
        # Evidence first, as the desk itself writes it: no restored row names a missing file.
        for info in tar:
            if info.name.startswith("evidence/"):
                stored = store.put(tar.extractfile(info).read())
                if stored.sha256 != Path(info.name).name:
                    raise BackupError(f"{info.name}: restored content does not match its name")
        db.session.remove()
        if dialect == "sqlite":
            _sqlite_restore(work / member)
        else:
            _pg_restore(work / member)
    db.engine.dispose()
    return checked


def _sqlite_restore(source_file: Path) -> None:
    target_path = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    db.engine.dispose()
    source = sqlite3.connect(source_file)
    target = sqlite3.connect(target_path, timeout=current_app.config["SQLITE_BUSY_TIMEOUT"])
    try:
        with target:
            source.backup(target)
    finally:
        target.close()
        source.close()


def _pg_restore(dump: Path) -> None:
    # A dump holds one schema; the extensions its indexes use belong to the database.
    with db.engine.begin() as connection:
        for extension in POSTGRES_EXTENSIONS:
            ensure_extension(connection, extension)
    db.engine.dispose()
    args, env = _pg_command("pg_restore")
    # An empty schema of the same name may exist already (public always does): clean it first.
    args += ["--clean", "--if-exists", "--exit-on-error", "--single-transaction", str(dump)]
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[:500]}")
