"""Opening the store file, and telling the user why it cannot be opened (in their words, not the
database engine's): another program holds it, the file is damaged, or access is denied."""

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
_PERMISSION = re.compile(r"Permission denied|Operation not permitted|Access is denied|Read-only file system",
                         re.IGNORECASE)


def store_error(folder: Path, path: Path, exc: Exception) -> WorkspaceError:
    """The catalogue error for a store that cannot be opened or read."""
    text = str(exc)
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
    if _CORRUPT.search(text):
        return WorkspaceError("error.store_corrupt", folder=str(folder), file=str(path))
    if _PERMISSION.search(text):
        return WorkspaceError("error.store_permission", folder=str(folder), file=str(path))
    return WorkspaceError("error.store_unusable", folder=str(folder), detail=text.splitlines()[0] if text else "")


def connect(folder: Path, path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise store_error(folder, path, exc) from None
