"""The content-addressed evidence store: layout, deduplication, atomic writes, hash-only paths."""

from __future__ import annotations

import hashlib
import io
import os
import stat
import threading
from pathlib import Path

import pytest
from PIL import Image

from portal.storage import FileStore, StoredFile, file_store
from portal.uploads import check_upload

MB = 1024 * 1024


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def png() -> bytes:
    buffer = io.BytesIO()
    with Image.new("RGB", (20, 10), (0, 90, 200)) as image:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def test_a_file_is_stored_under_its_hash_and_read_back(tmp_path):
    store = FileStore(tmp_path / "files")
    stored = store.put(b"carrier letter")
    sha256 = hashlib.sha256(b"carrier letter").hexdigest()
    assert stored == StoredFile(sha256, 14, tmp_path / "files" / sha256[:2] / sha256[2:4] / sha256, existed=False)
    assert store.exists(sha256) and store.path(sha256) == stored.path
    assert store.read(sha256) == b"carrier letter"
    with store.open(sha256) as stream:
        assert stream.read() == b"carrier letter"
    assert files_under(tmp_path) == [stored.path]
    if os.name == "posix":
        assert stat.S_IMODE(stored.path.stat().st_mode) == 0o640  # not world-readable


def test_the_same_content_twice_is_stored_once_and_recognised(tmp_path):
    store = FileStore(tmp_path)
    first = store.put(b"screenshot")
    again = store.put(bytearray(b"screenshot"))
    assert (first.existed, again.existed) == (False, True) and first.path == again.path
    other = store.put(b"another screenshot")
    assert not other.existed and files_under(tmp_path) == sorted([first.path, other.path])


def test_a_file_on_disk_is_copied_in_and_matches_the_same_bytes(tmp_path):
    source = tmp_path / "upload.tmp"
    source.write_bytes(b"\x89PNG" + os.urandom(3 * MB))  # larger than one copy chunk
    store = FileStore(tmp_path / "files")
    from_path = store.put(source)
    assert from_path.sha256 == hashlib.sha256(source.read_bytes()).hexdigest() and not from_path.existed
    assert from_path.size == source.stat().st_size and from_path.path.read_bytes() == source.read_bytes()
    assert store.put(source.read_bytes()).existed and source.exists()  # the source is left alone


def test_a_string_is_neither_taken_as_a_path_nor_as_content(tmp_path):
    with pytest.raises(TypeError, match="bytes or a path"):
        FileStore(tmp_path).put("/etc/passwd")
    assert files_under(tmp_path) == []


def test_an_upload_named_like_a_path_is_stored_by_hash_inside_the_store(tmp_path):
    root = tmp_path / "store" / "files"
    checked = check_upload(png(), "../../etc/passwd.png", 20 * MB)
    stored = FileStore(root).put(checked.content)
    assert stored.sha256 == checked.sha256 and stored.path.name == checked.sha256
    assert stored.path.resolve().is_relative_to(root.resolve())
    assert files_under(tmp_path) == [stored.path]  # nothing named passwd anywhere
    assert checked.display_name == "passwd.png"  # the name is only shown to people


@pytest.mark.parametrize(
    "bad",
    [
        "../x",
        "../../etc/passwd",
        "/etc/passwd",
        "",
        "a" * 63,
        "a" * 65,
        "A" * 64,
        "g" * 64,
        "a" * 63 + "/",
        "a" * 64 + "\n",
        "ab/cd/" + "a" * 58,
        "..%2f" + "a" * 60,
        b"a" * 64,
        None,
        12,
    ],
)
def test_only_a_lower_case_hex_sha256_names_a_file(tmp_path, bad):
    store = FileStore(tmp_path)
    for method in (store.path, store.exists, store.open, store.read):
        with pytest.raises(ValueError, match="not a SHA-256 hex digest"):
            method(bad)


def test_an_absent_file_is_not_found(tmp_path):
    store, sha256 = FileStore(tmp_path), hashlib.sha256(b"never stored").hexdigest()
    assert not store.exists(sha256)
    with pytest.raises(FileNotFoundError):
        store.open(sha256)


def test_concurrent_puts_of_the_same_content_leave_one_whole_file(tmp_path):
    store, data = FileStore(tmp_path), os.urandom(4 * MB)
    sha256 = hashlib.sha256(data).hexdigest()
    start, results, seen, writing = threading.Barrier(9), [], [], threading.Event()

    def put():
        start.wait()
        results.append(store.put(data))

    def watch():
        """Whenever the file is visible, it is whole."""
        start.wait()
        while writing.is_set():
            try:
                with open(store.path(sha256), "rb") as stream:
                    seen.append(len(stream.read()))
            except FileNotFoundError:
                pass

    writing.set()
    threads = [threading.Thread(target=put) for _ in range(8)]
    watcher = threading.Thread(target=watch)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join()
    writing.clear()
    watcher.join()
    assert len(results) == 8 and {r.path for r in results} == {store.path(sha256)}
    assert sum(not r.existed for r in results) >= 1
    assert files_under(tmp_path) == [store.path(sha256)]  # no second copy, no temporary file left
    assert store.read(sha256) == data
    assert set(seen) <= {len(data)}


def test_a_crash_between_writing_and_renaming_leaves_no_visible_file(tmp_path, monkeypatch):
    store = FileStore(tmp_path)

    def crash(*args):
        raise OSError("power cut")

    with monkeypatch.context() as patch:
        patch.setattr("portal.storage.os.replace", crash)
        with pytest.raises(OSError, match="power cut"):
            store.put(b"half written")
    sha256 = hashlib.sha256(b"half written").hexdigest()
    assert not store.exists(sha256) and files_under(tmp_path) == []  # the temporary file is gone too
    assert store.put(b"half written").existed is False and store.read(sha256) == b"half written"


def test_an_interrupted_copy_from_a_path_leaves_nothing(tmp_path, monkeypatch):
    source = tmp_path / "in" / "upload.tmp"
    source.parent.mkdir()
    source.write_bytes(os.urandom(MB))
    root = tmp_path / "files"

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr("portal.storage.os.replace", crash)
    with pytest.raises(KeyboardInterrupt):
        FileStore(root).put(source)
    assert files_under(root) == []


def test_a_damaged_copy_is_replaced_by_the_whole_file(tmp_path):
    store = FileStore(tmp_path)
    stored = store.put(b"complete evidence")
    stored.path.write_bytes(b"compl")  # e.g. restored from a broken backup
    again = store.put(b"complete evidence")
    assert not again.existed and store.read(stored.sha256) == b"complete evidence"


def test_the_app_store_lives_in_the_configured_folder_outside_static(app):
    store = file_store()
    assert store.root == Path(app.config["EVIDENCE_DIR"])
    assert not store.root.resolve().is_relative_to(Path(app.static_folder).resolve())
    stored = store.put(b"evidence")
    assert stored.path.is_relative_to(store.root) and file_store().exists(stored.sha256)
