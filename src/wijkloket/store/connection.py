"""Opening the store file, and telling the user why it cannot be opened or read (in their words, not
the database engine's): another program holds it, the file is damaged or cut short, access is denied,
or the disk is full."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import duckdb

from wijkloket.errors import WorkspaceError

# DuckDB's texts (1.x-2.x) for the cases a user can do something about. POSIX lock messages name the
# holder ("Conflicting lock is held in /usr/bin/python3 (PID 1234) by user root"); Windows ones do not.
_LOCKED = re.compile(r"Could not set lock|Conflicting lock|being used by another process", re.IGNORECASE)
_HOLDER = re.compile(r"lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
# The same file already open in this process with the other mode (read-only versus read-write).
_SAME_PROCESS = re.compile(r"different configuration than existing connections", re.IGNORECASE)
_CORRUPT = re.compile(r"not a valid DuckDB database file|Corrupt database file|checksum", re.IGNORECASE)
# A file shorter than its own header says: cut off by an interrupted copy, a full disk or a sync tool.
_TRUNCATED = re.compile(r"Could not read enough bytes|read past the end|unexpected end of file", re.IGNORECASE)
_PERMISSION = re.compile(r"Permission denied|Operation not permitted|Access is denied|Read-only file system",
                         re.IGNORECASE)
_NO_SPACE = re.compile(r"No space left on device|not enough space on the disk|Disk quota exceeded|disk is full",
                       re.IGNORECASE)
HEADER_BYTES = 3 * 4096
"""DuckDB's file starts with three 4 KiB headers (main header and two database headers), then its blocks."""


def store_problem(folder: Path, path: Path, exc: BaseException, named: bool = False) -> WorkspaceError | None:
    """The catalogue error for an engine error that is about the store file itself (held by another
    program, damaged, cut short, not accessible, disk full); None for any other engine error. `named`:
    a short read or a refused access counts only when the text names the store (the engine reads input
    files too, and their problems are not the store's)."""
    text = str(exc)
    ours = not named or path.name in text
    if _LOCKED.search(text) or _SAME_PROCESS.search(text):
        holder = _HOLDER.search(text)
        if holder:
            pid, program = int(holder.group("pid")), holder.group("program")
        elif _SAME_PROCESS.search(text):
            pid, program = os.getpid(), sys.executable
        else:
            pid, program = None, None
        # PID and program path read the same in every language, so the text can carry them as is.
        shown = f" (PID {pid}, {program})" if pid is not None else ""
        return WorkspaceError("error.store_locked", folder=str(folder), holder=shown, _pid=pid, _program=program)
    if _NO_SPACE.search(text):
        return WorkspaceError("error.store_disk_full", folder=str(folder), file=str(path))
    if _TRUNCATED.search(text) and ours:
        return WorkspaceError("error.store_truncated", folder=str(folder), file=str(path), size=_size(path))
    if _CORRUPT.search(text):
        return WorkspaceError("error.store_corrupt", folder=str(folder), file=str(path))
    if _PERMISSION.search(text) and ours:
        return WorkspaceError("error.store_permission", folder=str(folder), file=str(path))
    return None


def store_error(folder: Path, path: Path, exc: BaseException) -> WorkspaceError:
    """The catalogue error for a store that cannot be opened or read; an engine text that names none of
    the known causes is kept (its first line) in the last, general message."""
    known = store_problem(folder, path, exc)
    if known is not None:
        return known
    text = str(exc)
    return WorkspaceError("error.store_unusable", folder=str(folder), detail=text.splitlines()[0] if text else "")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def check_complete(con: duckdb.DuckDBPyConnection, folder: Path, path: Path) -> None:
    """Refuse a store file too short to hold the blocks in use (a copy or download that stopped early):
    the engine would only find out when a query reaches a missing block. Used blocks, not all: the
    engine cuts free blocks off the end of the file but keeps counting them. A file cut only in its
    last blocks passes here and is named when a query reads them (`store_problem`)."""
    rows = con.execute("SELECT block_size, used_blocks FROM pragma_database_size() "
                       "WHERE database_name = current_database()").fetchall()
    if not rows:
        return
    expected = HEADER_BYTES + int(rows[0][0]) * int(rows[0][1])
    size = _size(path)
    if size < expected:
        raise WorkspaceError("error.store_truncated", folder=str(folder), file=str(path), size=size)


def connect(folder: Path, path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise store_error(folder, path, exc) from None
    try:
        check_complete(con, folder, path)
    except BaseException:
        con.close()
        raise
    return con
