"""A store that cannot be opened says why in the user's words: held by another process (with its PID),
damaged, or not accessible; never the database engine's own text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from fixtures.processes import held

from wijkloket.config import STORE_FILE
from wijkloket.errors import WorkspaceError
from wijkloket.i18n import render_error
from wijkloket.store.connection import store_error
from wijkloket.store.workspace import Workspace

ENGINE_WORDS = ("IO Error", "DuckDB", "duckdb.org", "Conflicting lock")


def _engine_free(text: str) -> None:
    for word in ENGINE_WORDS:
        assert word not in text, (word, text)


@pytest.mark.parametrize("read_only", [False, True])
def test_store_held_by_another_process(new_ws: Path, read_only: bool) -> None:
    with held(new_ws / STORE_FILE) as proc, pytest.raises(WorkspaceError) as info:
        Workspace(new_ws, read_only=read_only)
    err = info.value
    assert err.code == "error.store_locked"
    assert err.params["_pid"] == proc.pid
    for lang, words in (("nl", "in gebruik door een ander wijkloket-commando"), ("en", "in use by another")):
        text = render_error(err, lang)
        assert str(new_ws) in text and f"PID {proc.pid}" in text and words in text
        _engine_free(text)
    assert "wacht tot het klaar is" in render_error(err, "nl")
    # Once the other process is gone the workspace opens again.
    Workspace(new_ws, read_only=read_only).close()


def _damaged_blocks(store: Path) -> None:
    # Overwrite part of both database headers (4 KiB blocks 1 and 2): the checksums no longer match.
    data = bytearray(store.read_bytes())
    rng = np.random.default_rng(7)
    for start in (4096 + 100, 8192 + 100):
        data[start:start + 500] = rng.bytes(500)
    store.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["random_bytes", "damaged_blocks"])
@pytest.mark.parametrize("read_only", [False, True])
def test_damaged_store(new_ws: Path, damage: str, read_only: bool) -> None:
    store = new_ws / STORE_FILE
    if damage == "random_bytes":
        store.write_bytes(np.random.default_rng(3).bytes(20_000))
    else:
        _damaged_blocks(store)
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    with pytest.raises(WorkspaceError) as info:
        Workspace(new_ws, read_only=read_only)
    assert info.value.code == "error.store_corrupt"
    text = render_error(info.value, "nl")
    assert str(store) in text and "beschadigd" in text and "reservekopie" in text
    _engine_free(text)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


# The engine's texts for cases a test cannot produce here (the tests run as root, or on POSIX).
@pytest.mark.parametrize(("message", "code", "shown"), [
    ('IO Error: Cannot open file "/w/wijkloket.duckdb": Permission denied', "error.store_permission", ""),
    ('IO Error: Could not set lock on file "/w/wijkloket.duckdb": Conflicting lock is held in /usr/bin/python3 '
     '(PID 1234) by user anna. See also https://duckdb.org/docs/current/connect/concurrency', "error.store_locked",
     " (PID 1234, /usr/bin/python3)"),
    ('IO Error: Could not set lock on file "C:\\w\\wijkloket.duckdb": The process cannot access the file because '
     'it is being used by another process.', "error.store_locked", ""),
    ("IO Error: Some new failure", "error.store_unusable", None),
    ('TransactionContext Error: Failed to commit: Could not write file "/w/wijkloket.duckdb.wal": No space left on '
     'device', "error.store_disk_full", None),
    ('IO Error: Could not read enough bytes from file "/w/wijkloket.duckdb": attempted to read 262144 bytes from '
     'location 2633728', "error.store_truncated", None),
    ("Corrupt database file: computed checksum 1340 does not match stored checksum 1355 in block at location 2633728",
     "error.store_corrupt", None),
])
def test_engine_messages_classified(message: str, code: str, shown: str | None) -> None:
    err = store_error(Path("/w"), Path("/w/wijkloket.duckdb"), RuntimeError(message))
    assert err.code == code
    if code == "error.store_locked":
        assert err.params["holder"] == shown
        _engine_free(render_error(err, "nl"))
    if code == "error.store_permission":
        text = render_error(err, "nl")
        assert "geen toegang tot /w/wijkloket.duckdb" in text and "lees- en schrijfrechten" in text
        _engine_free(text)
    if code == "error.store_unusable":
        assert err.params["detail"] == message  # the last fallback keeps the detail


def test_same_store_open_twice_in_one_process_with_other_mode(new_ws: Path) -> None:
    with Workspace(new_ws), pytest.raises(WorkspaceError) as info:
        Workspace(new_ws, read_only=True)
    assert info.value.code == "error.store_locked"
    assert f"PID {info.value.params['_pid']}" in render_error(info.value, "nl")
