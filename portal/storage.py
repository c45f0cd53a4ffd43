"""The evidence file store: content-addressed by SHA-256, outside ``static/``, written atomically.

A file's name is its hash (``ab/cd/abcd…``), so the same content is stored once and no name a
user gave ever becomes a path. A write goes to a temporary file in the target folder, is flushed
to disk and then renamed into place, so a reader never sees half a file; the database row that
points at it is committed only after the rename.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

SHA256 = re.compile(r"[0-9a-f]{64}")


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
        """Where a file lives; refuses anything but a SHA-256 in lower-case hex."""
        if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> StoredFile:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if target.is_file() and target.stat().st_size == len(data):
            return StoredFile(sha256, len(data), target, True)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o640)
            os.replace(temporary, target)  # atomic: readers see the whole file or none
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return StoredFile(sha256, len(data), target, False)

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()


def file_store() -> FileStore:
    """The app's store (``COVERDESK_EVIDENCE_DIR``)."""
    return FileStore(current_app.config["EVIDENCE_DIR"])
