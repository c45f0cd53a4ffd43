"""The evidence file store: content-addressed by SHA-256, outside ``static/``, written atomically.

A file's name is its hash (``ab/cd/abcd…``), so the same content is stored once and no name a
user gave ever becomes a path. A write goes to a temporary file in the target folder, is flushed
to disk (fsync) and then renamed into place (``os.replace``), and the folder is synced, so a
reader never sees half a file and a crash leaves at most a hidden ``.incoming-*`` file; the
database row that points at a file is committed only after ``put`` returned.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

SHA256 = re.compile(r"[0-9a-f]{64}")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    path: Path
    existed: bool  # the same content was already in the store


class FileStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        """Where a file lives; refuses anything but a SHA-256 in lower-case hex (``ValueError``)."""
        if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        """The stored file, opened for reading in binary mode (``FileNotFoundError`` if absent)."""
        return self.path(sha256).open("rb")

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def put(self, source: bytes | bytearray | memoryview | os.PathLike) -> StoredFile:
        """Store bytes, or a copy of the file at a path; the same content again is recognised
        (``existed=True``) and not written twice. A damaged copy (wrong size) is replaced."""
        if isinstance(source, (bytes, bytearray, memoryview)):
            data = bytes(source)
            sha256, size = hashlib.sha256(data).hexdigest(), len(data)
            chunks = lambda: iter((data,))  # noqa: E731
        elif isinstance(source, os.PathLike):
            sha256, size = _hash_file(source)
            chunks = lambda: _chunks_of(source)  # noqa: E731
        else:  # a str could be a path or a text: neither is taken by guess
            raise TypeError(f"put takes bytes or a path (os.PathLike), not {type(source).__name__}")
        target = self.path(sha256)
        if _complete(target, size):
            _touch(target)  # fresh again: the sweep leaves a file alone while a row may come to name it
            return StoredFile(sha256, size, target, True)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            digest = hashlib.sha256()
            with os.fdopen(handle, "wb") as stream:
                for chunk in chunks():
                    digest.update(chunk)
                    stream.write(chunk)
                stream.flush()
                os.fsync(stream.fileno())
            if digest.hexdigest() != sha256:
                raise ValueError(f"{os.fspath(source)}: the file changed while it was being stored")
            if _complete(target, size):  # another writer of the same content finished first
                Path(temporary).unlink()
                return StoredFile(sha256, size, target, True)
            os.chmod(temporary, 0o640)
            os.replace(temporary, target)  # atomic: readers see the whole file or none
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        for folder in (target.parent, target.parent.parent, self.root):
            _fsync_dir(folder)  # the new names survive a power cut too
        return StoredFile(sha256, size, target, False)


@dataclass
class SweepReport:
    temporary: list[Path]  # .incoming-* left by a write that never finished
    orphans: list[Path]  # stored files no record names (the upload's row was never committed)
    freed: int  # bytes


def sweep(
    store: FileStore, referenced: set[str], now: float, *, grace_seconds: float, dry_run: bool = False
) -> SweepReport:
    """Remove what killed or failed writes left: temporary files, and files no record names, both
    older than ``grace_seconds`` (a write in progress, or a row about to be committed, is younger).
    Files that records name are never touched."""
    report = SweepReport([], [], 0)
    if not store.root.is_dir():
        return report
    for path in store.root.glob("*/*/*"):
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        if not path.is_file() or now - info.st_mtime < grace_seconds:
            continue
        if path.name.startswith(".incoming-"):
            report.temporary.append(path)
        elif SHA256.fullmatch(path.name) and path.name not in referenced:
            report.orphans.append(path)
        else:
            continue
        report.freed += info.st_size
        if not dry_run:
            path.unlink(missing_ok=True)
    return report


def _touch(target: Path) -> None:
    with contextlib.suppress(OSError):  # a read-only store: the file is still there and complete
        os.utime(target)


def _complete(target: Path, size: int) -> bool:
    try:
        return target.stat().st_size == size
    except FileNotFoundError:
        return False


def _chunks_of(path: os.PathLike):
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def _hash_file(path: os.PathLike) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in _chunks_of(path):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # e.g. Windows cannot open a folder; its rename is durable enough
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_store() -> FileStore:
    """The app's store (``EVIDENCE_DIR``, from ``COVERDESK_EVIDENCE_DIR``)."""
    return FileStore(current_app.config["EVIDENCE_DIR"])
